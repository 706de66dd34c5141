"""Two generic manifest options of the browser sign-in, for services that ask for scopes
under another name and answer more than one token (Slack does both).

- ``scope_param``: the authorize parameter the scopes go in (default RFC 6749's ``scope``).
- ``token_field``: the object of the token answer that holds the token set; errors are
  read at the top, and an answer without that object (a refresh) is read at the top too.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.sdk.errors import AuthError, ManifestError
from connectors.sdk.manifest import Manifest
from server.hub.auth.oauth import OAuthClientConfig
from server.hub.auth.pkce import pkce_login
from server.hub.auth.refresh import OAuthRefresher
from server.hub.auth.service import resolve_service

BASE = "https://chat.example.test"


def manifest(**oauth: Any) -> Manifest:
    return Manifest.parse(
        {
            "id": "chat",
            "name": "Chat",
            "capabilities": [],
            "api_url": f"{BASE}/api",
            "attach": {"kind": "account"},
            "auth": {
                "methods": ["pkce"],
                "oauth2": {
                    "client_id": "app",
                    "authorize_url": f"{BASE}/oauth/authorize",
                    "token_url": f"{BASE}/api/oauth.access",
                    "scopes": [
                        {"name": "chat:write", "why": "post"},
                        {"name": "search:read", "why": "mentions"},
                    ],
                    **oauth,
                },
            },
        }
    )


def client(**oauth: Any) -> OAuthClientConfig:
    found = resolve_service(manifest(**oauth), env={}).oauth
    assert found is not None
    return found


async def sign_in(oauth: OAuthClientConfig, answer: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """Run the browser sign-in against a token endpoint giving ``answer``; return the tokens
    and the authorize request's parameters."""
    seen: dict[str, Any] = {}

    def open_browser(url: str) -> None:
        q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        seen.update(q)

        async def redirect() -> None:
            async with httpx.AsyncClient() as browser:
                await browser.get(q["redirect_uri"], params={"code": "c0de", "state": q["state"]})

        asyncio.get_running_loop().create_task(redirect())

    def token(request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert form["code"] == "c0de" and form["code_verifier"] and "client_secret" not in form
        return httpx.Response(200, json=answer)

    async with httpx.AsyncClient(transport=httpx.MockTransport(token)) as h:
        tokens = await pkce_login(oauth, h, open_browser, service="Chat", wait_seconds=10)
    return tokens, seen


NESTED = {
    "ok": True,
    "app_id": "A1",
    "team": {"id": "T1", "name": "Team"},
    "authed_user": {
        "id": "U1",
        "scope": "chat:write,search:read",
        "access_token": "user-token-1234567",
        "token_type": "user",
        "refresh_token": "refresh-1234567",
        "expires_in": 43200,
    },
}


async def test_scopes_go_in_the_named_parameter_and_the_nested_token_is_read() -> None:
    oauth = client(scope_param="user_scope", token_field="authed_user")
    tokens, authorize = await sign_in(oauth, NESTED)
    assert authorize["user_scope"] == "chat:write search:read"
    assert "scope" not in authorize
    assert tokens.access_token == "user-token-1234567"
    assert tokens.refresh_token == "refresh-1234567"
    assert tokens.token_type == "user"
    assert tokens.scopes == ("chat:write", "search:read")
    assert tokens.expires_at is not None


async def test_by_default_scopes_are_scope_and_the_token_is_at_the_top() -> None:
    """Without the options nothing changes: the nested token is not looked for, so an answer
    that only has one there is refused rather than half read."""
    oauth = client()
    assert (oauth.scope_param, oauth.token_field) == ("scope", "")
    with pytest.raises(AuthError, match="answered the token request"):
        await sign_in(oauth, NESTED)
    tokens, authorize = await sign_in(oauth, {"access_token": "top-token-1234567"})
    assert authorize["scope"] == "chat:write search:read" and "user_scope" not in authorize
    assert tokens.access_token == "top-token-1234567"


async def test_an_error_at_the_top_wins_over_the_nested_object() -> None:
    oauth = client(scope_param="user_scope", token_field="authed_user")
    with pytest.raises(AuthError, match="invalid_code"):
        await sign_in(oauth, {"ok": False, "error": "invalid_code"})


async def test_a_refresh_answer_without_the_object_is_read_at_the_top() -> None:
    oauth = client(scope_param="user_scope", token_field="authed_user")

    def token(request: httpx.Request) -> httpx.Response:
        body = {"ok": True, "access_token": "rotated-1234567", "refresh_token": "next-1234567"}
        body |= {"token_type": "user", "expires_in": 43200}
        return httpx.Response(200, json=body)

    async with httpx.AsyncClient(transport=httpx.MockTransport(token)) as h:
        new = await OAuthRefresher(oauth, h, service="Chat").refresh("refresh-1234567")
    assert (new.access_token, new.refresh_token) == ("rotated-1234567", "next-1234567")


def test_a_scope_parameter_must_be_a_parameter_name() -> None:
    with pytest.raises(ManifestError, match="scope_param"):
        manifest(scope_param="user scope&x=")
