"""The ASGI middleware every response passes through: security headers, the ``Host``
guard, and the refusal of cross-origin preflights when no origin is allowed.

Pure ASGI (not ``BaseHTTPMiddleware``): they only look at the scope and at the response's
start message, so a streamed body is never buffered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Content-Security-Policy for anything that is not a page (JSON, text): nothing may load.
CSP_DATA = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
#: For an HTML page: its own origin only, never framed.
CSP_PAGE = "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"


class SecurityHeaders:
    """Add the headers a loopback service with secrets nearby wants on every response.

    ``X-Content-Type-Options``, ``Referrer-Policy`` are always set. ``Content-Security-
    Policy``, ``X-Frame-Options`` and ``Cache-Control`` are set unless the route set its
    own: a later embeddable widget must be able to say ``frame-ancestors`` for itself, on
    purpose and in its own code.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                page = headers.get("content-type", "").startswith("text/html")
                headers["X-Content-Type-Options"] = "nosniff"
                headers["Referrer-Policy"] = "no-referrer"
                headers.setdefault("Content-Security-Policy", CSP_PAGE if page else CSP_DATA)
                headers.setdefault("X-Frame-Options", "DENY")
                headers.setdefault("Cache-Control", "no-store")
                headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
            await send(message)

        await self.app(scope, receive, send_with_headers)


class HostGuard:
    """Refuse a request whose ``Host`` is not this listener's own name (DNS rebinding).

    A page on ``evil.example`` whose name is re-pointed at 127.0.0.1 reaches this port with
    ``Host: evil.example:<port>``; only ``127.0.0.1:<port>``, ``localhost:<port>`` and the
    configured extra names (a tunnel's) pass. The answer is 421 Misdirected Request
    (RFC 9110 §15.5.20): this server is not the one that name means.
    """

    def __init__(self, app: ASGIApp, allowed: Callable[[], Iterable[str]]) -> None:
        self.app = app
        self.allowed = allowed

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        host = Headers(scope=scope).get("host", "").strip().lower()
        if host and host in {h.lower() for h in self.allowed()}:
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            from starlette.websockets import WebSocketClose

            await WebSocketClose(code=1008)(scope, receive, send)
            return
        await PlainTextResponse("misdirected request\n", status_code=421)(scope, receive, send)


def is_preflight(scope: Scope) -> bool:
    headers = Headers(scope=scope)
    return (
        scope.get("method") == "OPTIONS"
        and "origin" in headers
        and "access-control-request-method" in headers
    )


class NoCrossOrigin:
    """Where no origin is allowed: refuse CORS preflights outright (403, no
    ``Access-Control-*`` header), so a browser never sends the request that would follow."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and is_preflight(scope):
            response = PlainTextResponse("cross-origin requests are not allowed\n", 403)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)
