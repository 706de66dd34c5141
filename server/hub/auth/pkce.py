"""Authorization code + PKCE (S256) with a loopback redirect (RFC 7636, RFC 8252).

The redirect receiver (:class:`.loopback.OneShot`) listens on 127.0.0.1 with an ephemeral
port, answers exactly one callback request with a small HTML page, and closes. Requests to
other paths get a 404 and do not count as the callback.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Callable
from urllib.parse import parse_qsl, urlsplit

import httpx
from authlib.common.security import generate_token
from authlib.common.urls import add_params_to_uri
from authlib.oauth2.rfc7636 import create_s256_code_challenge

from connectors.sdk.errors import AuthError
from connectors.sdk.redact import redact, register_secret

from .loopback import OneShot, read_head, respond
from .oauth import (
    OAuthClientConfig,
    TokenError,
    TokenSet,
    raise_for_token_error,
    token_request,
)

CALLBACK_PATH = "/callback"


class LoopbackReceiver:
    """A one-shot HTTP listener for the OAuth redirect. Use as ``async with``."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.expected_state = ""
        self._listener: OneShot[dict[str, str]] = OneShot(self._handle)

    @property
    def port(self) -> int:
        return self._listener.port

    @property
    def redirect_uri(self) -> str:
        return f"http://{self.host}:{self.port}{CALLBACK_PATH}"

    async def __aenter__(self) -> LoopbackReceiver:
        await self._listener.__aenter__()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def close(self) -> None:
        await self._listener.close()

    async def wait(self, wait_seconds: float | None) -> dict[str, str]:
        """The callback's query parameters (after ``state`` was checked)."""
        return await self._listener.wait(
            wait_seconds,
            AuthError(
                "no answer from the browser sign-in in time; run the login again (or use the"
                " device flow / --with-token on a machine without a browser)"
            ),
        )

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await read_head(reader)
        if head is None:
            writer.close()
            return
        url = urlsplit(head.target)
        if head.method != "GET" or url.path != CALLBACK_PATH or self._listener.done:
            await respond(writer, 404, "Not found", "Nothing to see here.")
            return
        params = dict(parse_qsl(url.query, keep_blank_values=True))
        result = self._listener.result
        assert result is not None
        if not secrets.compare_digest(params.get("state", ""), self.expected_state):
            await respond(
                writer, 400, "Sign-in failed", "The answer did not match this sign-in. Try again."
            )
            result.set_exception(
                AuthError(
                    "the browser sign-in answer did not match the request (state mismatch);"
                    " run the login again"
                )
            )
        elif "error" in params:
            await respond(writer, 200, "Sign-in cancelled", "You can close this tab.")
            result.set_result(params)
        else:
            await respond(
                writer,
                200,
                "Signed in to Tieline",
                "You can close this tab and return to your editor.",
            )
            result.set_result(params)
        self._listener.stop_accepting()  # exactly one answer: stop accepting now


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
            params[client.scope_param] = " ".join(client.scopes)
        open_browser(add_params_to_uri(client.authorize_url, list(params.items())))
        answer = await receiver.wait(wait_seconds)
        redirect_uri = receiver.redirect_uri
    if "error" in answer:
        raise_for_token_error(
            TokenError(answer["error"], redact(answer.get("error_description", ""))),
            service=service,
            doing="signing in in the browser",
            help=client.error_help,
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
        http,
        client.token_url,
        form,
        requested_scopes=client.scopes,
        service=service,
        token_field=client.token_field,
        headers=client.client_headers(),
    )
    if not isinstance(result, TokenSet):
        raise_for_token_error(
            result,
            service=service,
            doing="exchanging the authorization code",
            help=client.error_help,
        )
    return result
