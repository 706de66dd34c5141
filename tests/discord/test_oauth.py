"""Browser sign-in to Discord with the manifest's OAuth endpoints, the token exchanged on the
stand-in: the hub's PKCE flow opens Discord's authorize URL with an S256 challenge, and the
stand-in's ``/api/oauth2/token`` checks the verifier the way Discord does (S256, at least 43
characters) for a public client, which sends no secret. The token endpoint is not in
Discord's OpenAPI description; its form follows discord.com/developers/docs/topics/oauth2."""

from __future__ import annotations

import asyncio
import dataclasses
from urllib.parse import parse_qs, urlsplit

import httpx

from server.hub.auth.oauth import revoke_request
from server.hub.auth.pkce import pkce_login
from server.hub.auth.service import resolve_service

from .helpers import MANIFEST, World, connect

CLIENT_ID = "1200000000000000777"


async def test_pkce_sign_in_then_the_api_as_that_person(world: World) -> None:
    service = resolve_service(MANIFEST, env={})
    assert service.oauth is not None
    assert service.oauth.token_url == "https://discord.com/api/oauth2/token"
    assert service.oauth.revocation_url == "https://discord.com/api/oauth2/token/revoke"
    client = dataclasses.replace(
        service.oauth,
        client_id=CLIENT_ID,
        token_url=f"{world.standin.url}/api/oauth2/token",  # Discord's, served here
    )

    def open_browser(url: str) -> None:
        parts = urlsplit(url)
        assert (
            f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://discord.com/oauth2/authorize"
        )
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert q["code_challenge_method"] == "S256" and q["response_type"] == "code"
        assert q["scope"] == "identify guilds" and q["client_id"] == CLIENT_ID
        code = world.standin.authorize(
            world.ada,
            client_id=CLIENT_ID,
            redirect_uri=q["redirect_uri"],
            challenge=q["code_challenge"],
        )

        async def redirect() -> None:  # Discord sends the browser back with the code
            async with httpx.AsyncClient() as browser:
                await browser.get(q["redirect_uri"], params={"code": code, "state": q["state"]})

        asyncio.get_running_loop().create_task(redirect())

    async with httpx.AsyncClient() as http:
        tokens = await pkce_login(client, http, open_browser, service="Discord", wait_seconds=10)
    (form,) = world.standin.token_forms
    assert "client_secret" not in form and form["grant_type"] == "authorization_code"
    assert tokens.scopes == ("identify", "guilds") and tokens.refresh_token
    c, api = connect(world.standin.url, token=tokens.access_token, method="pkce")
    try:
        me = await c.check()
    finally:
        await api.aclose()
    assert me.ok and me.account == "ada" and me.name == "Ada Lovelace"
    assert me.scopes == ("identify", "guilds")
    bearer = [e for e in world.standin.log if e.path == "/api/v10/users/@me"]
    assert bearer and bearer[-1].account == world.ada["id"]

    # Sign-out: RFC 7009 at the manifest's revocation endpoint (served here), after which
    # Discord no longer takes the token.
    form = {**client.client_auth(), "token": tokens.access_token, "token_type_hint": "access_token"}
    async with httpx.AsyncClient() as http:
        revoke = f"{world.standin.url}/api/oauth2/token/revoke"
        assert await revoke_request(http, revoke, form, service="Discord")
    assert world.standin.revoked == ["access_token"]
    c, api = connect(world.standin.url, token=tokens.access_token, method="pkce")
    try:
        assert not (await c.check()).ok
    finally:
        await api.aclose()


async def test_a_wrong_verifier_is_refused_as_discord_refuses_it(world: World) -> None:
    code = world.standin.authorize(
        world.ada, client_id=CLIENT_ID, redirect_uri="http://127.0.0.1:1/", challenge="x" * 43
    )
    async with httpx.AsyncClient() as http:
        r = await http.post(
            f"{world.standin.url}/api/oauth2/token",
            data={
                "grant_type": "authorization_code",
                "code": code,
                "client_id": CLIENT_ID,
                "redirect_uri": "http://127.0.0.1:1/",
                "code_verifier": "short",
            },
        )
    assert r.status_code == 400
    assert r.json() == {"error": "invalid_request", "error_description": 'Invalid "code_verifier"'}
