"""One HTTP POST of a signed message, reported as a :class:`Result` (it never raises for the
receiver's faults: a failure is data for the delivery log).

httpcore directly, not httpx: the SSRF guard must be the connection pool's *network backend*
(httpx does not expose that), and a delivery needs nothing of httpx's conveniences, so each
request costs less. Connections are pooled and kept alive per origin; redirects are not
followed (a 3xx is a failure, as at Svix); the whole attempt -- connect, send, answer -- has
one deadline (``timeout``), so a receiver dripping its answer byte by byte cannot hold a
delivery past it.
"""

from __future__ import annotations

import asyncio
import re
import ssl
import time
from dataclasses import dataclass
from pathlib import Path

import certifi
import httpcore

from connectors.sdk.redact import redact
from server import __version__

from .errors import AddressRefused
from .models import Outcome
from .ssrf import Guard, GuardedBackend

#: How much of an answer is kept in the log (characters), and read at most (bytes: reading a
#: small answer to its end lets the connection be reused).
EXCERPT = 1024
READ_LIMIT = 64 * 1024
USER_AGENT = f"Tieline-Webhooks/{__version__}"
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    status: int | None
    latency_ms: float
    response: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.outcome is Outcome.SUCCESS


def excerpt(raw: bytes) -> str:
    """The start of an answer as text: decoded leniently, controls removed, secrets masked."""
    text = raw[: EXCERPT * 4].decode("utf-8", "replace")
    return redact(_CONTROL.sub("", text))[:EXCERPT]


def _ssl_context(ca_bundle: Path | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_bundle) if ca_bundle else certifi.where())


class Sender:
    """A pooled, guarded HTTP client for webhook deliveries."""

    def __init__(
        self,
        guard: Guard,
        *,
        timeout: float = 15.0,
        max_connections: int = 64,
        ca_bundle: Path | None = None,
    ) -> None:
        self.guard = guard
        self.timeout = timeout
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=_ssl_context(ca_bundle),
            max_connections=max_connections,
            max_keepalive_connections=max_connections,
            keepalive_expiry=30.0,
            network_backend=GuardedBackend(guard),
        )

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def post(self, url: str, headers: dict[str, str], body: bytes) -> Result:
        t0 = time.perf_counter()
        wire = [
            (b"content-type", b"application/json"),
            (b"user-agent", USER_AGENT.encode()),
            *((k.encode(), v.encode()) for k, v in headers.items()),
        ]
        t = self.timeout
        ext = {"timeout": {"connect": t, "read": t, "write": t, "pool": t}}

        def done(outcome: Outcome, status: int | None = None, **kw: str | None) -> Result:
            return Result(outcome, status, (time.perf_counter() - t0) * 1000.0, **kw)

        try:
            async with asyncio.timeout(t):
                async with self._pool.stream(
                    "POST", url, headers=wire, content=body, extensions=ext
                ) as resp:
                    got = bytearray()
                    async for chunk in resp.aiter_stream():
                        got += chunk
                        if len(got) >= READ_LIMIT:
                            break
                    status = resp.status
        except AddressRefused as exc:
            return done(Outcome.REFUSED, error=exc.message)
        except (TimeoutError, httpcore.TimeoutException):
            return done(Outcome.TIMEOUT, error=f"no answer within {t:g} s")
        except (httpcore.NetworkError, httpcore.RemoteProtocolError, OSError) as exc:
            return done(Outcome.CONNECTION, error=_describe(exc))
        except (httpcore.UnsupportedProtocol, httpcore.LocalProtocolError) as exc:
            return done(Outcome.ERROR, error=_describe(exc))
        text = excerpt(bytes(got)) if got else None
        if 200 <= status < 300:
            return done(Outcome.SUCCESS, status, response=text)
        return done(Outcome.HTTP_ERROR, status, response=text, error=f"HTTP {status}")


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return redact(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:500]
