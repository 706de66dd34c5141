"""The authenticator chain is pluggable: a second scheme (shaped like an OAuth provider's
access tokens) is added without touching a route, its scopes are enforced by Starlette's
own ``requires``, and a broken scheme fails closed."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.authentication import requires
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from connectors.sdk.errors import StoreError
from server.web.auth import Principal, bearer_token
from server.web.face import WebFace
from server.web.secrets import WebSecrets
from tests.web.conftest import HubStandIn


class ClientTokens:
    """What an OAuth provider's access tokens would plug in as."""

    name = "oauth"

    def __init__(self, tokens: dict[str, frozenset[str]]) -> None:
        self.tokens = tokens

    async def authenticate(self, conn: HTTPConnection) -> Principal | None:
        token = bearer_token(conn)
        scopes = self.tokens.get(token or "")
        return None if scopes is None else Principal("client-1", scopes, via=self.name)


class Broken:
    name = "broken"

    async def authenticate(self, conn: HTTPConnection) -> Principal | None:
        raise RuntimeError("a bug in a scheme")


@requires("api:read")
async def read(request: Request) -> Response:
    user = request.user
    assert isinstance(user, Principal)
    return JSONResponse({"who": user.identity, "scopes": sorted(user.scopes)})


@requires("api:write")
async def write(request: Request) -> Response:
    return JSONResponse({"written": True})


ROUTES = [
    Route("/api/things", read, methods=["GET"]),
    Route("/api/things", write, methods=["POST"]),
]


@pytest.fixture
async def face(secrets: WebSecrets) -> AsyncIterator[tuple[str, WebSecrets]]:
    tokens = ClientTokens({"oauth-read": frozenset({"api:read"})})
    face = WebFace(HubStandIn(), secrets, extra=ROUTES, authenticators=[Broken(), tokens])
    url = await face.start()
    try:
        yield url, secrets
    finally:
        await face.stop()


async def test_a_second_scheme_with_scopes(
    face: tuple[str, WebSecrets], http: httpx.AsyncClient
) -> None:
    url, secrets = face
    reader = {"Authorization": "Bearer oauth-read"}
    r = await http.get(url + "/api/things", headers=reader)
    assert r.status_code == 200
    assert r.json() == {"who": "oauth:client-1", "scopes": ["api:read"]}
    r = await http.post(url + "/api/things", headers=reader)
    assert r.status_code == 403  # authenticated, but without the scope

    local = {"Authorization": f"Bearer {secrets.token()}"}
    assert (await http.get(url + "/api/things", headers=local)).json()["who"] == "local:local"
    assert (await http.post(url + "/api/things", headers=local)).status_code == 200

    for headers in ({}, {"Authorization": "Bearer oauth-write"}):
        r = await http.get(url + "/api/things", headers=headers)
        assert r.status_code == 401
        assert r.headers["www-authenticate"].startswith("Bearer")


class StoreAway:
    """A scheme whose token store is unreachable (a team hub's PostgreSQL restarting)."""

    name = "away"

    async def authenticate(self, conn: HTTPConnection) -> Principal | None:
        raise StoreError("cannot reach the PostgreSQL database postgresql://db/hub")


async def test_a_scheme_whose_store_is_away_answers_503_not_401(
    secrets: WebSecrets, http: httpx.AsyncClient
) -> None:
    """The caller's token may be good: 401 would make a client drop it and stop trying, so
    the answer is 503 with Retry-After -- still granting nothing -- unless another scheme
    vouches for the caller."""
    tokens = ClientTokens({"oauth-read": frozenset({"api:read"})})
    face = WebFace(HubStandIn(), secrets, extra=ROUTES, authenticators=[StoreAway(), tokens])
    url = await face.start()
    try:
        r = await http.get(url + "/api/things", headers={"Authorization": "Bearer tla_maybe"})
        assert r.status_code == 503 and r.headers["retry-after"] == "5", r.text
        assert "www-authenticate" not in r.headers
        ok = await http.get(url + "/api/things", headers={"Authorization": "Bearer oauth-read"})
        assert ok.status_code == 200  # another scheme vouched: the one away does not matter
    finally:
        await face.stop()
