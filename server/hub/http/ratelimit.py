"""Client-side rate limiting: a token bucket from the manifest plus the service's own signals.

Two brakes, one transport. The token bucket (``requests_per_second``/``burst`` from the
manifest) smooths our own bursts. The service's headers are authoritative: after a 403/429
with ``retry-after``, or with ``x-ratelimit-remaining: 0`` + ``x-ratelimit-reset`` (and also
after a *successful* answer that spent the last point), no request is sent before the allowed
time.

Waiting policy (chosen here, documented for callers): a wait of up to ``max_wait`` seconds is
slept through, so short secondary limits are invisible to callers; a longer one raises
:class:`~connectors.sdk.errors.RateLimited` carrying ``retry_at`` *without* touching the
network, so a poll hands control back to the scheduler instead of parking a task for an hour.
A rate-limited response is re-sent at most ``max_resends`` times after a short wait.

Not stamina: its retries are for failures; this is a schedule dictated by the server.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import httpx

from connectors.sdk.errors import RateLimited
from connectors.sdk.manifest import RateLimitPolicy

from ..health import MetricsRecorder, RateLimitInfo
from .errors import error_for_response, rate_limit_retry_at, reset_time


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up. ``acquire`` sleeps as needed."""

    def __init__(self, rate: float, burst: int) -> None:
        self.rate = max(rate, 0.001)
        self.burst = max(burst, 1)
        self._tokens = float(self.burst)
        self._stamp = time.monotonic()
        self._lock = asyncio.Lock()

    async def acquire(self) -> None:
        async with self._lock:
            while True:
                now = time.monotonic()
                self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
                self._stamp = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await asyncio.sleep((1 - self._tokens) / self.rate)


class RateLimiter:
    """Shared by every request of one connector+account."""

    def __init__(
        self,
        policy: RateLimitPolicy,
        *,
        service: str,
        max_wait: float = 10.0,
        metrics: MetricsRecorder | None = None,
    ) -> None:
        self.policy = policy
        self.service = service
        self.max_wait = max_wait
        self.bucket = TokenBucket(policy.requests_per_second, policy.burst)
        self.budgets = (policy.primary, *policy.budgets)
        self.info = RateLimitInfo()
        self.poll_intervals: dict[str, float] = {}
        self._metrics = metrics

    @property
    def blocked_until(self) -> float | None:
        return self.info.blocked_until

    def poll_interval(self, path: str) -> float | None:
        """Seconds the service asked pollers of ``path`` to wait (GitHub's ``x-poll-interval``)."""
        return self.poll_intervals.get(path)

    def block(self, until: float) -> None:
        """Send nothing before ``until`` (a limit the service reported in a body)."""
        self.info = replace(self.info, blocked_until=max(until, self.info.blocked_until or 0))
        if self._metrics is not None:
            self._metrics.on_rate_limit(self.info)

    async def before_send(self, request: httpx.Request) -> None:
        """Wait for the bucket and for any server-imposed pause; raise if that is too long."""
        until = self.info.blocked_until
        if until is not None:
            wait = until - time.time()
            if wait > self.max_wait:
                raise RateLimited(
                    f"{self.service}: rate limited; not sending {request.method} "
                    f"{request.url.path} before the allowed time ({wait:.0f} s from now)",
                    retry_at=until,
                    service=self.service,
                )
            if wait > 0:
                await asyncio.sleep(wait)
        await self.bucket.acquire()

    def after_response(self, request: httpx.Request, response: httpx.Response) -> float | None:
        """Learn from the answer's headers; return ``retry_at`` if it was a rate-limit refusal."""
        p = self.policy
        h = response.headers
        info = self.info

        def _int(name: str | None) -> int | None:
            if not name or name not in h:
                return None
            try:
                return int(float(h[name]))
            except ValueError:
                return None

        remaining, limit = _int(p.remaining_header), _int(p.limit_header)
        reset_raw = h.get(p.reset_header) if p.reset_header else None
        if remaining is not None:
            info = replace(info, remaining=remaining)
        if limit is not None:
            info = replace(info, limit=limit)
        if reset_raw is not None:
            reset_at = reset_time(reset_raw, p.reset_format)
            if reset_at is not None:
                info = replace(info, reset_at=reset_at)
        if p.poll_interval_header and p.poll_interval_header in h:
            try:
                interval = float(h[p.poll_interval_header])
                self.poll_intervals[request.url.path] = interval
                info = replace(info, poll_interval=interval)
            except ValueError:
                pass
        retry_at: float | None = None
        exhausted = remaining == 0 or any(
            b.remaining_header and h.get(b.remaining_header) == "0" for b in p.budgets
        )
        if response.status_code in (403, 429) or exhausted:
            retry_at = rate_limit_retry_at(h, self.budgets)
            if retry_at is None and response.status_code == 429:
                retry_at = time.time() + 60.0
        if retry_at is not None:
            info = replace(info, blocked_until=max(retry_at, info.blocked_until or 0))
        elif info.blocked_until is not None and info.blocked_until <= time.time():
            info = replace(info, blocked_until=None)
        self.info = info
        if self._metrics is not None:
            self._metrics.on_rate_limit(info)
        return retry_at if response.status_code in (403, 429) else None


class RateLimitTransport(httpx.AsyncBaseTransport):
    """Applies a :class:`RateLimiter` around every request that would reach the network."""

    def __init__(
        self, inner: httpx.AsyncBaseTransport, limiter: RateLimiter, *, max_resends: int = 2
    ) -> None:
        self.inner = inner
        self.limiter = limiter
        self.max_resends = max_resends

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        resends = 0
        while True:
            await self.limiter.before_send(request)
            response = await self.inner.handle_async_request(request)
            retry_at = self.limiter.after_response(request, response)
            if retry_at is None:
                return response
            await response.aread()
            wait = retry_at - time.time()
            if resends >= self.max_resends or wait > self.limiter.max_wait:
                # Hand the decision up with the service's own message; nothing more is sent.
                raise error_for_response(
                    response,
                    service=self.limiter.service,
                    retry_at=retry_at,
                    request=request,
                    budgets=self.limiter.budgets,
                )
            await response.aclose()
            resends += 1

    async def aclose(self) -> None:
        await self.inner.aclose()
