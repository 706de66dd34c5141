"""The notes tests' Notebooks connector, written only against ``connectors.sdk``: sections
and pages held in a :class:`Notes` the test fills and reads (``WORLD``), or, in a server
process, in the JSON file ``$NOTESFAKE_FILE`` (read at every call, written after a change),
so the server and the test share one "service"."""

from __future__ import annotations

import base64
import itertools
import json
import os
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

    def save(self, path: Path) -> None:
        body = {
            "sections": [x.model_dump(mode="json") for x in self.sections],
            "pages": {k: [p.model_dump(mode="json") for p in v] for k, v in self.pages.items()},
            "html": self.html,
            "resources": {
                u: [base64.b64encode(d).decode(), m] for u, (d, m) in self.resources.items()
            },
            "next": next(self._ids),
        }
        path.write_text(json.dumps(body))

    @classmethod
    def load(cls, path: Path) -> Notes:
        raw = json.loads(path.read_text())
        return cls(
            sections=[NoteSection.model_validate(x) for x in raw["sections"]],
            pages={k: [NotePage.model_validate(p) for p in v] for k, v in raw["pages"].items()},
            html=dict(raw["html"]),
            resources={u: (base64.b64decode(d), m) for u, (d, m) in raw["resources"].items()},
            _ids=itertools.count(int(raw["next"])),
        )


WORLD = Notes()


def _world() -> Notes:
    where = os.environ.get("NOTESFAKE_FILE")
    return Notes.load(Path(where)) if where else WORLD


class NotesFake(Connector):
    manifest_path = Path(__file__).with_name("notesfake.toml")

    async def check(self) -> CheckResult:
        return CheckResult(ok=True, account="ada")

    async def list_sections(self) -> Sequence[NoteSection]:
        return list(_world().sections)

    async def list_pages(self, section: NoteSection) -> Sequence[NotePage]:
        w = _world()
        if section.id not in w.pages:
            raise NotFound("no such section")
        return list(w.pages[section.id])

    async def page_html(self, page: NotePage) -> PageContent:
        w = _world()
        html = w.html[page.id]
        found = [PageResource(url=u, mime_type=m) for u, (_, m) in w.resources.items()]
        return PageContent(page=page, html=html, resources=tuple(r for r in found if r.url in html))

    async def page_resource(self, url: str) -> bytes:
        if not url.startswith(BASE):
            raise InvalidRequest("not a resource of this account")
        w = _world()
        w.read.append(url)
        try:
            return w.resources[url][0]
        except KeyError:
            raise NotFound("no such resource") from None

    async def create_page(self, section: NoteSection, title: str, html: str) -> NotePage:
        w = _world()
        page = w.page(section, title, html)
        where = os.environ.get("NOTESFAKE_FILE")
        if where:
            w.save(Path(where))
        return page
