"""The team hub's durable, ordered event log (table ``hub_events``, migration 0009), and the
tailer each hub node runs to push new rows to its SSE streams.

Why a log in the database rather than the per-process ring of the API: several hub
processes on several machines serve one team behind a load balancer. A webhook reaches one
of them; every node's streams must see it, and a client that reconnects to another node must
resume from its ``Last-Event-ID`` there. So the node that verified a delivery appends its
events here (in the transaction that records the delivery id, so a delivery is logged once
or not at all), and every node *tails* the table.

Tailing polls (a short interval: one indexed query per node, however many clients) and can
be woken early with :meth:`LogTailer.wake` -- the node that appended wakes its own tailer,
and on PostgreSQL a ``LISTEN`` on the channel :data:`NOTIFY_CHANNEL` calls it for the other
nodes' appends (``NOTIFY`` in the appending transaction), leaving the poll as the safety net.

The seam, concretely: a database object that has ``notify(channel)`` and
``listen(channel, callback)`` coroutines (the PostgreSQL backend can give ``NOTIFY`` and
``LISTEN``) is used by :meth:`EventLog.append` (``notify`` in the appending transaction, so
the notification goes out with the commit) and by :meth:`LogTailer.start` (``listen`` with
:meth:`LogTailer.wake`). SQLite's :class:`~server.hub.store.Database` has neither, and the
poll alone serves.

Ordering: on SQLite one writer at a time assigns ids in commit order. Where ids can commit
out of order (a PostgreSQL sequence: id 7 may commit before id 6, and a rolled-back insert
leaves a hole forever), the tailer does not step over a missing id at once: it waits up to
``settle`` seconds for it to appear before treating it as a hole, so no committed event is
skipped. The SQL here is portable: ``?`` parameters, ``RETURNING``, no SQLite-only syntax.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from .events import Event

log = logging.getLogger("tieline.hub.eventlog")

#: The PostgreSQL ``LISTEN``/``NOTIFY`` channel on which an append calls
#: :meth:`LogTailer.wake` on every node.
NOTIFY_CHANNEL = "tieline_hub_events"
#: How many rows one read takes (a resuming client is served page by page).
PAGE = 500

_INSERT = (
    "INSERT INTO hub_events (team, source, delivery_id, kind, connector, subject, item_keys,"
    " payload, event_time, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id"
)
_SELECT = (
    "SELECT id, team, source, delivery_id, kind, connector, subject, item_keys, payload,"
    " event_time, received_at FROM hub_events WHERE id > ?"
)


class _Db(Protocol):
    """What the log needs of the store (:class:`server.hub.store.Database` is one)."""

    async def execute(self, sql: str, params: Sequence[Any] = ...) -> int: ...

    async def fetchall(self, sql: str, params: Sequence[Any] = ...) -> list[Any]: ...

    async def fetchone(self, sql: str, params: Sequence[Any] = ...) -> Any: ...


@dataclass(frozen=True, slots=True)
class LoggedEvent:
    """One row of the log: the event as the stream sends it, with its id and team."""

    id: int
    team: str
    source: str
    delivery_id: str | None
    event: Event
    item_keys: tuple[str, ...]
    received_at: float


def item_keys(event: Event) -> list[str]:
    """The keys of the items an event is about, as ``<connector>:<subject>`` (the subject in
    the connector's reference syntax); the subject's own item first."""
    keys = [f"{event.connector}:{event.subject}"] if event.subject else []
    for extra in event.payload.get("item_keys") or ():
        if isinstance(extra, str) and extra not in keys:
            keys.append(extra)
    return keys


def _row(r: Any) -> LoggedEvent:
    payload = json.loads(r["payload"])
    event = Event(
        kind=r["kind"],
        connector=r["connector"],
        account="",
        subject=r["subject"],
        payload=payload if isinstance(payload, dict) else {},
        time=datetime.fromtimestamp(float(r["event_time"]), UTC),
    )
    return LoggedEvent(
        id=int(r["id"]),
        team=r["team"],
        source=r["source"],
        delivery_id=r["delivery_id"],
        event=event,
        item_keys=tuple(json.loads(r["item_keys"])),
        received_at=float(r["received_at"]),
    )


class EventLog:
    """Append to, read from and trim the ``hub_events`` table."""

    def __init__(self, db: _Db, *, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.clock = clock

    async def append(
        self, team: str, source: str, delivery_id: str | None, events: Iterable[Event]
    ) -> list[int]:
        """Append ``events`` in order; return their ids. Join the caller's transaction (the
        one that records the delivery id) so a delivery is logged exactly once."""
        now = self.clock()
        ids: list[int] = []
        for e in events:
            payload = json.dumps(e.payload, separators=(",", ":"), default=str)
            row = await self.db.fetchone(
                _INSERT,
                (
                    team,
                    source,
                    delivery_id,
                    e.kind,
                    e.connector,
                    e.subject,
                    json.dumps(item_keys(e)),
                    payload,
                    e.time.timestamp(),
                    now,
                ),
            )
            ids.append(int(row[0]))
        notify = getattr(self.db, "notify", None)
        if ids and callable(notify):
            await notify(NOTIFY_CHANNEL)
        return ids

    async def after(
        self, after: int, *, team: str | None = None, upto: int | None = None, limit: int = PAGE
    ) -> list[LoggedEvent]:
        """Rows with an id above ``after`` (and at most ``upto``), oldest first; one team's
        only when ``team`` is given."""
        sql = _SELECT
        params: list[Any] = [after]
        if team is not None:
            sql += " AND team = ?"
            params.append(team)
        if upto is not None:
            sql += " AND id <= ?"
            params.append(upto)
        sql += " ORDER BY id LIMIT ?"
        params.append(int(limit))
        return [_row(r) for r in await self.db.fetchall(sql, params)]

    async def last_id(self) -> int:
        """The newest id in the log (0 when it is empty)."""
        row = await self.db.fetchone("SELECT coalesce(max(id), 0) FROM hub_events")
        return int(row[0]) if row else 0

    async def first_id(self) -> int:
        """The oldest id still kept (``last_id + 1`` when the log is empty)."""
        row = await self.db.fetchone("SELECT min(id), max(id) FROM hub_events")
        if row is None or row[0] is None:
            return (int(row[1]) if row and row[1] is not None else 0) + 1
        return int(row[0])

    async def purge(self, older_than: float) -> int:
        """Delete rows received before ``older_than`` (a Unix time), but never the newest row:
        where ids are a table's own counter (SQLite's rowid), the next id counts on it."""
        return await self.db.execute(
            "DELETE FROM hub_events WHERE received_at < ?"
            " AND id < (SELECT coalesce(max(id), 0) FROM hub_events)",
            (older_than,),
        )

    async def forget_team(self, team: str) -> int:
        """Delete every row of ``team`` but the newest overall (see :meth:`purge`)."""
        return await self.db.execute(
            "DELETE FROM hub_events WHERE team = ?"
            " AND id < (SELECT coalesce(max(id), 0) FROM hub_events)",
            (team,),
        )


@dataclass(eq=False)
class Follower:
    """One stream's inbox on this node: the tailer puts its team's new rows here.

    Bounded: a stream that cannot keep up is marked ``overflowed`` and its queue emptied,
    and it reads the rows it missed from the log itself (they are durable), then follows
    again.
    """

    team: str
    #: New rows; ``None`` only wakes the reader to look at its state (shutdown, overflow).
    queue: asyncio.Queue[LoggedEvent | None] = field(default_factory=lambda: asyncio.Queue(1000))
    overflowed: bool = False

    def offer(self, row: LoggedEvent) -> None:
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(row)
        except asyncio.QueueFull:
            self.overflowed = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.wake()

    def wake(self) -> None:
        """Make a reader waiting on the queue look up (its stream may have to end)."""
        with contextlib.suppress(asyncio.QueueFull):
            self.queue.put_nowait(None)


Listener = Callable[[LoggedEvent], Awaitable[None] | None]


class LogTailer:
    """This node's reader of the log: polls it (and wakes early on :meth:`wake`) and hands
    each new row to the followers of its team, in id order, once."""

    def __init__(
        self,
        log_: EventLog,
        *,
        interval: float = 0.25,
        settle: float = 2.0,
        queue_size: int = 1000,
        clock: Callable[[], float] = time.monotonic,
        on_row: Callable[[LoggedEvent, int], None] | None = None,
    ) -> None:
        self.log = log_
        self.interval = interval
        self.settle = settle
        self.queue_size = queue_size
        self.clock = clock
        #: Called for each row fanned out, with how many followers it reached (metrics).
        self.on_row = on_row
        #: The id of the last row handed to followers.
        self.cursor = 0
        self.followers: set[Follower] = set()
        self._woken = asyncio.Event()
        self._hole_since: float | None = None
        self._task: asyncio.Task[None] | None = None
        self.polls = 0

    # -- the seam ------------------------------------------------------------------------------

    def wake(self) -> None:
        """Read the log now instead of at the next poll: called after this node appended,
        and by the PostgreSQL ``LISTEN`` on :data:`NOTIFY_CHANNEL` for other nodes'."""
        self._woken.set()

    # -- followers -----------------------------------------------------------------------------

    def follow(self, team: str) -> tuple[Follower, int]:
        """A new follower of ``team`` and the cursor it starts after: every row above that id
        reaches it through its queue; anything up to it the stream reads from the log."""
        f = Follower(team, asyncio.Queue(self.queue_size))
        self.followers.add(f)
        return f, self.cursor

    def unfollow(self, follower: Follower) -> None:
        self.followers.discard(follower)

    def queued(self) -> int:
        """Rows waiting in followers' queues (the streams' backlog on this node)."""
        return sum(f.queue.qsize() for f in self.followers)

    # -- running -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start after the newest row (new streams begin there unless they resume)."""
        self.cursor = await self.log.last_id()
        listen = getattr(self.log.db, "listen", None)
        if callable(listen):
            await listen(NOTIFY_CHANNEL, self.wake)
        self._task = asyncio.get_running_loop().create_task(self._run(), name="hub-tailer")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                more = await self.poll()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database away for a moment: try again at the next tick
                log.exception("reading the event log failed; trying again")
                more = False
            if more:
                continue
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval):
                    await self._woken.wait()
            self._woken.clear()

    async def poll(self) -> bool:
        """Read and fan out the rows after the cursor; whether a full page came (read on)."""
        self.polls += 1
        rows = await self.log.after(self.cursor)
        for row in rows:
            if row.id != self.cursor + 1 and not self._hole_settled():
                return False  # an id below this one may still commit: wait for it
            self._hole_since = None
            self.cursor = row.id
            reached = 0
            for f in list(self.followers):
                if f.team == row.team:
                    f.offer(row)
                    reached += 1
            if self.on_row is not None:
                self.on_row(row, reached)
        return len(rows) >= PAGE

    def _hole_settled(self) -> bool:
        now = self.clock()
        if self._hole_since is None:
            self._hole_since = now
        return now - self._hole_since >= self.settle


__all__ = [
    "NOTIFY_CHANNEL",
    "EventLog",
    "Follower",
    "LogTailer",
    "LoggedEvent",
    "item_keys",
]
