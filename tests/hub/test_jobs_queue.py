"""The durable queue: enqueue, claim, ack, fail with backoff, dead letters, idempotency,
leases and concurrent claimers."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from connectors.sdk.errors import LeaseLost
from server.hub.jobs import JobQueue, JobState, backoff_delay
from server.hub.store import Store
from tests.hub.clock import FakeClock


async def test_enqueue_claim_ack(queue: JobQueue) -> None:
    job = await queue.enqueue("sync", {"account": "octocat"})
    assert job.state is JobState.QUEUED and job.attempts == 0
    claimed = await queue.claim("w1")
    assert claimed is not None and claimed.id == job.id
    assert claimed.state is JobState.RUNNING and claimed.attempts == 1
    assert claimed.payload == {"account": "octocat"} and claimed.lease_owner == "w1"
    assert await queue.claim("w2") is None
    await queue.ack(claimed)
    done = await queue.get(job.id)
    assert done is not None and done.state is JobState.DONE and done.finished_at is not None
    assert await queue.claim("w2") is None


async def test_claim_respects_run_at_and_order(queue: JobQueue, clock: FakeClock) -> None:
    later = await queue.enqueue("sync", delay=60)
    first = await queue.enqueue("sync")
    second = await queue.enqueue("sync")
    got = [await queue.claim("w"), await queue.claim("w"), await queue.claim("w")]
    assert [j.id if j else None for j in got] == [first.id, second.id, None]
    for claimed in got:
        if claimed is not None:
            await queue.ack(claimed)
    clock.advance(60)
    j = await queue.claim("w")
    assert j is not None and j.id == later.id


async def test_claim_filters_by_kind(queue: JobQueue) -> None:
    await queue.enqueue("mail")
    sync = await queue.enqueue("sync")
    assert await queue.claim("w", kinds=[]) is None
    j = await queue.claim("w", kinds=["sync", "other"])
    assert j is not None and j.id == sync.id
    assert await queue.claim("w", kinds=["sync"]) is None


async def test_idempotency_key_returns_the_existing_job(queue: JobQueue) -> None:
    a = await queue.enqueue("send", {"n": 1}, idempotency_key="msg-1")
    b = await queue.enqueue("send", {"n": 2}, idempotency_key="msg-1")
    assert b.id == a.id and b.payload == {"n": 1}
    claimed = await queue.claim("w")
    assert claimed is not None
    await queue.ack(claimed)
    c = await queue.enqueue("send", {"n": 3}, idempotency_key="msg-1")
    assert c.id == a.id and c.state is JobState.DONE
    assert (await queue.counts())[JobState.DONE] == 1


async def test_fail_retries_with_backoff_then_dead_letters(
    queue: JobQueue, clock: FakeClock
) -> None:
    job = await queue.enqueue("sync", max_attempts=3)
    delays = []
    for _attempt in range(2):
        claimed = await queue.claim("w")
        assert claimed is not None
        after = await queue.fail(claimed, RuntimeError("service down"))
        assert after.state is JobState.QUEUED
        assert after.last_error == "RuntimeError: service down"
        delays.append(after.run_at.timestamp() - clock.now)
        assert await queue.claim("w") is None  # not due yet
        clock.advance(delays[-1])
    assert delays == pytest.approx(
        [backoff_delay(1, rng=lambda: 0.5), backoff_delay(2, rng=lambda: 0.5)]
    )
    assert delays[1] > delays[0]
    claimed = await queue.claim("w")
    assert claimed is not None and claimed.attempts == 3
    after = await queue.fail(claimed, "still down")
    assert after.state is JobState.DEAD
    assert [d.id for d in await queue.list_dead()] == [job.id]
    revived = await queue.retry_dead(job.id)
    assert revived is not None and revived.state is JobState.QUEUED and revived.attempts == 0
    assert await queue.retry_dead(job.id) is None
    assert await queue.claim("w") is not None


async def test_permanent_failure_and_retry_at(queue: JobQueue, clock: FakeClock) -> None:
    await queue.enqueue("a")
    await queue.enqueue("b")
    a = await queue.claim("w", kinds=["a"])
    b = await queue.claim("w", kinds=["b"])
    assert a is not None and b is not None
    assert (await queue.fail(a, "422", permanent=True)).state is JobState.DEAD
    after = await queue.fail(b, "rate limited", retry_at=clock.now + 500)
    assert after.run_at.timestamp() == pytest.approx(clock.now + 500)


async def test_error_text_is_redacted(queue: JobQueue) -> None:
    await queue.enqueue("sync")
    job = await queue.claim("w")
    assert job is not None
    after = await queue.fail(job, "401 for Authorization: Bearer abcdef0123456789")
    assert after.last_error is not None and "abcdef0123456789" not in after.last_error


def test_backoff_grows_is_capped_and_jittered() -> None:
    low = [backoff_delay(n, rng=lambda: 0.0) for n in range(1, 20)]
    high = [backoff_delay(n, rng=lambda: 1.0) for n in range(1, 20)]
    assert low == sorted(low) and low[0] == 1.0 and high[0] == 2.0
    assert max(high) == 15 * 60
    assert all(lo < hi for lo, hi in zip(low, high, strict=True))


async def test_expired_lease_returns_the_job(queue: JobQueue, clock: FakeClock) -> None:
    await queue.enqueue("sync")
    first = await queue.claim("dead-worker", lease_seconds=30)
    assert first is not None
    clock.advance(29)
    assert await queue.claim("w2") is None
    clock.advance(1)
    second = await queue.claim("w2")
    assert second is not None and second.id == first.id
    assert second.attempts == 2 and second.lease_owner == "w2"
    # The first worker woke up: its ack, fail and renew are all fenced off.
    with pytest.raises(LeaseLost):
        await queue.ack(first)
    with pytest.raises(LeaseLost):
        await queue.fail(first, "late")
    assert await queue.renew(first) is False
    await queue.ack(second)


async def test_renew_keeps_the_lease(queue: JobQueue, clock: FakeClock) -> None:
    await queue.enqueue("sync")
    job = await queue.claim("w", lease_seconds=30)
    assert job is not None
    for _ in range(5):
        clock.advance(20)
        assert await queue.renew(job, 30)
        assert await queue.claim("other") is None
    await queue.ack(job)


async def test_last_attempt_lost_to_a_crash_is_reaped_dead(
    queue: JobQueue, clock: FakeClock
) -> None:
    job = await queue.enqueue("poison", max_attempts=2)
    for _ in range(2):
        assert await queue.claim("w", lease_seconds=10) is not None
        clock.advance(10)
    assert await queue.claim("w") is None  # no attempts left: not handed out again
    assert await queue.reap() == 1
    dead = await queue.get(job.id)
    assert dead is not None and dead.state is JobState.DEAD
    assert dead.last_error is not None and "lease expired" in dead.last_error


async def test_release_gives_the_attempt_back(queue: JobQueue) -> None:
    await queue.enqueue("sync")
    job = await queue.claim("w")
    assert job is not None
    assert await queue.release(job)
    again = await queue.claim("w")
    assert again is not None and again.attempts == 1


async def test_coalesced_enqueue_makes_one_job_until_it_starts(
    queue: JobQueue, clock: FakeClock
) -> None:
    a = await queue.enqueue_coalesced("sync", coalesce_key="gh", delay=5)
    b = await queue.enqueue_coalesced("sync", coalesce_key="gh", delay=5)
    c = await queue.enqueue_coalesced("sync", coalesce_key="gh", delay=0)
    assert a.id == b.id == c.id
    assert c.run_at.timestamp() == clock.now  # pulled earlier, never pushed later
    running = await queue.claim("w")
    assert running is not None
    d = await queue.enqueue_coalesced("sync", coalesce_key="gh")
    assert d.id != a.id


async def test_purge_forgets_finished_jobs(queue: JobQueue, clock: FakeClock) -> None:
    await queue.enqueue("sync", idempotency_key="k")
    job = await queue.claim("w")
    assert job is not None
    await queue.ack(job)
    clock.advance(10)
    assert await queue.purge(finished_before=clock.now) == 1
    fresh = await queue.enqueue("sync", idempotency_key="k")
    assert fresh.state is JobState.QUEUED


async def test_next_due(queue: JobQueue, clock: FakeClock) -> None:
    assert await queue.next_due() is None
    await queue.enqueue("sync", delay=42)
    assert await queue.next_due() == pytest.approx(clock.now + 42)


async def test_concurrent_claimers_never_share_a_job(db_path: Path) -> None:
    """Several connections (each its own thread) claim from one file at the same time."""
    async with Store.open(db_path) as producer:
        await JobQueue(producer).enqueue_many("sync", ({"n": n} for n in range(400)))
    stores = [await Store.open(db_path) for _ in range(4)]
    try:

        async def drain(i: int, s: Store) -> list[int]:
            q = JobQueue(s)
            got: list[int] = []
            while (job := await q.claim(f"w{i}")) is not None:
                got.append(job.id)
                await q.ack(job)
            return got

        results = await asyncio.gather(*(drain(i, s) for i, s in enumerate(stores)))
    finally:
        for s in stores:
            await s.close()
    claimed = [jid for r in results for jid in r]
    assert len(claimed) == len(set(claimed)) == 400
    assert sum(1 for r in results if r) >= 2  # the claimers really did interleave
