"""``token_auth = "client_secret_basic"``: a confidential client proves itself with an HTTP
Basic header at the token endpoint (code exchange and refresh) and at revocation, and sends
neither its id nor its secret in the form -- RFC 6749 2.3 allows one method per request,
and servers that take only Basic (Notion) refuse a request with both. The default stays
``client_secret_post``: id and secret in the form, no header."""

from __future__ import annotations

import asyncio
import base64
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.sdk.errors import ManifestError
from connectors.sdk.redact import redact
from server.hub.auth.oauth import OAuthClientConfig, revoke_request
from server.hub.auth.pkce import pkce_login
from server.hub.auth.refresh import OAuthRefresher
from server.hub.auth.service import resolve_service
from tests.auth.test_nested_tokens import manifest

SECRET = "s3cr3t:with&odd=chars"


def _client(**oauth: Any) -> OAuthClientConfig:
    found = resolve_service(manifest(**oauth), env={"TIELINE_CHAT_CLIENT_SECRET": SECRET}).oauth
    assert found is not None
    return found


def _basic(request: httpx.Request) -> tuple[str, str]:
    scheme, _, value = request.headers["authorization"].partition(" ")
    assert scheme == "Basic"
    user, _, password = base64.b64decode(value).decode().partition(":")
    return user, password


def test_basic_header_carries_the_form_encoded_id_and_secret() -> None:
    oauth = _client(token_auth="client_secret_basic")
    assert oauth.client_auth() == {}
    (header,) = oauth.client_headers().values()
    assert header.startswith("Basic ")
    # RFC 6749 2.3.1: each part form-encoded before joining, so a ":" in the secret stays.
    decoded = base64.b64decode(header.split()[1]).decode()
    assert decoded == "app:s3cr3t%3Awith%26odd%3Dchars"
    assert SECRET not in redact(f"sent {SECRET} and {header}")
    assert header.split()[1] not in redact(f"sent {header}")


def test_the_default_posts_the_secret_in_the_form() -> None:
    oauth = _client()
    assert oauth.token_auth == "client_secret_post"
    assert oauth.client_auth() == {"client_id": "app", "client_secret": SECRET}
    assert oauth.client_headers() == {}


def test_a_public_client_has_nothing_to_put_in_a_header() -> None:
    """Without a secret there is no Basic to send: the id goes in the form, as PKCE needs."""
    found = resolve_service(manifest(token_auth="client_secret_basic"), env={}).oauth
    assert found is not None
    assert found.client_auth() == {"client_id": "app"} and found.client_headers() == {}


def test_an_unknown_method_is_a_manifest_error() -> None:
    with pytest.raises(ManifestError):
        manifest(token_auth="private_key_jwt")


async def test_code_exchange_refresh_and_revocation_use_the_header() -> None:
    oauth = _client(token_auth="client_secret_basic")
    seen: list[tuple[str, dict[str, str], tuple[str, str]]] = []

    def endpoint(request: httpx.Request) -> httpx.Response:
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert not {"client_id", "client_secret"} & set(form)
        seen.append((request.url.path, form, _basic(request)))
        return httpx.Response(200, json={"access_token": "tok-1234567", "refresh_token": "r-1"})

    tokens, _ = await sign_in_with(oauth, endpoint)
    assert tokens.access_token == "tok-1234567"
    async with httpx.AsyncClient(transport=httpx.MockTransport(endpoint)) as h:
        await OAuthRefresher(oauth, h, service="Chat").refresh("r-1")
        assert await revoke_request(
            h, "https://chat.example.test/revoke", {"token": "tok"}, service="Chat",
            headers=oauth.client_headers(),
        )  # fmt: skip
    grants = [form.get("grant_type") for _, form, _ in seen]
    assert grants == ["authorization_code", "refresh_token", None]
    assert {who for _, _, who in seen} == {("app", "s3cr3t%3Awith%26odd%3Dchars")}


async def sign_in_with(oauth: OAuthClientConfig, endpoint: Any) -> tuple[Any, Any]:
    """The browser sign-in: the "browser" follows the redirect with a code at once."""

    def open_browser(url: str) -> None:
        q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}

        async def redirect() -> None:
            async with httpx.AsyncClient() as browser:
                await browser.get(q["redirect_uri"], params={"code": "c0de", "state": q["state"]})

        asyncio.get_running_loop().create_task(redirect())

    async with httpx.AsyncClient(transport=httpx.MockTransport(endpoint)) as h:
        tokens = await pkce_login(oauth, h, open_browser, service="Chat", wait_seconds=10)
    return tokens, None
