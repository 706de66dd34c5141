"""Gmail inbox polls that cost what changed.

Without it a poll of a view is ``messages.list`` plus one ``messages.get?format=metadata`` per
listed message, every time. Gmail keeps a history of every mailbox change, numbered by
``historyId`` (developers.google.com/gmail/api/guides/sync), so :class:`MailSync` keeps, per
connector instance:

- the mailbox ``historyId`` its cached pages are as of (first from ``users.getProfile``);
- each message's metadata by id;
- the first page (no cursor) of each view, tagged with the *generation* it was read in.

A first-page poll asks ``users.history.list?startHistoryId=`` (message added or deleted,
label added or removed). No records: the kept page is still right and comes back with
``unchanged=True`` -- one request. Records: the ids they name leave the metadata cache, the
generation moves on (every kept page is stale now) and the view is listed again, reading
metadata only for the ids not cached. A 404 (the id is out of date, "typically valid for at
least a week") forgets everything and reads in full, as the history.list reference asks.

One check serves every view polled together: a check is reused by another view within
:data:`SHARE_SECONDS`, but never twice by the same view -- a view polled again always asks
Gmail, so a poll never answers from a check older than the view's previous poll.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass, field

from connectors.sdk import NotFound
from connectors.sdk.mail import MailPage

from .client import GoogleClient
from .models import GMessage, GMessageList

log = logging.getLogger("tieline.connector.google")

#: Seconds within which one history check serves the other views of the same poll.
SHARE_SECONDS = 5.0
#: Metadata kept at most (oldest read dropped first); a few pages of every view.
MAX_CACHED = 2000

Render = Callable[[GMessageList, Sequence[GMessage]], Awaitable[MailPage]]
Lister = Callable[[], Awaitable[GMessageList]]


@dataclass
class _Check:
    """One history check: when, and which views it has answered."""

    at: float
    served: set[Hashable] = field(default_factory=set)


class MailSync:
    """The caches and the history check of one Gmail mailbox."""

    def __init__(
        self,
        client: GoogleClient,
        *,
        parallel: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.parallel = parallel
        self.clock = clock
        self.history_id: str | None = None
        self.meta: dict[str, GMessage] = {}
        self.generation = 0
        self._firsts: dict[Hashable, tuple[int, MailPage]] = {}
        self._check: _Check | None = None
        self._lock = asyncio.Lock()

    async def first_page(self, view: Hashable, listing: Lister, render: Render) -> MailPage:
        """A view's first page: the kept one (``unchanged``) when the mailbox has not changed
        since it was read, else listed again."""
        async with self._lock:
            await self._checked(view)
            held = self._firsts.get(view)
            if held is not None and held[0] == self.generation:
                return held[1].model_copy(update={"unchanged": True})
            generation = self.generation
        page = await self.read(listing, render)
        self._firsts[view] = (generation, page)  # an older generation is simply read again
        return page

    async def later_page(self, view: Hashable, listing: Lister, render: Render) -> MailPage:
        """A page past the first ("More..."): always listed, its metadata from the cache once
        the cache is known to be current."""
        async with self._lock:
            await self._checked(view)
        return await self.read(listing, render)

    async def read(self, listing: Lister, render: Render) -> MailPage:
        listed = await listing()
        generation = self.generation
        gate = asyncio.Semaphore(self.parallel)

        async def get(message_id: str) -> GMessage | None:
            async with gate:
                try:
                    return await self.client.message(message_id)
                except NotFound:  # deleted between the list and the read
                    return None

        wanted = [m.id for m in listed.messages if m.id not in self.meta]
        found = {m.id: m for m in await asyncio.gather(*map(get, wanted)) if m is not None}
        # A read that overlapped a check may predate the change it reported: show it, but
        # keep it only if no change came in meanwhile.
        if generation == self.generation:
            self._keep(found)
        known = {**self.meta, **found}
        return await render(listed, [known[m.id] for m in listed.messages if m.id in known])

    def forget(self) -> None:
        self.history_id = None
        self.meta.clear()
        self._firsts.clear()
        self._check = None
        self.generation += 1

    # -- the history check ------------------------------------------------------------------
    async def _checked(self, view: Hashable) -> None:
        now = self.clock()
        c = self._check
        if c is not None and view not in c.served and now - c.at < SHARE_SECONDS:
            c.served.add(view)
            return
        if self.history_id is not None:
            await self._sync()
        if self.history_id is None:
            await self._start()
        self._check = _Check(now, {view})

    async def _start(self) -> None:
        """Where the history starts: the profile's ``historyId``, read *before* listing, so a
        change made while the lists are read is replayed by the next check."""
        self.history_id = (await self.client.profile()).history_id
        self.generation += 1

    async def _sync(self) -> None:
        assert self.history_id is not None
        changed: set[str] = set()
        latest = self.history_id
        try:
            async for page in self.client.history_pages(self.history_id):
                for record in page.history:
                    changed |= record.message_ids()
                latest = page.history_id or latest
        except NotFound:
            log.info("Google: the mailbox history is out of date: reading the inbox anew")
            self.forget()
            return
        self.history_id = latest
        if changed:
            for message_id in changed:
                self.meta.pop(message_id, None)
            self._firsts.clear()
            self.generation += 1

    def _keep(self, found: dict[str, GMessage]) -> None:
        self.meta.update(found)
        for old in list(self.meta)[: max(0, len(self.meta) - MAX_CACHED)]:
            del self.meta[old]


__all__ = ["MAX_CACHED", "SHARE_SECONDS", "MailSync"]
