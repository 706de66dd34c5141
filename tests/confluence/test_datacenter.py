"""The Confluence connector against the Data Center stand-in: REST v1 at the site's context
path (``/confluence``), signed in with a personal access token."""

from __future__ import annotations

import pytest

from connectors.confluence.connector import ConfluenceConnector
from connectors.sdk import ConfigError, InvalidRequest, NotFound
from connectors.sdk.errors import SyncConflict
from connectors.sdk.pages import Code, Image, PageParent, Paragraph, Span
from server.hub.http import HubClient
from tests.standin.confluence import ConfluenceDCStandIn

from .wiring import connect

PAT = "NjQ2MzA5NDI1OTM3OrQl2Vc1Ubx5AqmA9kN+0Iwzdc2n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 8


@pytest.fixture
def dc(confluence_dc: ConfluenceDCStandIn) -> ConfluenceDCStandIn:
    confluence_dc.pat(PAT)
    return confluence_dc


def signed(dc: ConfluenceDCStandIn) -> tuple[ConfluenceConnector, HubClient]:
    return connect(dc, method="token", token=PAT, username=None)


async def test_check_names_the_user(dc: ConfluenceDCStandIn) -> None:
    conn, http = signed(dc)
    result = await conn.check()
    assert result.ok and result.account == "mia" and result.name == "Mia Krystof"
    assert dc.auth_seen == [f"Bearer {PAT}"]
    assert dc.log[0].path == "/confluence/rest/api/user/current"
    await http.aclose()


async def test_spaces_are_listed_across_offset_pages(dc: ConfluenceDCStandIn) -> None:
    for n in range(5):
        dc.state.add_space(f"S{n}")
    dc.max_limit = 2
    conn, http = signed(dc)
    spaces = await conn.page_spaces()
    assert [s.key for s in spaces] == ["S0", "S1", "S2", "S3", "S4"]
    assert spaces[1].url == f"{dc.site}/display/S1"
    starts = [dict(e.query)["start"] for e in dc.log if e.path.endswith("/rest/api/space")]
    assert starts == ["0", "2", "4"]
    await http.aclose()


async def test_a_page_tree(dc: ConfluenceDCStandIn) -> None:
    st = dc.state
    root = st.add_page(
        "DOCS",
        "Root",
        '<ac:structured-macro ac:name="code"><ac:parameter ac:name="language">sql</ac:parameter>'
        "<ac:plain-text-body><![CDATA[select 1;]]></ac:plain-text-body></ac:structured-macro>",
    )
    kids = [st.add_page("DOCS", f"Kid {n}", parent=root) for n in range(3)]
    deep = st.add_page("DOCS", "Deep", parent=kids[2])
    dc.max_limit = 2
    conn, http = signed(dc)
    doc = await conn.get_page(root.id)
    assert doc.blocks == (Code(text="select 1;", language="sql"),)
    assert doc.page.space == "DOCS" and doc.page.version == "1" and doc.page.parent_id is None
    assert doc.page.modified_by == "Mia Krystof"
    assert doc.page.url == f"{dc.site}/display/DOCS/Root"
    assert [c.title for c in doc.children] == ["Kid 0", "Kid 1", "Kid 2"]
    assert all(c.parent_id == root.id and c.version == "1" for c in doc.children)
    inner = await conn.get_page(kids[2].id)
    assert inner.page.parent_id == root.id and [c.id for c in inner.children] == [deep.id]
    assert (await conn.page_info(deep.id)).parent_id == kids[2].id
    await http.aclose()


async def test_create_update_with_an_image_and_conflicts(dc: ConfluenceDCStandIn) -> None:
    st = dc.state
    st.add_space("DOCS")
    conn, http = signed(dc)
    made = await conn.create_page(
        PageParent(space="DOCS"),
        "Guide",
        [Paragraph(spans=(Span(text="see"),)), Image(url="shots/a.png")],
        attachments={"shots/a.png": PNG},
    )
    assert made.version == "1" and made.space == "DOCS"
    assert st.pages[made.id].attachments["a.png"].data == PNG
    doc = await conn.get_page(made.id)
    image = doc.blocks[1]
    assert isinstance(image, Image)
    assert image.url.startswith(f"{dc.site}/download/attachments/{made.id}/a.png")
    assert await conn.page_resource(image.url) == PNG
    with pytest.raises(InvalidRequest):  # same host, outside the context path
        await conn.page_resource(f"{dc.url}/other/download/attachments/{made.id}/a.png")

    child = await conn.create_page(PageParent(space="DOCS", page_id=made.id), "Child", [])
    assert child.parent_id == made.id

    updated = await conn.update_page(made.id, "Guide 2", [], if_match="1")
    assert updated.version == "2" and st.pages[made.id].title == "Guide 2"
    with pytest.raises(SyncConflict):
        await conn.update_page(made.id, "Guide 3", [], if_match="1")
    dc.races = 1
    with pytest.raises(SyncConflict):
        await conn.update_page(made.id, "Guide 3", [])
    assert st.pages[made.id].title == "Guide 2"
    await http.aclose()


async def test_search_and_errors(dc: ConfluenceDCStandIn) -> None:
    dc.state.add_page("DOCS", "Runbook: deploys")
    dc.state.add_page("OPS", "Pager rota")
    conn, http = signed(dc)
    found = await conn.search_pages("runbook")
    assert [(p.title, p.space, p.version) for p in found] == [("Runbook: deploys", "DOCS", "1")]
    assert dc.log[-1].path == "/confluence/rest/api/content/search"
    with pytest.raises(NotFound, match="No content found with id: 12"):
        await conn.page_info("12")
    with pytest.raises(NotFound, match="No space with key : NOPE"):
        await conn.create_page(PageParent(space="NOPE"), "x", [])
    await http.aclose()


def test_page_ids_from_data_center_urls(dc: ConfluenceDCStandIn) -> None:
    conn, _ = signed(dc)
    assert conn.page_id_from_url(f"{dc.site}/pages/viewpage.action?pageId=98765") == "98765"
    assert conn.page_id_from_url(f"{dc.site}/spaces/DOCS/pages/98765/Title") == "98765"
    assert conn.page_id_from_url(f"{dc.site}/display/DOCS/Some+Page") is None
    assert conn.page_id_from_url(f"{dc.site}/x/AbCd") is None
    assert conn.page_id_from_url(f"{dc.site}/pages/viewpage.action?pageId=abc") is None


async def test_oauth_is_for_cloud_only(dc: ConfluenceDCStandIn) -> None:
    conn, http = connect(dc, method="pkce", token=PAT, username=None)
    with pytest.raises(ConfigError, match="Cloud only"):
        await conn.get_page("1")
    await http.aclose()
