"""OneNote on the Graph stand-in: sections with their notebook, pages, a page's HTML with
images served as resources, and pages created from HTML.

Routes register on :mod:`tests.standin.microsoft`'s router and are validated, request and
answer, against the same description (see its PROVENANCE for what it does not say).
Behaviour follows learn.microsoft.com/graph/onenote-get-content and onenote-create-page:

- ``GET /me/onenote/sections`` lists sections; ``$expand=parentNotebook`` puts the notebook
  (``id``, ``displayName``) in each. ``GET .../sections/{id}/pages`` pages by ``$top`` (at
  most 100) with ``@odata.nextLink``.
- ``GET /me/onenote/pages/{id}/content`` answers the page's HTML (``text/html``); images in
  it point at ``/v1.0/me/onenote/resources/{id}/$value`` here, whose answer is the image's
  bytes and needs the token like any Graph request.
- ``POST .../sections/{id}/pages`` takes ``text/html`` or ``application/xhtml+xml`` (the
  description names only JSON: the stand-in checks the HTML itself -- a ``<title>`` in its
  head -- and the contract check sees the page it describes, ``{"title"}``), answers
  ``201`` with the page; anything else is ``415`` / ``400`` as Graph answers.
"""

from __future__ import annotations

import html
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from .graph_wire import _body, select
from .kit import Reply, Request, Response, Router

if TYPE_CHECKING:
    from .microsoft import MicrosoftStandIn

_TITLE = re.compile(r"<title>(.*?)</title>", re.IGNORECASE | re.DOTALL)
HTML_TYPES = ("text/html", "application/xhtml+xml")
NOW = "2026-12-01T10:00:00Z"


@dataclass
class NotesState:
    """Sections, pages (with their HTML) and resources, one account's."""

    sections: list[dict[str, Any]] = field(default_factory=list)
    pages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    html: dict[str, str] = field(default_factory=dict)
    resources: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def new_id(self, prefix: str) -> str:
        return f"{prefix}-{next(self._ids):04d}"

    def add_section(self, notebook: str, name: str) -> dict[str, Any]:
        sid = self.new_id("1-sec")
        section = {
            "id": sid,
            "displayName": name,
            "isDefault": False,
            "self": f"https://graph.microsoft.com/v1.0/me/onenote/sections/{sid}",
            "links": {"oneNoteWebUrl": {"href": f"https://onenote.example/section/{sid}"}},
            "_notebook": {"id": self.new_id("1-nb"), "displayName": notebook},
        }
        self.sections.append(section)
        self.pages[sid] = []
        return section

    def add_resource(self, data: bytes, mime: str) -> str:
        rid = self.new_id("1-res")
        self.resources[rid] = (data, mime)
        return rid

    def add_page(self, section: dict[str, Any], title: str, body: str) -> dict[str, Any]:
        pid = self.new_id("1-page")
        page = {
            "id": pid,
            "title": title,
            "createdDateTime": NOW,
            "lastModifiedDateTime": NOW,
            "level": 0,
            "order": len(self.pages[section["id"]]),
            "links": {"oneNoteWebUrl": {"href": f"https://onenote.example/page/{pid}"}},
            "_section": section["id"],
        }
        self.pages[section["id"]].append(page)
        self.html[pid] = body
        return page


def _section(s: MicrosoftStandIn, sid: str) -> dict[str, Any]:
    found = next((x for x in s.notes.sections if x["id"] == sid), None)
    if found is None:
        raise Reply(404, _body("20102", "The requested resource does not exist."))
    return found


def register(routes: Router[MicrosoftStandIn], v1: str) -> None:
    """Add the OneNote routes to the Graph stand-in's router."""
    routes.route("GET", rf"{v1}/me/onenote/sections")(_sections)
    routes.route("GET", rf"{v1}/me/onenote/sections/(?P<sid>[^/]+)/pages")(_pages)
    routes.route("POST", rf"{v1}/me/onenote/sections/(?P<sid>[^/]+)/pages")(_create)
    routes.route("GET", rf"{v1}/me/onenote/pages/(?P<pid>[^/]+)/content")(_content)
    routes.route("GET", rf"{v1}/me/onenote/resources/(?P<rid>[^/]+)/\$value")(_resource)


def _sections(s: MicrosoftStandIn, req: Request) -> Response:
    expand = "parentNotebook" in (req.args.get("$expand") or "").split(",")
    items = [
        {**x, "parentNotebook": x["_notebook"]} if expand else dict(x) for x in s.notes.sections
    ]
    return 200, s.page(req, items), {}


def _pages(s: MicrosoftStandIn, req: Request) -> Response:
    section = _section(s, req.path_args["sid"])
    if int(req.args.get("$top") or 20) > 100:
        raise Reply(400, _body("20129", "The $top value must be at most 100."))
    return 200, s.page(req, s.notes.pages[section["id"]]), {}


def _content(s: MicrosoftStandIn, req: Request) -> Response:
    body = s.notes.html.get(req.path_args["pid"])
    if body is None:
        raise Reply(404, _body("20102", "The requested resource does not exist."))
    return 200, body.encode(), {"content-type": "text/html; charset=utf-8"}


def _resource(s: MicrosoftStandIn, req: Request) -> Response:
    found = s.notes.resources.get(req.path_args["rid"])
    if found is None:
        raise Reply(404, _body("20102", "The requested resource does not exist."))
    return 200, found[0], {"content-type": found[1]}


def title_of(doc: str) -> str | None:
    m = _TITLE.search(doc)
    return html.unescape(m.group(1)).strip() if m else None


def _create(s: MicrosoftStandIn, req: Request) -> Response:
    section = _section(s, req.path_args["sid"])
    ctype = req.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype not in HTML_TYPES:
        raise Reply(415, _body("20001", f"Content-Type {ctype or '(none)'} is not supported."))
    try:
        doc = req.body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise Reply(400, _body("20001", "The HTML is not UTF-8.")) from exc
    title = title_of(doc)
    if title is None or "<body" not in doc.lower():
        raise Reply(400, _body("20001", "The page HTML needs a head with a title and a body."))
    body = doc.split("<body>", 1)[-1].rsplit("</body>", 1)[0]
    page = s.notes.add_page(section, title, body)
    return 201, select(page, None), {}


def contract_body(req: Request) -> bytes | None:
    """The onenotePage an HTML create request describes, for the contract check (see the
    module docstring); ``None`` for any other request."""
    if req.method != "POST" or not re.search(r"/onenote/sections/[^/]+/pages$", req.path):
        return None
    ctype = req.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if ctype not in HTML_TYPES:
        return None
    return json.dumps({"title": title_of(req.body.decode("utf-8", "replace")) or ""}).encode()
