"""Authorization code + PKCE (S256) with a loopback redirect (RFC 7636, RFC 8252).

The redirect receiver listens on 127.0.0.1 with an ephemeral port, answers exactly one
callback request with a small HTML page, and closes. It is a hand-written asyncio listener
rather than ``http.server`` (threads) or the future ``server/web`` app (not started for a CLI
login): it only has to read one request line. Requests to other paths get a 404 and do not
count as the callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import secrets
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from connectors.sdk.errors import AuthError
from connectors.sdk.redact import redact, register_secret

from .oauth import (
    OAuthClientConfig,
    TokenError,
    TokenSet,
    raise_for_token_error,
    token_request,
)

CALLBACK_PATH = "/callback"
_MAX_REQUEST = 16 * 1024

_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Tieline</title></head>
<body style="font-family:sans-serif;margin:3em"><h1>{title}</h1><p>{text}</p></body></html>"""


class LoopbackReceiver:
    """A one-shot HTTP listener for the OAuth redirect. Use as ``async with``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[dict[str, str]] | None = None
        self.expected_state = ""

    @property
    def redirect_uri(self) -> str:
        return f"http://{self.host}:{self.port}{CALLBACK_PATH}"

    async def __aenter__(self) -> LoopbackReceiver:
        self._result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._handle, self.host, 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            with contextlib.suppress(Exception):
                await self._server.wait_closed()
            self._server = None

    async def wait(self, wait_seconds: float | None) -> dict[str, str]:
        """The callback's query parameters (after ``state`` was checked)."""
        assert self._result is not None
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), wait_seconds)
        except TimeoutError:
            raise AuthError(
                "no answer from the browser sign-in in time; run the login again (or use the"
                " device flow / --with-token on a machine without a browser)"
            ) from None
        finally:
            await self.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        if len(head) > _MAX_REQUEST:
            writer.close()
            return
        method, _, rest = head.split(b"\r\n", 1)[0].decode("latin-1").partition(" ")
        target = rest.rsplit(" ", 1)[0]
        url = urlsplit(target)
        done = self._result is None or self._result.done()
        if method != "GET" or url.path != CALLBACK_PATH or done:
            await self._respond(writer, 404, "Not found", "Nothing to see here.")
            return
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        assert self._result is not None
        if not secrets.compare_digest(params.get("state", ""), self.expected_state):
            await self._respond(
                writer, 400, "Sign-in failed", "The answer did not match this sign-in. Try again."
            )
            self._result.set_exception(
                AuthError(
                    "the browser sign-in answer did not match the request (state mismatch);"
                    " run the login again"
                )
            )
        elif "error" in params:
            await self._respond(writer, 200, "Sign-in cancelled", "You can close this tab.")
            self._result.set_result(params)
        else:
            await self._respond(
                writer,
                200,
                "Signed in to Tieline",
                "You can close this tab and return to your editor.",
            )
            self._result.set_result(params)
        if self._server is not None:
            self._server.close()  # exactly one answer: stop accepting now

    @staticmethod
    async def _respond(writer: asyncio.StreamWriter, status: int, title: str, text: str) -> None:
        body = _PAGE.format(title=html.escape(title), text=html.escape(text)).encode("utf-8")
        reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
        writer.write(
            f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n"
            "Connection: close\r\n\r\n".encode("ascii")
            + body
        )
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()


async def pkce_login(
    client: OAuthClientConfig,
    http: httpx.AsyncClient,
    open_browser: Callable[[str], object],
    *,
    service: str = "the service",
    wait_seconds: float | None = 300.0,
    extra_params: dict[str, str] | None = None,
) -> TokenSet:
    """Run the browser sign-in: open the authorize URL, receive the code, exchange it."""
    if not client.authorize_url:
        raise AuthError(f"{service} does not offer browser sign-in; use the device flow")
    verifier = generate_token(64)  # 64 chars of [A-Za-z0-9], within RFC 7636's 43..128
    register_secret(verifier)
    async with LoopbackReceiver() as receiver:
        receiver.expected_state = generate_token(32)
        params = {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": receiver.redirect_uri,
            "state": receiver.expected_state,
            "code_challenge": create_s256_code_challenge(verifier),
            "code_challenge_method": "S256",
            **dict(client.authorize_params),
            **(extra_params or {}),
        }
        if client.scopes:
            params["scope"] = " ".join(client.scopes)
        open_browser(add_params_to_uri(client.authorize_url, list(params.items())))
        answer = await receiver.wait(wait_seconds)
        redirect_uri = receiver.redirect_uri
    if "error" in answer:
        raise_for_token_error(
            TokenError(answer["error"], redact(answer.get("error_description", ""))),
            service=service,
            doing="signing in in the browser",
        )
    code = answer.get("code")
    if not code:
        raise AuthError(f"{service} redirected back without an authorization code")
    register_secret(code)
    form = {
        **client.client_auth(),
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
    }
    result = await token_request(
        http, client.token_url, form, requested_scopes=client.scopes, service=service
    )
    if not isinstance(result, TokenSet):
        raise_for_token_error(result, service=service, doing="exchanging the authorization code")
    return result
