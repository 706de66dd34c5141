"""The Notion connector against the stand-in, through the hub's HTTP stack: search paging,
a nested page with child pages, creating pages larger than one append (100 blocks, two
levels of nesting, 2,000-character text objects), replacing content in place, conflicts,
429s, a dead service, Notion's error bodies, file uploads and hosted images, and the token
kept out of every message and log record.

Requests are validated against Notion's OpenAPI description; file uploads and the OAuth
token endpoint are not in it, and are built from Notion's documented shapes:
developers.notion.com/reference/create-a-file-upload, .../send-a-file-upload and
developers.notion.com/docs/authorization (see tests/standin/notion.py).
"""

from __future__ import annotations

import logging
import socket
import tomllib
from pathlib import Path

import pytest

from connectors.notion.connector import NotionConnector
from connectors.notion.mapping import blocks_to_notion, notion_to_blocks
from connectors.sdk import (
    InvalidRequest,
    RateLimited,
    ReauthRequired,
    TransportError,
    provides,
)
from connectors.sdk.capabilities import Pages
from connectors.sdk.errors import NotFound, SyncConflict
from connectors.sdk.pages import (
    Code,
    Heading,
    Image,
    ListBlock,
    ListItem,
    PageParent,
    Paragraph,
    Quote,
    Span,
    Table,
)
from connectors.sdk.redact import redact
from connectors.sdk.registry import Registry, manifest_path
from server.hub.http import HubClient

from .wiring import CANARY, World, connect

Conn = tuple[NotionConnector, HubClient]


def p(text: str) -> Paragraph:
    return Paragraph(spans=(Span(text=text),))


def items(*texts: str, ordered: bool = False) -> ListBlock:
    return ListBlock(ordered=ordered, items=tuple(ListItem(blocks=(p(t),)) for t in texts))


def deep(levels: int) -> ListBlock:
    """A list nested ``levels`` deep."""
    block = items(f"level {levels}")
    for n in range(levels - 1, 0, -1):
        block = ListBlock(items=(ListItem(blocks=(p(f"level {n}"), block)),))
    return block


def sent(world: World, method: str, part: str) -> int:
    return sum(1 for e in world.standin.log if e.method == method and part in e.path)


async def test_check_names_the_workspace(conn: Conn) -> None:
    result = await conn[0].check()
    assert result.ok and result.account == "Acme" and result.name == "Tieline"


async def test_search_follows_the_cursor(world: World, conn: Conn) -> None:
    c, _ = conn
    for n in range(130):
        world.standin.state.add_page(f"Notes {n}", by=world.ada["id"])
    world.standin.state.add_page("Other", by=world.ada["id"])
    found = await c.search_pages("notes", limit=120)
    assert len(found) == 120 and all(f.title.startswith("Notes") for f in found)
    assert len({f.id for f in found}) == 120
    assert sent(world, "POST", "/v1/search") == 2
    assert found[0].version and found[0].modified is not None
    assert found[0].url and found[0].url.startswith("https://www.notion.so/Notes-")


async def test_a_nested_page_with_child_pages(world: World, conn: Conn) -> None:
    c, _ = conn
    s = world.standin.state
    content = (
        Heading(level=1, spans=(Span(text="Title"),)),
        deep(4),
        Table(rows=(((Span(text="a"),), (Span(text="b"),)), ((Span(text="1"),), ())), header=True),
        Quote(blocks=(p("said"), Code(text="x = 1", language="python"))),
    )
    page = s.add_page("Home", by=world.ada["id"], children=blocks_to_notion(content))
    # 150 paragraphs: the children are read in pages of 100.
    s.insert(page["id"], blocks_to_notion([p(f"para {n}") for n in range(150)]), by=world.ada["id"])
    sub = s.add_page("Sub page", by=world.ada["id"], parent=page["id"])
    s.add_page("Grandchild", by=world.ada["id"], parent=sub["id"])
    toggle = s.insert(
        page["id"],
        [{"type": "toggle", "toggle": {"rich_text": [{"type": "text", "text": {"content": "t"}}]}}],
        by=world.ada["id"],
    )[0]
    inner = s.add_page("In a toggle", by=world.ada["id"], parent=toggle["id"])

    doc = await c.get_page(page["url"].rsplit("-", 1)[1])
    assert doc.page.id == page["id"] and doc.page.title == "Home"
    assert doc.page.modified_by == "Ada Lovelace"
    assert doc.blocks[: len(content)] == content
    assert doc.blocks[len(content) : len(content) + 150] == tuple(
        p(f"para {n}") for n in range(150)
    )
    assert doc.blocks[-1] == ListBlock(items=(ListItem(blocks=(p("t"),)),))
    assert [(k.id, k.title) for k in doc.children] == [
        (sub["id"], "Sub page"),
        (inner["id"], "In a toggle"),
    ]
    assert all(k.parent_id == page["id"] for k in doc.children)
    # The grandchild is the child page's business, read with get_page in turn.
    assert [k.title for k in (await c.get_page(sub["id"])).children] == ["Grandchild"]
    assert sent(world, "GET", f"/v1/blocks/{sub['id']}/children") == 1


async def test_create_more_than_one_append_holds(world: World, conn: Conn) -> None:
    c, _ = conn
    parent = world.standin.state.add_page("Parent", by=world.ada["id"])
    long = "long text " * 600  # 6,000 characters: three text objects
    blocks = (
        Heading(level=2, spans=(Span(text="Big"),)),
        deep(5),
        p(long),
        *[p(f"line {n}") for n in range(230)],
        Table(rows=tuple(((Span(text=f"r{n}"),),) for n in range(130)), header=False),
        ListBlock(
            items=(
                ListItem(
                    blocks=(p("with a table"), Table(rows=(((Span(text="x"),),),))),
                ),
            )
        ),
    )
    info = await c.create_page(PageParent(page_id=parent["id"]), "Created", blocks)
    s = world.standin.state
    assert s.title(info.id) == "Created" and info.title == "Created"
    assert info.parent_id == parent["id"] and info.version == s.pages[info.id]["last_edited_time"]
    assert notion_to_blocks(s.tree(info.id)) == blocks
    assert [b["type"] for b in s.tree(parent["id"])] == ["child_page"]
    assert sent(world, "PATCH", "/children") >= 3


async def test_update_replaces_the_content_in_place(world: World, conn: Conn) -> None:
    c, _ = conn
    s = world.standin.state
    page = s.add_page(
        "Old title", by=world.ada["id"], children=blocks_to_notion([p("old"), deep(3)])
    )
    child = s.add_page("Kept child", by=world.ada["id"], parent=page["id"])
    before = await c.page_info(page["id"])
    new = (Heading(level=1, spans=(Span(text="New"),)), items("a", "b", ordered=True))
    info = await c.update_page(page["id"], "New title", new, if_match=before.version)
    assert info.id == page["id"] and info.title == "New title"
    assert info.version != before.version
    doc = await c.get_page(page["id"])
    assert doc.blocks == new
    assert [k.id for k in doc.children] == [child["id"]] and not s.pages[child["id"]]["in_trash"]
    # Updating again with the version just read goes through.
    await c.update_page(page["id"], "New title", (p("again"),), if_match=info.version)
    assert (await c.get_page(page["id"])).blocks == (p("again"),)
    assert sent(world, "PATCH", f"/v1/pages/{page['id']}") == 1  # the title, once


async def test_a_page_changed_meanwhile_is_a_conflict(world: World, conn: Conn) -> None:
    c, _ = conn
    s = world.standin.state
    page = s.add_page("Shared", by=world.ada["id"], children=blocks_to_notion([p("v1")]))
    seen = (await c.page_info(page["id"])).version
    s.insert(page["id"], blocks_to_notion([p("Ada's edit")]), by=world.ada["id"])
    with pytest.raises(SyncConflict, match="Shared"):
        await c.update_page(page["id"], "Shared", (p("mine"),), if_match=seen)
    assert notion_to_blocks(s.tree(page["id"])) == (p("v1"), p("Ada's edit"))
    # Notion's own 409 conflict_error (a concurrent transaction) is a conflict too.
    s.conflicts = 1
    with pytest.raises(SyncConflict, match="conflict_error"):
        await c.update_page(page["id"], "Shared", (p("mine"),))


async def test_a_429_storm_then_success(world: World, conn: Conn) -> None:
    """Short Retry-After waits are slept through (the stack re-sends twice); a longer storm
    is one RateLimited, and the next call after it goes through."""
    c, _ = conn
    page = world.standin.state.add_page("Busy", by=world.ada["id"])
    world.standin.inject("retry_after", count=2, seconds=0, path="/v1/pages")
    assert (await c.page_info(page["id"])).title == "Busy"
    assert sent(world, "GET", "/v1/pages/") == 3
    world.standin.inject("retry_after", count=6, seconds=0, path="/v1/pages")
    with pytest.raises(RateLimited, match="429"):
        await c.page_info(page["id"])
    world.standin.faults.clear()
    assert (await c.page_info(page["id"])).title == "Busy"


async def test_a_long_429_is_rate_limited(world: World) -> None:
    page = world.standin.state.add_page("Busy", by=world.ada["id"])
    c, http = connect(world.standin, max_rate_wait=0.2)
    try:
        world.standin.inject("retry_after", count=5, seconds=30)
        with pytest.raises(RateLimited) as caught:
            await c.page_info(page["id"])
        assert 25 < caught.value.retry_after <= 31
    finally:
        await http.aclose()


async def test_a_dead_service_is_a_clear_transport_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    from tests.standin.harness import wire

    c, http = wire(NotionConnector, f"http://127.0.0.1:{port}", token=CANARY)
    try:
        with pytest.raises(TransportError) as caught:
            await c.search_pages("x")
        assert "Notion" in str(caught.value) and CANARY not in str(caught.value)
        result = await c.check()
        assert not result.ok and CANARY not in result.detail
    finally:
        await http.aclose()


async def test_notions_error_bodies_become_the_message(world: World, conn: Conn) -> None:
    c, _ = conn
    with pytest.raises(NotFound, match=r"object_not_found.*Could not find page"):
        await c.page_info("0" * 32)
    with pytest.raises(InvalidRequest, match="not a Notion page id"):
        await c.page_info("nope")
    with pytest.raises(InvalidRequest, match="goes under a page"):
        await c.create_page(PageParent(), "x", ())
    bad, http = connect(world.standin, token="ntn_" + "0" * 46)
    try:
        with pytest.raises(ReauthRequired, match="API token is invalid"):
            await bad.search_pages("x")
    finally:
        await http.aclose()


async def test_images_upload_and_read_back_through_page_resource(world: World, conn: Conn) -> None:
    c, _ = conn
    parent = world.standin.state.add_page("Parent", by=world.ada["id"])
    png = b"\x89PNG\r\n\x1a\n" + b"pixels" * 100
    blocks = (
        p("see:"),
        Image(url="media/diagram.png", alt="A diagram"),
        Image(url="https://img.test/x.png"),
        items("nested"),
    )
    info = await c.create_page(
        PageParent(page_id=parent["id"]), "Pics", blocks, attachments={"media/diagram.png": png}
    )
    assert sent(world, "POST", "/send") == 1
    doc = await c.get_page(info.id)
    image = doc.blocks[1]
    assert isinstance(image, Image) and image.alt == "A diagram"
    assert "/files/" in image.url and "X-Amz-Signature" in image.url
    assert doc.blocks[2] == Image(url="https://img.test/x.png")
    assert await c.page_resource(image.url) == png
    with pytest.raises(InvalidRequest, match="not where Notion keeps"):
        await c.page_resource("https://evil.test/steal.png")
    # An attachment named without a suffix is typed by its bytes.
    await c.create_page(
        PageParent(page_id=parent["id"]), "Sniffed", (Image(url="blob"),), attachments={"blob": png}
    )
    assert [u["content_type"] for u in world.standin.state.uploads.values()] == [
        "image/png",
        "image/png",
    ]
    with pytest.raises(InvalidRequest, match="neither an attachment nor a web address"):
        await c.create_page(PageParent(page_id=parent["id"]), "Missing", (Image(url="gone.png"),))


async def test_the_token_never_appears_in_messages_or_logs(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    page = world.standin.state.add_page("P", by=world.ada["id"])
    c, http = connect(world.standin, max_rate_wait=0.1)
    messages: list[str] = []
    try:
        for fault in ("401", "500", "retry_after", "garbage", "reset"):
            world.standin.inject(fault, count=10, seconds=30)
            try:
                await c.page_info(page["id"])
            except Exception as exc:  # every kind of failure is inspected
                messages.append(str(exc))
            world.standin.faults.clear()
            http.stack.limiter.info = type(http.stack.limiter.info)()
        messages.append((await c.check()).detail)
    finally:
        await http.aclose()
    assert len(messages) >= 5
    for text in [*messages, caplog.text]:
        assert CANARY not in text
    legacy = "secret_" + "Zq8vJ3kT9wLmN2pR5sX7yB4cD6eF1gH0iJaB2cD4eF6"
    assert CANARY not in redact(f"token {CANARY}") and legacy not in redact(f"token {legacy}")


@pytest.mark.parametrize(
    ("url", "page"),
    [
        (
            "https://www.notion.so/acme/Plan-2024-0123456789abcdef0123456789abcdef",
            "01234567-89ab-cdef-0123-456789abcdef",
        ),
        (
            "https://notion.so/0123456789ABCDEF0123456789abcdef",
            "01234567-89ab-cdef-0123-456789abcdef",
        ),
        (
            "https://acme.notion.site/Plan-01234567-89ab-cdef-0123-456789abcdef?pvs=4",
            "01234567-89ab-cdef-0123-456789abcdef",
        ),
        (
            "https://www.notion.so/acme/Board-ffffffffffffffffffffffffffffffff"
            "?v=eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee&p=0123456789abcdef0123456789abcdef",
            "01234567-89ab-cdef-0123-456789abcdef",
        ),
        ("https://www.notion.so/acme/Plan", None),
        ("https://example.com/Plan-0123456789abcdef0123456789abcdef", None),
        ("https://notion.site.evil.test/0123456789abcdef0123456789abcdef", None),
        ("ftp://www.notion.so/0123456789abcdef0123456789abcdef", None),
    ],
)
def test_page_urls(url: str, page: str | None) -> None:
    assert NotionConnector.page_id_from_url(None, url) == page  # type: ignore[arg-type]


async def test_no_spaces(conn: Conn) -> None:
    assert await conn[0].page_spaces() == ()


def test_the_entry_point_loads_a_connector_that_implements_pages() -> None:
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    target = project["project"]["entry-points"]["tieline.connectors"]["notion"]
    path = manifest_path(target)
    assert path is not None and path.name == "manifest.toml"
    registry = Registry()
    manifest = NotionConnector.manifest()
    registry.add_manifest(manifest, target)
    assert provides(registry.get("notion"), Pages)
    oauth = manifest.auth.oauth2
    assert oauth is not None and not oauth.pkce
    assert oauth.authorize_url == "https://api.notion.com/v1/oauth/authorize"
    assert oauth.token_url == "https://api.notion.com/v1/oauth/token"
