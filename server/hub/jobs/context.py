"""What a job handler receives: its job, and two ways to make side effects happen only once.

The guarantee, precisely:

- **Database effects: exactly once.** Writes made inside ``async with ctx.atomic():``
  commit in the *same* SQLite transaction as the job's ack, fenced by the lease (the ack only
  matches while this worker's attempt is the current one). Either both the writes and the ack
  are durable, or neither is; a worker killed at any instant (even ``SIGKILL`` between the
  writes and the ack) leaves no trace, and the job's next attempt does the writes once.
- **External effects: once per key, at least once.** ``await ctx.once(name, effect)`` skips
  ``effect`` if an effect record for ``"<idempotency key or job:id>:<name>"`` is already in
  ``job_effects``, else runs it and then writes the record (with the effect's JSON result,
  which later attempts get back instead). A crash *after* the effect but *before* its record
  commits runs the effect again on the next attempt; the key is passed to ``effect`` so the
  remote side can drop the duplicate (an ``Idempotency-Key`` header, a Standard Webhooks
  ``webhook-id``). With ``at_most_once=True`` the record is written *before* the effect
  instead: a crash in between then skips the effect for good (it may never have happened),
  which suits a notification that is worse duplicated than missed.

Records are kept per idempotency key, so a job re-enqueued under the same key after being
purged still skips effects already done.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from ..store.database import Database
from .models import Job
from .queue import JobQueue

log = logging.getLogger("tieline.jobs")

Effect = Callable[[str], Awaitable[Any]]


class JobContext:
    """Handed to a handler for one attempt of one job."""

    def __init__(self, job: Job, queue: JobQueue) -> None:
        self.job = job
        self.queue = queue
        #: True once the job's ack committed (by :meth:`atomic`); the worker will not ack again.
        self.acked = False

    @property
    def payload(self) -> dict[str, Any]:
        return self.job.payload

    def effect_key(self, name: str) -> str:
        """The key under which effect ``name`` of this job is recorded."""
        return f"{self.job.effect_scope}:{name}"

    @asynccontextmanager
    async def atomic(self) -> AsyncIterator[Database]:
        """Commit the block's database writes together with this job's ack, or not at all.

        Use the yielded database (or the :class:`~server.hub.store.Store` it belongs to, from
        the same task) for the writes. Raises :class:`~connectors.sdk.errors.LeaseLost`, with
        everything rolled back, when another worker took the job over meanwhile.
        """
        if self.acked:
            raise RuntimeError(f"job {self.job.id} is already acked")
        async with self.queue.db.transaction() as db:
            yield db
            await self.queue.ack(self.job)
        self.acked = True

    async def once(self, name: str, effect: Effect, *, at_most_once: bool = False) -> Any:
        """Run ``effect(key)`` unless it was already done for this job's key; return its result.

        The result must be JSON-serialisable: a later attempt gets the recorded result back
        without running the effect. See the module docstring for the exact guarantee.
        """
        key = self.effect_key(name)
        db = self.queue.db
        row = await db.fetchone("SELECT state, result FROM job_effects WHERE key = ?", (key,))
        if row is not None:
            if row["state"] == "done":
                return None if row["result"] is None else json.loads(row["result"])
            log.warning(
                "effect %s was started by a crashed attempt; skipping it (at most once)", key
            )
            return None
        now = self.queue.clock()
        if at_most_once:
            claimed = await db.execute(
                "INSERT INTO job_effects (key, job_id, state, created_at)"
                " VALUES (?, ?, 'started', ?) ON CONFLICT (key) DO NOTHING",
                (key, self.job.id, now),
            )
            if not claimed:
                return None
        result = await effect(key)
        await db.execute(
            "INSERT INTO job_effects (key, job_id, state, result, created_at, done_at)"
            " VALUES (?, ?, 'done', ?, ?, ?) ON CONFLICT (key) DO UPDATE SET"
            " state = 'done', result = excluded.result, done_at = excluded.done_at",
            (key, self.job.id, json.dumps(result), now, self.queue.clock()),
        )
        return result
