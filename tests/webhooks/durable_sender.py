"""A delivery worker process for the crash test: the real webhooks service on a database
file and an encrypted-file vault, delivering until no delivery job is queued or running.

Usage: ``python -m tests.webhooks.durable_sender DB VAULT_DIR [--pipeline]``

Small batches in two lanes of ``run_once`` (or, with ``--pipeline``, the dispatcher's
``run`` with at most 16 deliveries in flight), a 2 s timeout and a short lease (4.5 s), so a
killed worker's deliveries are soon taken over by the next process.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

from server.hub.config import WebhookSettings
from server.hub.jobs import JobQueue, JobState
from server.hub.store import Store
from server.hub.webhooks import Policy, Webhooks

from .conftest import file_vault

POLICY = Policy(batch_size=8, max_in_flight=16, poll_interval=0.05, lease_margin=0.5)
LANES = 2
SETTINGS = WebhookSettings(timeout=2.0)


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("db")  # an SQLite file or a PostgreSQL URL
    parser.add_argument("vault_dir", type=Path)
    parser.add_argument("--pipeline", action="store_true")
    args = parser.parse_args()
    vault = file_vault(args.vault_dir)
    async with Store.open(args.db) as store:
        queue = JobQueue(store)
        hooks = Webhooks(
            store, queue, vault=lambda: vault, settings=lambda: SETTINGS, policy=POLICY
        )

        async def lane() -> None:
            while True:
                n = await hooks.dispatcher.run_once()
                if n:
                    print(f"batch {n}", flush=True)
                    continue
                counts = await queue.counts()
                if counts[JobState.QUEUED] + counts[JobState.RUNNING] == 0:
                    return
                await asyncio.sleep(0.05)

        async def pipeline() -> None:
            runner = asyncio.create_task(hooks.dispatcher.run())
            while True:
                await asyncio.sleep(0.05)
                counts = await queue.counts()
                if counts[JobState.QUEUED] + counts[JobState.RUNNING] == 0:
                    break
            hooks.dispatcher.stop()
            await runner

        try:
            if args.pipeline:
                await pipeline()
            else:
                await asyncio.gather(*(lane() for _ in range(LANES)))
        finally:
            await hooks.aclose()


if __name__ == "__main__":
    asyncio.run(main())
