"""A one-time page on 127.0.0.1 where a person pastes a token, for editors with no input box.

LSP can show a message and open a URL, but cannot ask for text, let alone a secret without
echoing it. For editors without a Tieline shell (Neovim, Emacs, Helix, LSP4IJ's template) the
server opens this page with ``window/showDocument``: a form with a password field (and a user
field for HTTP Basic), served once, on an ephemeral loopback port, under an unguessable path.
The POST must carry the same one-time nonce and a ``Host`` of this very listener (a page
elsewhere cannot post to it by DNS rebinding), and nothing is logged. It is a
:class:`.loopback.OneShot` listener, like the OAuth redirect receiver.
"""

from __future__ import annotations

import asyncio
import html
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qsl

from connectors.sdk.errors import AuthError
from connectors.sdk.redact import register_secret

from .loopback import MAX_REQUEST, OneShot, read_head, respond, send

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
        self._listener: OneShot[Pasted] = OneShot(self._handle)

    @property
    def port(self) -> int:
        return self._listener.port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.path}"

    async def __aenter__(self) -> TokenForm:
        await self._listener.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._listener.close()

    async def wait(self, seconds: float) -> Pasted:
        return await self._listener.wait(
            seconds, AuthError("no token was pasted in time; run the sign-in again")
        )

    def _form(self) -> str:
        user = (
            _USER.format(label=html.escape(self.username_label.capitalize()))
            if self.username_label
            else ""
        )
        return _FORM.format(
            service=html.escape(self.service),
            help=html.escape(self.help_text),
            path=html.escape(self.path),
            nonce=html.escape(self.nonce),
            user=user,
            secret_label=html.escape(self.secret_label),
        )

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_head(reader)
        if head is None:
            writer.close()
            return
        if head.headers.get("host") != f"127.0.0.1:{self.port}" or head.target != self.path:
            await respond(writer, 404, "Not found", "Nothing to see here.")
            return
        if head.method == "GET":
            await send(writer, 200, self._form())
            return
        length = int(head.headers.get("content-length") or 0)
        if head.method != "POST" or not 0 < length <= MAX_REQUEST:
            await respond(writer, 400, "Not accepted", "Paste the token in the form.")
            return
        try:
            body = (await reader.readexactly(length)).decode("utf-8")
        except (asyncio.IncompleteReadError, UnicodeDecodeError):
            await respond(writer, 400, "Not accepted", "Paste the token in the form.")
            return
        form = dict(parse_qsl(body, keep_blank_values=True))
        token = form.get("token", "").strip()
        register_secret(token)
        stale = self._listener.done or not secrets.compare_digest(form.get("nonce", ""), self.nonce)
        if stale or not token:
            await respond(writer, 400, "Not accepted", "This page was already used or is stale.")
            return
        username = form.get("username", "").strip() or None
        if self.username_label and not username:
            await respond(writer, 400, "Not accepted", f"The {self.username_label} is missing.")
            return
        result = self._listener.result
        assert result is not None
        result.set_result(Pasted(token, username))
        await respond(writer, 200, "Token received", "You can close this tab.")
        self._listener.stop_accepting()
