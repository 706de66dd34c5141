"""Integration health: per connector and account, derived from the requests the HTTP stack saw.

The HTTP stack reports every finished call (after retries and auth refresh) and every request
that actually reached the wire; this module turns that into a state the user can act on
(healthy / degraded / failing / disabled) plus the figures ``doctor`` and ``tieline/status``
show. State *changes* are logged -- once when a failure starts and once when it recovers --
so a service that is down for an hour does not write a line on every poll (Home Assistant's
coordinator habit). Everything is in memory; a store module may persist snapshots later.

The error-rate window counts the last :data:`WINDOW` calls rather than a time span, so the
figure (and the tests) do not depend on wall-clock timing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from connectors.sdk.errors import RateLimited, TielineError
from connectors.sdk.models import Health

log = logging.getLogger("tieline.health")

WINDOW = 50
DEGRADED_ERROR_RATE = 0.2
LOW_BUDGET_FRACTION = 0.05


@dataclass(frozen=True)
class RateLimitInfo:
    """The service's own view of our budget, from its response headers."""

    remaining: int | None = None
    limit: int | None = None
    reset_at: float | None = None  # epoch seconds
    blocked_until: float | None = None  # epoch seconds: no request before this
    poll_interval: float | None = None  # seconds the service asks pollers to wait


@dataclass(frozen=True)
class CallSample:
    """One finished call as the connector saw it."""

    method: str
    path: str
    status: int | None
    latency: float  # seconds, including retries and waits
    from_cache: bool = False  # answered from the cache (fresh, or after a 304)
    revalidated: bool = False  # a conditional request was sent and answered 304
    error: TielineError | None = None


class MetricsRecorder(Protocol):
    """What the HTTP stack reports to. :class:`HealthTracker` is the implementation."""

    def on_wire(self, status: int | None) -> None:
        """A request reached the network (``status`` is ``None`` when there was no answer)."""

    def on_call(self, sample: CallSample) -> None:
        """A call finished (after retries, cache and auth)."""

    def on_rate_limit(self, info: RateLimitInfo) -> None:
        """The service's rate-limit headers changed our picture of the budget."""


class RateLimitSnapshot(BaseModel):
    model_config = ConfigDict(frozen=True)

    remaining: int | None = None
    limit: int | None = None
    reset_at: float | None = None
    blocked_until: float | None = None
    poll_interval: float | None = None


class IntegrationStatus(BaseModel):
    """One connector+account, as ``doctor`` prints it and ``tieline/status`` returns it."""

    model_config = ConfigDict(frozen=True)

    connector: str
    account: str
    state: Health
    last_success_at: float | None = None
    last_error_at: float | None = None
    last_error: str | None = None
    error_rate: float = 0.0
    latency_ms_last: float | None = None
    latency_ms_avg: float | None = None
    calls: int = 0
    wire_requests: int = 0
    not_modified: int = 0
    cache_hits: int = 0
    cache_hit_rate: float = 0.0
    rate_limit: RateLimitSnapshot = RateLimitSnapshot()


class StatusReport(BaseModel):
    model_config = ConfigDict(frozen=True)

    integrations: tuple[IntegrationStatus, ...] = ()


class HealthTracker:
    """Health of one connector+account. Implements :class:`MetricsRecorder`."""

    def __init__(self, connector: str, account: str, *, logger: logging.Logger = log) -> None:
        self.connector = connector
        self.account = account
        self._log = logger
        self._lock = threading.Lock()
        self._window: deque[bool] = deque(maxlen=WINDOW)
        self._latencies: deque[float] = deque(maxlen=WINDOW)
        self._disabled = False
        self._failing = False
        self._last_error: TielineError | None = None
        self._last_error_at: float | None = None
        self._last_success_at: float | None = None
        self._calls = 0
        self._wire = 0
        self._not_modified = 0
        self._cache_hits = 0
        self._rate = RateLimitInfo()

    # -- MetricsRecorder ------------------------------------------------------------------
    def on_wire(self, status: int | None) -> None:
        with self._lock:
            self._wire += 1
            if status == 304:
                self._not_modified += 1

    def on_rate_limit(self, info: RateLimitInfo) -> None:
        with self._lock:
            self._rate = info

    def on_call(self, sample: CallSample) -> None:
        with self._lock:
            self._calls += 1
            self._latencies.append(sample.latency)
            if sample.from_cache:
                self._cache_hits += 1
            ok = sample.error is None
            self._window.append(ok)
            was_failing = self._failing
            if ok:
                self._last_success_at = time.time()
                self._failing = False
            else:
                self._last_error = sample.error
                self._last_error_at = time.time()
                # Waiting out a rate limit is degraded, not failing (nothing is broken), and
                # it is no recovery either: the failing state is left as it was.
                if not isinstance(sample.error, RateLimited):
                    self._failing = True
            error = self._last_error
        if self._failing and not was_failing:
            self._log.warning(
                "%s (%s) is failing: %s",
                self.connector,
                self.account,
                error.message if error else "unknown error",
                extra={"connector": self.connector, "account": self.account},
            )
        elif was_failing and not self._failing:
            self._log.info(
                "%s (%s) recovered",
                self.connector,
                self.account,
                extra={"connector": self.connector, "account": self.account},
            )

    # -- control ----------------------------------------------------------------------------
    def set_disabled(self, disabled: bool) -> None:
        """Disabled by the user or the hub (e.g. waiting for sign-in); shown as such."""
        with self._lock:
            self._disabled = disabled

    def state(self) -> Health:
        with self._lock:
            return self._state_locked()

    def _state_locked(self) -> Health:
        if self._disabled:
            return Health.DISABLED
        if self._failing:
            return Health.FAILING
        now = time.time()
        rate = self._rate
        if rate.blocked_until is not None and rate.blocked_until > now:
            return Health.DEGRADED
        if (
            rate.remaining is not None
            and rate.limit
            and rate.remaining < rate.limit * LOW_BUDGET_FRACTION
        ):
            return Health.DEGRADED
        if self._window and self._error_rate() > DEGRADED_ERROR_RATE:
            return Health.DEGRADED
        return Health.HEALTHY

    def _error_rate(self) -> float:
        if not self._window:
            return 0.0
        return sum(1 for ok in self._window if not ok) / len(self._window)

    def snapshot(self) -> IntegrationStatus:
        with self._lock:
            lat = list(self._latencies)
            r = self._rate
            return IntegrationStatus(
                connector=self.connector,
                account=self.account,
                state=self._state_locked(),
                last_success_at=self._last_success_at,
                last_error_at=self._last_error_at,
                last_error=self._last_error.message if self._last_error else None,
                error_rate=self._error_rate(),
                latency_ms_last=lat[-1] * 1000 if lat else None,
                latency_ms_avg=sum(lat) / len(lat) * 1000 if lat else None,
                calls=self._calls,
                wire_requests=self._wire,
                not_modified=self._not_modified,
                cache_hits=self._cache_hits,
                cache_hit_rate=self._cache_hits / self._calls if self._calls else 0.0,
                rate_limit=RateLimitSnapshot(
                    remaining=r.remaining,
                    limit=r.limit,
                    reset_at=r.reset_at,
                    blocked_until=r.blocked_until,
                    poll_interval=r.poll_interval,
                ),
            )


class HealthBoard:
    """Every tracker in the process; the source of ``doctor`` and ``tieline/status``."""

    def __init__(self) -> None:
        self._trackers: dict[tuple[str, str], HealthTracker] = {}
        self._lock = threading.Lock()

    def tracker(self, connector: str, account: str) -> HealthTracker:
        with self._lock:
            key = (connector, account)
            if key not in self._trackers:
                self._trackers[key] = HealthTracker(connector, account)
            return self._trackers[key]

    def snapshot(self) -> StatusReport:
        with self._lock:
            trackers = sorted(self._trackers.items())
        return StatusReport(integrations=tuple(t.snapshot() for _, t in trackers))
