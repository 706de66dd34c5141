"""A one-shot HTTP listener on 127.0.0.1: the OAuth redirect receiver and the token-paste
page are both one of these.

Hand-written on asyncio streams rather than ``http.server`` (threads) or the future
``server/web`` app (not started for a CLI login): each answers one or two requests. The
listener binds an ephemeral port on the loopback interface only, reads at most a small
request, and answers with a tiny HTML page carrying the headers a page with a secret in
its neighbourhood wants (no caching, no framing, no referrer).
"""

from __future__ import annotations

import asyncio
import contextlib
import html
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
MAX_REQUEST = 64 * 1024
PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
</head><body style="font:16px system-ui;max-width:34em;margin:3em auto"><h1>{title}</h1>
<p>{text}</p></body></html>"""
_REASONS = {200: "OK", 400: "Bad Request", 404: "Not Found"}


@dataclass(frozen=True)
class Head:
    """A request's first line and headers (names lower-cased)."""

    method: str
    target: str
    headers: dict[str, str]


async def read_head(reader: asyncio.StreamReader) -> Head | None:
    """The request head, or ``None`` when the client sent nothing usable."""
    try:
        raw = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        return None
    if len(raw) > MAX_REQUEST:
        return None
    lines = raw.decode("latin-1").split("\r\n")
    method, _, rest = lines[0].partition(" ")
    headers = {
        k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:] if h)
    }
    return Head(method, rest.rsplit(" ", 1)[0], headers)


async def send(writer: asyncio.StreamWriter, status: int, page: str) -> None:
    body = page.encode("utf-8")
    writer.write(
        f"HTTP/1.1 {status} {_REASONS[status]}\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
        "Referrer-Policy: no-referrer\r\nConnection: close\r\n\r\n".encode("ascii")
        + body
    )
    with contextlib.suppress(ConnectionError):
        await writer.drain()
    writer.close()


async def respond(writer: asyncio.StreamWriter, status: int, title: str, text: str) -> None:
    """A short page saying ``title`` and ``text`` (both escaped)."""
    await send(writer, status, PAGE.format(title=html.escape(title), text=html.escape(text)))


class OneShot(Generic[T]):
    """The listener and the future its handler completes. ``async with`` starts it."""

    def __init__(
        self, handle: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
    ) -> None:
        self._handle = handle
        self.port = 0
        self._server: asyncio.Server | None = None
        self.result: asyncio.Future[T] | None = None

    async def __aenter__(self) -> OneShot[T]:
        self.result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def done(self) -> bool:
        return self.result is None or self.result.done()

    def stop_accepting(self) -> None:
        if self._server is not None:
            self._server.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    async def wait(self, seconds: float | None, on_timeout: Exception) -> T:
        """The handler's result; ``on_timeout`` is raised when none comes in time."""
        assert self.result is not None
        try:
            return await asyncio.wait_for(asyncio.shield(self.result), seconds)
        except TimeoutError:
            raise on_timeout from None
        finally:
            await self.close()
