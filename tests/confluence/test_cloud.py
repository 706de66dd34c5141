"""The Confluence connector against the Cloud stand-in (REST v2, v1 search and uploads),
signed in with email + API token (Basic) and with OAuth through the gateway."""

from __future__ import annotations

import base64
import logging
import socket
import time

import httpx
import pytest

from connectors.confluence.connector import ConfluenceConnector, attachment_names
from connectors.sdk import (
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ReauthRequired,
    ServiceUnavailable,
    TransportError,
)
from connectors.sdk.errors import SyncConflict
from connectors.sdk.pages import Heading, Image, PageParent, Paragraph, Span
from tests.standin.confluence import CLOUD_ID, ConfluenceStandIn
from tests.standin.harness import wire

from .wiring import CANARY, EMAIL, connect

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 16


@pytest.fixture
def signed_in(confluence: ConfluenceStandIn) -> ConfluenceStandIn:
    confluence.api_token(EMAIL, CANARY)
    return confluence


async def test_check_names_the_account_by_email(signed_in: ConfluenceStandIn) -> None:
    conn, http = connect(signed_in)
    result = await conn.check()
    assert result.ok and result.account == EMAIL and result.name == "Mia Krystof"
    assert result.rate_limit_limit == 1000
    pair = base64.b64encode(f"{EMAIL}:{CANARY}".encode()).decode()
    assert signed_in.auth_seen == [f"Basic {pair}"]
    await http.aclose()


async def test_spaces_are_listed_across_cursor_pages(signed_in: ConfluenceStandIn) -> None:
    for n in range(5):
        signed_in.state.add_space(f"S{n}", f"Space {n}")
    signed_in.max_limit = 2
    conn, http = connect(signed_in)
    spaces = await conn.page_spaces()
    assert [s.key for s in spaces] == ["S0", "S1", "S2", "S3", "S4"]
    assert spaces[0].name == "Space 0" and spaces[0].url == f"{signed_in.url}/wiki/spaces/S0"
    asked = [e for e in signed_in.log if e.path == "/wiki/api/v2/spaces"]
    assert len(asked) == 3 and all(dict(e.query)["limit"] == "100" for e in asked)
    assert "cursor" not in dict(asked[0].query) and "cursor" in dict(asked[2].query)
    await http.aclose()


async def test_a_page_reads_as_blocks_with_its_children(signed_in: ConfluenceStandIn) -> None:
    st = signed_in.state
    root = st.add_page("DOCS", "Handbook", "<h1>Hello</h1><p>Read <strong>me</strong></p>")
    kids = [st.add_page("DOCS", f"Chapter {n}", parent=root) for n in range(3)]
    grandchild = st.add_page("DOCS", "Section", parent=kids[0])
    signed_in.max_limit = 2
    conn, http = connect(signed_in)
    doc = await conn.get_page(root.id)
    assert doc.page.id == root.id and doc.page.title == "Handbook"
    assert doc.page.space == "DOCS" and doc.page.version == "1"
    assert doc.page.url == f"{signed_in.url}/wiki/spaces/DOCS/pages/{root.id}/Handbook"
    assert doc.blocks == (
        Heading(level=1, spans=(Span(text="Hello"),)),
        Paragraph(spans=(Span(text="Read "), Span(text="me", bold=True))),
    )
    assert [c.title for c in doc.children] == ["Chapter 0", "Chapter 1", "Chapter 2"]
    assert all(c.parent_id == root.id and c.space == "DOCS" for c in doc.children)
    below = await conn.get_page(doc.children[0].id)
    assert below.page.parent_id == root.id
    assert [c.id for c in below.children] == [grandchild.id]
    # The space's key was looked up once, by id.
    assert [e.path for e in signed_in.log].count(f"/wiki/api/v2/spaces/{st.spaces['DOCS'].id}") == 1
    info = await conn.page_info(grandchild.id)
    assert info.title == "Section" and info.parent_id == kids[0].id
    await http.aclose()


async def test_create_and_update_a_page_with_an_attached_image(
    signed_in: ConfluenceStandIn,
) -> None:
    st = signed_in.state
    root = st.add_page("DOCS", "Handbook")
    conn, http = connect(signed_in)
    blocks = [Paragraph(spans=(Span(text="A diagram:"),)), Image(url="img/diagram.png", alt="D")]
    made = await conn.create_page(
        PageParent(space="DOCS", page_id=root.id),
        "Architecture",
        blocks,
        attachments={"img/diagram.png": PNG},
    )
    stored = st.pages[made.id]
    assert made.title == "Architecture" and made.version == "1" and made.parent_id == root.id
    assert made.modified_by == "Mia Krystof"  # v2's authorId, looked up by v1 /user
    assert 'ri:filename="diagram.png"' in stored.storage
    assert stored.attachments["diagram.png"].data == PNG
    assert stored.attachments["diagram.png"].media_type == "image/png"
    upload = next(e for e in signed_in.log if e.path.endswith("/child/attachment"))
    assert upload.headers["x-atlassian-token"] == "no-check"

    doc = await conn.get_page(made.id)
    image = doc.blocks[1]
    assert isinstance(image, Image) and image.alt == "D"
    assert image.url.startswith(f"{signed_in.url}/wiki/download/attachments/{made.id}/diagram.png")
    assert await conn.page_resource(image.url) == PNG
    # The site redirected to the media service on another host, which got no credentials
    # (the stand-in's contract fails the test if it had).
    hops = [
        (e.path, e.status) for e in signed_in.log if "/download/" in e.path or "/media/" in e.path
    ]
    assert [status for _, status in hops] == [302, 200] and hops[1][0].startswith("/media/")

    new_png = PNG + b"v2"
    updated = await conn.update_page(
        made.id,
        "Architecture v2",
        [Image(url="img/diagram.png")],
        attachments={"img/diagram.png": new_png},
        if_match="1",
    )
    assert updated.version == "2" and updated.title == "Architecture v2"
    assert stored.attachments["diagram.png"].data == new_png
    assert stored.attachments["diagram.png"].version == 2
    await http.aclose()


async def test_a_page_under_a_parent_goes_in_the_parents_space(
    signed_in: ConfluenceStandIn,
) -> None:
    root = signed_in.state.add_page("ENG", "Root")
    conn, http = connect(signed_in)
    made = await conn.create_page(PageParent(page_id=root.id), "Child", [])
    assert signed_in.state.pages[made.id].space == "ENG" and made.space == "ENG"
    with pytest.raises(InvalidRequest):
        await conn.create_page(PageParent(), "Nowhere", [])
    with pytest.raises(InvalidRequest, match="no space"):
        await conn.create_page(PageParent(space="NOPE"), "Nowhere", [])
    await http.aclose()


async def test_a_stale_version_is_a_sync_conflict(signed_in: ConfluenceStandIn) -> None:
    page = signed_in.state.add_page("DOCS", "Shared")
    conn, http = connect(signed_in)
    with pytest.raises(SyncConflict):
        await conn.update_page(page.id, "Mine", [], if_match="0")
    assert not [e for e in signed_in.log if e.method == "PUT"]  # refused before writing
    signed_in.races = 1  # another editor saves between our read and our write
    with pytest.raises(SyncConflict):
        await conn.update_page(
            page.id, "Mine", [Image(url="a.png")], attachments={"a.png": PNG}, if_match="1"
        )
    puts = [e for e in signed_in.log if e.method == "PUT"]
    assert [e.status for e in puts] == [409]
    stored = signed_in.state.pages[page.id]
    assert stored.title == "Shared" and not stored.attachments  # nothing of ours landed
    again = await conn.update_page(page.id, "Mine", [], if_match="2")
    assert again.version == "3"
    await http.aclose()


async def test_a_429_then_success(signed_in: ConfluenceStandIn) -> None:
    page = signed_in.state.add_page("DOCS", "Busy")
    conn, http = connect(signed_in)
    signed_in.inject("retry_after", count=1, seconds=1, path="/pages/")
    started = time.time()
    info = await conn.page_info(page.id)
    assert info.title == "Busy"
    statuses = [e.status for e in signed_in.log if e.path.endswith(f"/pages/{page.id}")]
    assert statuses == [429, 200]
    assert time.time() - started >= 1
    signed_in.inject("retry_after", seconds=300, path="/pages/")
    with pytest.raises(RateLimited, match="Rate limit exceeded"):
        await conn.page_info(page.id)
    await http.aclose()


async def test_reads_are_retried_and_a_failed_create_is_not_repeated(
    signed_in: ConfluenceStandIn,
) -> None:
    page = signed_in.state.add_page("DOCS", "Flaky")
    conn, http = connect(signed_in)
    signed_in.inject("502", count=2, path=f"/pages/{page.id}")
    assert (await conn.page_info(page.id)).title == "Flaky"
    signed_in.inject("500", path="/api/v2/pages")
    with pytest.raises(ServiceUnavailable):
        await conn.create_page(PageParent(space="DOCS"), "Once", [])
    posts = [e for e in signed_in.log if e.method == "POST"]
    assert len(posts) == 1 and len(signed_in.state.pages) == 1
    await http.aclose()


async def test_error_bodies_become_the_hierarchy(signed_in: ConfluenceStandIn) -> None:
    conn, http = connect(signed_in)
    with pytest.raises(NotFound, match="No content found with id: 999"):
        await conn.get_page("999")
    with pytest.raises(InvalidRequest, match="not a page id"):
        await conn.get_page("../admin")
    with pytest.raises(InvalidRequest, match="Could not parse cql"):
        await signed_in_search_garbage(conn)
    await http.aclose()


async def signed_in_search_garbage(conn: ConfluenceConnector) -> None:
    client = await conn.client()
    await client.v1_search("type=blog", 5, expand="content.space")


async def test_search_finds_pages_by_title(signed_in: ConfluenceStandIn) -> None:
    st = signed_in.state
    st.add_page("DOCS", "Release notes 1.0")
    st.add_page("ENG", 'The "release" plan')
    st.add_page("DOCS", "Onboarding")
    conn, http = connect(signed_in)
    found = await conn.search_pages("release")
    assert sorted((p.title, p.space) for p in found) == [
        ("Release notes 1.0", "DOCS"),
        ('The "release" plan', "ENG"),
    ]
    assert all(p.version == "1" for p in found)
    quoted = await conn.search_pages('"release" plan')
    assert [p.title for p in quoted] == ['The "release" plan']
    assert await conn.search_pages("  ") == []
    await http.aclose()


def test_page_ids_from_urls(confluence: ConfluenceStandIn) -> None:
    conn, _ = connect(confluence)
    site = confluence.url
    assert conn.page_id_from_url(f"{site}/wiki/spaces/DOCS/pages/123456/Some+Title") == "123456"
    assert conn.page_id_from_url(f"{site}/wiki/spaces/DOCS/pages/123456") == "123456"
    assert conn.page_id_from_url(f"{site}/wiki/spaces/DOCS/pages/edit-v2/42") == "42"
    assert conn.page_id_from_url(f"{site}/wiki/pages/viewpage.action?pageId=77") == "77"
    assert conn.page_id_from_url(f"{site}/wiki/display/DOCS/Some+Title") is None
    assert conn.page_id_from_url(f"{site}/wiki/x/AbCd") is None
    assert conn.page_id_from_url(f"{site}/wiki/spaces/DOCS/overview") is None
    assert conn.page_id_from_url("https://other.example/wiki/spaces/D/pages/1/x") is None
    assert conn.page_id_from_url("not a url") is None


async def test_page_resource_refuses_other_hosts(signed_in: ConfluenceStandIn) -> None:
    conn, http = connect(signed_in)
    with pytest.raises(InvalidRequest):
        await conn.page_resource("https://evil.example/wiki/download/attachments/1/x.png")
    assert not signed_in.log
    await http.aclose()


async def test_an_unknown_author_is_named_by_id(signed_in: ConfluenceStandIn) -> None:
    page = signed_in.state.add_page("DOCS", "Old", author="557058:gone")
    conn, http = connect(signed_in)
    assert (await conn.page_info(page.id)).modified_by == "557058:gone"
    assert (await conn.page_info(page.id)).modified_by == "557058:gone"
    assert [e.path for e in signed_in.log].count("/wiki/rest/api/user") == 1
    await http.aclose()


def _answer(status: int, body: object, path: str = "/wiki/api/v2/pages/1") -> httpx.Response:
    return httpx.Response(status, json=body, request=httpx.Request("GET", f"https://s{path}"))


def test_body_error_reads_both_error_shapes() -> None:
    v2 = {"errors": [{"status": 404, "code": "NOT_FOUND", "title": "Not Found", "detail": "gone"}]}
    err = ConfluenceConnector.body_error(_answer(404, v2))
    assert isinstance(err, NotFound)
    assert err.message == "Confluence: 404 Not Found on GET /wiki/api/v2/pages/1: Not Found - gone"
    v1 = {"statusCode": 403, "message": "Not permitted to use Confluence", "reason": "Forbidden"}
    denied = ConfluenceConnector.body_error(_answer(403, v1, "/wiki/rest/api/search"))
    assert isinstance(denied, PermissionDenied) and denied.status == 403
    assert denied.message.endswith(": Not permitted to use Confluence")
    assert isinstance(ConfluenceConnector.body_error(_answer(401, v1)), ReauthRequired)
    assert ConfluenceConnector.body_error(_answer(429, v1)) is None  # the stack reads Retry-After
    assert ConfluenceConnector.body_error(_answer(200, {"errors": []})) is None
    assert ConfluenceConnector.body_error(_answer(400, {"unrelated": 1})) is None


def test_attachment_names_are_unique_file_names() -> None:
    assert attachment_names({"a/x.png": b"", "b/x.png": b"", "y.gif": b"", "c\\z.jpg": b""}) == {
        "a/x.png": "x.png",
        "b/x.png": "2-x.png",
        "y.gif": "y.gif",
        "c\\z.jpg": "z.jpg",
    }


# -- OAuth (3LO) through the gateway ---------------------------------------------------------


async def test_oauth_goes_through_the_gateway(confluence: ConfluenceStandIn) -> None:
    confluence.oauth_token(CANARY)
    page = confluence.state.add_page("DOCS", "Via gateway", "<p>hi</p>")
    conn, http = connect(confluence, method="pkce", username=None)
    result = await conn.check()
    assert result.ok and result.account == EMAIL
    assert result.scopes == ("read:page:confluence", "write:page:confluence")
    doc = await conn.get_page(page.id)
    assert doc.blocks == (Paragraph(spans=(Span(text="hi"),)),)
    assert doc.page.url == f"{confluence.url}/wiki/spaces/DOCS/pages/{page.id}/Via+gateway"
    prefix = f"/ex/confluence/{CLOUD_ID}/wiki/"
    paths = [e.path for e in confluence.log]
    assert paths[0] == "/oauth/token/accessible-resources"
    assert all(p.startswith(prefix) for p in paths[1:])
    await http.aclose()


async def test_oauth_to_another_site_asks_to_sign_in_again(confluence: ConfluenceStandIn) -> None:
    confluence.oauth_token(CANARY)
    conn, http = connect(
        confluence, method="pkce", username=None, settings={"site": "https://other.atlassian.net"}
    )
    with pytest.raises(ReauthRequired, match=r"not https://other\.atlassian\.net"):
        await conn.get_page("1")
    await http.aclose()


# -- failures ------------------------------------------------------------------------------------


async def test_a_dead_service_is_a_transport_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    conn, http = wire(
        ConfluenceConnector,
        url,
        token=CANARY,
        method="basic",
        username=EMAIL,
        settings={"site": url},
    )
    with pytest.raises(TransportError):
        await conn.get_page("1")
    result = await conn.check()
    assert not result.ok and CANARY not in result.detail
    await http.aclose()


async def test_the_token_never_appears_in_errors_or_logs(
    confluence: ConfluenceStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    confluence.api_token(EMAIL, CANARY)
    page = confluence.state.add_page("DOCS", "Secret")
    conn, http = connect(confluence)
    messages: list[str] = []
    confluence.inject("401")
    messages.append((await conn.check()).detail)
    for kind in ("500", "retry_after"):
        confluence.inject(kind, count=5, seconds=300)
        try:
            await conn.get_page(page.id)
        except Exception as exc:  # every failure's text is inspected
            messages.append(str(exc))
        confluence.faults.clear()
    for call in (conn.get_page("424242"), conn.update_page(page.id, "x", [], if_match="7")):
        try:
            await call
        except Exception as exc:
            messages.append(str(exc))
    pair = base64.b64encode(f"{EMAIL}:{CANARY}".encode()).decode()
    text = "\n".join(messages + [r.getMessage() for r in caplog.records])
    assert len(messages) == 5
    assert CANARY not in text and pair not in text and CANARY[:20] not in text
    await http.aclose()
