"""Tiny Tracker: a REST issue tracker of no real service, the kind a team declares in a
TOML manifest (``connectors/declarative``) instead of writing a connector.

It exists in this file alone (so it has no contract) and serves the same issues under one
prefix per pagination style, so one stand-in tests every style a manifest can declare:

- ``GET /api/me`` -> ``{"login", "name"}``
- ``GET /api/issues/{id}`` -> one issue: ``{id, title, status, html_url, author {login,
  name}, assignees [{login}], labels [{name, color}], body, created_at, updated_at}``
- ``GET /api/link/issues?assignee=&status=&page=&per_page=`` -> a JSON array, RFC 8288
  ``Link`` header
- ``GET /api/cursor/issues?...&nextPageToken=&maxResults=`` -> ``{issues, isLast,
  nextPageToken?}``
- ``GET /api/page/issues?...&page=&per_page=`` -> ``{items, total}`` (no header)
- ``GET /api/offset/issues?...&startAt=&maxResults=`` -> ``{startAt, maxResults, total,
  isLast, values}``
- ``GET /api/<style>/search?q=`` -> the issues whose title contains ``q`` (no case), paged
  as the style's list

The credential is checked the way ``auth`` says: ``bearer`` (``Authorization: Bearer``),
``header`` (``X-TT-Token``), ``basic`` (``user:token``) or ``query`` (``?api_key=``). Errors
are ``{"message": ...}``.
"""

from __future__ import annotations

import base64
from typing import Any

from .kit import (
    Reply,
    Request,
    Response,
    Router,
    StandIn,
    link_pages,
    offset_body,
    page_window,
    token_body,
)

TOKEN = "tt_CANARYtokenDECLARED0123456789"
USER = "ada"
routes: Router[TinyTracker] = Router()


class TinyTracker(StandIn):
    service = "Tiny Tracker"
    router = routes

    def __init__(self, *, auth: str = "bearer", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.auth = auth
        self.issues: dict[int, dict[str, Any]] = {}
        self.tokens[TOKEN] = USER

    def authenticate(self, req: Request) -> str | None:
        if self.auth == "header":
            return self.tokens.get(req.headers.get("x-tt-token", ""))
        if self.auth == "query":
            return self.tokens.get(req.args.get("api_key", ""))
        if self.auth == "basic":
            scheme, _, value = req.headers.get("authorization", "").partition(" ")
            if scheme.lower() != "basic":
                return None
            user, _, token = base64.b64decode(value).decode().partition(":")
            return user if self.tokens.get(token) == user else None
        return super().authenticate(req)

    def add(
        self,
        title: str,
        *,
        status: str = "open",
        assignee: str | None = None,
        author: str = "bob",
        labels: tuple[str, ...] = (),
        body: str = "",
    ) -> dict[str, Any]:
        number = len(self.issues) + 1
        issue = {
            "id": number,
            "title": title,
            "status": status,
            "html_url": f"https://tt.example.test/issues/{number}",
            "author": {"login": author, "name": author.title()},
            "assignees": [{"login": assignee}] if assignee else [],
            "labels": [{"name": n, "color": "ff0000"} for n in labels],
            "body": body,
            "created_at": f"2026-01-{number % 28 + 1:02d}T10:00:00Z",
            "updated_at": f"2026-02-{number % 28 + 1:02d}T10:00:00Z",
        }
        self.issues[number] = issue
        return issue

    def listed(self, req: Request, *, search: bool) -> list[dict[str, Any]]:
        out = list(self.issues.values())
        if search:
            q = req.args.get("q", "").casefold()
            out = [i for i in out if q in i["title"].casefold()]
        if who := req.args.get("assignee"):
            out = [i for i in out if any(a["login"] == who for a in i["assignees"])]
        if status := req.args.get("status"):
            out = [i for i in out if i["status"] == status]
        return out


def _paged(s: TinyTracker, req: Request, style: str, items: list[dict[str, Any]]) -> Response:
    if style == "link":
        page, headers = link_pages(items, req, default=30)
        return 200, page, headers
    if style == "cursor":
        return 200, token_body(items, req.args, key="issues", default=30), {}
    if style == "page":
        window = page_window(req.args, len(items), default=30)
        return 200, {"items": window.slice(items), "total": len(items)}, {}
    if style == "offset":
        return 200, offset_body(items, req.args, key="values", default=30), {}
    raise s.error(404, f"no paging style {style!r}")


@routes.route("GET", r"/api/me")
def _me(s: TinyTracker, req: Request) -> Response:
    return 200, {"login": req.me, "name": req.me.title()}, {}


@routes.route("GET", r"/api/issues/(?P<id>\d+)")
def _issue(s: TinyTracker, req: Request) -> Response:
    issue = s.issues.get(int(req.path_args["id"]))
    if issue is None:
        raise Reply(404, {"message": "no such issue"})
    return 200, issue, {}


@routes.route("GET", r"/api/(?P<style>\w+)/issues")
def _issues(s: TinyTracker, req: Request) -> Response:
    return _paged(s, req, req.path_args["style"], s.listed(req, search=False))


@routes.route("GET", r"/api/(?P<style>\w+)/search")
def _search(s: TinyTracker, req: Request) -> Response:
    return _paged(s, req, req.path_args["style"], s.listed(req, search=True))
