"""``tieline mcp --http``: the MCP server over streamable HTTP, for agents that cannot
spawn a process -- on 127.0.0.1 only, behind two locks.

- **Host header** (DNS rebinding): a web page that rebinds its own name to 127.0.0.1 can
  reach a loopback port, but its requests carry its own ``Host``. The SDK's transport
  security (:class:`mcp.server.transport_security.TransportSecuritySettings`) refuses any
  ``Host`` but ``127.0.0.1:PORT`` / ``localhost:PORT`` with 421, and a foreign ``Origin``
  with 403.
- **Bearer token**: every request carries ``Authorization: Bearer <token>``, the token
  kept in the vault (``tieline mcp token`` prints it, creating it the first time;
  ``--rotate`` replaces it). A request without it, or with another, gets 401 before it
  reaches the MCP layer. The SDK's own ``auth=`` is an OAuth 2.1 resource server (an
  issuer, protected-resource metadata, token introspection); a local static secret needs
  none of that, so this is a few lines of ASGI instead, comparing in constant time.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import socket
import sys
from typing import TYPE_CHECKING, Any

from connectors.sdk.redact import register_secret

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from server.hub.vault import Vault

log = logging.getLogger("tieline.mcp")

#: The vault record holding the HTTP transport's bearer token.
TOKEN_RECORD = "mcp:127.0.0.1:http-token"  # noqa: S105 -- a record id, not a secret
HOST = "127.0.0.1"
DEFAULT_PORT = 7391
PATH = "/mcp"


def token(vault: Vault, *, rotate: bool = False) -> str:
    """The bearer token (made, and kept in the vault, the first time or on ``rotate``)."""
    have = None if rotate else vault.get_secret(TOKEN_RECORD)
    if have is None:
        have = secrets.token_urlsafe(32)
        vault.set_secret(TOKEN_RECORD, have)
    register_secret(have)  # never in a log line
    return have


class BearerGate:
    """ASGI middleware: refuse (401) every HTTP request without the bearer token."""

    def __init__(self, app: ASGIApp, secret: str) -> None:
        self.app = app
        self._expected = f"Bearer {secret}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or ()).get(b"authorization", b"")
            if not hmac.compare_digest(given, self._expected):
                from starlette.responses import JSONResponse

                reason = "missing" if not given else "wrong"
                log.info("MCP HTTP request refused: %s bearer token", reason)
                response = JSONResponse(
                    {"error": f"unauthorized: {reason} bearer token (tieline mcp token)"},
                    status_code=401,
                    headers={"WWW-Authenticate": 'Bearer realm="tieline-mcp"'},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def listen(port: int) -> socket.socket:
    """A socket bound to 127.0.0.1 only (``port`` 0: any free one)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, port))
    sock.listen(64)
    sock.set_inheritable(True)
    return sock


def app(server: Any, secret: str, port: int) -> ASGIApp:
    """The streamable HTTP app of ``server`` (an MCPServer) behind both locks."""
    from mcp.server.transport_security import TransportSecuritySettings

    security = TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[f"{HOST}:{port}", f"localhost:{port}"],
        allowed_origins=[f"http://{HOST}:{port}", f"http://localhost:{port}"],
    )
    inner = server.streamable_http_app(
        streamable_http_path=PATH, transport_security=security, host=HOST
    )
    return BearerGate(inner, secret)


async def serve(server: Any, secret: str, sock: socket.socket) -> None:
    """Serve on ``sock`` (from :func:`listen`) until cancelled; say the address on stderr."""
    import uvicorn

    bound = sock.getsockname()[1]
    config = uvicorn.Config(
        app(server, secret, bound), log_level="warning", access_log=False, lifespan="on"
    )
    userver = uvicorn.Server(config)
    print(f"tieline mcp: listening on http://{HOST}:{bound}{PATH}", file=sys.stderr, flush=True)
    await userver.serve(sockets=[sock])


__all__ = ["BearerGate", "app", "serve", "token"]
