"""Client-side steps shared by the tests, done with authlib's own client (httpx)."""

from __future__ import annotations

import secrets
from urllib.parse import parse_qs, urlsplit

import httpx
from authlib.integrations.httpx_client import AsyncOAuth2Client

from .conftest import Api

#: A loopback redirect with the port a native app picked (RFC 8252 §7.3).
REDIRECT = "http://127.0.0.1:53682/callback"


def client_for(
    api: Api,
    client_id: str,
    *,
    secret: str | None = None,
    scope: str = "issues:read",
    redirect_uri: str = REDIRECT,
) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=client_id,
        client_secret=secret,
        scope=scope,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        follow_redirects=False,
    )


def query(location: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


async def authorize(
    api: Api, client: AsyncOAuth2Client, verifier: str | None, **extra: str
) -> httpx.Response:
    """Open the authorization URL as a browser would (the first hop only)."""
    url, _state = client.create_authorization_url(
        api.url("/oauth/authorize"), code_verifier=verifier, **extra
    )
    return await client.request("GET", url, withhold_token=True)


async def code_flow(
    api: Api, client: AsyncOAuth2Client, verifier: str | None = None
) -> tuple[dict[str, object], str, str]:
    """Authorize (the approver consents) and exchange the code: the token, the code and the
    verifier used."""
    verifier = verifier or secrets.token_urlsafe(48)
    resp = await authorize(api, client, verifier)
    assert resp.status_code == 302, resp.text
    location = resp.headers["location"]
    assert location.startswith(str(client.redirect_uri))
    code = query(location)["code"]
    token = await client.fetch_token(
        api.url("/oauth/token"), authorization_response=location, code_verifier=verifier
    )
    return dict(token), code, verifier
