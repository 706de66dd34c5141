"""What the webhook tables hold, as frozen dataclasses built from rows.

Dataclasses rather than pydantic models: rows come from our own tables (already valid), on
the delivery hot path. Times are Unix seconds (floats), as in the job queue.
"""

from __future__ import annotations

import enum
import fnmatch
import json
import re
from dataclasses import dataclass, field
from typing import Any

from ..store.database import Row


class MessageState(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"


class Outcome(enum.StrEnum):
    """How one attempt ended. Everything but ``SUCCESS`` counts as a failure."""

    SUCCESS = "success"
    HTTP_ERROR = "http_error"  # an answer outside 2xx (3xx included: redirects are not followed)
    TIMEOUT = "timeout"
    CONNECTION = "connection"  # refused, reset, closed before an answer, TLS failure
    REFUSED = "refused"  # the SSRF guard refused the address
    ERROR = "error"  # anything else (no secret for the endpoint, a bad URL)


class Trigger(enum.StrEnum):
    SCHEDULED = "scheduled"
    REPLAY = "replay"
    RECOVER = "recover"
    TEST = "test"


@dataclass(frozen=True)
class Endpoint:
    id: str
    #: What may be shown of the URL (:func:`shown_url`); the URL itself is in the vault.
    url: str
    url_ref: str
    description: str
    event_types: tuple[str, ...]
    template: str | None
    enabled: bool
    disabled_reason: str | None
    secret_ref: str
    previous_secret_ref: str | None
    previous_expires_at: float | None
    failing_since: float | None
    created_at: float
    updated_at: float
    _patterns: tuple[re.Pattern[str], ...] = field(default=(), compare=False, repr=False)

    @classmethod
    def from_row(cls, r: Row) -> Endpoint:
        types = tuple(json.loads(r["event_types"]))
        return cls(
            id=r["id"],
            url=r["url"],
            url_ref=r["url_ref"],
            description=r["description"],
            event_types=types,
            template=r["template"],
            enabled=bool(r["enabled"]),
            disabled_reason=r["disabled_reason"],
            secret_ref=r["secret_ref"],
            previous_secret_ref=r["previous_secret_ref"],
            previous_expires_at=r["previous_expires_at"],
            failing_since=r["failing_since"],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
            _patterns=tuple(re.compile(fnmatch.translate(p)) for p in types),
        )

    def wants(self, event_type: str) -> bool:
        """Whether an event of this kind is for this endpoint (the event bus's globs)."""
        return any(p.fullmatch(event_type) for p in self._patterns)

    def secret_refs(self, now: float) -> list[str]:
        """The vault records to sign with now: the current secret, and during a rotation's
        overlap the previous one too."""
        refs = [self.secret_ref]
        if (
            self.previous_secret_ref
            and self.previous_expires_at is not None
            and now < self.previous_expires_at
        ):
            refs.append(self.previous_secret_ref)
        return refs

    def to_json(self) -> dict[str, Any]:
        """What ``webhooks list --json`` shows (no secret, no secret reference)."""
        return {
            "id": self.id,
            "url": self.url,
            "description": self.description,
            "event_types": list(self.event_types),
            "template": self.template,
            "enabled": self.enabled,
            "disabled_reason": self.disabled_reason,
            "rotating_until": self.previous_expires_at,
            "failing_since": self.failing_since,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class Message:
    id: str
    endpoint_id: str
    event_type: str
    envelope: str
    body: str | None
    state: MessageState
    attempts: int
    next_attempt_at: float | None
    last_status: int | None
    last_error: str | None
    created_at: float
    updated_at: float
    delivered_at: float | None

    @classmethod
    def from_row(cls, r: Row) -> Message:
        return cls(
            id=r["id"],
            endpoint_id=r["endpoint_id"],
            event_type=r["event_type"],
            envelope=r["envelope"],
            body=r["body"],
            state=MessageState(r["state"]),
            attempts=r["attempts"],
            next_attempt_at=r["next_attempt_at"],
            last_status=r["last_status"],
            last_error=r["last_error"],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
            delivered_at=r["delivered_at"],
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "endpoint": self.endpoint_id,
            "event_type": self.event_type,
            "state": self.state.value,
            "attempts": self.attempts,
            "next_attempt_at": self.next_attempt_at,
            "last_status": self.last_status,
            "last_error": self.last_error,
            "created_at": self.created_at,
            "delivered_at": self.delivered_at,
        }


@dataclass(frozen=True)
class Attempt:
    id: int
    message_id: str
    endpoint_id: str
    trigger: Trigger
    started_at: float
    latency_ms: float
    status: int | None
    outcome: Outcome
    response: str | None
    error: str | None

    @classmethod
    def from_row(cls, r: Row) -> Attempt:
        return cls(
            id=r["id"],
            message_id=r["message_id"],
            endpoint_id=r["endpoint_id"],
            trigger=Trigger(r["trigger"]),
            started_at=r["started_at"],
            latency_ms=r["latency_ms"],
            status=r["status"],
            outcome=Outcome(r["outcome"]),
            response=r["response"],
            error=r["error"],
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "message": self.message_id,
            "trigger": self.trigger.value,
            "started_at": self.started_at,
            "latency_ms": round(self.latency_ms, 2),
            "status": self.status,
            "outcome": self.outcome.value,
            "response": self.response,
            "error": self.error,
        }
