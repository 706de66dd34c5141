"""A stand-in for dev.to (Forem API v1): the article calls a publisher makes.

Every request is validated against Forem's own OpenAPI description
(``tests/contracts/devto/dev.to.json``, see PROVENANCE there). Answers follow the description's
examples: a single article's ``tag_list`` is a comma-separated string beside ``tags`` (a
list), while ``/articles/me/all`` gives ``tag_list`` as a list; errors are
``{"error": message, "status": code}``; a spent budget is 429 with Retry-After.

- ``GET /api/users/me`` -> the user
- ``POST /api/articles`` ``{"article": {...}}`` -> 201 the article (422 without a title)
- ``PUT /api/articles/{id}`` -> the article (404 for another user's or an unknown one)
- ``GET /api/articles/me/all?page=&per_page=`` -> the user's articles, newest first
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.standin.kit import OpenAPIContract, Reply, Request, Response, Router, StandIn
from tests.standin.kit.contract import openapi_request
from tests.standin.kit.paging import page_window

ROOT = Path(__file__).resolve().parents[1]
#: The description's server URL (``https://dev.to/api``) and its paths (``/api/articles``) both
#: carry the prefix: a request is checked with one ``/api`` stripped (``check_contract``).
CONTRACT = OpenAPIContract(ROOT / "contracts" / "devto" / "dev.to.json")

routes: Router[DevtoStandIn] = Router()


class DevtoStandIn(StandIn):
    service = "dev.to"
    router = routes
    contract = CONTRACT
    budgets = {"requests": 1000}
    etags = False

    def __init__(self, *, port: int = 0, validate: bool = True) -> None:
        super().__init__(port=port, validate=validate)
        # Forem's answers to requests with an api-key (Rails' default for private answers).
        self.default_cache_control = "max-age=0, private, must-revalidate"
        self.tokens.update({"devkey-ada": "ada"})
        self.articles: dict[int, dict[str, Any]] = {}
        self.next_id = 1000
        self.clock = 0

    def error(self, status: int, message: str) -> Reply:
        return Reply(status, {"error": message, "status": status})

    def check_contract(self, req: Request) -> list[str]:
        """As if sent to the description's server (``https://dev.to/api``) at the
        description's path: the request's own, which has the prefix once."""
        problems: list[str] = []
        sent = openapi_request(req, CONTRACT.server, path="/api" + req.path)
        for err in CONTRACT.openapi.iter_request_errors(sent):
            cause = err.__cause__
            detail = str(err) + (f" ({cause})" if cause is not None else "")
            problems.append(f"{req.method} {req.path}: {detail}")
        return problems

    def authenticate(self, req: Request) -> str | None:
        return self.tokens.get(req.headers.get("api-key", ""))

    def stamp(self) -> str:
        self.clock += 1
        return f"2026-12-01T10:{self.clock // 60:02d}:{self.clock % 60:02d}Z"

    def article_of(self, req: Request) -> dict[str, Any]:
        aid = int(req.path_args["id"])
        found = self.articles.get(aid)
        if found is None or found["owner"] != req.account:
            raise self.error(404, "not found")
        return found

    def show(self, a: dict[str, Any], *, listed: bool = False) -> dict[str, Any]:
        out = {k: v for k, v in a.items() if k != "owner"}
        tags = list(a["tags"])
        out["tag_list"] = tags if listed else ", ".join(tags)
        if not listed:
            out["tags"] = tags
        else:
            out.pop("tags")
        return out


def _fields(s: DevtoStandIn, req: Request) -> dict[str, Any]:
    data = req.json
    if not isinstance(data, dict) or not isinstance(data.get("article"), dict):
        raise s.error(422, "param is missing or the value is empty: article")
    return dict(data["article"])


def _apply(s: DevtoStandIn, a: dict[str, Any], fields: dict[str, Any]) -> None:
    for k in ("title", "body_markdown", "description", "canonical_url"):
        if k in fields:
            a[k] = fields[k]
    if "main_image" in fields:
        a["cover_image"] = fields["main_image"]
    if "tags" in fields:
        tags = [t.strip() for t in str(fields["tags"]).split(",") if t.strip()]
        if len(tags) > 4:
            raise s.error(422, "Validation failed: Tag list exceed the maximum of 4 tags")
        a["tags"] = tags
    if "published" in fields:
        a["published"] = bool(fields["published"])
        if a["published"] and a["published_at"] is None:
            a["published_at"] = s.stamp()
    a["edited_at"] = s.stamp() if a["created_at"] else None


@routes.route("GET", r"/api/users/me")
def _me(s: DevtoStandIn, req: Request) -> Response:
    return 200, {"type_of": "user", "id": 1, "username": req.me, "name": "Ada Lovelace"}, {}


@routes.route("POST", r"/api/articles")
def _create(s: DevtoStandIn, req: Request) -> Response:
    fields = _fields(s, req)
    if not fields.get("title"):
        raise s.error(422, "Validation failed: Title can't be blank")
    s.next_id += 1
    a: dict[str, Any] = {
        "type_of": "article",
        "id": s.next_id,
        "owner": req.account,
        "title": "",
        "body_markdown": "",
        "description": "",
        "canonical_url": None,
        "cover_image": None,
        "tags": [],
        "published": False,
        "published_at": None,
        "created_at": None,
        "edited_at": None,
        "slug": f"post-{s.next_id}",
        "path": f"/{req.account}/post-{s.next_id}",
        "url": f"https://dev.to/{req.account}/post-{s.next_id}",
    }
    _apply(s, a, fields)
    a["created_at"] = s.stamp()
    s.articles[a["id"]] = a
    return 201, s.show(a), {}


@routes.route("PUT", r"/api/articles/(?P<id>\d+)")
def _update(s: DevtoStandIn, req: Request) -> Response:
    a = s.article_of(req)
    _apply(s, a, _fields(s, req))
    return 200, s.show(a), {}


@routes.route("GET", r"/api/articles/me/all")
def _mine(s: DevtoStandIn, req: Request) -> Response:
    mine = [a for a in s.articles.values() if a["owner"] == req.account]
    mine.sort(key=lambda a: -int(a["id"]))
    window = page_window(req.args, len(mine), default=30, maximum=1000)
    return 200, [s.show(a, listed=True) for a in window.slice(mine)], {}
