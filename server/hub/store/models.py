"""What the store hands out: typed, immutable records instead of raw rows.

Times are timezone-aware UTC ``datetime`` values in the API and Unix seconds in the database;
:func:`to_ts` / :func:`from_ts` are the only place the two meet.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


def to_ts(value: datetime | float | None) -> float | None:
    """Unix seconds for a datetime (naive values are taken as UTC) or a number."""
    if value is None or isinstance(value, int | float):
        return value
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def from_ts(value: float | None) -> datetime | None:
    """A UTC datetime for Unix seconds (``None`` stays ``None``)."""
    return None if value is None else datetime.fromtimestamp(value, UTC)


def now_utc() -> datetime:
    return datetime.now(UTC)


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Item(_Record):
    """One mirrored service item (an issue, a pull request, a message ...) as last synced.

    ``(connector, account, kind, key)`` identifies it; syncing it again replaces it.
    """

    connector: str
    account: str
    kind: str
    key: str
    data: dict[str, Any]
    etag: str | None = None
    updated_at: datetime | None = None
    fetched_at: datetime = Field(default_factory=now_utc)


class Checkpoint(_Record):
    """Where a sync stream left off, so the next poll asks only for what changed."""

    connector: str
    account: str
    stream: str
    cursor: str
    updated_at: datetime


class Grant(_Record):
    """The scopes the user agreed to give an integration, recorded at consent time."""

    connector: str
    account: str
    scopes: list[str]
    granted_at: datetime


class AuditEntry(_Record):
    """One line of the audit log: who did what to which target."""

    id: int
    at: datetime
    actor: str
    action: str
    target: str
    detail: dict[str, Any]


class ConnectorMetrics(_Record):
    """Request counters for one integration; health and ``tieline/status`` read these."""

    connector: str
    account: str
    requests: int
    errors: int
    cache_hits: int
    latency_sum: float
    latency_count: int
    rate_limit_remaining: int | None
    last_success: datetime | None
    last_error_at: datetime | None
    last_error: str | None

    @property
    def mean_latency(self) -> float | None:
        """Mean request latency in seconds, or ``None`` before the first timed request."""
        return self.latency_sum / self.latency_count if self.latency_count else None

    @property
    def error_rate(self) -> float:
        """Share of requests that failed (0.0 before the first request)."""
        return self.errors / self.requests if self.requests else 0.0
