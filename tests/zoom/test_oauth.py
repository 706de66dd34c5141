"""Browser sign-in to Zoom with the manifest's OAuth endpoints, the code exchanged on the
stand-in's ``/oauth/token`` (not in Zoom's API description; the form follows
developers.zoom.us/docs/integrations/oauth/ and /PKCE/): a public client id, an S256
challenge, the verifier checked, no client secret; the token then reads the API as Bearer."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from server.hub.auth.pkce import pkce_login
from server.hub.auth.service import resolve_service
from tests.standin.zoom import ZoomStandIn

from .helpers import MANIFEST, connect

CLIENT_ID = "zoomPublicClient01"


async def test_pkce_sign_in_then_a_meeting(zoom: ZoomStandIn, ada: dict[str, Any]) -> None:
    service = resolve_service(MANIFEST, env={})
    assert service.oauth is not None
    client = dataclasses.replace(
        service.oauth, client_id=CLIENT_ID, token_url=f"{zoom.url}/oauth/token"
    )

    def open_browser(url: str) -> None:
        parts = urlsplit(url)
        assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://zoom.us/oauth/authorize"
        q = {k: v[0] for k, v in parse_qs(parts.query).items()}
        assert q["code_challenge_method"] == "S256" and q["client_id"] == CLIENT_ID
        assert q["scope"] == "meeting:write:meeting user:read:user"
        code = zoom.authorize(
            ada, client_id=CLIENT_ID, redirect_uri=q["redirect_uri"], challenge=q["code_challenge"]
        )

        async def redirect() -> None:
            async with httpx.AsyncClient() as browser:
                await browser.get(q["redirect_uri"], params={"code": code, "state": q["state"]})

        asyncio.get_running_loop().create_task(redirect())

    async with httpx.AsyncClient() as http:
        tokens = await pkce_login(client, http, open_browser, service="Zoom", wait_seconds=10)
    (form,) = zoom.token_forms
    assert "client_secret" not in form and form["client_id"] == CLIENT_ID
    assert tokens.access_token.startswith("eyJ") and tokens.refresh_token
    c, api = connect(zoom.url, token=tokens.access_token, method="pkce")
    try:
        assert (await c.check()).account == "ada@acme.test"
        assert (await c.start_meeting("standup")).url.startswith("https://zoom.us/j/")
    finally:
        await api.aclose()
