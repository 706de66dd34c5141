"""A job as the queue hands it out.

A frozen dataclass rather than a pydantic model: jobs are built from trusted rows on the
queue's hot path (one per claim), where validation would only cost time.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..store.database import Row
from ..store.models import from_ts


class JobState(enum.StrEnum):
    """Where a job is in its life: ``queued -> running -> done``, or ``dead`` when given up."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    DEAD = "dead"


@dataclass(frozen=True, slots=True)
class Job:
    """One unit of background work and its bookkeeping.

    ``attempts`` counts claims; together with ``id`` it is the *fencing token* that lets only
    the current lease holder ack, fail or renew the job. ``run_at`` is when the job next needs
    attention: its due time while queued, the end of its lease (``lease_expires_at``) while
    running.
    """

    id: int
    kind: str
    payload: dict[str, Any]
    state: JobState
    idempotency_key: str | None
    coalesce_key: str | None
    attempts: int
    max_attempts: int
    run_at: datetime
    lease_owner: str | None
    lease_expires_at: datetime | None
    last_error: str | None
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None

    @property
    def effect_scope(self) -> str:
        """The prefix of this job's once-only effect keys: its idempotency key, else its id."""
        return self.idempotency_key if self.idempotency_key is not None else f"job:{self.id}"

    @classmethod
    def from_row(cls, r: Row) -> Job:
        return cls(
            id=r["id"],
            kind=r["kind"],
            payload=json.loads(r["payload"]),
            state=JobState(r["state"]),
            idempotency_key=r["idempotency_key"],
            coalesce_key=r["coalesce_key"],
            attempts=r["attempts"],
            max_attempts=r["max_attempts"],
            run_at=_dt(r["run_at"]),
            lease_owner=r["lease_owner"],
            lease_expires_at=from_ts(r["lease_expires_at"]),
            last_error=r["last_error"],
            created_at=_dt(r["created_at"]),
            updated_at=_dt(r["updated_at"]),
            finished_at=from_ts(r["finished_at"]),
        )


def _dt(ts: float) -> datetime:
    out = from_ts(ts)
    assert out is not None
    return out
