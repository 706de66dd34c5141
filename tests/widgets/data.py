"""Widget test data: sdk models as the connectors fill them, and a store mirrored the way the
hub mirrors it after a sync (items by :class:`Mirror.save`, CI views by
:meth:`Mirror.save_view` from the syncers' own :meth:`dump`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.sdk.calendar import CalendarEvent, EventStatus, JoinLink, Provider, event_ref
from connectors.sdk.chat import Availability, PresenceStatus
from connectors.sdk.ci import Job, Pipeline, RunStatus
from connectors.sdk.models import (
    CheckConclusion,
    CheckRun,
    CheckSummary,
    Issue,
    ItemKind,
    ItemRef,
    ItemState,
    Label,
    PullRequest,
    RepoRef,
    ReviewState,
    Status,
    StatusCategory,
    User,
)
from server.hub.mirror import Mirror
from server.hub.store import Store
from server.hub.sync.syncers import Checks, Index, PipelineRuns
from tests.factories import numbered

REPO = RepoRef(host="github.com", owner="octo", name="app")
LAB = RepoRef(host="gitlab.example.test", owner="group/sub", name="project")
WHEN = datetime(2026, 12, 3, 9, 30, tzinfo=UTC)


def pull(
    number: int = 7,
    *,
    title: str = "Speed up the cache",
    body: str | None = "Makes **reads** faster.\n\n```py\nx = 1 < 2\n```",
    label: str = "perf",
    colour: str | None = "d73a4a",
    author: str = "mona",
    head: str = "fast-cache",
    repo: RepoRef = REPO,
    connector: str = "github",
    **fields: object,
) -> PullRequest:
    values: dict[str, object] = {
        "ref": numbered(repo, number, connector=connector, pull=True),
        "title": title,
        "state": ItemState.OPEN,
        "url": f"https://{repo.host}/{repo.full_name}/pull/{number}",
        "repo": repo,
        "author": User(login=author, name=author.title()),
        "labels": (Label(name=label, color=colour),),
        "body": body,
        "comments": 3,
        "updated_at": WHEN,
        "head_ref": head,
        "base_ref": "main",
        "review_state": ReviewState.APPROVED,
        "requested_reviewers": (User(login="hubot"),),
        "checks": CheckSummary(ref=head, total=4, passed=3, failed=1),
        "approvals": 1,
        "approvals_required": 2,
    }
    values.update(fields)
    return PullRequest.model_validate(values)


def issue(
    number: int = 12,
    *,
    title: str = "Crash on start",
    body: str | None = "It *crashes*. See [the log](https://example.test/log).",
    label: str = "bug",
    author: str = "mona",
    **fields: object,
) -> Issue:
    values: dict[str, object] = {
        "ref": numbered(REPO, number),
        "title": title,
        "state": ItemState.OPEN,
        "url": f"https://github.com/octo/app/issues/{number}",
        "repo": REPO,
        "author": User(login=author),
        "labels": (Label(name=label, color="0e8a16"),),
        "assignees": (User(login="hubot", name="Hu Bot"),),
        "body": body,
        "updated_at": WHEN,
    }
    values.update(fields)
    return Issue.model_validate(values)


def jira_issue(key: str = "PROJ-7", *, title: str = "Billing export") -> Issue:
    return Issue(
        ref=ItemRef.keyed("jira", "jira.example.test", key),
        title=title,
        state=ItemState.OPEN,
        url=f"https://jira.example.test/browse/{key}",
        status=Status(name="In Review", category=StatusCategory.IN_PROGRESS),
        priority="High",
        type="Story",
        sprint="Sprint 42",
        updated_at=WHEN,
    )


def checks(branch: str = "main", *, failed: int = 0, pending: int = 0) -> CheckSummary:
    runs = tuple(
        CheckRun(name=f"job{n}", status="completed", conclusion=CheckConclusion.SUCCESS)
        for n in range(3)
    )
    runs += tuple(
        CheckRun(name=f"bad{n}", status="completed", conclusion=CheckConclusion.FAILURE)
        for n in range(failed)
    )
    runs += tuple(
        CheckRun(name=f"wait{n}", status="in_progress", conclusion=CheckConclusion.PENDING)
        for n in range(pending)
    )
    return CheckSummary.from_runs(branch, runs, sha="abc123")


def pipeline(branch: str = "main", *, failing: bool = False) -> Pipeline:
    ref = ItemRef(
        connector="github", host="github.com", scope="octo/app", key="run:1", kind=ItemKind.PIPELINE
    )
    job = Job(
        ref=ref.model_copy(update={"key": "job:1", "kind": ItemKind.JOB}),
        name="lint",
        status=RunStatus.COMPLETED,
        conclusion=CheckConclusion.FAILURE if failing else CheckConclusion.SUCCESS,
    )
    return Pipeline(
        ref=ref,
        name="ci",
        status=RunStatus.COMPLETED,
        conclusion=job.conclusion,
        branch=branch,
        sha="abc123",
        jobs=(job,),
    )


def event(
    title: str,
    start: datetime,
    *,
    minutes: int = 30,
    location: str | None = None,
    join: str | None = None,
    url: str | None = None,
    uid: str | None = None,
    **fields: object,
) -> CalendarEvent:
    uid = uid or f"{title}-{start.isoformat()}"
    values: dict[str, object] = {
        "ref": event_ref("caldav", "cal.example.test", "work", uid),
        "uid": uid,
        "calendar": "work",
        "title": title,
        "start": start,
        "end": start + timedelta(minutes=minutes),
        "location": location,
        "url": url,
        "join": JoinLink(url=join, provider=Provider.ZOOM) if join else None,
    }
    values.update(fields)
    return CalendarEvent.model_validate(values)


CANCELLED = EventStatus.CANCELLED


def presence(availability: Availability, text: str = "", **fields: object) -> PresenceStatus:
    return PresenceStatus.model_validate({"availability": availability, "text": text, **fields})


async def mirror(
    store: Store,
    items: list[Issue],
    *,
    connector: str = "github",
    account: str = "octo",
    branch_checks: dict[str, CheckSummary] | None = None,
    branch_pipelines: dict[str, tuple[Pipeline, ...]] | None = None,
) -> None:
    """Write what a sync of ``connector`` would have mirrored."""
    m = Mirror(store)
    await m.save(connector, account, items)
    index = Index(branch_checks=branch_checks or {}, branch_pipelines=branch_pipelines or {})
    if branch_checks is not None:
        await m.save_view(connector, account, Checks.view, Checks().dump(index))
    if branch_pipelines is not None:
        await m.save_view(connector, account, PipelineRuns.view, PipelineRuns().dump(index))
