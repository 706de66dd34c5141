"""The hostile-HTML corpus (``tests/text/hostile_html``) imported as pages, the way each
service would hand it over: as a Confluence page's storage format (read by the Confluence
connector's own :func:`storage_to_blocks`) and as Notion block objects whose text, links
and code hold it (read by :func:`notion_to_blocks`), with the page's title hostile too. The
Markdown file the import writes is rendered by the most trusting Markdown renderer (raw HTML
on) and audited: no script, no handler, no link that runs (:func:`assert_safe`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connectors.confluence.mapping import storage_to_blocks
from connectors.notion.mapping import notion_to_blocks
from connectors.sdk.pages import Block
from server.hub.pages.markdown import split_front_matter
from server.hub.pages.sync import Service, import_page
from tests.pages.connector import PagesFake, Site
from tests.text.test_hostile_html import CORPUS
from tests.text.test_sanitize import assert_safe

SERVICE = Service("pagesfake", "Fake Pages")


def _rich(text: str, url: str | None = None) -> list[dict[str, Any]]:
    return [
        {
            "type": "text",
            "text": {"content": text, "link": {"url": url} if url else None},
            "annotations": {"bold": True, "italic": False, "strikethrough": False,
                            "underline": False, "code": False, "color": "default"},
            "plain_text": text,
            "href": url,
        }
    ]  # fmt: skip


def _notion(html: str) -> list[dict[str, Any]]:
    """Notion block objects carrying ``html`` as text, a link, a heading and code."""
    return [
        {"type": "heading_2", "heading_2": {"rich_text": _rich(html)}},
        {"type": "paragraph", "paragraph": {"rich_text": _rich(html, "javascript:alert(1)")}},
        {"type": "quote", "quote": {"rich_text": _rich(html, "command:workbench.action.quit")}},
        {"type": "code", "code": {"rich_text": _rich(html), "language": "html"}},
        {"type": "bulleted_list_item", "bulleted_list_item": {"rich_text": _rich(html)}},
        {"type": "image", "image": {"type": "external", "external": {"url": "javascript:x"},
                                    "caption": _rich(html)}},
    ]  # fmt: skip


async def _imported(tmp_path: Path, site: Site, pages: PagesFake, blocks: list[Block]) -> str:
    page = site.page(next(iter(CORPUS.values()))[:120], blocks)
    result = await import_page(pages, SERVICE, page.id, tmp_path)
    (path,) = result.written
    _, body = split_front_matter((tmp_path / path).read_text(encoding="utf-8"))
    return body


@pytest.mark.parametrize("name", sorted(CORPUS))
async def test_confluence_storage(name: str, tmp_path: Path, site: Site, pages: PagesFake) -> None:
    body = await _imported(tmp_path, site, pages, list(storage_to_blocks(CORPUS[name])))
    assert_safe(body)


@pytest.mark.parametrize("name", sorted(CORPUS))
async def test_notion_blocks(name: str, tmp_path: Path, site: Site, pages: PagesFake) -> None:
    body = await _imported(tmp_path, site, pages, list(notion_to_blocks(_notion(CORPUS[name]))))
    assert_safe(body)
