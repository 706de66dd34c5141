"""The Notebooks capability on Microsoft Graph: OneNote sections, pages, page HTML with its
images, and new pages (learn.microsoft.com/graph/integrate-with-onenote).

- Sections are read with their notebook expanded (``/me/onenote/sections?$expand=
  parentNotebook``), so a section is named "Notebook / Section" in one request.
- A page's content is HTML (``/me/onenote/pages/{id}/content``): its images are
  ``<img src=".../onenote/resources/{id}/$value" data-fullres-src=...>`` on Graph itself,
  readable only with the account's token. :meth:`OneNote.page_resource` reads such a URL
  and refuses any other (a page is written by whoever shared the notebook: a URL in it must
  not carry the token elsewhere). The full-resolution source is preferred where given.
- A page is created by POSTing its HTML (``Content-Type: text/html``; the ``<title>`` is the
  page's title) to ``/me/onenote/sections/{id}/pages``: 201 with the page
  (learn.microsoft.com/graph/onenote-create-page).
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from datetime import datetime
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlsplit

from pydantic import Field

from connectors.sdk import InvalidRequest
from connectors.sdk.connector import NO_STORE
from connectors.sdk.notes import NotePage, NoteSection, PageContent, PageResource

from .client import GraphClient, _seg
from .models import _Wire

SECTION_FIELDS = "id,displayName,links"
PAGE_FIELDS = "id,title,lastModifiedDateTime,links"
#: Graph gives 20 pages by default and at most 100 per request (onenote-get-content).
PAGE_TOP = 100
_RESOURCE = re.compile(r"/onenote/resources/[^/]+/(?:\$value|content)$")


class _Named(_Wire):
    id: str = ""
    display_name: str = Field(default="", alias="displayName")


class _Links(_Wire):
    web: dict[str, Any] | None = Field(default=None, alias="oneNoteWebUrl")


class Section(_Named):
    parent_notebook: _Named | None = Field(default=None, alias="parentNotebook")
    links: _Links | None = None


class Page(_Wire):
    id: str
    title: str | None = None
    modified: datetime | None = Field(default=None, alias="lastModifiedDateTime")
    links: _Links | None = None


def _web(links: _Links | None) -> str | None:
    href = (links.web or {}).get("href") if links else None
    return href if isinstance(href, str) and href.startswith("https://") else None


class _Images(HTMLParser):
    """The image sources of a page: ``data-fullres-src`` where given, else ``src``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[PageResource] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag != "img":
            return
        a = dict(attrs)
        url = a.get("data-fullres-src") or a.get("src")
        kind = a.get("data-fullres-src-type") or a.get("data-src-type")
        if url:
            self.found.append(PageResource(url=url, mime_type=kind))


def resources_of(page_html: str) -> tuple[PageResource, ...]:
    parser = _Images()
    parser.feed(page_html)
    parser.close()
    seen: dict[str, PageResource] = {}
    for r in parser.found:
        seen.setdefault(r.url, r)
    return tuple(seen.values())


class OneNote:
    """One account's notebooks (``/me/onenote``)."""

    def __init__(self, client: GraphClient) -> None:
        self.client = client

    async def list_sections(self) -> Sequence[NoteSection]:
        params: dict[str, str | int] = {
            "$select": SECTION_FIELDS,
            "$expand": "parentNotebook",
            "$top": PAGE_TOP,
        }
        found = await self.client.every("me/onenote/sections", params, Section, max_pages=50)
        return [
            NoteSection(
                id=s.id,
                name=s.display_name,
                notebook=s.parent_notebook.display_name if s.parent_notebook else "",
                url=_web(s.links),
            )
            for s in found
        ]

    async def list_pages(self, section: NoteSection) -> Sequence[NotePage]:
        url = f"me/onenote/sections/{_seg(section.id)}/pages"
        params: dict[str, str | int] = {"$select": PAGE_FIELDS, "$top": PAGE_TOP}
        found = await self.client.every(url, params, Page, max_pages=50)
        return [self._page(p, section) for p in found]

    @staticmethod
    def _page(p: Page, section: NoteSection | None) -> NotePage:
        return NotePage(
            id=p.id,
            title=p.title or "Untitled page",
            section=section.id if section else "",
            modified=p.modified,
            url=_web(p.links),
        )

    async def page_html(self, page: NotePage) -> PageContent:
        r = await self.client._request(
            "GET",
            f"me/onenote/pages/{_seg(page.id)}/content",
            headers={"accept": "text/html", **NO_STORE},
        )
        text = r.text
        return PageContent(page=page, html=text, resources=resources_of(text))

    def _own(self, url: str) -> str:
        """``url`` if it is a OneNote resource of this account's API, else refused."""
        base = urlsplit(str(self.client.http.base_url))
        got = urlsplit(url)
        ok = (
            (got.scheme, got.netloc) == (base.scheme, base.netloc)
            and got.path.startswith(base.path.rstrip("/") + "/")
            and _RESOURCE.search(got.path) is not None
            and not got.query
        )
        if not ok:
            raise InvalidRequest("Microsoft 365: not a OneNote resource of this account")
        return url

    async def page_resource(self, url: str) -> bytes:
        r = await self.client._request("GET", self._own(url), headers={"accept": "*/*", **NO_STORE})
        return r.content

    async def create_page(self, section: NoteSection, title: str, page_html: str) -> NotePage:
        """``page_html`` is the page's body; it is wrapped in a document whose ``<title>`` is
        ``title`` (Graph takes the page title from it)."""
        doc = (
            "<!DOCTYPE html>\n<html>\n<head>\n<title>"
            f"{html.escape(title, quote=False)}</title>\n"
            '<meta charset="utf-8" />\n</head>\n<body>\n'
            f"{page_html}\n</body>\n</html>\n"
        )
        r = await self.client._request(
            "POST",
            f"me/onenote/sections/{_seg(section.id)}/pages",
            content=doc.encode("utf-8"),
            headers={"content-type": "text/html; charset=utf-8"},
        )
        return self._page(Page.model_validate(r.json()), section)
