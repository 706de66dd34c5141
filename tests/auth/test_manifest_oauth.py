"""Two generic manifest features of sign-in, used by suites with tenants and known errors.

- ``{setting}`` in an OAuth URL is filled from the connector's settings at sign-in (Microsoft's
  ``login.microsoftonline.com/{tenant}/...``), URL-quoted so a value stays one path segment,
  and a manifest naming a setting it does not declare is refused when it is read.
- ``[[auth.error_help]]`` turns a known error code into advice (Microsoft's AADSTS65001:
  an administrator must consent), keeping the exception's class.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.sdk.errors import AuthError, ManifestError, ReauthRequired
from connectors.sdk.manifest import Manifest
from connectors.sdk.settings import settings_model
from server.hub.auth.oauth import TokenError, raise_for_token_error
from server.hub.auth.pkce import pkce_login
from server.hub.auth.refresh import OAuthRefresher
from server.hub.auth.service import resolve_service

LOGIN = "https://login.example.test/{tenant}/oauth2/v2.0"


def manifest(**oauth: Any) -> Manifest:
    return Manifest.parse(
        {
            "id": "suite",
            "name": "Suite",
            "capabilities": [],
            "api_url": "https://api.example.test",
            "attach": {"kind": "account"},
            "auth": {
                "methods": ["pkce"],
                "oauth2": {
                    "client_id": "app",
                    "authorize_url": f"{LOGIN}/authorize",
                    "token_url": f"{LOGIN}/token",
                    **oauth,
                },
                "error_help": [
                    {
                        "match": r"\bAADSTS(65001|90094)\b",
                        "help": "An administrator of your organisation must consent first.",
                    },
                    {"match": r"^invalid_grant: .*AADSTS70008", "help": "The code expired."},
                ],
            },
            "config": [{"name": "tenant", "type": "string", "default": "common"}],
        }
    )


def test_a_setting_fills_the_oauth_urls() -> None:
    m = manifest()
    default = resolve_service(m, env={})
    assert default.oauth is not None
    assert default.oauth.token_url == "https://login.example.test/common/oauth2/v2.0/token"
    settings = settings_model(m).model_validate({"tenant": "organizations"})
    chosen = resolve_service(m, settings=settings, env={}).oauth
    assert chosen is not None
    assert chosen.authorize_url == "https://login.example.test/organizations/oauth2/v2.0/authorize"


def test_a_value_cannot_leave_its_path_segment() -> None:
    m = manifest()
    hostile = settings_model(m).model_validate({"tenant": "../evil.test/x?y=1#"})
    oauth = resolve_service(m, settings=hostile, env={}).oauth
    assert oauth is not None
    parts = urlsplit(oauth.token_url)
    assert parts.hostname == "login.example.test" and not parts.query and not parts.fragment
    assert parts.path.count("/") == 4  # /<tenant>/oauth2/v2.0/token


def test_an_undeclared_placeholder_is_refused_on_load() -> None:
    with pytest.raises(ManifestError, match=r"names \{region\}, which is not a \[\[config\]\]"):
        manifest(device_authorization_url="https://login.example.test/{region}/devicecode")


def test_known_errors_get_their_advice_and_keep_their_class() -> None:
    help = resolve_service(manifest(), env={}).oauth.error_help  # type: ignore[union-attr]
    consent = TokenError("invalid_client", "AADSTS65001: The user or administrator has not ...")
    with pytest.raises(Exception, match="administrator of your organisation must consent") as e:
        raise_for_token_error(consent, service="Suite", doing="signing in", help=help)
    assert "AADSTS65001" in str(e.value)
    expired = TokenError("invalid_grant", "AADSTS70008: The provided authorization code ...")
    with pytest.raises(ReauthRequired, match="The code expired"):
        raise_for_token_error(expired, service="Suite", doing="renewing", help=help)
    other = TokenError("invalid_grant", "AADSTS50173: The grant was revoked")
    with pytest.raises(ReauthRequired) as plain:
        raise_for_token_error(other, service="Suite", doing="renewing", help=help)
    assert "administrator" not in str(plain.value) and "expired" not in str(plain.value)


async def test_the_browser_redirect_error_is_explained() -> None:
    """Where the error arrives on the loopback redirect (Microsoft sends consent errors so)."""
    oauth = resolve_service(manifest(), env={}).oauth
    assert oauth is not None

    def open_browser(url: str) -> None:
        q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        assert url.startswith("https://login.example.test/common/oauth2/v2.0/authorize?")

        async def redirect() -> None:
            async with httpx.AsyncClient() as browser:
                await browser.get(
                    q["redirect_uri"],
                    params={
                        "error": "access_denied",
                        "error_description": "AADSTS90094: Admin consent is required.",
                        "state": q["state"],
                    },
                )

        asyncio.get_running_loop().create_task(redirect())

    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(500))) as h:
        with pytest.raises(AuthError, match=r"declined.*AADSTS90094.*must consent first"):
            await pkce_login(oauth, h, open_browser, service="Suite", wait_seconds=10)


async def test_a_refresh_error_is_explained() -> None:
    oauth = resolve_service(manifest(), env={}).oauth
    assert oauth is not None

    def token(request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/common/oauth2/v2.0/token"
        body = {"error": "invalid_grant", "error_description": "AADSTS70008: expired"}
        return httpx.Response(400, json=body)

    async with httpx.AsyncClient(transport=httpx.MockTransport(token)) as h:
        with pytest.raises(ReauthRequired, match="The code expired"):
            await OAuthRefresher(oauth, h, service="Suite").refresh("a-refresh-token")
