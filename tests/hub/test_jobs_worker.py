"""The worker: acks, failure routing, lease renewal, lease loss, cancellation, and the two
once-only effect mechanisms (``atomic`` and ``once``)."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from connectors.sdk.errors import InvalidRequest, LeaseLost, RateLimited, ServiceUnavailable
from server.hub.jobs import JobContext, JobQueue, JobState, Worker
from server.hub.store import Store
from tests.hub.clock import FakeClock

HANG_GUARD = 30  # seconds; only stops a broken test from hanging, never asserts speed


async def _effects_table(store: Store) -> None:
    await store.execute("CREATE TABLE effects (key TEXT NOT NULL, value TEXT)")


async def test_handler_success_acks(queue: JobQueue) -> None:
    seen: list[dict[str, Any]] = []

    async def handle(ctx: JobContext) -> None:
        seen.append(ctx.payload)

    job = await queue.enqueue("sync", {"a": 1})
    worker = Worker(queue, {"sync": handle})
    assert await worker.drain() == 1
    assert seen == [{"a": 1}]
    after = await queue.get(job.id)
    assert after is not None and after.state is JobState.DONE


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (ServiceUnavailable("503"), JobState.QUEUED),
        (RuntimeError("bug"), JobState.QUEUED),
        (InvalidRequest("422"), JobState.DEAD),
    ],
)
async def test_failures_are_routed_by_error_type(
    queue: JobQueue, error: Exception, state: JobState
) -> None:
    async def handle(ctx: JobContext) -> None:
        raise error

    job = await queue.enqueue("sync")
    await Worker(queue, {"sync": handle}).drain()
    after = await queue.get(job.id)
    assert after is not None and after.state is state and after.last_error


async def test_rate_limit_retries_at_the_reset_time(queue: JobQueue, clock: FakeClock) -> None:
    async def handle(ctx: JobContext) -> None:
        raise RateLimited("slow down", retry_at=clock.now + 1234)

    job = await queue.enqueue("sync")
    await Worker(queue, {"sync": handle}).drain()
    after = await queue.get(job.id)
    assert after is not None and after.run_at.timestamp() == pytest.approx(clock.now + 1234)


async def test_worker_claims_only_kinds_it_handles(queue: JobQueue) -> None:
    async def handle(ctx: JobContext) -> None:
        return None

    other = await queue.enqueue("mail")
    assert await Worker(queue, {"sync": handle}).drain() == 0
    after = await queue.get(other.id)
    assert after is not None and after.state is JobState.QUEUED


async def test_atomic_commits_writes_with_the_ack(store: Store, queue: JobQueue) -> None:
    await _effects_table(store)

    async def handle(ctx: JobContext) -> None:
        async with ctx.atomic() as db:
            await db.execute("INSERT INTO effects (key) VALUES (?)", (ctx.job.idempotency_key,))

    job = await queue.enqueue("write", idempotency_key="k1")
    await Worker(queue, {"write": handle}).drain()
    after = await queue.get(job.id)
    assert after is not None and after.state is JobState.DONE
    rows = await store.fetchall("SELECT key FROM effects")
    assert [r[0] for r in rows] == ["k1"]


async def test_atomic_rolls_back_when_the_handler_fails(store: Store, queue: JobQueue) -> None:
    await _effects_table(store)

    async def handle(ctx: JobContext) -> None:
        async with ctx.atomic() as db:
            await db.execute("INSERT INTO effects (key) VALUES ('x')")
            raise ServiceUnavailable("lost the connection half way")

    job = await queue.enqueue("write")
    await Worker(queue, {"write": handle}).drain()
    after = await queue.get(job.id)
    assert after is not None and after.state is JobState.QUEUED and after.attempts == 1
    assert await store.fetchall("SELECT * FROM effects") == []


async def test_atomic_rolls_back_when_the_lease_was_lost(
    store: Store, queue: JobQueue, clock: FakeClock
) -> None:
    await _effects_table(store)
    stolen: list[int] = []

    async def handle(ctx: JobContext) -> None:
        clock.advance(31)  # this worker stalled past its lease ...
        thief = await queue.claim("thief")  # ... and another worker took the job over
        assert thief is not None
        stolen.append(thief.attempts)
        with pytest.raises(LeaseLost):
            async with ctx.atomic() as db:
                await db.execute("INSERT INTO effects (key) VALUES ('x')")
        raise LeaseLost("gave up")

    job = await queue.enqueue("write")
    await Worker(queue, {"write": handle}, lease_seconds=30).drain()
    assert stolen == [2]
    assert await store.fetchall("SELECT * FROM effects") == []
    after = await queue.get(job.id)
    assert after is not None and after.state is JobState.RUNNING and after.lease_owner == "thief"


async def test_once_skips_an_effect_already_done(queue: JobQueue, clock: FakeClock) -> None:
    calls: list[str] = []

    async def send(key: str) -> dict[str, str]:
        calls.append(key)
        return {"message_id": "m-1"}

    results: list[Any] = []

    async def handle(ctx: JobContext) -> None:
        results.append(await ctx.once("post", send))
        if ctx.job.attempts == 1:
            raise ServiceUnavailable("crashed after posting")

    job = await queue.enqueue("notify", idempotency_key="review-42")
    worker = Worker(queue, {"notify": handle})
    await worker.drain()
    retried = await queue.get(job.id)
    assert retried is not None and retried.state is JobState.QUEUED
    clock.advance(3600)
    await worker.drain()
    assert calls == ["review-42:post"]
    assert results == [{"message_id": "m-1"}, {"message_id": "m-1"}]


async def test_once_at_most_once_never_repeats_an_uncertain_effect(
    store: Store, queue: JobQueue
) -> None:
    job = await queue.enqueue("notify")
    claimed = await queue.claim("w")
    assert claimed is not None
    # A previous attempt recorded the start of the effect and then died.
    await store.execute(
        "INSERT INTO job_effects (key, job_id, state, created_at) VALUES (?, ?, 'started', 0)",
        (f"job:{job.id}:toast", job.id),
    )
    calls: list[str] = []

    async def show(key: str) -> None:
        calls.append(key)

    ctx = JobContext(claimed, queue)
    assert await ctx.once("toast", show, at_most_once=True) is None
    assert await ctx.once("other", show, at_most_once=True) is None
    assert calls == [f"job:{job.id}:other"]
    row = await store.fetchone("SELECT state FROM job_effects WHERE key = ?", (calls[0],))
    assert row is not None and row[0] == "done"


async def test_long_job_keeps_its_lease(queue: JobQueue, clock: FakeClock) -> None:
    renewals = 0
    renewed = asyncio.Event()
    real_renew = queue.renew

    async def counting_renew(job: Any, lease_seconds: float = 30) -> bool:
        nonlocal renewals
        ok = await real_renew(job, lease_seconds)
        renewals += 1
        renewed.set()
        return ok

    queue.renew = counting_renew  # type: ignore[method-assign]
    other_claims: list[object] = []

    async def handle(ctx: JobContext) -> None:
        for _ in range(4):  # 4 x 0.02 s of fake time > the 0.03 s lease
            renewed.clear()
            await renewed.wait()
            clock.advance(0.02)
        other_claims.append(await queue.claim("other"))

    job = await queue.enqueue("slow")
    async with asyncio.timeout(HANG_GUARD):
        await Worker(queue, {"slow": handle}, lease_seconds=0.03).drain()
    assert renewals >= 4 and other_claims == [None]
    after = await queue.get(job.id)
    assert after is not None and after.state is JobState.DONE


async def test_run_wakes_on_enqueue_and_stops(queue: JobQueue) -> None:
    done = asyncio.Event()
    seen: list[int] = []

    async def handle(ctx: JobContext) -> None:
        seen.append(ctx.payload["n"])
        if len(seen) == 10:
            done.set()

    worker = Worker(queue, {"sync": handle}, poll_interval=0.05, concurrency=3)
    task = asyncio.create_task(worker.run())
    for n in range(10):
        await queue.enqueue("sync", {"n": n})
    async with asyncio.timeout(HANG_GUARD):
        await done.wait()
        worker.stop()
        await task
    assert sorted(seen) == list(range(10))


async def test_cancelled_worker_gives_the_job_back(queue: JobQueue) -> None:
    started = asyncio.Event()

    async def handle(ctx: JobContext) -> None:
        started.set()
        await asyncio.Event().wait()

    job = await queue.enqueue("sync")
    task = asyncio.create_task(Worker(queue, {"sync": handle}).run())
    async with asyncio.timeout(HANG_GUARD):
        await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    after = await queue.get(job.id)
    assert after is not None and after.state is JobState.QUEUED and after.attempts == 0
