"""The provider inside the web face (``server.web``): its endpoints reachable without the
local token (OAuth clients prove themselves), its access tokens admitted by the
authenticator chain with their scopes, and everything else still closed."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client
from keyring.backends import fail
from starlette.authentication import requires
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.hub import paths
from server.hub.config import Config
from server.hub.events import EventBus
from server.hub.oauth_provider.provider import OAuthProvider
from server.hub.oauth_provider.storage import ConsentRequest
from server.hub.vault import open_vault
from server.web.face import WebFace
from server.web.oauth_routes import OAuthBearer, routes
from server.web.secrets import WebSecrets

from .flows import REDIRECT, query


@dataclass
class _Hub:
    bus: EventBus = field(default_factory=EventBus)

    @property
    def config(self) -> Config:
        return Config()

    async def refresh(self) -> None:
        return None


@requires("issues:read")
async def _issues(request: Request) -> Response:
    return JSONResponse({"for": request.user.display_name})


@dataclass
class Face:
    url: str
    provider: OAuthProvider
    local_token: str


@pytest.fixture
async def face(tmp_path: Path) -> AsyncIterator[Face]:
    provider = await OAuthProvider.open(paths.database_file(), consent_wait=10.0)

    async def approve(request: ConsentRequest) -> None:
        await provider.decide(request.id, approve=True, by="test")

    provider.listeners.append(approve)
    vault = open_vault(
        "file", keyring_backend=fail.Keyring(), file=tmp_path / "vault.json",
        env={"TIELINE_VAULT_PASSPHRASE": "oauth test passphrase"}, scrypt_n=2**10,
    )  # fmt: skip
    web_secrets = WebSecrets(vault)
    web = WebFace(
        _Hub(),
        web_secrets,
        extra=[*routes(provider), Route("/api/issues", _issues)],
        authenticators=[OAuthBearer(provider)],
    )
    url = await web.start()
    try:
        yield Face(url.rstrip("/"), provider, web_secrets.token())
    finally:
        await web.stop()
        provider.close()


async def test_oauth_inside_the_web_face(face: Face) -> None:
    reg = await face.provider.admin.add_client(
        "Face client", kind="public", redirect_uris=["http://127.0.0.1/callback"], scopes=[]
    )
    async with AsyncOAuth2Client(
        client_id=reg.client.client_id,
        scope="issues:read",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
    ) as client:
        verifier = secrets.token_urlsafe(48)
        url, _ = client.create_authorization_url(
            f"{face.url}/oauth/authorize", code_verifier=verifier
        )
        resp = await client.request("GET", url, withhold_token=True)
        assert resp.status_code == 302, resp.text
        assert "code" in query(resp.headers["location"])
        token = await client.fetch_token(
            f"{face.url}/oauth/token",
            authorization_response=resp.headers["location"],
            code_verifier=verifier,
        )
        # The metadata needs no token either.
        meta = await client.request(
            "GET", f"{face.url}/.well-known/oauth-authorization-server", withhold_token=True
        )
        assert meta.status_code == 200

    access = str(token["access_token"])
    async with httpx.AsyncClient() as http:
        ok = await http.get(f"{face.url}/api/issues", headers={"Authorization": f"Bearer {access}"})
        assert ok.status_code == 200
        assert ok.json() == {"for": reg.client.client_id}
        # No token, a bad one: the chain refuses before the route.
        assert (await http.get(f"{face.url}/api/issues")).status_code == 401
        bad = await http.get(
            f"{face.url}/api/issues", headers={"Authorization": "Bearer tlat_forged"}
        )
        assert bad.status_code == 401
        # The local token still works beside OAuth tokens.
        local = await http.get(
            f"{face.url}/api/issues", headers={"Authorization": f"Bearer {face.local_token}"}
        )
        assert local.status_code == 200

    reg2 = await face.provider.admin.add_client(
        "Narrow", kind="public", redirect_uris=["http://127.0.0.1/callback"], scopes=["ci:read"]
    )
    async with AsyncOAuth2Client(
        client_id=reg2.client.client_id,
        scope="ci:read",
        redirect_uri=REDIRECT,
        code_challenge_method="S256",
    ) as client:
        verifier = secrets.token_urlsafe(48)
        url, _ = client.create_authorization_url(
            f"{face.url}/oauth/authorize", code_verifier=verifier
        )
        resp = await client.request("GET", url, withhold_token=True)
        narrow = await client.fetch_token(
            f"{face.url}/oauth/token",
            authorization_response=resp.headers["location"],
            code_verifier=verifier,
        )
    async with httpx.AsyncClient() as http:
        short = await http.get(
            f"{face.url}/api/issues",
            headers={"Authorization": f"Bearer {narrow['access_token']}"},
        )
        assert short.status_code == 403
