"""Browser sign-in to Asana with the manifest's OAuth endpoints: the hub's PKCE flow opens
Asana's authorize URL with an S256 challenge and exchanges the code at ``/-/oauth_token``
(here an ``httpx.MockTransport`` playing Asana's token endpoint, which checks the verifier and
answers as Asana does: the token plus ``data`` naming the user); the token then reads the
API as Bearer, like a personal access token."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
import hashlib
from urllib.parse import parse_qs, urlsplit

import httpx

from server.hub.auth.pkce import pkce_login
from server.hub.auth.service import resolve_service

from .helpers import MANIFEST, World, connect

ACCESS = "2/1200000000000002/1209999999999999:" + "0a" * 16


async def test_pkce_sign_in_then_the_api(world: World) -> None:
    service = resolve_service(MANIFEST, env={})
    assert service.oauth is not None
    client = dataclasses.replace(service.oauth, client_id="1209999999999999")  # an app
    seen: dict[str, str] = {}

    def token_endpoint(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == "https://app.asana.com/-/oauth_token"
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        digest = hashlib.sha256(form["code_verifier"].encode()).digest()
        challenge = base64.urlsafe_b64encode(digest).decode().rstrip("=")
        assert challenge == seen["code_challenge"] and form["code"] == "the-code"
        assert form["grant_type"] == "authorization_code" and form["client_id"] == client.client_id
        return httpx.Response(
            200,
            json={
                "access_token": ACCESS,
                "token_type": "bearer",
                "expires_in": 3600,
                "refresh_token": "2/1200000000000002/1209999999999999:" + "0b" * 16,
                "data": {"id": 1, "gid": world.ada["gid"], "name": "Ada", "email": "ada@acme.test"},
            },
        )

    def open_browser(url: str) -> None:
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
            "https://app.asana.com/-/oauth_authorize"
        )
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert q["code_challenge_method"] == "S256" and q["response_type"] == "code"
        assert q["scope"] == "default"
        seen.update(q)

        async def redirect() -> None:  # Asana sends the browser back with the code
            async with httpx.AsyncClient() as browser:
                await browser.get(
                    q["redirect_uri"], params={"code": "the-code", "state": q["state"]}
                )

        asyncio.get_running_loop().create_task(redirect())

    async with httpx.AsyncClient(transport=httpx.MockTransport(token_endpoint)) as http:
        tokens = await pkce_login(client, http, open_browser, service="Asana", wait_seconds=10)
    assert tokens.access_token == ACCESS
    world.standin.tokens[ACCESS] = world.ada["gid"]
    c, api = connect(world.standin.url, token=ACCESS, method="pkce")
    try:
        assert (await c.check()).account == "ada@acme.test"
    finally:
        await api.aclose()
