"""A worker process for the crash tests: runs the real queue and worker on a database (an
SQLite file or a PostgreSQL URL).

Usage: ``python -m tests.hub.durable_worker DB EFFECTS_FILE [--block-on KEY [--first-attempt]]``

Two job kinds, one per once-only mechanism:

- ``write`` inserts a row into ``effects`` inside ``ctx.atomic()`` (the write commits with
  the ack);
- ``notify`` appends a line to ``EFFECTS_FILE`` (an effect outside the database) through
  ``ctx.once()``.

After each job the process prints ``done <key>``. With ``--block-on KEY`` it stops forever
at the worst moment of that job and prints ``blocked <key>`` first, so the test can SIGKILL
it there: for ``write``, inside the open transaction after the insert and before the ack;
for ``notify``, after the effect and its record but before the ack. Without it, the process
works until no job is queued or running, then exits. With ``--first-attempt`` it blocks only
on the job's first attempt, so that several processes can all be given the key: whichever
claims it first blocks, and the one that takes it over after the kill runs it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
from pathlib import Path

from server.hub.jobs import JobContext, JobQueue, JobState, Worker
from server.hub.store import Store

LEASE = 0.5  # short, so the next process soon takes over a killed worker's job


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")
    parser.add_argument("effects_file", type=Path)
    parser.add_argument("--block-on")
    parser.add_argument("--first-attempt", action="store_true")
    args = parser.parse_args()

    def blocks(ctx: JobContext, key: str) -> bool:
        return key == args.block_on and (not args.first_attempt or ctx.job.attempts == 1)

    async def block_here(key: str) -> None:
        print(f"blocked {key}", flush=True)
        await asyncio.Event().wait()

    async def write(ctx: JobContext) -> None:
        key = ctx.job.idempotency_key or ""
        async with ctx.atomic() as db:
            await db.execute("INSERT INTO effects (key, pid) VALUES (?, ?)", (key, os.getpid()))
            if blocks(ctx, key):
                await block_here(key)

    async def notify(ctx: JobContext) -> None:
        key = ctx.job.idempotency_key or ""

        async def append(effect_key: str) -> None:
            with args.effects_file.open("a") as f:
                f.write(f"{key}\n")

        await ctx.once("append", append)
        if blocks(ctx, key):
            await block_here(key)

    async with Store.open(args.db) as store:
        queue = JobQueue(store)
        worker = Worker(
            queue, {"write": write, "notify": notify}, lease_seconds=LEASE, poll_interval=0.05
        )
        while True:
            job = await worker.run_once()
            if job is not None:
                print(f"done {job.idempotency_key}", flush=True)
                continue
            counts = await queue.counts()
            if counts[JobState.QUEUED] + counts[JobState.RUNNING] == 0:
                return
            await queue.wait_for_work(0.05)


if __name__ == "__main__":
    asyncio.run(main())
