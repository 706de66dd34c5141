"""Tieline's own test service: a little issue tracker that exists only in this file.

It is no real service's stand-in, so it has no contract: this module *is* its definition. It
exists to test what is generic: the stand-in kit itself (``tests/standin/test_kit.py``) and,
later, the hub's service-independent machinery (HTTP stack, pagination strategies, rate-limit
handling, sync) without dragging one real service's quirks into those tests. It is also the
smallest complete example of a stand-in built on the kit.

The API (JSON; ``Authorization: Bearer <token>``, tokens in ``tokens``):

- ``GET /me`` -> ``{"login": ...}``
- ``GET /projects`` -> ``[{"key", "issues"}]``, Link-paged
- ``GET /projects/{key}/issues?state=open|closed|all`` -> issues, Link-paged (``page``,
  ``per_page``), or keyset-paged with ``pagination=keyset&order_by=id|updated&sort=asc|desc``
- ``GET /issues?filter=assigned|created|mentioned`` -> the caller's open issues, Link-paged
- ``POST /projects/{key}/issues`` ``{"title", "body"?}`` -> 201 (422 without a title)
- ``GET``/``PATCH /projects/{key}/issues/{number}`` (``title``, ``body``, ``state``)
- ``POST /projects/{key}/issues/{number}/comments`` ``{"body"}`` -> 201 the comment
- ``GET /search?q=&startAt=&maxResults=`` -> ``{startAt, maxResults, total, isLast, values}``
- ``POST /search`` ``{"q", "nextPageToken"?, "maxResults"?}`` -> ``{issues, isLast,
  nextPageToken?}``

Errors are ``{"error": message}``. One budget, ``requests`` (1000 an hour per account),
reported with the IETF draft's ``RateLimit-Limit``/``-Remaining``/``-Reset`` (seconds to go);
an exhausted budget is 429 with Retry-After; a 304 spends budget like any request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .kit import (
    Quota,
    Reply,
    Request,
    Response,
    Router,
    StandIn,
    keyset_pages,
    link_pages,
    offset_body,
    token_body,
)


@dataclass
class Project:
    key: str
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_number: int = 1


class Tracker:
    """The service's world: projects of numbered issues. ``clock`` makes timestamps
    deterministic and strictly increasing."""

    def __init__(self) -> None:
        self.projects: dict[str, Project] = {}
        self.clock = 1_700_000_000
        self.next_id = 1

    def project(self, key: str) -> Project:
        return self.projects.setdefault(key, Project(key))

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def add_issue(
        self,
        project: str,
        title: str,
        *,
        body: str | None = None,
        state: str = "open",
        author: str = "ada",
        assignee: str | None = None,
        mentions: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        p = self.project(project)
        ts = self.tick()
        issue = {
            "id": self.next_id,
            "project": p.key,
            "number": p.next_number,
            "title": title,
            "body": body,
            "state": state,
            "author": author,
            "assignee": assignee,
            "mentions": list(mentions),
            "comments": [],
            "created": ts,
            "updated": ts,
        }
        self.next_id += 1
        p.issues[p.next_number] = issue
        p.next_number += 1
        return issue


routes: Router[SyntheticStandIn] = Router()


class SyntheticStandIn(StandIn):
    """The tracker over HTTP; see the module docstring for its API."""

    service = "synthetic"
    router = routes
    # No ``contract``: Tieline's own service, nothing outside this file defines it.
    budgets = {"requests": 1000}

    def __init__(
        self, tokens: dict[str, str] | None = None, *, port: int = 0, validate: bool = True
    ) -> None:
        super().__init__(port=port, validate=validate)
        self.state = Tracker()
        self.tokens.update(tokens or {"tok-ada": "ada", "tok-bob": "bob"})

    def error(self, status: int, message: str) -> Reply:
        return Reply(status, {"error": message})

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(quota.limit),
            "RateLimit-Remaining": str(quota.remaining),
            "RateLimit-Reset": str(quota.retry_after()),
        }

    def project_of(self, req: Request) -> Project:
        key = req.path_args["project"]
        if key not in self.state.projects:
            raise self.error(404, f"no project {key}")
        return self.state.projects[key]

    def issue_of(self, req: Request) -> dict[str, Any]:
        issues = self.project_of(req).issues
        n = int(req.path_args["number"])
        if n not in issues:
            raise self.error(404, f"no issue {n}")
        return issues[n]

    def matching(self, text: str) -> list[dict[str, Any]]:
        t = text.lower()
        return [
            i
            for p in self.state.projects.values()
            for i in p.issues.values()
            if t in i["title"].lower() or t in (i["body"] or "").lower()
        ]


_P = r"/projects/(?P<project>[^/]+)"


@routes.route("GET", r"/me")
def _me(s: SyntheticStandIn, req: Request) -> Response:
    return 200, {"login": req.me}, {}


@routes.route("GET", r"/projects")
def _projects(s: SyntheticStandIn, req: Request) -> Response:
    listed = [{"key": p.key, "issues": len(p.issues)} for p in s.state.projects.values()]
    items, headers = link_pages(listed, req)
    return 200, items, headers


@routes.route("GET", _P + r"/issues")
def _issues(s: SyntheticStandIn, req: Request) -> Response:
    want = req.args.get("state", "open")
    if want not in ("open", "closed", "all"):
        raise s.error(422, f"state must be open, closed or all, not {want!r}")
    found = [i for i in s.project_of(req).issues.values() if want == "all" or i["state"] == want]
    if req.args.get("pagination") == "keyset":
        page, headers = keyset_pages(found, req, order_by=("id", "updated"))
        return 200, page, headers
    items, headers = link_pages(found, req)
    return 200, items, headers


@routes.route("POST", _P + r"/issues")
def _create(s: SyntheticStandIn, req: Request) -> Response:
    data = req.json or {}
    if not isinstance(data.get("title"), str) or not data["title"]:
        raise s.error(422, "title is required")
    s.project_of(req)
    issue = s.state.add_issue(
        req.path_args["project"], data["title"], body=data.get("body"), author=req.me
    )
    return 201, issue, {"location": f"{req.base_url}{req.path}/{issue['number']}"}


@routes.route("GET", _P + r"/issues/(?P<number>\d+)")
def _issue(s: SyntheticStandIn, req: Request) -> Response:
    return 200, s.issue_of(req), {}


@routes.route("PATCH", _P + r"/issues/(?P<number>\d+)")
def _update(s: SyntheticStandIn, req: Request) -> Response:
    issue = s.issue_of(req)
    data = req.json or {}
    if data.get("state", "open") not in ("open", "closed"):
        raise s.error(422, "state must be open or closed")
    for k in ("title", "body", "state"):
        if k in data:
            issue[k] = data[k]
    issue["updated"] = s.state.tick()
    return 200, issue, {}


@routes.route("GET", r"/issues")
def _mine(s: SyntheticStandIn, req: Request) -> Response:
    which = req.args.get("filter", "assigned")
    field_of = {"assigned": "assignee", "created": "author"}
    if which not in ("assigned", "created", "mentioned"):
        raise s.error(422, f"filter must be assigned, created or mentioned, not {which!r}")
    found = [
        i
        for p in s.state.projects.values()
        for i in p.issues.values()
        if i["state"] == "open"
        and (req.me in i["mentions"] if which == "mentioned" else i[field_of[which]] == req.me)
    ]
    found.sort(key=lambda i: -int(i["updated"]))
    items, headers = link_pages(found, req)
    return 200, items, headers


@routes.route("POST", _P + r"/issues/(?P<number>\d+)/comments")
def _comment(s: SyntheticStandIn, req: Request) -> Response:
    issue = s.issue_of(req)
    body = (req.json or {}).get("body")
    if not isinstance(body, str) or not body:
        raise s.error(422, "body is required")
    comment = {"id": len(issue["comments"]) + 1, "body": body, "author": req.me}
    issue["comments"].append(comment)
    issue["updated"] = s.state.tick()
    return 201, comment, {}


@routes.route("GET", r"/search")
def _search(s: SyntheticStandIn, req: Request) -> Response:
    return 200, offset_body(s.matching(req.args.get("q", "")), req.args), {}


@routes.route("POST", r"/search")
def _search_tokens(s: SyntheticStandIn, req: Request) -> Response:
    data = req.json or {}
    return 200, token_body(s.matching(str(data.get("q", ""))), data), {}
