"""One HTTP POST of a signed message, reported as a :class:`Result` (it never raises for the
receiver's faults: a failure is data for the delivery log).

Connections are pooled and kept alive per origin (:mod:`.http1`); redirects are not followed
(a 3xx is a failure, as at Svix); the whole attempt -- resolve, connect, send, answer -- has
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

from connectors.sdk.redact import redact
from server import __version__

from .errors import AddressRefused
from .http1 import Pool
from .models import Outcome
from .ssrf import Guard

#: How much of an answer is kept in the log (characters).
EXCERPT = 1024
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
        self._pool = Pool(guard, _ssl_context(ca_bundle), per_origin=max_connections)

    async def aclose(self) -> None:
        await self._pool.aclose()

    async def post(self, url: str, headers: dict[str, str], body: bytes) -> Result:
        t0 = time.perf_counter()
        wire = [
            ("content-type", "application/json"),
            ("user-agent", USER_AGENT),
            *headers.items(),
        ]
        t = self.timeout

        def done(outcome: Outcome, status: int | None = None, **kw: str | None) -> Result:
            return Result(outcome, status, (time.perf_counter() - t0) * 1000.0, **kw)

        try:
            async with asyncio.timeout(t):
                answer = await self._pool.post(url, wire, body)
        except AddressRefused as exc:
            return done(Outcome.REFUSED, error=exc.message)
        except TimeoutError:
            return done(Outcome.TIMEOUT, error=f"no answer within {t:g} s")
        except (OSError, asyncio.IncompleteReadError) as exc:  # refused, reset, TLS, protocol
            return done(Outcome.CONNECTION, error=_describe(exc))
        except (ValueError, LookupError) as exc:  # a URL h11 cannot send
            return done(Outcome.ERROR, error=_describe(exc))
        status = answer.status
        text = excerpt(answer.body) if answer.body else None
        if 200 <= status < 300:
            return done(Outcome.SUCCESS, status, response=text)
        return done(Outcome.HTTP_ERROR, status, response=text, error=f"HTTP {status}")


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return redact(f"{type(exc).__name__}: {text}" if text else type(exc).__name__)[:500]
