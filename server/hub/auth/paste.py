"""A one-time page on 127.0.0.1 where a person pastes a token, for editors with no input box.

LSP can show a message and open a URL, but cannot ask for text, let alone a secret without
echoing it. For editors without a Tieline shell (Neovim, Emacs, Helix, LSP4IJ's template) the
server opens this page with ``window/showDocument``: a form with a password field (and a user
field for HTTP Basic), served once, on an ephemeral loopback port, under an unguessable path.
The POST must carry the same one-time nonce and a ``Host`` of this very listener (a page
elsewhere cannot post to it by DNS rebinding), and nothing is logged. Hand-written on
asyncio streams for the same reason as the OAuth redirect receiver: one request, no
framework worth its import time.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from connectors.sdk.errors import AuthError
from connectors.sdk.redact import register_secret

_MAX_REQUEST = 64 * 1024
_FORM = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy"
 content="default-src 'none'; style-src 'unsafe-inline'; form-action 'self'">
<meta name="referrer" content="no-referrer"><title>Tieline: sign in to {service}</title>
<style>body{{font:16px system-ui;max-width:34em;margin:3em auto;padding:0 1em}}
input{{font:inherit;width:100%;padding:.4em;margin:.3em 0 1em}}
button{{font:inherit;padding:.4em 1.2em}}</style>
</head><body><h1>Sign in to {service}</h1><p>{help}</p>
<form method="post" action="{path}" autocomplete="off">
<input type="hidden" name="nonce" value="{nonce}">{user}
<label>{secret_label}<input type="password" name="token" required autofocus></label>
<button type="submit">Sign in</button></form></body></html>"""
_USER = '<label>{label}<input type="text" name="username" required></label>'
_DONE = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>
</head><body style="font:16px system-ui;max-width:34em;margin:3em auto"><h1>{title}</h1>
<p>{text}</p></body></html>"""


@dataclass(frozen=True)
class Pasted:
    token: str = field(repr=False)
    username: str | None = None


class TokenForm:
    """``async with TokenForm(...) as form: open(form.url); pasted = await form.wait(...)``."""

    def __init__(
        self,
        service: str,
        *,
        secret_label: str = "Token",  # noqa: S107 -- a field label, not a secret
        username_label: str | None = None,
        help_text: str = "",
    ) -> None:
        self.service = service
        self.secret_label = secret_label
        self.username_label = username_label
        self.help_text = help_text
        self.nonce = secrets.token_urlsafe(24)
        self.path = f"/paste/{secrets.token_urlsafe(16)}"
        self.port = 0
        self._server: asyncio.Server | None = None
        self._result: asyncio.Future[Pasted] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    async def __aenter__(self) -> TokenForm:
        self._result = asyncio.get_running_loop().create_future()
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
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

    async def wait(self, seconds: float) -> Pasted:
        assert self._result is not None
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), seconds)
        except TimeoutError:
            raise AuthError("no token was pasted in time; run the sign-in again") from None
        finally:
            await self.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        method, _, rest = lines[0].partition(" ")
        target = rest.rsplit(" ", 1)[0]
        headers = {
            k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:] if h)
        }
        if headers.get("host") != f"127.0.0.1:{self.port}" or target != self.path:
            await _respond(writer, 404, "Not found", "Nothing to see here.")
            return
        if method == "GET":
            user = (
                _USER.format(label=html.escape(self.username_label.capitalize()))
                if self.username_label
                else ""
            )
            page = _FORM.format(
                service=html.escape(self.service),
                help=html.escape(self.help_text),
                path=html.escape(self.path),
                nonce=html.escape(self.nonce),
                user=user,
                secret_label=html.escape(self.secret_label),
            )
            await _send(writer, 200, page)
            return
        length = int(headers.get("content-length") or 0)
        if method != "POST" or not 0 < length <= _MAX_REQUEST:
            await _respond(writer, 400, "Not accepted", "Paste the token in the form.")
            return
        try:
            body = (await reader.readexactly(length)).decode("utf-8")
        except (asyncio.IncompleteReadError, UnicodeDecodeError):
            await _respond(writer, 400, "Not accepted", "Paste the token in the form.")
            return
        form = dict(parse_qsl(body, keep_blank_values=True))
        token = form.get("token", "").strip()
        register_secret(token)
        done = self._result is None or self._result.done()
        if done or not secrets.compare_digest(form.get("nonce", ""), self.nonce) or not token:
            await _respond(writer, 400, "Not accepted", "This page was already used or is stale.")
            return
        username = form.get("username", "").strip() or None
        if self.username_label and not username:
            await _respond(writer, 400, "Not accepted", f"The {self.username_label} is missing.")
            return
        assert self._result is not None
        self._result.set_result(Pasted(token, username))
        await _respond(writer, 200, "Token received", "You can close this tab.")
        if self._server is not None:
            self._server.close()


async def _respond(writer: asyncio.StreamWriter, status: int, title: str, text: str) -> None:
    await _send(writer, status, _DONE.format(title=html.escape(title), text=html.escape(text)))


async def _send(writer: asyncio.StreamWriter, status: int, page: str) -> None:
    body = page.encode("utf-8")
    reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}[status]
    writer.write(
        f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/html; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\n"
        "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
        "Referrer-Policy: no-referrer\r\nConnection: close\r\n\r\n".encode("ascii")
        + body
    )
    with contextlib.suppress(ConnectionError):
        await writer.drain()
    writer.close()
