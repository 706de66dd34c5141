"""The connector reads Confluence Cloud v2 bodies written by another client's tests
(atlassian-python-api's hand-written mocks, ``tests/contracts/confluence/``; see PROVENANCE),
not only the ones our own stand-in builds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from connectors.confluence.connector import ConfluenceConnector
from connectors.sdk.pages import Paragraph, Span
from tests.standin.harness import wire

MOCKS: dict[str, Any] = json.loads(
    (
        Path(__file__).resolve().parents[1]
        / "contracts"
        / "confluence"
        / "atlassian-python-api-v2-mocks.json"
    ).read_text()
)
SITE = "https://example.atlassian.net"


def _serve(request: httpx.Request) -> httpx.Response:
    path, query = request.url.path, dict(request.url.params)
    if path == "/wiki/api/v2/pages/123456":
        assert query == {"body-format": "storage"}
        return httpx.Response(200, json=MOCKS["PAGE_MOCK"])
    if path == "/wiki/api/v2/pages/123456/children":
        return httpx.Response(200, json=MOCKS["CHILD_PAGES_RESULT"])
    if path == "/wiki/api/v2/spaces/789012":
        return httpx.Response(200, json=MOCKS["SPACE_MOCK"])
    if path == "/wiki/api/v2/spaces":
        body = dict(MOCKS["SPACES_RESULT"])
        if query.get("cursor") == "next-page-token":
            body = {"results": [], "_links": {}}
        return httpx.Response(200, json=body)
    return httpx.Response(404, json={"errors": [{"status": 404, "title": "Not Found"}]})


def _connector() -> tuple[ConfluenceConnector, httpx.AsyncClient]:
    return wire(
        ConfluenceConnector,
        SITE,
        token="t",
        method="basic",
        username="u@example.com",
        settings={"site": SITE},
        transport=httpx.MockTransport(_serve),
    )


async def test_a_page_and_its_children() -> None:
    conn, http = _connector()
    doc = await conn.get_page("123456")
    assert doc.page.title == "Test Page" and doc.page.space == "TESTSPACE"
    assert doc.page.parent_id == "654321" and doc.page.version == "1"
    assert doc.page.url == f"{SITE}/wiki/spaces/TESTSPACE/pages/123456/Test+Page"
    assert doc.blocks == (Paragraph(spans=(Span(text="This is a test page content."),)),)
    assert [(c.id, c.title) for c in doc.children] == [
        ("234567", "Child Page"),
        ("456789", "Another Child Page"),
    ]
    await http.aclose()


async def test_spaces_follow_the_next_link() -> None:
    conn, http = _connector()
    spaces = await conn.page_spaces()
    assert [(s.key, s.name) for s in spaces] == [
        ("TESTSPACE", "Test Space"),
        ("ANOTHERSPACE", "Another Space"),
    ]
    assert spaces[0].url == f"{SITE}/wiki/spaces/TESTSPACE"
    await http.aclose()
