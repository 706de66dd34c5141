"""The durable job queue, kept in the hub's database (SQLite, or PostgreSQL for a team hub).

Life of a job::

    enqueue ──> queued ──claim──> running ──ack──> done
                  ^                  │
                  └──fail (backoff)──┤  attempts left
                                     └──fail──> dead ──retry_dead──> queued

- **Leases.** ``claim`` sets ``lease_expires_at``; a worker renews it while the job runs. If
  the worker dies, the lease runs out and the job is claimable again (a new *attempt*).
- **Fencing.** ``attempts`` increases on every claim, and ``ack``/``fail``/``renew`` only
  touch a row whose ``attempts`` still equals the caller's. A worker that lost its lease gets
  :class:`~connectors.sdk.errors.LeaseLost` and can no longer change the job.
- **Idempotency.** ``enqueue`` with an ``idempotency_key`` already in the table returns the
  job that has it, whatever its state, for as long as that row is kept (see :meth:`purge`).
- **Coalescing.** :meth:`enqueue_coalesced` returns the *queued* job with the same
  ``coalesce_key`` if there is one: ten refresh requests before a sync starts make one sync.

Each of ``claim``, ``ack``, ``fail`` and ``renew`` is a single SQL statement, atomic across
processes and connections; ``claim`` is one ``UPDATE ... RETURNING`` (SQLite >= 3.35).

The same queue runs on PostgreSQL, shared by workers on several machines: there the claim's
subquery is ``SELECT ... FOR UPDATE SKIP LOCKED``, so concurrent claimers each take a
different job instead of queueing behind one row lock, and kinds are one array parameter
(``kind = ANY(...)``). Enqueueing sends a ``NOTIFY`` that wakes idle workers everywhere
(:meth:`JobQueue.wait_for_work`); on SQLite, where every worker shares one file on one
machine, idle workers poll as before.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from connectors.sdk.errors import LeaseLost
from connectors.sdk.redact import redact

from ..store.database import Database
from ..store.models import to_ts
from .backoff import backoff_delay
from .models import Job, JobState

log = logging.getLogger("tieline.jobs")

DEFAULT_LEASE = 30.0
DEFAULT_MAX_ATTEMPTS = 5
_ERROR_LIMIT = 4000

_INSERT = (
    "INSERT INTO jobs (kind, payload, idempotency_key, coalesce_key, max_attempts, run_at,"
    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
)

#: Claim in one statement: the job needing attention soonest, queued and due or running with
#: an expired lease and attempts left, optionally only of some kinds (a JSON array, so the SQL
#: text never varies). ``run_at`` holds the lease's end while running, so both cases walk the
#: one ``jobs_pending`` index.
_CLAIM = (
    "UPDATE jobs SET state = 'running', lease_owner = ?, lease_expires_at = ?, run_at = ?,"
    " attempts = attempts + 1, updated_at = ?"
    " WHERE id = (SELECT id FROM jobs"
    "  WHERE state IN ('queued', 'running') AND run_at <= ?"
    "  AND (state = 'queued' OR attempts < max_attempts)"
    "  AND (? IS NULL OR kind IN (SELECT value FROM json_each(?)))"
    "  ORDER BY run_at, id LIMIT 1)"
    " RETURNING *"
)

#: The same on PostgreSQL: ``SKIP LOCKED`` lets concurrent claimers pass a row another one is
#: taking (each then gets a different job, none waits), and the kinds are a text array.
_CLAIM_PG = (
    "UPDATE jobs SET state = 'running', lease_owner = ?, lease_expires_at = ?, run_at = ?,"
    " attempts = attempts + 1, updated_at = ?"
    " WHERE id = (SELECT id FROM jobs"
    "  WHERE state IN ('queued', 'running') AND run_at <= ?"
    "  AND (state = 'queued' OR attempts < max_attempts)"
    "  AND (CAST(? AS TEXT[]) IS NULL OR kind = ANY(CAST(? AS TEXT[])))"
    "  ORDER BY run_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)"
    " RETURNING *"
)

#: The channel enqueues notify on PostgreSQL.
CHANNEL = "tieline_jobs"


class JobQueue:
    """Enqueue, claim, ack and fail jobs in a :class:`~server.hub.store.Database`.

    ``clock`` (Unix seconds) and ``rng`` are injectable so that leases, due times and jitter
    can be tested without sleeping.
    """

    def __init__(
        self,
        db: Database,
        *,
        clock: Callable[[], float] = time.time,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.db = db
        self.clock = clock
        self.rng = rng
        self._wakeup = asyncio.Event()
        self._pg = db.dialect.postgres
        self._claim_sql = _CLAIM_PG if self._pg else _CLAIM
        self._listening = False

    # -- producing --------------------------------------------------------------------------

    async def enqueue(
        self,
        kind: str,
        payload: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        run_at: datetime | float | None = None,
        delay: float = 0.0,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> Job:
        """Add a job, due at ``run_at`` (or ``delay`` seconds from now).

        With an ``idempotency_key`` already known, nothing is added and the existing job is
        returned, so a producer may safely repeat itself after a crash.
        """
        now = self.clock()
        due = to_ts(run_at) if run_at is not None else now + delay
        body = _json(payload)
        sql = _INSERT + " ON CONFLICT (idempotency_key) DO NOTHING RETURNING *"
        params = (kind, body, idempotency_key, None, max_attempts, due, now, now)
        row = await self.db.fetchone(sql, params)
        if row is None:  # the key exists: hand back its job (a single statement each is
            # enough: rows are never deleted except by purge, long after they are done)
            row = await self.db.fetchone(
                "SELECT * FROM jobs WHERE idempotency_key = ?", (idempotency_key,)
            )
        assert row is not None
        await self._announce()
        return Job.from_row(row)

    async def enqueue_many(
        self, kind: str, payloads: Iterable[Mapping[str, Any]], *, delay: float = 0.0
    ) -> int:
        """Add many jobs without keys in one transaction; return how many."""
        now = self.clock()
        rows = [
            (kind, _json(p), None, None, DEFAULT_MAX_ATTEMPTS, now + delay, now, now)
            for p in payloads
        ]
        async with self.db.transaction():
            await self.db.executemany(_INSERT, rows)
            await self._announce()
        return len(rows)

    async def enqueue_coalesced(
        self,
        kind: str,
        payload: Mapping[str, Any] | None = None,
        *,
        coalesce_key: str,
        delay: float = 0.0,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    ) -> Job:
        """Return the queued job with ``coalesce_key``, else add one due in ``delay`` seconds.

        An existing job is never pushed later, only pulled earlier (a manual refresh must not
        wait for a retry's backoff). A job already *running* does not absorb the request: what
        it fetched may predate the change the user is asking to see.
        """
        now = self.clock()
        due = now + delay
        async with self.db.transaction():
            # Two processes coalescing one key must not both find nothing and both insert.
            await self.db.lock(f"tieline.jobs.coalesce:{coalesce_key}")
            row = await self.db.fetchone(
                "UPDATE jobs SET run_at = CASE WHEN ? < run_at THEN ? ELSE run_at END,"
                " updated_at = ?"
                " WHERE id = (SELECT id FROM jobs WHERE coalesce_key = ? AND state = 'queued'"
                " ORDER BY id LIMIT 1) RETURNING *",
                (due, due, now, coalesce_key),
            )
            if row is None:
                row = await self.db.fetchone(
                    _INSERT + " RETURNING *",
                    (kind, _json(payload), None, coalesce_key, max_attempts, due, now, now),
                )
            await self._announce()
        assert row is not None
        return Job.from_row(row)

    # -- consuming --------------------------------------------------------------------------

    async def claim(
        self,
        worker_id: str,
        kinds: Iterable[str] | None = None,
        lease_seconds: float = DEFAULT_LEASE,
    ) -> Job | None:
        """Atomically take the next due job (or one whose lease expired) and lease it.

        Due queued jobs go in ``run_at`` order; an expired lease counts as a failed attempt,
        and a job whose expired lease was its last attempt is left for :meth:`reap`.
        """
        now = self.clock()
        kind_list: str | list[str] | None = None
        if kinds is not None:
            kind_list = sorted(set(kinds)) if self._pg else json.dumps(sorted(set(kinds)))
        until = now + lease_seconds
        params = (worker_id, until, until, now, now, kind_list, kind_list)
        row = await self.db.fetchone(self._claim_sql, params)
        return Job.from_row(row) if row else None

    async def renew(self, job: Job, lease_seconds: float = DEFAULT_LEASE) -> bool:
        """Extend a running job's lease; ``False`` means the lease is lost (stop working)."""
        now = self.clock()
        until = now + lease_seconds
        n = await self.db.execute(
            "UPDATE jobs SET lease_expires_at = ?, run_at = ?, updated_at = ?"
            " WHERE id = ? AND attempts = ? AND state = 'running'",
            (until, until, now, job.id, job.attempts),
        )
        return n == 1

    async def ack(self, job: Job) -> None:
        """Mark a job done. Raises :class:`LeaseLost` if another worker holds it now."""
        now = self.clock()
        n = await self.db.execute(
            "UPDATE jobs SET state = 'done', finished_at = ?, updated_at = ?,"
            " lease_owner = NULL, lease_expires_at = NULL"
            " WHERE id = ? AND attempts = ? AND state = 'running'",
            (now, now, job.id, job.attempts),
        )
        if n != 1:
            raise LeaseLost(f"job {job.id} ({job.kind}) is no longer leased by this worker")

    async def fail(
        self,
        job: Job,
        error: BaseException | str,
        *,
        retry_at: float | None = None,
        permanent: bool = False,
    ) -> Job:
        """Record a failed attempt: retry later with backoff, or dead-letter the job.

        The job is dead when ``permanent`` (retrying cannot help) or when it has used its
        ``max_attempts``. ``retry_at`` (Unix seconds, e.g. a rate limit's reset time) replaces
        the backoff delay. The error text is redacted before it is stored.
        """
        now = self.clock()
        message = redact(_describe(error))[:_ERROR_LIMIT]
        if permanent or job.attempts >= job.max_attempts:
            state, due, finished = JobState.DEAD, now, now
        else:
            backoff = now + backoff_delay(job.attempts, rng=self.rng)
            state, due, finished = JobState.QUEUED, retry_at or backoff, None
        row = await self.db.fetchone(
            "UPDATE jobs SET state = ?, run_at = ?, finished_at = ?, last_error = ?,"
            " updated_at = ?, lease_owner = NULL, lease_expires_at = NULL"
            " WHERE id = ? AND attempts = ? AND state = 'running' RETURNING *",
            (state.value, due, finished, message, now, job.id, job.attempts),
        )
        if row is None:
            raise LeaseLost(f"job {job.id} ({job.kind}) is no longer leased by this worker")
        return Job.from_row(row)

    async def release(self, job: Job) -> bool:
        """Give a claimed job back unharmed (worker shutting down): the attempt is not counted."""
        now = self.clock()
        n = await self.db.execute(
            "UPDATE jobs SET state = 'queued', attempts = attempts - 1, run_at = ?,"
            " updated_at = ?, lease_owner = NULL, lease_expires_at = NULL"
            " WHERE id = ? AND attempts = ? AND state = 'running'",
            (now, now, job.id, job.attempts),
        )
        if n:
            await self._announce()
        return n == 1

    async def reap(self) -> int:
        """Dead-letter jobs whose lease expired on their last attempt; return how many.

        Such a job most likely crashes its worker (a poison job): retrying it forever would
        take the worker down forever.
        """
        now = self.clock()
        return await self.db.execute(
            "UPDATE jobs SET state = 'dead', finished_at = ?, updated_at = ?,"
            " last_error = coalesce(last_error || '; ', '') || 'lease expired on the last attempt',"
            " lease_owner = NULL, lease_expires_at = NULL"
            " WHERE state = 'running' AND run_at <= ? AND attempts >= max_attempts",
            (now, now, now),
        )

    # -- inspecting and repairing -----------------------------------------------------------

    async def get(self, job_id: int) -> Job | None:
        row = await self.db.fetchone("SELECT * FROM jobs WHERE id = ?", (job_id,))
        return Job.from_row(row) if row else None

    async def list_dead(self, *, limit: int = 100) -> list[Job]:
        """Dead-lettered jobs, most recent first."""
        rows = await self.db.fetchall(
            "SELECT * FROM jobs WHERE state = 'dead' ORDER BY finished_at DESC, id DESC LIMIT ?",
            (limit,),
        )
        return [Job.from_row(r) for r in rows]

    async def retry_dead(self, job_id: int) -> Job | None:
        """Give a dead job a fresh set of attempts, due now; ``None`` if it is not dead."""
        now = self.clock()
        row = await self.db.fetchone(
            "UPDATE jobs SET state = 'queued', attempts = 0, run_at = ?, finished_at = NULL,"
            " updated_at = ? WHERE id = ? AND state = 'dead' RETURNING *",
            (now, now, job_id),
        )
        if row is None:
            return None
        await self._announce()
        return Job.from_row(row)

    async def counts(self) -> dict[JobState, int]:
        """How many jobs are in each state (every state present, zero included)."""
        rows = await self.db.fetchall("SELECT state, count(*) FROM jobs GROUP BY state")
        out = dict.fromkeys(JobState, 0)
        out.update({JobState(r[0]): int(r[1]) for r in rows})
        return out

    async def next_due(self) -> float | None:
        """When the next job becomes claimable (due, or its lease ends), or ``None`` if never."""
        row = await self.db.fetchone(
            "SELECT min(run_at) FROM jobs WHERE state IN ('queued', 'running')"
        )
        return None if row is None or row[0] is None else float(row[0])

    async def purge(self, *, finished_before: datetime | float) -> int:
        """Delete done and dead jobs finished before a time; return how many.

        Purging also ends idempotency for those keys: a later enqueue with one runs again.
        """
        return await self.db.execute(
            "DELETE FROM jobs WHERE state IN ('done', 'dead') AND finished_at < ?",
            (to_ts(finished_before),),
        )

    async def _announce(self) -> None:
        """A job became claimable: wake this process's idle workers, and on PostgreSQL every
        other process's too (the ``NOTIFY`` goes out when the enclosing transaction commits)."""
        self._wakeup.set()
        if self._pg:
            await self.db.notify(CHANNEL)

    async def wait_for_work(self, max_wait: float) -> None:
        """Sleep until something is enqueued, or ``max_wait`` seconds pass.

        On SQLite "enqueued" means in this process (workers elsewhere poll every
        ``max_wait``); on PostgreSQL it means anywhere: the first wait starts listening to
        the enqueues' notifications.

        ``asyncio.timeout`` rather than ``asyncio.wait_for``: on Python 3.11 the latter can
        turn a cancellation that lands as its timeout fires into a ``TimeoutError``, which
        would be suppressed here, and a worker being stopped would run on.
        """
        if self._pg and not self._listening:
            self._listening = True
            try:
                await self.db.listen(CHANNEL, self._wakeup.set)
            except Exception as exc:  # polling still works: degrade, do not stop the worker
                log.warning("job queue: cannot listen for enqueues (%s); polling", exc)
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max_wait):
                await self._wakeup.wait()
        self._wakeup.clear()


def _json(payload: Mapping[str, Any] | None) -> str:
    return json.dumps(dict(payload or {}), separators=(",", ":"))


def _describe(error: BaseException | str) -> str:
    if isinstance(error, str):
        return error
    text = str(error)
    return f"{type(error).__name__}: {text}" if text else type(error).__name__
