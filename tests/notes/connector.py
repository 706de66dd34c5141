"""The notes tests' Notebooks connector, written only against ``connectors.sdk``: sections
and pages held in a :class:`Notes` the test fills and reads (``WORLD``)."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from connectors.sdk import CheckResult, Connector, InvalidRequest, NotFound
from connectors.sdk.notes import NotePage, NoteSection, PageContent, PageResource

BASE = "https://notesfake.example.test/resources/"


@dataclass
class Notes:
    sections: list[NoteSection] = field(default_factory=list)
    pages: dict[str, list[NotePage]] = field(default_factory=dict)
    html: dict[str, str] = field(default_factory=dict)
    resources: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    #: URLs read through page_resource, in order.
    read: list[str] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def section(self, notebook: str, name: str) -> NoteSection:
        s = NoteSection(id=f"s{next(self._ids)}", name=name, notebook=notebook)
        self.sections.append(s)
        self.pages[s.id] = []
        return s

    def resource(self, data: bytes, mime: str = "image/png") -> str:
        url = f"{BASE}r{next(self._ids)}/$value"
        self.resources[url] = (data, mime)
        return url

    def page(self, section: NoteSection, title: str, html: str) -> NotePage:
        p = NotePage(id=f"p{next(self._ids)}", title=title, section=section.id)
        self.pages[section.id].append(p)
        self.html[p.id] = html
        return p


WORLD = Notes()


class NotesFake(Connector):
    manifest_path = Path(__file__).with_name("notesfake.toml")

    async def check(self) -> CheckResult:
        return CheckResult(ok=True, account="ada")

    async def list_sections(self) -> Sequence[NoteSection]:
        return list(WORLD.sections)

    async def list_pages(self, section: NoteSection) -> Sequence[NotePage]:
        if section.id not in WORLD.pages:
            raise NotFound("no such section")
        return list(WORLD.pages[section.id])

    async def page_html(self, page: NotePage) -> PageContent:
        html = WORLD.html[page.id]
        found = [PageResource(url=u, mime_type=m) for u, (_, m) in WORLD.resources.items()]
        return PageContent(page=page, html=html, resources=tuple(r for r in found if r.url in html))

    async def page_resource(self, url: str) -> bytes:
        if not url.startswith(BASE):
            raise InvalidRequest("not a resource of this account")
        WORLD.read.append(url)
        try:
            return WORLD.resources[url][0]
        except KeyError:
            raise NotFound("no such resource") from None

    async def create_page(self, section: NoteSection, title: str, html: str) -> NotePage:
        return WORLD.page(section, title, html)
