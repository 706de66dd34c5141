"""Local metrics: the health tracker's view, also written to the store for ``doctor``.

``doctor`` runs in another process than the server, so what the server saw must outlive it.
Each finished call is counted in the ``metrics`` table (never sent anywhere); the in-memory
:class:`~server.hub.health.HealthTracker` stays the source for the live ``tieline/status``.
"""

from __future__ import annotations

import asyncio
import logging

from .health import CallSample, HealthTracker, RateLimitInfo
from .store import Store

log = logging.getLogger("tieline.metrics")


class PersistingRecorder:
    """A :class:`~server.hub.health.MetricsRecorder` that feeds a tracker and the store."""

    def __init__(self, tracker: HealthTracker, store: Store, connector: str, account: str) -> None:
        self.tracker = tracker
        self._store = store
        self._connector = connector
        self._account = account
        self._remaining: int | None = None
        self._pending: set[asyncio.Task[None]] = set()

    def on_wire(self, status: int | None) -> None:
        self.tracker.on_wire(status)

    def on_rate_limit(self, info: RateLimitInfo) -> None:
        self._remaining = info.remaining
        self.tracker.on_rate_limit(info)

    def on_call(self, sample: CallSample) -> None:
        self.tracker.on_call(sample)
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        task = loop.create_task(self._write(sample))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _write(self, sample: CallSample) -> None:
        try:
            await self._store.record_request(
                self._connector,
                self._account,
                latency=sample.latency,
                ok=sample.error is None,
                cache_hit=sample.from_cache,
                rate_limit_remaining=self._remaining,
                error=sample.error.message if sample.error else None,
            )
        except Exception as exc:  # metrics must never break a request
            log.debug("metrics not recorded: %s", exc)
