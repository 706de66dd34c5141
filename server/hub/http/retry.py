"""Retries with jittered exponential backoff, for transient failures only (via stamina).

Transient means: a 5xx answer, or no answer at all (connection refused/reset, timeouts). A
request is retried only when repeating it cannot do harm: idempotent methods always; POST and
PATCH only when the connection was never established (nothing reached the server), or when
the caller marks the request ``extensions={"idempotent": True}``. 4xx answers are never
retried here -- rate limits are the rate limiter's business, 401 the auth layer's.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import stamina

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
RETRY_STATUSES = frozenset({500, 502, 503, 504})
#: Failures where the request never left this machine, so even a POST is safe to repeat.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
#: Failures after the request may have been received.
MAYBE_SENT = (
    httpx.ReadError,
    httpx.WriteError,
    httpx.RemoteProtocolError,
    httpx.ReadTimeout,
    httpx.WriteTimeout,
)


@dataclass(frozen=True)
class RetryPolicy:
    """stamina's knobs. Tests pass tiny waits; production keeps the defaults."""

    attempts: int = 4
    wait_initial: float = 0.3
    wait_max: float = 8.0
    wait_jitter: float = 1.0
    timeout: float = 60.0


class _RetryableStatus(Exception):
    def __init__(self, status: int) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status


class RetryTransport(httpx.AsyncBaseTransport):
    def __init__(self, inner: httpx.AsyncBaseTransport, policy: RetryPolicy | None = None) -> None:
        self.inner = inner
        self.policy = policy or RetryPolicy()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        safe = request.method in IDEMPOTENT or bool(request.extensions.get("idempotent"))

        def transient(exc: Exception) -> bool:
            if isinstance(exc, NOT_SENT):
                return True
            return safe and isinstance(exc, (*MAYBE_SENT, _RetryableStatus))

        p = self.policy
        async for attempt in stamina.retry_context(
            on=transient,
            attempts=p.attempts,
            timeout=p.timeout,
            wait_initial=p.wait_initial,
            wait_max=p.wait_max,
            wait_jitter=p.wait_jitter,
        ):
            with attempt:
                response = await self.inner.handle_async_request(request)
                if safe and response.status_code in RETRY_STATUSES and attempt.num < p.attempts:
                    await response.aclose()
                    raise _RetryableStatus(response.status_code)
                return response
        raise AssertionError("unreachable: stamina re-raises after the last attempt")

    async def aclose(self) -> None:
        await self.inner.aclose()
