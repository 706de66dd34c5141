"""The Notebooks capability on the Graph stand-in: sections named with their notebook,
pages read over Graph's pages, a page's HTML with its images read with the token (and a URL
of another host refused before any request), and a page created from HTML.

Requests and JSON answers are validated against Graph's description
(tests/contracts/microsoft); the create request's HTML body and the ``$value`` form of a
resource's URL are not in it and follow learn.microsoft.com/graph/onenote-create-page and
onenote-get-content (see tests/standin/microsoft_onenote.py and the PROVENANCE).
"""

from __future__ import annotations

import pytest

from connectors.microsoft.connector import MicrosoftConnector
from connectors.sdk import InvalidRequest, NotFound
from connectors.sdk.capabilities import Notebooks
from connectors.sdk.notes import NoteSection

from .helpers import World

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _seed(world: World) -> tuple[NoteSection, str, str]:
    notes = world.standin.notes
    work = notes.add_section("Work", "Design")
    notes.add_section("Personal", "Design")
    rid = notes.add_resource(PNG, "image/png")
    src = f"{world.standin.url}/v1.0/me/onenote/resources/{rid}/$value"
    body = (
        f'<div><p>Hello <b>team</b></p><img src="{src}" data-src-type="image/png" '
        f'data-fullres-src="{src}" data-fullres-src-type="image/png" alt="diagram" /></div>'
    )
    page = notes.add_page(work, "Kick-off", body)
    for i in range(4):
        notes.add_page(work, f"Minutes {i}", f"<p>Notes {i}</p>")
    return NoteSection(id=work["id"], name="Design", notebook="Work"), page["id"], src


async def test_the_connector_declares_and_implements_notebooks(conn: MicrosoftConnector) -> None:
    assert conn.provides(Notebooks)
    scopes = {s.name: s.why for s in conn.manifest().auth.oauth2.scopes}  # type: ignore[union-attr]
    assert scopes.get("Notes.ReadWrite")


async def test_sections_come_with_their_notebook_in_one_request(
    world: World, conn: MicrosoftConnector
) -> None:
    _seed(world)
    world.standin.reset_log()
    sections = await conn.list_sections()
    assert [s.label for s in sections] == ["Work / Design", "Personal / Design"]
    assert all(s.url and s.url.startswith("https://") for s in sections)
    assert (
        len(world.standin.log) == 1
        and dict(world.standin.log[0].query)["$expand"] == "parentNotebook"
    )


async def test_pages_are_read_over_every_page_of_the_listing(
    world: World, conn: MicrosoftConnector
) -> None:
    section, _, _ = _seed(world)
    world.standin.max_page = 2
    world.standin.reset_log()
    pages = await conn.list_pages(section)
    assert [p.title for p in pages] == ["Kick-off", *(f"Minutes {i}" for i in range(4))]
    assert len(world.standin.log) == 3  # 2 + 2 + 1, by nextLink
    assert all(p.section == section.id for p in pages)
    with pytest.raises(NotFound):
        await conn.list_pages(section.model_copy(update={"id": "1-sec-nope"}))


async def test_a_page_reads_as_html_with_its_images_read_with_the_token(
    world: World, conn: MicrosoftConnector
) -> None:
    section, pid, src = _seed(world)
    page = next(p for p in await conn.list_pages(section) if p.id == pid)
    content = await conn.page_html(page)
    assert "<b>team</b>" in content.html
    assert [(r.url, r.mime_type) for r in content.resources] == [(src, "image/png")]
    world.standin.reset_log()
    assert await conn.page_resource(src) == PNG
    assert world.standin.log[0].account == world.ada["id"]  # signed with Ada's token


@pytest.mark.parametrize(
    "url",
    [
        "https://attacker.example/v1.0/me/onenote/resources/x/$value",
        "{base}/v1.0/me/drive/root",
        "{base}/v1.0/me/onenote/resources/x/$value?redirect=https://attacker.example",
        "http://127.0.0.2:1/v1.0/me/onenote/resources/x/$value",
    ],
)
async def test_a_url_that_is_not_a_onenote_resource_of_the_account_is_refused_unread(
    world: World, conn: MicrosoftConnector, url: str
) -> None:
    world.standin.reset_log()
    with pytest.raises(InvalidRequest, match="not a OneNote resource"):
        await conn.page_resource(url.format(base=world.standin.url))
    assert world.standin.log == []


async def test_a_page_is_created_from_html_titled_in_its_head(
    world: World, conn: MicrosoftConnector
) -> None:
    section, _, _ = _seed(world)
    page = await conn.create_page(section, "Plan <v2> & more", "<h1>Plan</h1><p>Ship it.</p>")
    assert page.title == "Plan <v2> & more" and page.section == section.id
    req = world.standin.log[-1]
    assert req.method == "POST" and req.headers["content-type"].startswith("text/html")
    assert world.standin.notes.html[page.id].strip() == "<h1>Plan</h1><p>Ship it.</p>"
    assert page.id in {p.id for p in await conn.list_pages(section)}


async def test_graph_errors_map_to_the_sdk_hierarchy(
    world: World, conn: MicrosoftConnector
) -> None:
    section, _, _ = _seed(world)
    gone = NoteSection(id="1-sec-gone", name="Gone")
    with pytest.raises(NotFound, match="20102"):
        await conn.create_page(gone, "Lost", "<p>x</p>")
    page = (await conn.list_pages(section))[0]
    with pytest.raises(NotFound, match="20102"):
        await conn.page_html(page.model_copy(update={"id": "1-page-gone"}))
