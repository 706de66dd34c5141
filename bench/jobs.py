"""Job queue throughput on a temporary database file (WAL, synchronous=NORMAL).

Run: ``python -m bench.jobs [N]``. Prints:

- enqueue, one commit per job (a producer adding jobs one by one);
- enqueue_many, one commit per batch;
- claim + ack, one commit each per job, driven directly through the queue;
- the same through a ``Worker`` with a no-op handler (adds the lease-renewal task);
- claim + ack with four connections claiming at once (contention on the write lock).
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

from server.hub.jobs import JobContext, JobQueue, Worker
from server.hub.store import Store

DEFAULT_N = 5000


def _rate(label: str, n: int, seconds: float) -> None:
    print(f"  {label:<44} {n / seconds:>10,.0f} jobs/s   ({n} in {seconds:.2f} s)")


async def _bench(n: int, folder: Path) -> None:
    async with Store.open(folder / "bench.db") as store:
        queue = JobQueue(store)

        t = time.perf_counter()
        for i in range(n):
            await queue.enqueue("bench", {"i": i})
        _rate("enqueue (one commit per job)", n, time.perf_counter() - t)

        t = time.perf_counter()
        for _ in range(n):
            job = await queue.claim("w")
            assert job is not None
            await queue.ack(job)
        _rate("claim + ack (one commit each)", n, time.perf_counter() - t)

        t = time.perf_counter()
        await queue.enqueue_many("bench", ({"i": i} for i in range(n)))
        _rate("enqueue_many (one commit per batch)", n, time.perf_counter() - t)

        async def noop(ctx: JobContext) -> None:
            return None

        worker = Worker(queue, {"bench": noop})
        t = time.perf_counter()
        ran = await worker.drain()
        _rate("Worker.drain, no-op handler", ran, time.perf_counter() - t)

        await queue.enqueue_many("bench", ({"i": i} for i in range(n)))

    stores = [await Store.open(folder / "bench.db") for _ in range(4)]
    try:

        async def drain(i: int, s: Store) -> int:
            q = JobQueue(s)
            done = 0
            while (job := await q.claim(f"w{i}")) is not None:
                await q.ack(job)
                done += 1
            return done

        t = time.perf_counter()
        total = sum(await asyncio.gather(*(drain(i, s) for i, s in enumerate(stores))))
        _rate("claim + ack, 4 connections at once", total, time.perf_counter() - t)
    finally:
        for s in stores:
            await s.close()


def main(argv: list[str] | None = None) -> None:
    """Print the job queue's throughput figures."""
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else DEFAULT_N
    print(f"jobs: durable queue throughput, {n} jobs per figure (goal: claim + ack >= 2,000/s)")
    with tempfile.TemporaryDirectory(prefix="tieline-bench-") as folder:
        asyncio.run(_bench(n, Path(folder)))


if __name__ == "__main__":
    main()
