"""Sync change detection: the events a person would want, none on the first sync."""

from __future__ import annotations

from connectors.sdk.models import (
    CheckConclusion,
    CheckRun,
    CheckSummary,
    Issue,
    ItemState,
    PullRequest,
    RepoRef,
)
from server.hub.sync import changes as ch
from tests.factories import numbered

REPO = RepoRef(host="github.com", owner="octo", name="app")


def _issue(n: int, state: ItemState = ItemState.OPEN) -> Issue:
    return Issue(repo=REPO, ref=numbered(REPO, n), title=f"issue {n}", state=state, url=f"u/{n}")


def _pr(n: int, state: ItemState = ItemState.OPEN, checks: str | None = None) -> PullRequest:
    summary = None
    if checks:
        run = CheckRun(name="ci", status="completed", conclusion=CheckConclusion(checks))
        summary = CheckSummary.from_runs("head", (run,))
    return PullRequest(
        repo=REPO,
        ref=numbered(REPO, n, pull=True),
        title=f"pr {n}",
        state=state,
        url=f"p/{n}",
        checks=summary,
    )


def _kinds(before: ch.Snapshot | None, after: ch.Snapshot) -> list[tuple[str, str]]:
    return [(c.kind, c.subject) for c in ch.changes(before, after)]


def test_first_sync_is_a_baseline() -> None:
    after = ch.Snapshot(review_requested={"octo/app#1": _pr(1)})
    assert _kinds(None, after) == []


def test_new_review_request_and_assignment() -> None:
    before = ch.Snapshot()
    after = ch.Snapshot(review_requested={"octo/app#1": _pr(1)}, assigned={"octo/app#2": _issue(2)})
    assert _kinds(before, after) == [
        (ch.REVIEW_REQUESTED, "octo/app#1"),
        (ch.ISSUE_ASSIGNED, "octo/app#2"),
    ]
    assert _kinds(after, after) == []


def test_state_transitions() -> None:
    before = ch.Snapshot(
        assigned={"octo/app#2": _issue(2), "octo/app#3": _issue(3, ItemState.CLOSED)},
        my_pull_requests={"octo/app#4": _pr(4)},
    )
    after = ch.Snapshot(
        assigned={"octo/app#2": _issue(2, ItemState.CLOSED), "octo/app#3": _issue(3)},
        my_pull_requests={"octo/app#4": _pr(4, ItemState.MERGED)},
    )
    assert sorted(_kinds(before, after)) == sorted(
        [
            (ch.ISSUE_CLOSED, "octo/app#2"),
            (ch.ISSUE_REOPENED, "octo/app#3"),
            (ch.PULL_REQUEST_MERGED, "octo/app#4"),
        ]
    )


def test_checks_failing_then_recovering() -> None:
    s1 = ch.Snapshot(
        my_pull_requests={"octo/app#4": _pr(4, checks="pending")},
        branch_checks={"main": CheckConclusion.SUCCESS},
    )
    s2 = ch.Snapshot(
        my_pull_requests={"octo/app#4": _pr(4, checks="failure")},
        branch_checks={"main": CheckConclusion.FAILURE},
    )
    s3 = ch.Snapshot(
        my_pull_requests={"octo/app#4": _pr(4, checks="success")},
        branch_checks={"main": CheckConclusion.FAILURE},
    )
    assert _kinds(s1, s2) == [
        (ch.CHECK_SUITE_FAILED, "octo/app#4"),
        (ch.CHECK_SUITE_FAILED, "main"),
    ]
    assert _kinds(s2, s2) == []  # still failing: no repeat
    assert _kinds(s2, s3) == [(ch.CHECK_SUITE_SUCCEEDED, "octo/app#4")]
