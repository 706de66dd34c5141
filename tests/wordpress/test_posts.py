"""The WordPress connector against the stand-in: application-password sign-in, posts as
HTML, tags by name (found or made), media uploads as the cover, the version check on update,
and WordPress' error bodies explained."""

from __future__ import annotations

import pytest

from connectors.sdk import InvalidRequest, ReauthRequired
from connectors.sdk.capabilities import Publishing
from connectors.sdk.errors import SyncConflict
from connectors.sdk.publishing import PostDraft
from connectors.wordpress.connector import WordPressConnector
from server.hub.http import HubClient
from tests.standin.wordpress import WordPressStandIn

from .conftest import connect

Conn = tuple[WordPressConnector, HubClient]

DRAFT = PostDraft(
    title="Hello, WordPress",
    body="<p>Some <em>HTML</em>.</p>",
    format="html",
    tags=("Python", "R&D"),
    description="A first post",
)


def test_it_provides_publishing_in_html(conn: Conn) -> None:
    assert conn[0].provides(Publishing)
    assert list(conn[0].publish_formats()) == ["html"]


async def test_check_names_the_user(conn: Conn) -> None:
    got = await conn[0].check()
    assert got.ok and got.account == "ada" and got.name == "Ada Lovelace"


async def test_tags_are_found_by_name_or_made(wordpress: WordPressStandIn, conn: Conn) -> None:
    python = wordpress.add_tag("python")
    c, _ = conn
    post = await c.create_post(DRAFT, status="draft")
    stored = wordpress.posts[int(post.id)]
    assert stored["tags"][0] == python["id"] and len(wordpress.tags) == 2
    assert post.tags == ("python", "R&D")
    again = await c.create_post(DRAFT, status="draft")
    assert wordpress.posts[int(again.id)]["tags"] == stored["tags"]
    assert len(wordpress.tags) == 2


async def test_a_draft_published_in_place_with_a_cover(
    wordpress: WordPressStandIn, conn: Conn
) -> None:
    c, _ = conn
    url = await c.upload_image("cover.png", b"\x89PNGcover", "image/png")
    assert url.endswith("/cover.png") and wordpress.files == {"cover.png": b"\x89PNGcover"}
    post = await c.create_post(DRAFT.model_copy(update={"cover_image": url}), status="draft")
    assert post.status == "draft" and post.cover_image == url and post.version
    stored = wordpress.posts[int(post.id)]
    assert stored["_raw_content"] == DRAFT.body and stored["_raw_excerpt"] == "A first post"
    assert stored["featured_media"] in wordpress.media

    again = await c.update_post(post.id, DRAFT, status="published", if_match=post.version)
    assert again.id == post.id and again.status == "published"
    assert stored["status"] == "publish" and again.url and again.url.endswith(f"post-{post.id}/")
    got = await c.get_post(post.id)
    assert got.title == "Hello, WordPress" and got.status == "published"


async def test_an_edit_on_the_site_since_is_a_conflict(
    wordpress: WordPressStandIn, conn: Conn
) -> None:
    c, _ = conn
    post = await c.create_post(DRAFT, status="draft")
    wordpress.posts[int(post.id)]["modified_gmt"] = "2026-12-02T08:00:00"
    with pytest.raises(SyncConflict, match="changed on the site"):
        await c.update_post(post.id, DRAFT, status="published", if_match=post.version)
    assert wordpress.posts[int(post.id)]["status"] == "draft"


async def test_errors_say_what_wordpress_said(wordpress: WordPressStandIn, conn: Conn) -> None:
    c, _ = conn
    with pytest.raises(InvalidRequest, match="not allowed to upload this file type"):
        await c.upload_image("notes.txt", b"text", "text/plain")
    with pytest.raises(Exception, match="Invalid post ID"):
        await c.get_post("4242")


async def test_a_wrong_password_asks_to_sign_in_again(wordpress: WordPressStandIn) -> None:
    c, http = connect(wordpress.url, password="wrong wrong wrong")
    try:
        with pytest.raises(ReauthRequired):
            await c.create_post(DRAFT, status="draft")
    finally:
        await http.aclose()


async def test_tag_search_reads_every_page(wordpress: WordPressStandIn, conn: Conn) -> None:
    for n in range(120):
        wordpress.add_tag(f"py{n:03d}")
    wordpress.add_tag("py")
    c, _ = conn
    post = await c.create_post(DRAFT.model_copy(update={"tags": ("py",)}), status="draft")
    assert post.tags == ("py",) and len(wordpress.tags) == 121
    pages = [dict(r.query).get("page") for r in wordpress.log if r.path.endswith("/tags")]
    assert pages == ["1", "2"]
