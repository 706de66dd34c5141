"""The dev.to connector against the stand-in: articles created as drafts, published by an
update, read back (drafts too), Forem's limits and errors explained."""

from __future__ import annotations

import pytest

from connectors.devto.connector import DevtoConnector
from connectors.sdk import InvalidRequest, NotFound, ReauthRequired
from connectors.sdk.capabilities import Publishing
from connectors.sdk.publishing import PostDraft
from server.hub.http import HubClient
from tests.standin.devto import DevtoStandIn

from .conftest import connect

Conn = tuple[DevtoConnector, HubClient]

DRAFT = PostDraft(
    title="Hello, DEV",
    body="# Hi\n\nSome *Markdown*.",
    tags=("python", "lsp"),
    description="A first post",
    canonical_url="https://blog.example/hello",
    cover_image="https://img.example/cover.png",
)


def test_it_provides_publishing_in_markdown(conn: Conn) -> None:
    c, _ = conn
    assert c.provides(Publishing)
    assert list(c.publish_formats()) == ["markdown"]


async def test_check_names_the_user(conn: Conn) -> None:
    result = await conn[0].check()
    assert result.ok and result.account == "ada"


async def test_a_draft_then_published_by_an_update(devto: DevtoStandIn, conn: Conn) -> None:
    c, _ = conn
    post = await c.create_post(DRAFT, status="draft")
    assert post.status == "draft" and post.id.isdigit()
    assert post.tags == ("python", "lsp")
    assert post.cover_image == "https://img.example/cover.png"
    sent = devto.articles[int(post.id)]
    assert sent["body_markdown"] == DRAFT.body and sent["published"] is False
    assert sent["canonical_url"] == "https://blog.example/hello"

    again = await c.update_post(
        post.id, DRAFT.model_copy(update={"title": "Hello again"}), status="published"
    )
    assert again.id == post.id and again.status == "published"
    assert again.title == "Hello again" and again.url
    assert [r.method for r in devto.log if r.path.startswith("/api/articles")] == ["POST", "PUT"]


async def test_get_post_finds_a_draft_in_the_users_articles(conn: Conn) -> None:
    c, _ = conn
    post = await c.create_post(DRAFT, status="draft")
    got = await c.get_post(post.id)
    assert got.id == post.id and got.status == "draft" and got.tags == ("python", "lsp")
    with pytest.raises(NotFound):
        await c.get_post("999999")


async def test_five_tags_are_refused_before_a_request(devto: DevtoStandIn, conn: Conn) -> None:
    c, _ = conn
    with pytest.raises(InvalidRequest, match="at most 4 tags"):
        await c.create_post(DRAFT.model_copy(update={"tags": tuple("abcde")}), status="draft")
    assert not devto.log


async def test_no_image_upload(conn: Conn) -> None:
    with pytest.raises(InvalidRequest, match=r"diagram\.png needs an absolute"):
        await conn[0].upload_image("diagram.png", b"\x89PNG", "image/png")


async def test_an_unknown_article_is_not_found(conn: Conn) -> None:
    with pytest.raises(NotFound, match="not found"):
        await conn[0].update_post("424242", DRAFT, status="draft")


async def test_a_bad_key_asks_to_sign_in_again(devto: DevtoStandIn) -> None:
    c, http = connect(devto.url, token="devkey-wrong")
    try:
        with pytest.raises(ReauthRequired):
            await c.create_post(DRAFT, status="draft")
    finally:
        await http.aclose()


async def test_a_429_with_retry_after_is_waited_out(devto: DevtoStandIn, conn: Conn) -> None:
    devto.inject("retry_after", seconds=0.1, path="/api/articles")
    post = await conn[0].create_post(DRAFT, status="draft")
    assert post.id
    assert [r.status for r in devto.log if r.path == "/api/articles"] == [429, 201]


def test_the_contract_judges_requests(devto: DevtoStandIn) -> None:
    """The stand-in really validates: Forem's description wants ``tags`` as one string."""
    import httpx

    r = httpx.post(
        f"{devto.url}/api/articles",
        json={"article": {"title": "T", "tags": ["a", "b"]}},
        headers={"api-key": "devkey-ada"},
    )
    assert r.status_code == 422
    assert devto.violations and "tags" in devto.violations[0]
    devto.violations.clear()
