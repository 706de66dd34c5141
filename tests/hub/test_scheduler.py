"""The scheduler: periodic jobs only while listened to, jitter, coalescing and debounce."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from server.hub.jobs import Job, JobQueue, JobState, Listeners, Scheduler
from server.hub.store import Store
from tests.hub.clock import FakeClock


@pytest.fixture
def queue(store: Store, clock: FakeClock) -> JobQueue:
    """The scheduler's tests pin jitter to the top of its range."""
    return JobQueue(store, clock=clock, rng=lambda: 1.0)


def test_listeners_count_and_release_once() -> None:
    listeners = Listeners()
    changes: list[bool] = []
    listeners.watch(lambda: changes.append(listeners.listening("gh")))
    assert not listeners.listening() and not listeners.listening("gh")
    a = listeners.acquire("gh")
    b = listeners.acquire("gh")
    a()
    a()  # releasing twice does not release someone else's interest
    assert listeners.count("gh") == 1 and listeners.predicate("gh")()
    b()
    assert not listeners.listening("gh") and not listeners.listening()
    assert changes == [True, True, True, False]


async def test_periodic_runs_only_while_listening(queue: JobQueue, clock: FakeClock) -> None:
    listeners = Listeners()
    sched = Scheduler(queue, listeners=listeners)
    sched.every("gh", 60, "sync", {"a": 1}, jitter=0.1, listening=listeners.predicate("gh"))
    assert await sched.tick() == []
    clock.advance(600)
    assert await sched.tick() == []
    assert (await queue.counts())[JobState.QUEUED] == 0
    release = listeners.acquire("gh")
    jobs = await sched.tick()  # due all along: the first listener gets data at once
    assert len(jobs) == 1 and jobs[0].payload == {"a": 1}
    assert await sched.tick() == []
    release()
    clock.advance(66)  # interval x (1 + jitter), rng pinned at its maximum
    assert await sched.tick() == []


async def test_periodic_interval_has_jitter(queue: JobQueue, clock: FakeClock) -> None:
    sched = Scheduler(queue)
    entry = sched.every("gh", 100, "sync", jitter=0.2)
    await sched.tick()
    assert entry.next_at == pytest.approx(clock.now + 120)  # rng() == 1.0 -> +20 %


async def test_periodic_tick_coalesces_with_a_queued_sync(
    queue: JobQueue, clock: FakeClock
) -> None:
    sched = Scheduler(queue)
    sched.every("gh", 60, "sync", jitter=0.0, coalesce_key="sync:gh")
    (first,) = await sched.tick()
    clock.advance(60)
    (second,) = await sched.tick()  # the first is still queued (the worker is behind)
    assert second.id == first.id
    refresh = await sched.refresh("sync", key="sync:gh")
    assert refresh.id == first.id
    assert (await queue.counts())[JobState.QUEUED] == 1


async def test_refresh_is_debounced(queue: JobQueue, clock: FakeClock) -> None:
    sched = Scheduler(queue, debounce=2.0)
    jobs = []
    for _ in range(5):
        jobs.append(await sched.refresh("sync", {"account": "me"}, key="sync:gh:me"))
        clock.advance(0.1)
    assert len({j.id for j in jobs}) == 1
    assert jobs[0].run_at.timestamp() == pytest.approx(clock.now - 0.5 + 2.0)
    assert await queue.claim("w") is None  # waiting out the window
    clock.advance(2.0)
    assert await queue.claim("w") is not None
    again = await sched.refresh("sync", key="sync:gh:me")
    assert again.id != jobs[0].id  # the running sync may predate what the user wants


async def test_run_wakes_up_when_a_listener_arrives(queue: JobQueue) -> None:
    listeners = Listeners()
    sched = Scheduler(queue, listeners=listeners)
    sched.every("gh", 3600, "sync", listening=listeners.predicate("gh"))
    enqueued = asyncio.Event()
    real = queue.enqueue_coalesced

    async def watched(*args: Any, **kwargs: Any) -> Job:
        job = await real(*args, **kwargs)
        enqueued.set()
        return job

    queue.enqueue_coalesced = watched  # type: ignore[method-assign]
    task = asyncio.create_task(sched.run())
    try:
        await asyncio.sleep(0)
        assert sched.next_wakeup() is None and not enqueued.is_set()
        listeners.acquire("gh")
        async with asyncio.timeout(30):  # hang guard only: run() sleeps 60 s unless woken
            await enqueued.wait()
    finally:
        task.cancel()
    assert (await queue.counts())[JobState.QUEUED] == 1
    assert sched.cancel("gh") and not sched.cancel("gh")


async def test_run_ends_when_cancelled_just_after_a_wake(queue: JobQueue) -> None:
    """A hub closing: the team link's last state change wakes the scheduler, and its task is
    cancelled before it runs again. The cancellation must end it: Python 3.11's
    ``asyncio.wait_for`` returned the finished wait instead, swallowing it, and ``run()``
    slept on (the editor's ``shutdown`` waited its whole grace for the hub to close)."""
    sched = Scheduler(queue)
    task = asyncio.create_task(sched.run())
    for _ in range(3):  # into its sleep, with nothing due
        await asyncio.sleep(0)
    sched.wake()
    task.cancel()
    done, _ = await asyncio.wait([task], timeout=10)  # hang guard only
    assert done == {task} and task.cancelled()


def test_bad_schedule_is_refused(queue: JobQueue) -> None:
    with pytest.raises(ValueError, match="interval"):
        Scheduler(queue).every("x", 0, "sync")


async def test_retime_stretches_a_poll_from_now_and_restores_it_due_at_once(
    queue: JobQueue, clock: FakeClock
) -> None:
    sched = Scheduler(queue)
    entry = sched.every("gh", 60, "sync", jitter=0.0, first_in=60)
    assert sched.interval("gh") == 60 and sched.interval("nope") is None
    assert sched.retime("gh", 1800)  # a push link stands in: a safety net from now
    assert entry.interval == 1800 and entry.next_at == pytest.approx(clock.now + 1800)
    clock.advance(600)
    assert await sched.tick() == []
    assert sched.retime("gh", 60, due_in=0.0)  # the link went away: poll at once
    assert len(await sched.tick()) == 1
    assert entry.next_at == pytest.approx(clock.now + 60)
    assert not sched.retime("nope", 60)
