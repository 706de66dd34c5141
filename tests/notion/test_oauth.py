"""Browser sign-in to a public Notion integration with the manifest's OAuth endpoints: the
hub's flow opens ``https://api.notion.com/v1/oauth/authorize`` (``owner=user``) and exchanges
the code at ``/v1/oauth/token``. The OAuth endpoints are not in Notion's OpenAPI description;
the token endpoint here (an ``httpx.MockTransport``) answers in the documented shape of
developers.notion.com/docs/authorization#step-3-send-the-code-in-a-post-request-to-the-notion-api
(the token, the bot and the workspace; no refresh token, no expiry), and the token then reads
the API as Bearer, like an internal integration's secret.

Notion authenticates the client with HTTP Basic only: a secret in the body is refused (401
``invalid_client``), and so is Basic with ``client_id`` in the body as well (400 "Client must
not use multiple authentication methods"; reported in kentcdodds/kody#711 and
keurcien/auxilia#206); the token endpoint here refuses both the same way, so the manifest's
``token_auth = "client_secret_basic"`` is what lets the sign-in through."""

from __future__ import annotations

import asyncio
import base64
import dataclasses
from urllib.parse import parse_qs, urlsplit

import httpx

from connectors.notion.connector import NotionConnector
from server.hub.auth.pkce import pkce_login
from server.hub.auth.service import resolve_service
from tests.standin.harness import wire

from .wiring import World

ACCESS = "ntn_" + "0a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8s9T0u1V2w"
MANIFEST = NotionConnector.manifest()


async def test_oauth_sign_in_then_the_api(world: World) -> None:
    """The authorize URL, the code exchanged with HTTP Basic only (the manifest's
    ``token_auth``), the token answer without refresh token or expiry, and the API."""
    service = resolve_service(MANIFEST, env={"TIELINE_NOTION_CLIENT_SECRET": "s3cr3t-client"})
    assert service.oauth is not None
    client = dataclasses.replace(service.oauth, client_id="notion-app-1")
    seen: dict[str, str] = {}

    def token_endpoint(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == "https://api.notion.com/v1/oauth/token"
        form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        assert form["grant_type"] == "authorization_code" and form["code"] == "the-code"
        assert form["redirect_uri"] == seen["redirect_uri"]
        basic = request.headers.get("authorization", "")
        if basic.startswith("Basic "):
            pair = base64.b64decode(basic[6:]).decode()
            assert pair == "notion-app-1:s3cr3t-client"
            if {"client_id", "client_secret"} & set(form):
                return httpx.Response(
                    400,
                    json={
                        "error": "invalid_request",
                        "error_description": "Client must not use multiple authentication methods",
                    },
                )
        else:
            return httpx.Response(401, json={"error": "invalid_client"})
        return httpx.Response(
            200,
            json={
                "access_token": ACCESS,
                "token_type": "bearer",
                "bot_id": world.bot["id"],
                "workspace_id": "0f0e0d0c-0b0a-0908-0706-050403020100",
                "workspace_name": "Acme",
                "workspace_icon": None,
                "owner": {"type": "user", "user": {"object": "user", "id": world.ada["id"]}},
                "duplicated_template_id": None,
                "request_id": "r-1",
            },
        )

    def open_browser(url: str) -> None:
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == (
            "https://api.notion.com/v1/oauth/authorize"
        )
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert q["response_type"] == "code" and q["owner"] == "user"
        assert q["client_id"] == "notion-app-1" and "scope" not in q
        seen.update(q)

        async def redirect() -> None:  # Notion sends the browser back with the code
            async with httpx.AsyncClient() as browser:
                await browser.get(
                    q["redirect_uri"], params={"code": "the-code", "state": q["state"]}
                )

        asyncio.get_running_loop().create_task(redirect())

    async with httpx.AsyncClient(transport=httpx.MockTransport(token_endpoint)) as http:
        tokens = await pkce_login(client, http, open_browser, service="Notion", wait_seconds=10)
    assert tokens.access_token == ACCESS
    assert tokens.refresh_token is None and tokens.expires_at is None
    world.standin.tokens[ACCESS] = world.bot["id"]
    c, api = wire(NotionConnector, world.standin.url, token=ACCESS, method="pkce")
    try:
        assert (await c.check()).account == "Acme"
    finally:
        await api.aclose()
