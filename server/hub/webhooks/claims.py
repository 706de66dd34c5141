"""Claiming and acking delivery jobs in batches, on the hub's job queue (``jobs`` table).

The same contract as :class:`~server.hub.jobs.JobQueue`'s single-job ``claim`` / ``ack``, so
the two interoperate on one table: a claim is one ``UPDATE ... RETURNING`` that marks jobs
``running`` with this worker's lease and counts an attempt; an expired lease makes a job
claimable again; an ack only matches a row whose ``attempts`` is still the claimer's (the
fencing token), so a worker that lost a lease changes nothing. The difference is only the
batch: one statement claims up to ``limit`` due jobs and one acks many, so a thousand
deliveries cost a few dozen commits instead of two thousand.

On PostgreSQL the claim's subquery locks with ``FOR UPDATE SKIP LOCKED`` (dispatchers on
several machines take disjoint batches) and the ack's ``id -> attempts`` pairs are two arrays
(``unnest``) instead of a JSON object.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..jobs.models import Job
from ..store.database import Database

_CLAIM = (
    "UPDATE jobs SET state = 'running', lease_owner = ?, lease_expires_at = ?, run_at = ?,"
    " attempts = attempts + 1, updated_at = ?"
    " WHERE id IN (SELECT id FROM jobs"
    "  WHERE state IN ('queued', 'running') AND run_at <= ?"
    "  AND (state = 'queued' OR attempts < max_attempts) AND kind = ?"
    "  ORDER BY run_at, id LIMIT ?)"
    " RETURNING *"
)
_CLAIM_PG = _CLAIM.replace("LIMIT ?)", "LIMIT ? FOR UPDATE SKIP LOCKED)")

#: Ack the jobs whose ``id -> attempts`` pairs are given as a JSON object: a primary-key
#: look-up per job, and one SQL text whatever the batch size.
_ACK = (
    "UPDATE jobs SET state = 'done', finished_at = ?, updated_at = ?,"
    " lease_owner = NULL, lease_expires_at = NULL"
    " WHERE id IN (SELECT CAST(key AS INTEGER) FROM json_each(?))"
    " AND state = 'running' AND attempts = json_extract(?, '$.\"' || id || '\"')"
    " RETURNING id"
)
_ACK_PG = (
    "UPDATE jobs SET state = 'done', finished_at = ?, updated_at = ?,"
    " lease_owner = NULL, lease_expires_at = NULL"
    " FROM unnest(CAST(? AS BIGINT[]), CAST(? AS BIGINT[])) AS fence (id, attempts)"
    " WHERE jobs.id = fence.id AND jobs.attempts = fence.attempts AND jobs.state = 'running'"
    " RETURNING jobs.id"
)


async def claim_batch(
    db: Database, kind: str, worker_id: str, *, now: float, lease: float, limit: int
) -> list[Job]:
    """Lease up to ``limit`` due jobs of ``kind`` (or ones whose lease ran out)."""
    until = now + lease
    sql = _CLAIM_PG if db.dialect.postgres else _CLAIM
    rows = await db.fetchall(sql, (worker_id, until, until, now, now, kind, limit))
    return sorted((Job.from_row(r) for r in rows), key=lambda j: (j.run_at, j.id))


async def ack_batch(db: Database, jobs: Sequence[Job], *, now: float) -> set[int]:
    """Mark jobs done; return the ids acked (a missing one lost its lease)."""
    if not jobs:
        return set()
    if db.dialect.postgres:
        ids, attempts = [j.id for j in jobs], [j.attempts for j in jobs]
        rows = await db.fetchall(_ACK_PG, (now, now, ids, attempts))
        return {int(r[0]) for r in rows}
    fence = json.dumps({str(j.id): j.attempts for j in jobs})
    rows = await db.fetchall(_ACK, (now, now, fence, fence))
    return {int(r[0]) for r in rows}


#: Give claimed jobs back, due later, uncounting the claim's attempt (fenced like an ack):
#: deliveries held back because their endpoint already has its share in flight.
_DEFER = (
    "UPDATE jobs SET state = 'queued', attempts = attempts - 1, run_at = ?, updated_at = ?,"
    " lease_owner = NULL, lease_expires_at = NULL"
    " WHERE id = ? AND attempts = ? AND state = 'running'"
)


async def defer_batch(db: Database, jobs: Sequence[Job], *, now: float, until: float) -> int:
    """Requeue claimed jobs, due at ``until``; return how many were still this claimer's."""
    return await db.executemany(_DEFER, [(until, now, j.id, j.attempts) for j in jobs])
