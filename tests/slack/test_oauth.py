"""Browser sign-in to Slack as a public client: OAuth v2 with PKCE through the hub's generic
flow, the scopes asked for in ``user_scope``, the user token read from ``authed_user``, and a
rotating token refreshed -- all against the stand-in's authorize page and oauth.v2.access,
which checks the S256 challenge and that no client secret is sent."""

from __future__ import annotations

import asyncio
import dataclasses
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.sdk import AuthError
from connectors.sdk.settings import settings_model
from server.hub.auth.oauth import OAuthClientConfig, TokenError, TokenSet, token_request
from server.hub.auth.pkce import pkce_login
from server.hub.auth.refresh import OAuthRefresher
from server.hub.auth.service import resolve_service
from tests.standin.slack import SlackStandIn

from .helpers import ALL_SCOPES, MANIFEST, World, connect


def client_for(slack: SlackStandIn) -> OAuthClientConfig:
    """The manifest's OAuth client with the stand-in in place of slack.com."""
    settings = settings_model(MANIFEST).model_validate({"client_id": slack.client_id})
    oauth = resolve_service(MANIFEST, settings=settings, env={}).oauth
    assert oauth is not None
    return dataclasses.replace(
        oauth,
        authorize_url=f"{slack.url}/oauth/v2/authorize",
        token_url=f"{slack.url}/api/oauth.v2.access",
    )


async def browser_sign_in(world: World) -> tuple[TokenSet, dict[str, str]]:
    slack = world.standin
    slack.signing_in = world.ada["id"]
    asked: dict[str, str] = {}

    def open_browser(url: str) -> None:
        asked.update({k: v[0] for k, v in parse_qs(urlsplit(url).query).items()})

        async def browse() -> None:  # the person approves; Slack redirects to the loopback
            async with httpx.AsyncClient(follow_redirects=True) as browser:
                await browser.get(url)

        asyncio.get_running_loop().create_task(browse())

    async with httpx.AsyncClient() as http:
        tokens = await pkce_login(
            client_for(slack), http, open_browser, service="Slack", wait_seconds=10
        )
    return tokens, asked


async def test_pkce_sign_in_gets_a_user_token(world: World) -> None:
    tokens, asked = await browser_sign_in(world)
    assert asked["user_scope"].split() == list(ALL_SCOPES)
    assert "scope" not in asked and asked["code_challenge_method"] == "S256"
    assert tokens.access_token.startswith("xoxe.xoxp-")
    assert tokens.token_type == "user"
    assert tokens.scopes == ALL_SCOPES
    assert tokens.refresh_token and tokens.expires_at
    c, http = connect(world.standin.url, token=tokens.access_token, method="pkce")
    try:
        result = await c.check()
        assert result.ok and result.account == "tieline-test/ada"
        assert result.scopes == ALL_SCOPES
    finally:
        await http.aclose()


async def test_a_rotating_token_is_refreshed(world: World) -> None:
    tokens, _ = await browser_sign_in(world)
    oauth = client_for(world.standin)
    async with httpx.AsyncClient() as http:
        refresher = OAuthRefresher(oauth, http, service="Slack")
        assert tokens.refresh_token is not None
        new = await refresher.refresh(tokens.refresh_token)
        assert new.access_token.startswith("xoxe.xoxp-")
        assert new.access_token != tokens.access_token
        assert new.refresh_token and new.scopes == ALL_SCOPES
        with pytest.raises(AuthError, match="invalid_refresh_token"):  # used once only
            await refresher.refresh(tokens.refresh_token)


async def test_a_code_that_is_not_valid_is_refused(world: World) -> None:
    oauth = client_for(world.standin)
    form = {"client_id": oauth.client_id, "code": "code-forged", "code_verifier": "v" * 64}
    form["redirect_uri"] = "http://127.0.0.1:1/callback"
    async with httpx.AsyncClient() as http:
        answer = await token_request(http, oauth.token_url, form, token_field=oauth.token_field)
    assert isinstance(answer, TokenError) and answer.error == "invalid_code"
