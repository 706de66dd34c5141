"""Per-capability syncers: what one session keeps fresh for each capability it provides.

A syncer reads a connector only through one capability protocol, fills the session's index
(items by key, named lists) and the snapshot that turns two syncs into events, and names the
panel groups its lists feed. Panels merge each group across every session, so "Needs my
review" shows GitHub pull requests and GitLab merge requests together. A new capability
family that needs syncing adds one syncer to :data:`SYNCERS`; nothing else in the hub
changes.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, ClassVar, Protocol, TypeVar

from connectors.sdk.calendar import CalendarEvent
from connectors.sdk.capabilities import (
    Calendar,
    CIProvider,
    CodeHost,
    IssueFilter,
    IssueTracker,
    Pipelines,
    provides,
)
from connectors.sdk.ci import Pipeline
from connectors.sdk.models import CheckRun, CheckSummary, Issue, ItemRef, PullRequest, RepoRef
from connectors.sdk.paging import collect

from ..ci.ids import ci_id
from .changes import Snapshot

log = logging.getLogger("tieline.sync")
T = TypeVar("T")


@dataclass(frozen=True)
class Watched:
    """One repository a session keeps fresh, the branch checked out in its folder, and which
    of the connectors' marker files that folder has (``.gitlab-ci.yml``: CI runs there)."""

    repo: RepoRef
    branch: str | None
    markers: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Watch:
    """What one session wants kept fresh: the workspace folders' repositories on its host."""

    repos: tuple[Watched, ...] = ()

    @classmethod
    def of(cls, repo: RepoRef | None, branch: str | None) -> Watch:
        return cls((Watched(repo, branch),) if repo else ())


@dataclass(frozen=True)
class Group:
    """A panel group a syncer's list feeds: ``panel/group`` with a label, in display order."""

    panel: str
    id: str
    label: str
    list: str


#: Index versions: unique across every index of the process, so that a version names one
#: state of one index (a new session's index never repeats an old one's number).
_VERSIONS = itertools.count(1)


@dataclass
class Index:
    """Everything the editor reads without I/O: items by key, lists by name, CI per branch.

    ``items`` change only through :meth:`put`, which gives the index a new :attr:`version`:
    what the editor builds from items (lenses, links) is reused while the version stays.
    """

    items: dict[str, Issue] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    #: ``scope@branch`` -> the branch's checks / its open pull request.
    branch_checks: dict[str, CheckSummary] = field(default_factory=dict)
    branch_pulls: dict[str, PullRequest] = field(default_factory=dict)
    #: ``scope@branch`` -> the newest pipeline of each name on the branch, with its jobs.
    branch_pipelines: dict[str, tuple[Pipeline, ...]] = field(default_factory=dict)
    max_number: dict[str, int] = field(default_factory=dict)  # scope -> highest number
    #: Project/team keys the service has (None: the connector does not restrict keys).
    scopes: frozenset[str] | None = None
    #: Calendar events (instances expanded) of the agenda's window, by start, and when read.
    events: tuple[CalendarEvent, ...] = ()
    events_at: datetime | None = None
    version: int = field(default_factory=lambda: next(_VERSIONS))

    def put(self, items: Iterable[Issue]) -> None:
        self.version = next(_VERSIONS)
        for it in items:
            self.items[it.key] = it
            n = it.number
            if n is not None and n > self.max_number.get(it.ref.scope, 0):
                self.max_number[it.ref.scope] = n

    def list(self, name: str) -> list[Issue]:
        return [self.items[k] for k in self.lists.get(name, ()) if k in self.items]

    def get(self, ref: ItemRef) -> Issue | None:
        return self.items.get(ref.id)

    def branch_state(self, key: str) -> CheckSummary | None:
        """The branch's CI as the status bar shows it: its checks with its pipelines' jobs
        merged in (a job reported both ways counts once, as the pipeline says), for a
        provider of checks, of pipelines, or both."""
        checks = self.branch_checks.get(key)
        pipelines = self.branch_pipelines.get(key, ())
        if not pipelines:
            return checks
        runs: dict[str, CheckRun] = {r.name: r for r in (checks.runs if checks else ())}
        first = pipelines[0].summary()
        for p in pipelines:
            runs.update({r.name: r for r in p.summary().runs})
        return CheckSummary.from_runs(
            key, tuple(runs.values()), sha=first.sha, url=checks.url if checks else first.url
        )


def branch_key(repo: RepoRef, branch: str) -> str:
    return f"{repo.full_name}@{branch}"


class Pass(Protocol):
    """What a syncer may use of the session's sync in progress."""

    connector: Any
    watch: Watch
    index: Index
    snap: Snapshot
    lists: dict[str, list[str]]

    async def repo_part(self, work: Awaitable[T], empty: T) -> T: ...

    async def detailed(self, pr: PullRequest) -> PullRequest: ...


class Syncer:
    """Base: the capability it reads and the panel groups its lists feed.

    ``view`` names the part of the index a syncer fills, as the mirror keeps it between
    processes (:meth:`dump` / :meth:`load`): a command in a new process reads what the
    server synced a moment ago instead of asking the service again. Empty: not kept.
    """

    capability: ClassVar[type]
    groups: ClassVar[tuple[Group, ...]] = ()
    view: ClassVar[str] = ""
    #: The :class:`.changes.Snapshot` fields a run fills: a sync of only some syncers
    #: announces what changed by replacing just these in the previous snapshot.
    fills: ClassVar[tuple[str, ...]] = ()

    def applies(self, connector: object) -> bool:
        return provides(connector, self.capability)

    async def run(self, p: Pass) -> None:
        raise NotImplementedError

    def dump(self, index: Index) -> dict[str, Any]:
        """This syncer's part of ``index`` as JSON data (items are mirrored on their own)."""
        return {}

    def load(self, index: Index, data: Mapping[str, Any]) -> bool:
        """Put a :meth:`dump` back into ``index``; False when it does not fit (written by
        another version), and nothing is changed."""
        return False


def _lists(index: Index, prefix: str) -> dict[str, list[str]]:
    return {k: list(v) for k, v in index.lists.items() if k.startswith(prefix)}


def _load_lists(index: Index, data: Mapping[str, Any]) -> dict[str, list[str]] | None:
    lists = data.get("lists")
    if not isinstance(lists, dict) or not all(
        isinstance(v, list) and all(isinstance(k, str) for k in v) for v in lists.values()
    ):
        return None
    return {str(k): list(v) for k, v in lists.items()}


class PullRequests(Syncer):
    capability = CodeHost
    view = "pulls"
    fills = ("review_requested", "my_pull_requests")
    groups = (
        Group("work", "review", "Needs my review", "pulls.review_requested"),
        Group("work", "mine", "My pull & merge requests", "pulls.mine"),
        Group("work", "ci_failing", "CI failing", "pulls.ci_failing"),
    )

    async def run(self, p: Pass) -> None:
        c: CodeHost = p.connector
        # Search results lack reviews, mergeability and checks; the cards and the "CI
        # failing" group need them, and an unchanged PR costs only free 304s.
        review = [await p.detailed(pr) for pr in await c.list_pull_requests("review_requested")]
        mine = [await p.detailed(pr) for pr in await c.list_pull_requests("mine")]
        p.snap.review_requested = {x.key: x for x in review}
        p.snap.my_pull_requests = {x.key: x for x in mine}
        p.lists["pulls.review_requested"] = [x.key for x in review]
        p.lists["pulls.mine"] = [x.key for x in mine]
        p.lists["pulls.ci_failing"] = [x.key for x in mine if x.checks and x.checks.failed]
        pulls: dict[str, PullRequest] = {}
        for w in _hosted(p):
            if not w.branch:
                continue
            on_branch = await p.repo_part(
                c.list_pull_requests("branch", scope=w.repo.full_name, branch=w.branch), []
            )
            if on_branch:
                pulls[branch_key(w.repo, w.branch)] = on_branch[0]
        p.index.branch_pulls = pulls

    def dump(self, index: Index) -> dict[str, Any]:
        return {
            "lists": _lists(index, "pulls."),
            "branch_pulls": {k: v.model_dump(mode="json") for k, v in index.branch_pulls.items()},
        }

    def load(self, index: Index, data: Mapping[str, Any]) -> bool:
        lists = _load_lists(index, data)
        try:
            pulls = {str(k): PullRequest.model_validate(v) for k, v in data["branch_pulls"].items()}
        except (KeyError, AttributeError, ValueError):
            return False
        if lists is None:
            return False
        index.lists = {**index.lists, **lists}
        index.branch_pulls = pulls
        return True


def _hosted(p: Pass) -> tuple[Watched, ...]:
    """The watched repositories this session's service hosts: a code host's own. A site or
    account service watches repositories only to build them (``attach.watch_repos``)."""
    return p.watch.repos if p.connector.manifest().attach.kind == "remote" else ()


class Issues(Syncer):
    capability = IssueTracker
    view = "issues"
    fills = ("assigned", "other_issues")
    groups = (
        Group("work", "assigned", "Assigned to me", "issues.assigned"),
        Group("work", "mentioned", "Mentioning me", "issues.mentioned"),
        Group("work", "created", "Created by me", "issues.created"),
    )

    async def run(self, p: Pass) -> None:
        c: IssueTracker = p.connector
        for which in ("assigned", "mentioned", "created"):
            got = await self._all(c, which, None)
            p.lists[f"issues.{which}"] = [i.key for i in got]
            if which == "assigned":
                p.snap.assigned = {i.key: i for i in got}
            else:
                p.snap.other_issues.update({i.key: i for i in got})
        open_keys: list[str] = []
        for w in _hosted(p):
            items = await p.repo_part(self._all(c, "open", w.repo.full_name), [])
            open_keys += [i.key for i in items]
            p.snap.other_issues.update({i.key: i for i in items})
        p.lists["issues.open"] = open_keys

    def dump(self, index: Index) -> dict[str, Any]:
        return {"lists": _lists(index, "issues.")}

    def load(self, index: Index, data: Mapping[str, Any]) -> bool:
        lists = _load_lists(index, data)
        if lists is None:
            return False
        index.lists = {**index.lists, **lists}
        return True

    @staticmethod
    async def _all(c: IssueTracker, which: IssueFilter, scope: str | None) -> list[Issue]:
        async def page(cursor: str | None) -> tuple[tuple[Issue, ...], str | None]:
            got = await c.list_issues(which, scope=scope, cursor=cursor)
            return got.items, got.next_cursor

        items = await collect(page)
        return list({i.key: i for i in items}.values())  # a page boundary may repeat an item


class Checks(Syncer):
    capability = CIProvider
    view = "checks"
    fills = ("branch_checks",)

    async def run(self, p: Pass) -> None:
        c: CIProvider = p.connector
        checks: dict[str, CheckSummary] = {}
        for w in p.watch.repos:
            if not w.branch:
                continue
            summary = await p.repo_part(c.get_checks(w.repo.full_name, w.branch), None)
            if summary is not None:
                key = branch_key(w.repo, w.branch)
                checks[key] = summary
                p.snap.branch_checks[key] = summary.overall
        p.index.branch_checks = checks

    def dump(self, index: Index) -> dict[str, Any]:
        return {"branches": {k: v.model_dump(mode="json") for k, v in index.branch_checks.items()}}

    def load(self, index: Index, data: Mapping[str, Any]) -> bool:
        try:
            got = {str(k): CheckSummary.model_validate(v) for k, v in data["branches"].items()}
        except (KeyError, AttributeError, ValueError):
            return False
        index.branch_checks = got
        return True


class PipelineRuns(Syncer):
    """The newest pipeline of each name on every watched branch, with its jobs.

    A poll lists the branch's pipelines (an unchanged list is a free 304 where the service
    has ETags) and asks for the jobs only of pipelines that run or changed since the last
    sync; a finished, unchanged one keeps the jobs it had. A connector with marker files
    (``.gitlab-ci.yml``) is asked only about folders that have one.
    """

    capability = Pipelines
    view = "pipelines"
    fills = ("pipelines", "pipeline_branches")
    #: How many of the branch's newest pipelines are listed (the newest per name is kept).
    LIMIT = 10

    async def run(self, p: Pass) -> None:
        c: Any = p.connector
        markers = frozenset(c.manifest().attach.markers)
        before = {ci_id(x.ref): x for xs in p.index.branch_pipelines.values() for x in xs}
        out: dict[str, tuple[Pipeline, ...]] = {}
        for w in p.watch.repos:
            if not w.branch or (markers and not markers & w.markers):
                continue
            scope = c.ci_scope(w.repo)
            if scope is None:
                continue
            listed: list[Pipeline] | None = await p.repo_part(
                _listed(c, scope, w.branch, self.LIMIT), None
            )
            if listed is None:
                continue
            newest: dict[str, Pipeline] = {}
            for x in listed:
                newest.setdefault(x.name, x)  # newest first: the first of a name is its latest
            got = [await self._detailed(p, c, x, before.get(ci_id(x.ref))) for x in newest.values()]
            key = branch_key(w.repo, w.branch)
            out[key] = tuple(got)
            p.snap.pipelines.update({ci_id(x.ref): (key, x) for x in got})
            p.snap.pipeline_branches.add(key)
            if got:
                p.snap.branch_checks.pop(key, None)  # its pipelines' events say it, once
        p.index.branch_pipelines = out

    def dump(self, index: Index) -> dict[str, Any]:
        return {
            "branches": {
                k: [x.model_dump(mode="json") for x in v] for k, v in index.branch_pipelines.items()
            }
        }

    def load(self, index: Index, data: Mapping[str, Any]) -> bool:
        try:
            got = {
                str(k): tuple(Pipeline.model_validate(x) for x in v)
                for k, v in data["branches"].items()
            }
        except (KeyError, AttributeError, TypeError, ValueError):
            return False
        index.branch_pipelines = got
        return True

    @staticmethod
    async def _detailed(p: Pass, c: Any, x: Pipeline, old: Pipeline | None) -> Pipeline:
        if old is not None and old.finished and _same_run(old, x):
            return (
                old.model_copy(update={"actions": x.actions}) if old.actions != x.actions else old
            )
        if x.finished and x.jobs:
            return x
        full: Pipeline = await p.repo_part(c.get_pipeline(x.ref), x)
        return full


async def _listed(c: Any, scope: str, branch: str, limit: int) -> list[Pipeline]:
    return list(await c.list_pipelines(scope, branch=branch, limit=limit))


def _same_run(a: Pipeline, b: Pipeline) -> bool:
    """Is listed ``b`` the run ``a`` was read as? Times count only where both name them: a
    list may leave out what the single read has (GitLab's pipeline list has ``updated_at``
    but no ``finished_at``; counting a missing time as a change re-read every finished
    pipeline's jobs on every poll)."""
    if (a.status, a.conclusion, a.attempt) != (b.status, b.conclusion, b.attempt):
        return False
    return all(
        x is None or y is None or x == y
        for x, y in ((a.finished_at, b.finished_at), (a.updated_at, b.updated_at))
    )


class Scopes(Syncer):
    """Project/team keys of key-based trackers, so ``UTF-8`` is never taken for an issue."""

    capability = IssueTracker

    async def run(self, p: Pass) -> None:
        keys = await p.connector.known_scopes()
        p.index.scopes = frozenset(keys) if keys is not None else None


def _now() -> datetime:
    return datetime.now().astimezone()


class Agenda(Syncer):
    """The events of every calendar of the account from the start of today (local time)
    for :attr:`DAYS` days, recurrences expanded. The connector asks its service only for
    what changed (sync tokens), so a poll of an unchanged calendar is about one request."""

    capability = Calendar
    DAYS = 7
    #: The clock (a test or benchmark may set its own).
    clock: Callable[[], datetime] = staticmethod(_now)

    async def run(self, p: Pass) -> None:
        c: Calendar = p.connector
        now = self.clock()
        start = now.replace(hour=0, minute=0, second=0, microsecond=0)
        p.index.events = tuple(await c.events(start, start + timedelta(days=self.DAYS)))
        p.index.events_at = now


#: Every syncer, in the order a sync runs them.
SYNCERS: tuple[Syncer, ...] = (
    Scopes(),
    PullRequests(),
    Issues(),
    Checks(),
    PipelineRuns(),
    Agenda(),
)


def panel_groups() -> list[Group]:
    """Every panel group, in display order (panels merge each across sessions)."""
    return [g for s in SYNCERS for g in s.groups]


__all__ = [
    "SYNCERS",
    "Agenda",
    "Group",
    "Index",
    "PipelineRuns",
    "Syncer",
    "Watch",
    "Watched",
    "branch_key",
    "panel_groups",
]
