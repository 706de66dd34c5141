"""One account's sync: fetch the watched lists, mirror them, announce what changed.

The coordinator talks to a connector only through the sdk's capability protocols, so it
works for any code host / tracker / CI provider, and it never sleeps, retries or caches --
the connector's HTTP stack does that. It owns three things: *what* to watch for a workspace,
the in-memory index the editor's hot paths read (a hover must not wait on SQLite, let alone
the network), and the previous snapshot that turns two syncs into domain events.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from connectors.sdk.capabilities import CIProvider, CodeHost, IssueFilter, IssueTracker
from connectors.sdk.errors import CapabilityError, NotFound, PermissionDenied
from connectors.sdk.models import CheckSummary, Issue, PullRequest, RepoRef

from ..http import revalidate
from .changes import Change, Snapshot, changes

log = logging.getLogger("tieline.sync")

T = TypeVar("T")
MAX_PAGES = 100  # a safety net against a cursor that never ends, not a product limit


@dataclass(frozen=True)
class Watch:
    """What one workspace wants kept fresh."""

    repo: RepoRef | None
    branch: str | None


@dataclass
class Index:
    """Everything the editor reads without I/O: items by key, lists by panel group."""

    items: dict[str, Issue] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    branch_checks: CheckSummary | None = None
    branch_pull: PullRequest | None = None
    max_number: dict[str, int] = field(default_factory=dict)  # repo full name -> highest #

    def put(self, items: Iterable[Issue]) -> None:
        for it in items:
            self.items[it.key] = it
            name = it.repo.full_name
            if it.number > self.max_number.get(name, 0):
                self.max_number[name] = it.number

    def list(self, name: str) -> list[Issue]:
        return [self.items[k] for k in self.lists.get(name, ()) if k in self.items]


MirrorFn = Callable[[Sequence[Issue]], Awaitable[None]]
PublishFn = Callable[[Change], Awaitable[None]]


class Coordinator:
    def __init__(
        self,
        connector: object,
        watch: Watch,
        *,
        mirror: MirrorFn | None = None,
        publish: PublishFn | None = None,
        index: Index | None = None,
    ) -> None:
        self.connector = connector
        self.watch = watch
        self.index = index or Index()
        self._mirror = mirror
        self._publish = publish
        self._previous: Snapshot | None = None
        self._lock = asyncio.Lock()
        self._inflight: dict[str, asyncio.Future[Issue]] = {}
        self._repo_hidden = False
        self.syncs = 0

    async def sync(self) -> list[Change]:
        """Run one sync (never two at once); return the changes it announced."""
        async with self._lock:
            with revalidate():  # a poll wants the service's answer: ETag → free 304
                snap = await self._fetch()
            found = changes(self._previous, snap)
            self._previous = snap
            self.syncs += 1
            if self._mirror is not None:
                await self._mirror(list(snap.all_items().values()))
            if self._publish is not None:
                for change in found:
                    await self._publish(change)
            return found

    async def _fetch(self) -> Snapshot:
        c = self.connector
        snap = Snapshot()
        repo, branch = self.watch.repo, self.watch.branch
        lists: dict[str, list[str]] = {}

        if isinstance(c, CodeHost):
            # Search results lack reviews, mergeability and checks; the cards and the "CI
            # failing" group need them, and an unchanged PR costs only free 304s.
            review = [
                await self._detailed(c, pr) for pr in await c.list_pull_requests("review_requested")
            ]
            mine = [await self._detailed(c, pr) for pr in await c.list_pull_requests("mine")]
            snap.review_requested = {p.key: p for p in review}
            snap.my_pull_requests = {p.key: p for p in mine}
            lists["pulls.review_requested"] = [p.key for p in review]
            lists["pulls.mine"] = [p.key for p in mine]
            lists["pulls.ci_failing"] = [p.key for p in mine if p.checks and p.checks.failed]
            if repo is not None and branch:
                on_branch = await self._repo_part(
                    c.list_pull_requests("branch", repo=repo, branch=branch), []
                )
                self.index.branch_pull = on_branch[0] if on_branch else None

        if isinstance(c, IssueTracker):
            for which in ("assigned", "mentioned", "created"):
                got = await self._all(c, which, None)
                lists[f"issues.{which}"] = [i.key for i in got]
                if which == "assigned":
                    snap.assigned = {i.key: i for i in got}
                else:
                    snap.other_issues.update({i.key: i for i in got})
            if repo is not None:
                open_items = await self._repo_part(self._all(c, "repo_open", repo), [])
                lists["issues.repo_open"] = [i.key for i in open_items]
                snap.other_issues.update({i.key: i for i in open_items})

        if isinstance(c, CIProvider) and repo is not None and branch:
            summary = await self._repo_part(c.get_checks(repo, branch), None)
            self.index.branch_checks = summary
            if summary is not None:
                snap.branch_checks = {branch: summary.overall}

        self.index.put(snap.all_items().values())
        self.index.lists = lists
        return snap

    async def _repo_part(self, work: Awaitable[T], empty: T) -> T:
        """The workspace repository's lists, or ``empty`` when this account cannot see the
        repository (a fork's upstream, a private repo of another org): the account-wide
        lists still sync. Logged once per repository, not on every poll."""
        try:
            return await work
        except (NotFound, PermissionDenied) as exc:
            if not self._repo_hidden:
                log.warning("%s is not visible to this account: %s", self.watch.repo, exc.message)
            self._repo_hidden = True
            return empty

    async def _all(self, c: IssueTracker, which: IssueFilter, repo: RepoRef | None) -> list[Issue]:
        out: list[Issue] = []
        cursor: str | None = None
        for _ in range(MAX_PAGES):
            page = await c.list_issues(which, repo=repo, cursor=cursor)
            out.extend(page.items)
            cursor = page.next_cursor
            if not cursor:
                break
        return list({i.key: i for i in out}.values())  # a page boundary may repeat an item

    async def _detailed(self, c: CodeHost, pr: PullRequest) -> PullRequest:
        if pr.head_sha and pr.checks is not None:
            return pr
        full = await c.get_pull_request(pr.repo, pr.number)
        if isinstance(c, CIProvider):
            full = await self._with_checks(c, full)
        return full

    async def _with_checks(self, c: CIProvider, pr: PullRequest) -> PullRequest:
        if pr.checks is not None or not pr.head_sha:
            return pr
        summary = await c.get_checks(pr.repo, pr.head_sha)
        return pr.model_copy(update={"checks": summary})

    async def lookup(self, repo: RepoRef, number: int) -> Issue:
        """An item by number: from the index, else fetched once however many ask at once."""
        key = f"{repo.full_name}#{number}"
        hit = self.index.items.get(key)
        if hit is not None:
            return hit
        pending = self._inflight.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch_one(repo, number))
            self._inflight[key] = pending
            pending.add_done_callback(lambda _f: self._inflight.pop(key, None))
        return await asyncio.shield(pending)

    async def _fetch_one(self, repo: RepoRef, number: int) -> Issue:
        c = self.connector
        if not isinstance(c, IssueTracker):
            raise CapabilityError(f"cannot look up {repo.full_name}#{number}: no issue tracker")
        item: Issue = await c.get_issue(repo, number)
        if item.is_pull_request and isinstance(c, CodeHost):
            item = await c.get_pull_request(repo, number)
            if isinstance(c, CIProvider) and isinstance(item, PullRequest):
                item = await self._with_checks(c, item)
        self.index.put([item])
        if self._mirror is not None:
            await self._mirror([item])
        return item
