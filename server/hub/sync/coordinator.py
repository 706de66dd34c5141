"""One session's sync: run each capability's syncer, mirror, announce what changed.

The coordinator talks to a connector only through the sdk's capability registry (a syncer
runs only when the connector declares *and* implements its capability), so it works for any
code host / tracker / CI provider, and it never sleeps, retries or caches -- the connector's
HTTP stack does that. It owns three things: *what* to watch (the workspace folders'
repositories on its host), the in-memory index the editor's hot paths read (a hover must not
wait on SQLite, let alone the network), and the previous snapshot that turns two syncs into
domain events.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from connectors.sdk.capabilities import CIProvider, CodeHost, IssueTracker, provides
from connectors.sdk.errors import CapabilityError, NotFound, PermissionDenied
from connectors.sdk.models import Issue, ItemRef, PullRequest

from ..http import revalidate
from .changes import Change, Snapshot, changes
from .syncers import SYNCERS, Index, Syncer, Watch

log = logging.getLogger("tieline.sync")

T = TypeVar("T")

MirrorFn = Callable[[Sequence[Issue]], Awaitable[None]]
PublishFn = Callable[[Change], Awaitable[None]]


class Coordinator:
    def __init__(
        self,
        connector: Any,
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
        self._hidden: set[str] = set()
        self.syncs = 0
        #: Whether the account may use a capability now (its grant holds the scopes the
        #: capability needs; :mod:`server.hub.consent_gate`). ``None``: every one.
        self.allows: Callable[[str], bool] | None = None

    async def sync(
        self, only: Sequence[Syncer] | None = None, *, announce: bool = False
    ) -> list[Change]:
        """Run one sync (never two at once); return the changes it announced.

        ``only``: run just these syncers (a command that shows pull requests needs no
        issues). Their lists and items replace what the index had; nothing is announced,
        since a snapshot of part of the session would read as the rest having gone --
        unless ``announce``: then the parts these syncers fill (:attr:`Syncer.fills`)
        replace those of the previous snapshot, and what changed in them is announced as a
        full sync would (a pushed event's narrow refresh still tells the person of theirs).
        """
        async with self._lock:
            with revalidate():  # a poll wants the service's answer: ETag → free 304
                snap = await self._fetch(only)
            if only is not None:
                if self._mirror is not None:
                    await self._mirror(list(snap.all_items().values()))
                if not announce or self._previous is None:
                    return []
                ran = [s for s in only if s.applies(self.connector)]
                parts = {f: getattr(snap, f) for s in ran for f in s.fills}
                merged = dataclasses.replace(self._previous, **parts)
                found = changes(self._previous, merged)
                self._previous = merged
                if self._publish is not None:
                    for change in found:
                        await self._publish(change)
                return found
            found = changes(self._previous, snap)
            self._previous = snap
            self.syncs += 1
            if self._mirror is not None:
                await self._mirror(list(snap.all_items().values()))
            if self._publish is not None:
                for change in found:
                    await self._publish(change)
            return found

    async def _fetch(self, only: Sequence[Syncer] | None = None) -> Snapshot:
        run = _Pass(self)
        for syncer in SYNCERS if only is None else only:
            if syncer.applies(self.connector) and (
                self.allows is None or self.allows(syncer.capability.__name__)
            ):
                await syncer.run(run)
        self.index.put(run.snap.all_items().values())
        self.index.lists = run.lists if only is None else {**self.index.lists, **run.lists}
        return run.snap

    async def _repo_part(self, work: Awaitable[T], empty: T) -> T:
        """A watched repository's part, or ``empty`` when this account cannot see the
        repository (a fork's upstream, a private repo of another org): the account-wide
        lists still sync. Logged once per repository, not on every poll."""
        try:
            return await work
        except (NotFound, PermissionDenied) as exc:
            key = str(self.watch)
            if key not in self._hidden:
                log.warning("a watched repository is not visible to this account: %s", exc.message)
            self._hidden.add(key)
            return empty

    async def _detailed(self, pr: PullRequest) -> PullRequest:
        c = self.connector
        if pr.head_sha and pr.checks is not None:
            return pr
        full: PullRequest = await c.get_pull_request(pr.ref)
        return await self._with_checks(full)

    async def _with_checks(self, pr: PullRequest) -> PullRequest:
        c = self.connector
        if pr.checks is not None or not pr.head_sha or not provides(c, CIProvider):
            return pr
        summary = await c.get_checks(pr.ref.scope, pr.head_sha)
        return pr.model_copy(update={"checks": summary})

    async def lookup(self, ref: ItemRef) -> Issue:
        """An item by ref: from the index, else fetched once however many ask at once."""
        key = ref.id
        hit = self.index.items.get(key)
        if hit is not None:
            return hit
        pending = self._inflight.get(key)
        if pending is None:
            pending = asyncio.ensure_future(self._fetch_one(ref))
            self._inflight[key] = pending
            pending.add_done_callback(lambda _f: self._inflight.pop(key, None))
        return await asyncio.shield(pending)

    async def refresh_item(self, ref: ItemRef) -> Issue:
        """Fetch an item again, past the index and the HTTP cache's freshness (a pushed
        event says it changed); the index and the mirror get the new copy."""
        with revalidate():
            return await self._fetch_one(ref)

    async def _fetch_one(self, ref: ItemRef) -> Issue:
        c = self.connector
        if not provides(c, IssueTracker):
            raise CapabilityError(f"cannot look up {ref.label}: {ref.connector} tracks no issues")
        item: Issue = await c.get_issue(ref)
        if item.is_pull_request and provides(c, CodeHost) and not isinstance(item, PullRequest):
            item = await c.get_pull_request(item.ref)
        if isinstance(item, PullRequest):
            item = await self._with_checks(item)
        self.index.put([item])
        if self._mirror is not None:
            await self._mirror([item])
        return item


class _Pass:
    """One sync in progress: the state syncers fill (see :class:`.syncers.Pass`)."""

    def __init__(self, coordinator: Coordinator) -> None:
        self._c = coordinator
        self.connector = coordinator.connector
        self.watch = coordinator.watch
        self.index = coordinator.index
        self.snap = Snapshot()
        self.lists: dict[str, list[str]] = {}

    async def repo_part(self, work: Awaitable[T], empty: T) -> T:
        return await self._c._repo_part(work, empty)

    async def detailed(self, pr: PullRequest) -> PullRequest:
        return await self._c._detailed(pr)
