"""The event log and its tailer in one process: order, team fan-out, retention that keeps the
id counter, a hole in the ids waited for before it is stepped over, a slow follower."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.hub.eventlog import NOTIFY_CHANNEL, PAGE, EventLog, Follower, LoggedEvent, LogTailer
from server.hub.events import Event
from server.hub.store import Store
from tests.pg import BACKENDS, PgCluster, backend_target, pg_cluster

__all__ = ["pg_cluster"]


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(params=BACKENDS)
async def store(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    """The log on both store backends: a team hub keeps it on PostgreSQL (tests/pg.py)."""
    async with Store.open(backend_target(request, request.param, tmp_path / "hub.db")) as s:
        yield s


async def hand_polled(tailer: LogTailer) -> None:
    """Start ``tailer`` as :meth:`LogTailer.start` does, but without its loop: the test polls
    by hand. (On PostgreSQL a real ``NOTIFY`` would wake the loop to poll beside the test.)"""
    tailer.cursor = await tailer.log.last_id()


def ev(subject: str, kind: str = "issue.opened") -> Event:
    return Event(kind, "github", "", subject, {"title": subject, "item_keys": ["github:extra"]})


async def test_append_reads_back_in_order_per_team(store: Store) -> None:
    log = EventLog(store)
    ids = await log.append("alpha", "github", "d1", [ev("o/r#1"), ev("o/r#2")])
    ids += await log.append("beta", "github", "d2", [ev("b/r#1")])
    assert ids == [1, 2, 3]
    alpha = await log.after(0, team="alpha")
    assert [r.event.subject for r in alpha] == ["o/r#1", "o/r#2"]
    assert alpha[0].item_keys == ("github:o/r#1", "github:extra")
    assert alpha[0].delivery_id == "d1"
    assert [r.id for r in await log.after(1)] == [2, 3]
    assert [r.id for r in await log.after(0, upto=2)] == [1, 2]


async def test_retention_keeps_the_newest_row_so_ids_never_repeat(store: Store) -> None:
    clock = Clock()
    log = EventLog(store, clock=clock)
    await log.append("alpha", "github", None, [ev("a"), ev("b")])
    clock.now += 100
    assert await log.purge(older_than=clock.now + 1) == 1  # everything old, but the newest
    assert await log.first_id() == 2
    (nxt,) = await log.append("alpha", "github", None, [ev("c")])
    assert nxt == 3


async def test_the_tailer_fans_out_by_team_once(store: Store) -> None:
    log = EventLog(store)
    tailer = LogTailer(log, interval=60)
    await hand_polled(tailer)
    try:
        alpha, start = tailer.follow("alpha")
        beta, _ = tailer.follow("beta")
        assert start == 0
        await log.append("alpha", "github", None, [ev("a1")])
        await log.append("beta", "github", None, [ev("b1")])
        await tailer.poll()
        await tailer.poll()  # nothing new: nothing twice
        got_alpha = [alpha.queue.get_nowait() for _ in range(alpha.queue.qsize())]
        got_beta = [beta.queue.get_nowait() for _ in range(beta.queue.qsize())]
        assert [r.event.subject for r in got_alpha if r] == ["a1"]
        assert [r.event.subject for r in got_beta if r] == ["b1"]
        assert tailer.cursor == 2
    finally:
        await tailer.stop()


async def test_a_missing_id_is_waited_for_then_stepped_over(store: Store) -> None:
    """Where a sequence can commit id 3 before id 2 (PostgreSQL), the tailer holds at the
    hole for ``settle`` seconds; a row that shows up meanwhile is not lost."""
    log = EventLog(store)
    clock = Clock()
    tailer = LogTailer(log, interval=60, settle=2.0, clock=clock)
    await hand_polled(tailer)
    follower, _ = tailer.follow("alpha")
    await log.append("alpha", "github", None, [ev("one")])
    row = dict(
        team="alpha", source="github", kind="issue.opened", connector="github",
        item_keys=json.dumps([]), payload="{}", event_time=0.0, received_at=0.0,
    )  # fmt: skip
    cols = ", ".join(row)
    marks = ", ".join("?" for _ in row)
    insert = f"INSERT INTO hub_events (id, subject, {cols}) VALUES (?, ?, {marks})"
    await store.execute(insert, (3, "three", *row.values()))  # id 2 not committed yet
    await tailer.poll()
    assert tailer.cursor == 1  # holds at the hole
    await store.execute(insert, (2, "two", *row.values()))  # the late commit
    await tailer.poll()
    assert tailer.cursor == 3
    subjects = [r.event.subject for r in _drain(follower)]
    assert subjects == ["one", "two", "three"]
    # A hole that never fills is stepped over once settled.
    await store.execute(insert, (5, "five", *row.values()))
    await tailer.poll()
    assert tailer.cursor == 3
    clock.now += 2.5
    await tailer.poll()
    assert tailer.cursor == 5
    await tailer.stop()


async def test_a_slow_follower_overflows_and_is_told(store: Store) -> None:
    log = EventLog(store)
    tailer = LogTailer(log, interval=60, queue_size=3)
    await hand_polled(tailer)
    follower, _ = tailer.follow("alpha")
    await log.append("alpha", "github", None, [ev(f"e{i}") for i in range(5)])
    while await tailer.poll():
        pass
    assert follower.overflowed
    assert follower.queue.get_nowait() is None  # woken to read the rest from the log
    await tailer.stop()


async def test_a_full_page_is_read_on_at_once(store: Store) -> None:
    log = EventLog(store)
    tailer = LogTailer(log, interval=60)
    await hand_polled(tailer)
    await log.append("alpha", "github", None, [ev(str(i)) for i in range(PAGE + 3)])
    assert await tailer.poll() is True
    assert await tailer.poll() is False
    assert tailer.cursor == PAGE + 3
    await tailer.stop()


def _drain(follower: Follower) -> list[LoggedEvent]:
    q = follower.queue
    return [r for r in (q.get_nowait() for _ in range(q.qsize())) if r is not None]


class _Notifying:
    """A database with the PostgreSQL backend's seam: ``notify`` and ``listen``."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.notified: list[str] = []
        self.listeners: list[tuple[str, object]] = []

    async def execute(self, sql: str, params: object = ()) -> int:
        return await self.store.execute(sql, params)  # type: ignore[arg-type]

    async def fetchall(self, sql: str, params: object = ()) -> list[object]:
        return list(await self.store.fetchall(sql, params))  # type: ignore[arg-type]

    async def fetchone(self, sql: str, params: object = ()) -> object:
        return await self.store.fetchone(sql, params)  # type: ignore[arg-type]

    async def notify(self, channel: str) -> None:
        self.notified.append(channel)

    async def listen(self, channel: str, callback: object) -> None:
        self.listeners.append((channel, callback))


async def test_a_backend_with_notifications_drives_wake(store: Store) -> None:
    db = _Notifying(store)
    log = EventLog(db)
    tailer = LogTailer(log, interval=60)
    await tailer.start()
    try:
        assert db.listeners == [(NOTIFY_CHANNEL, tailer.wake)]
        await log.append("alpha", "github", None, [ev("a")])
        assert db.notified == [NOTIFY_CHANNEL]
    finally:
        await tailer.stop()


async def test_another_nodes_append_wakes_this_tailer_through_postgresql(
    pg_cluster: PgCluster,
) -> None:
    """Two nodes, two stores on one PostgreSQL database: node B's tailer polls once a minute,
    yet a row node A appends reaches B's follower at once -- A's ``NOTIFY`` goes out with its
    commit and B's ``LISTEN`` wakes the tailer."""
    import asyncio

    url = pg_cluster.create_database("notify")
    async with Store.open(url) as a, Store.open(url) as b:
        tailer = LogTailer(EventLog(b), interval=60)
        await tailer.start()
        try:
            follower, _ = tailer.follow("alpha")
            while tailer.polls == 0:  # its first read done, it waits out its minute
                await asyncio.sleep(0.01)
            await asyncio.sleep(0.2)
            await EventLog(a).append("alpha", "github", "d-1", [ev("a")])
            async with asyncio.timeout(10):
                row = await follower.queue.get()
            assert row is not None and row.event.subject == "a"
        finally:
            await tailer.stop()
