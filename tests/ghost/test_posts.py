"""The Ghost connector against the stand-in: the Admin API key signing short-lived JWTs,
posts created and updated as HTML (tags, excerpt, cover), update collisions as
SyncConflict, images uploaded as multipart."""

from __future__ import annotations

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import OctKey

from connectors.ghost.connector import GhostConnector
from connectors.sdk import ConfigError, InvalidRequest, ReauthRequired
from connectors.sdk.capabilities import Publishing
from connectors.sdk.errors import SyncConflict
from connectors.sdk.publishing import PostDraft
from server.hub.auth.headers import JWT_LIFETIME, SecretAuth, admin_jwt
from server.hub.http import HubClient
from tests.standin.ghost import GhostStandIn

from .conftest import ADMIN_KEY, KEY_ID, connect

Conn = tuple[GhostConnector, HubClient]

DRAFT = PostDraft(
    title="Hello, Ghost",
    body="<h1>Hi</h1><p>Some <em>HTML</em>.</p>",
    format="html",
    tags=("python", "Editors"),
    description="A first post",
    canonical_url="https://blog.example/hello",
    cover_image="https://img.example/cover.png",
)


def test_admin_jwt_is_ghosts_shape() -> None:
    token = admin_jwt(ADMIN_KEY, "/admin/", now=1_700_000_000)
    got = jwt.decode(token, OctKey.import_key(bytes.fromhex(ADMIN_KEY.split(":")[1])))
    assert got.header == {"alg": "HS256", "typ": "JWT", "kid": KEY_ID}
    assert got.claims == {
        "iat": 1_700_000_000,
        "exp": 1_700_000_000 + JWT_LIFETIME,
        "aud": "/admin/",
    }
    with pytest.raises(ConfigError, match="<id>:<secret>"):
        admin_jwt("no-colon", "/admin/")


def test_the_key_never_travels() -> None:
    auth = SecretAuth(ADMIN_KEY, header=("Authorization", "Ghost {jwt:/admin/}"))
    request = httpx.Request("GET", "https://blog.example/ghost/api/admin/site/")
    next(auth.auth_flow(request))
    sent = request.headers["authorization"]
    assert sent.startswith("Ghost eyJ") and ADMIN_KEY.split(":")[1] not in sent
    assert ADMIN_KEY not in repr(auth)


def test_it_provides_publishing_in_html(conn: Conn) -> None:
    assert conn[0].provides(Publishing)
    assert list(conn[0].publish_formats()) == ["html"]


async def test_check_reads_the_site(conn: Conn) -> None:
    result = await conn[0].check()
    assert result.ok and result.name == "Ada's notes"


async def test_a_draft_then_published_in_place(ghost: GhostStandIn, conn: Conn) -> None:
    c, _ = conn
    post = await c.create_post(DRAFT, status="draft")
    assert post.status == "draft" and len(post.id) == 24
    assert post.tags == ("python", "Editors") and post.description == "A first post"
    assert post.cover_image == "https://img.example/cover.png" and post.version
    stored = ghost.posts[post.id]
    assert stored["html"] == DRAFT.body and stored["canonical_url"] == DRAFT.canonical_url

    again = await c.update_post(
        post.id,
        DRAFT.model_copy(update={"title": "Hello again"}),
        status="published",
        if_match=post.version,
    )
    assert again.id == post.id and again.status == "published" and again.title == "Hello again"
    assert again.version != post.version
    sent = [(r.method, r.path, dict(r.query).get("source")) for r in ghost.log]
    assert sent == [
        ("POST", "/ghost/api/admin/posts/", "html"),
        ("PUT", f"/ghost/api/admin/posts/{post.id}/", "html"),
    ]
    assert all(r.headers.get("accept-version") == "v5.0" for r in ghost.log)


async def test_a_post_changed_on_the_site_is_a_conflict(ghost: GhostStandIn, conn: Conn) -> None:
    c, _ = conn
    post = await c.create_post(DRAFT, status="draft")
    ghost.posts[post.id]["updated_at"] = "2026-12-02T08:00:00.000Z"  # edited in Ghost's admin
    with pytest.raises(SyncConflict, match="changed on the site"):
        await c.update_post(post.id, DRAFT, status="draft", if_match=post.version)
    assert ghost.posts[post.id]["title"] == "Hello, Ghost"


async def test_without_a_version_the_post_is_read_first(ghost: GhostStandIn, conn: Conn) -> None:
    c, _ = conn
    post = await c.create_post(DRAFT, status="draft")
    again = await c.update_post(post.id, DRAFT, status="published")
    assert again.status == "published"
    assert [r.method for r in ghost.log] == ["POST", "GET", "PUT"]
    assert (await c.get_post(post.id)).status == "published"


async def test_an_image_is_uploaded_as_multipart(ghost: GhostStandIn, conn: Conn) -> None:
    url = await conn[0].upload_image("diagram.png", b"\x89PNG\r\n\x1a\nDATA", "image/png")
    assert url.startswith(ghost.url) and url.endswith("diagram.png")
    assert ghost.images == {"1-diagram.png": b"\x89PNG\r\n\x1a\nDATA"}


async def test_a_long_excerpt_is_refused_before_a_request(ghost: GhostStandIn, conn: Conn) -> None:
    with pytest.raises(InvalidRequest, match="at most 300"):
        await conn[0].create_post(
            DRAFT.model_copy(update={"description": "x" * 301}), status="draft"
        )
    assert not ghost.log


async def test_a_wrong_key_asks_to_sign_in_again(ghost: GhostStandIn) -> None:
    c, http = connect(ghost.url, token=f"{KEY_ID}:{'cd' * 32}")
    try:
        with pytest.raises(ReauthRequired):
            await c.create_post(DRAFT, status="draft")
    finally:
        await http.aclose()
    assert ghost.jwt_problems


def test_the_schemas_judge_requests(ghost: GhostStandIn) -> None:
    """The stand-in really validates: posts.add refuses a field Ghost does not know."""
    token = admin_jwt(ADMIN_KEY, "/admin/")
    r = httpx.post(
        f"{ghost.url}/ghost/api/admin/posts/",
        json={"posts": [{"title": "T", "body": "not a field"}]},
        headers={"authorization": f"Ghost {token}", "accept-version": "v5.0"},
    )
    assert r.status_code == 422
    assert ghost.violations and "posts-add" in ghost.violations[0]
    ghost.violations.clear()


def test_a_jwt_is_renewed_before_it_expires(monkeypatch: pytest.MonkeyPatch) -> None:
    from types import SimpleNamespace

    from server.hub.auth import headers

    now = [1_700_000_000.0]
    monkeypatch.setattr(headers, "time", SimpleNamespace(time=lambda: now[0]))
    auth = SecretAuth(ADMIN_KEY, header=("Authorization", "Ghost {jwt:/admin/}"))

    def sent() -> str:
        request = httpx.Request("GET", "https://blog.example/ghost/api/admin/site/")
        next(auth.auth_flow(request))
        return request.headers["authorization"]

    first = sent()
    now[0] += headers.JWT_RENEW - 1
    assert sent() == first
    now[0] += 2
    renewed = sent()
    assert renewed != first
    claims = jwt.decode(
        renewed.split(" ", 1)[1], OctKey.import_key(bytes.fromhex(ADMIN_KEY.split(":")[1]))
    ).claims
    assert claims["iat"] == int(now[0]) and claims["exp"] - claims["iat"] == JWT_LIFETIME


async def test_a_malformed_key_fails_its_check_not_the_session(ghost: GhostStandIn) -> None:
    c, http = connect(ghost.url, token="not-an-admin-key")
    try:
        got = await c.check()
    finally:
        await http.aclose()
    assert not got.ok and "<id>:<secret>" in (got.detail or "")
    assert not ghost.log
