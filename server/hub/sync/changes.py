"""What changed between two syncs, as domain events a person may want to hear about.

Pure functions over snapshots of the watched lists. The first sync only establishes a
baseline: opening the editor must not replay every open review request as news.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.sdk.ci import Pipeline
from connectors.sdk.models import CheckConclusion, Issue, ItemState, PullRequest

from ..ci.ids import ci_id
from ..events import EventKind

# The kinds the sync publishes, from the bus's catalogue.
REVIEW_REQUESTED = EventKind.PULL_REQUEST_REVIEW_REQUESTED
PULL_REQUEST_MERGED = EventKind.PULL_REQUEST_MERGED
CHECK_SUITE_FAILED = EventKind.CHECK_SUITE_FAILED
CHECK_SUITE_SUCCEEDED = EventKind.CHECK_SUITE_SUCCEEDED
ISSUE_ASSIGNED = EventKind.ISSUE_ASSIGNED
ISSUE_CLOSED = EventKind.ISSUE_CLOSED
ISSUE_REOPENED = EventKind.ISSUE_REOPENED
CI_FAILED = EventKind.CI_FAILED
CI_SUCCEEDED = EventKind.CI_SUCCEEDED


@dataclass
class Snapshot:
    """The watched lists after one sync, keyed by item key (``ItemRef.id``); branch checks
    by ``scope@branch``."""

    review_requested: dict[str, PullRequest] = field(default_factory=dict)
    my_pull_requests: dict[str, PullRequest] = field(default_factory=dict)
    assigned: dict[str, Issue] = field(default_factory=dict)
    other_issues: dict[str, Issue] = field(default_factory=dict)
    branch_checks: dict[str, CheckConclusion] = field(default_factory=dict)  # ref -> overall
    #: Pipeline id (``ci_id``) -> (``scope@branch``, the pipeline) of the watched branches,
    #: and the branches whose pipelines were listed.
    pipelines: dict[str, tuple[str, Pipeline]] = field(default_factory=dict)
    pipeline_branches: set[str] = field(default_factory=set)

    def all_items(self) -> dict[str, Issue]:
        out: dict[str, Issue] = {}
        for group in (
            self.other_issues,
            self.assigned,
            self.my_pull_requests,
            self.review_requested,
        ):
            out.update(group)
        return out


@dataclass(frozen=True)
class Change:
    """One event-worthy change. ``subject`` is how a person names the thing
    (``octo/app#4``, ``PROJ-7``, ``octo/app@feature``)."""

    kind: str
    subject: str
    title: str
    url: str | None = None
    payload: Mapping[str, Any] = field(default_factory=dict)


def changes(before: Snapshot | None, after: Snapshot) -> list[Change]:
    """Domain events implied by going from ``before`` to ``after`` (none on the first sync)."""
    if before is None:
        return []
    out: list[Change] = []
    for key, pr in after.review_requested.items():
        if key not in before.review_requested:
            out.append(
                Change(
                    REVIEW_REQUESTED,
                    pr.ref.label,
                    pr.title,
                    pr.url,
                    {"author": pr.author.login if pr.author else None},
                )
            )
    for key, issue in after.assigned.items():
        if key not in before.assigned:
            out.append(Change(ISSUE_ASSIGNED, issue.ref.label, issue.title, issue.url))

    old_items = before.all_items()
    for key, item in after.all_items().items():
        old = old_items.get(key)
        if old is None or old.state == item.state:
            continue
        label = item.ref.label
        if item.state is ItemState.MERGED:
            out.append(Change(PULL_REQUEST_MERGED, label, item.title, item.url))
        elif item.state is ItemState.CLOSED and not item.is_pull_request:
            out.append(Change(ISSUE_CLOSED, label, item.title, item.url))
        elif old.state is ItemState.CLOSED and item.state is ItemState.OPEN:
            out.append(Change(ISSUE_REOPENED, label, item.title, item.url))

    for key, pr in after.my_pull_requests.items():
        old_pr = before.my_pull_requests.get(key)
        new_c = pr.checks.overall if pr.checks else None
        old_c = old_pr.checks.overall if old_pr and old_pr.checks else None
        out.extend(_check_change(pr.ref.label, pr.title, pr.url, old_c, new_c, old_pr is not None))
    for ref, conclusion in after.branch_checks.items():
        out.extend(
            _check_change(
                ref,
                f"branch {ref.rpartition('@')[2]}",
                None,
                before.branch_checks.get(ref),
                conclusion,
                ref in before.branch_checks,
            )
        )
    out.extend(_pipeline_changes(before, after))
    return out


def _pipeline_changes(before: Snapshot, after: Snapshot) -> list[Change]:
    """A pipeline of a watched branch that finished since the last sync: one that ran then,
    a re-run of one, or one new and already done (it ran between two polls). A branch seen
    for the first time is a baseline, like the first sync."""
    out: list[Change] = []
    for pid, (branch, p) in after.pipelines.items():
        if not p.finished:
            continue
        old = before.pipelines.get(pid)
        if old is None:
            if branch not in before.pipeline_branches:
                continue
        elif old[1].finished and _run(old[1]) == _run(p):
            continue
        failed = p.failed_jobs()
        first = failed[0] if failed else None
        name = f"{p.name} #{p.number}" if p.number is not None else p.name
        payload = {
            "pipeline": pid,
            "name": p.name,
            "number": p.number,
            "branch": branch.rpartition("@")[2],
            "scope": p.ref.scope,
            "conclusion": p.conclusion.value,
            "failed_job": ci_id(first.ref) if first else None,
            "failed_job_name": first.name if first else None,
            "failed_job_url": first.url if first else None,
        }
        kind = CI_FAILED if p.failed else CI_SUCCEEDED
        out.append(Change(kind, branch, name, p.url, payload))
    return out


def _run(p: Pipeline) -> tuple[object, ...]:
    return (p.status, p.conclusion, p.attempt, p.finished_at)


def _check_change(
    subject: str,
    title: str,
    url: str | None,
    old: CheckConclusion | None,
    new: CheckConclusion | None,
    known: bool,
) -> list[Change]:
    if not known or new == old or new is None:
        return []
    if new is CheckConclusion.FAILURE:
        return [Change(CHECK_SUITE_FAILED, subject, title, url)]
    if new is CheckConclusion.SUCCESS and old in (CheckConclusion.FAILURE, CheckConclusion.PENDING):
        return [Change(CHECK_SUITE_SUCCEEDED, subject, title, url)]
    return []
