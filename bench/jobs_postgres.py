"""Job queue throughput on PostgreSQL (a team hub) beside SQLite (the embedded default).

Run: ``python -m bench.jobs_postgres [N]``. Each figure is jobs claimed and acked per second
(one commit each), ``N`` jobs queued beforehand:

- SQLite, one process (a temporary file, WAL, synchronous=NORMAL);
- PostgreSQL, one worker process;
- PostgreSQL, four worker processes sharing the queue (``FOR UPDATE SKIP LOCKED``).

PostgreSQL is a throwaway local cluster (tests/pg.py) with fsync on and
``synchronous_commit=off``, its match for SQLite's synchronous=NORMAL: a commit survives the
server process crashing, not the machine. Without PostgreSQL installed the benchmark says so
and prints only the SQLite figure.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import sys
import tempfile
import time
from multiprocessing.synchronize import Barrier
from pathlib import Path
from typing import Any

from server.hub.jobs import JobQueue
from server.hub.store import Store

DEFAULT_N = 5000
PROCESS_GUARD = 600.0  # seconds; only stops a broken run from hanging


def _rate(label: str, n: int, seconds: float) -> None:
    print(f"  {label:<44} {n / seconds:>10,.0f} jobs/s   ({n} in {seconds:.2f} s)", flush=True)


async def _fill(target: Path | str, n: int) -> None:
    async with Store.open(target) as store:
        await JobQueue(store).enqueue_many("bench", ({"i": i} for i in range(n)))
        if store.dialect.postgres:  # what autovacuum would have done by now on a live hub
            await store.execute("ANALYZE jobs")


async def _drain(store: Store, worker: str) -> int:
    queue = JobQueue(store)
    done = 0
    while (job := await queue.claim(worker)) is not None:
        await queue.ack(job)
        done += 1
    return done


def _worker_process(target: str, worker: str, barrier: Barrier, results: Any) -> None:
    async def run() -> None:
        async with Store.open(target) as store:
            barrier.wait(PROCESS_GUARD)  # connected and migrated: start together
            results.put(await _drain(store, worker))

    asyncio.run(run())


def _processes(target: str, k: int) -> tuple[int, float]:
    """Drain the queue with ``k`` worker processes; return jobs done and seconds taken."""
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(k + 1)
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_worker_process, args=(target, f"w{i}", barrier, results))
        for i in range(k)
    ]
    for p in procs:
        p.start()
    barrier.wait(PROCESS_GUARD)
    t = time.perf_counter()
    total = sum(results.get(timeout=PROCESS_GUARD) for _ in procs)
    seconds = time.perf_counter() - t
    for p in procs:
        p.join(PROCESS_GUARD)
        if p.exitcode != 0:
            raise RuntimeError(f"a worker process failed (exit code {p.exitcode})")
    return total, seconds


def _sqlite(n: int) -> None:
    with tempfile.TemporaryDirectory(prefix="tieline-bench-") as folder:
        target = Path(folder) / "bench.db"
        asyncio.run(_fill(target, n))

        async def one() -> tuple[int, float]:
            async with Store.open(target) as store:
                t = time.perf_counter()
                done = await _drain(store, "w")
                return done, time.perf_counter() - t

        done, seconds = asyncio.run(one())
        _rate("SQLite, 1 process", done, seconds)


def _postgres(n: int) -> None:
    try:
        from tests.pg import missing_message, running_cluster
    except ImportError:  # an installed Tieline without its tests
        print("  PostgreSQL: skipped (tests/pg.py is not importable here)")
        return
    try:
        cluster_cm = running_cluster(durable=True)
        cluster = cluster_cm.__enter__()
    except RuntimeError as exc:
        print(f"  PostgreSQL: skipped ({exc if str(exc) else missing_message()})")
        return
    try:
        for k in (1, 4):
            url = cluster.create_database("bench")
            asyncio.run(_fill(url, n))
            done, seconds = _processes(url, k)
            assert done == n, f"{done} of {n} jobs done"
            word = "process" if k == 1 else "processes"
            _rate(f"PostgreSQL, {k} worker {word}", done, seconds)
    finally:
        cluster_cm.__exit__(None, None, None)


def main(argv: list[str] | None = None) -> None:
    """Print claim + ack throughput on SQLite and on PostgreSQL with 1 and 4 processes."""
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else DEFAULT_N
    cpus = os.cpu_count() or 1
    print(f"jobs_postgres: claim + ack throughput, {n} jobs per figure, {cpus} CPU(s)")
    _sqlite(n)
    _postgres(n)


if __name__ == "__main__":
    main()
