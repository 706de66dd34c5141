"""A stand-in for a WordPress site's REST API (wp/v2): posts, tags and media uploads.

WordPress publishes no contract (see ``tests/contracts/wordpress/PROVENANCE``). Answers
follow the ``wp-types`` definitions of the API's answers (``tests/contracts/wordpress/
wp-types.ts``; :func:`documented` reads an interface's fields, and
``tests/wordpress/test_shapes.py`` holds every answer to them). Requests are checked here
against the REST API handbook's argument lists (each link in the PROVENANCE file): a
post's arguments by name and type, ``status`` one of WordPress' statuses, ``per_page`` at
most 100; a violation is recorded and answered 400 ``rest_invalid_param``.

Auth is HTTP Basic with a user name and an application password (spaces in it optional).
Errors are ``{"code", "message", "data": {"status"}}``.

- ``GET /wp-json/wp/v2/users/me``
- ``POST /wp-json/wp/v2/posts``, ``POST|GET /wp-json/wp/v2/posts/{id}`` (``context=edit``
  gives ``raw`` fields)
- ``GET /wp-json/wp/v2/tags?search=&include=&per_page=&page=`` (``X-WP-Total``,
  ``X-WP-TotalPages``), ``POST /wp-json/wp/v2/tags`` ``{"name"}`` (400 ``term_exists``)
- ``POST /wp-json/wp/v2/media``: the bytes, ``Content-Disposition: attachment;
  filename=...``, an image ``Content-Type`` -> 201 the attachment
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from tests.standin.kit import Reply, Request, Response, Router, StandIn
from tests.standin.kit.paging import page_window

ROOT = Path(__file__).resolve().parents[1]
TYPES = ROOT / "contracts" / "wordpress" / "wp-types.ts"
API = "/wp-json/wp/v2"
PASSWORDS = {"ada": "abcd EFGH ijkl MNOP qrst UVWX"}
STATUSES = ("publish", "future", "draft", "pending", "private")
#: The handbook's create/update arguments of a post the stand-in knows, with their types.
POST_ARGS: dict[str, type | tuple[type, ...]] = {
    "date": str,
    "date_gmt": str,
    "slug": str,
    "status": str,
    "password": str,
    "title": (str, dict),
    "content": (str, dict),
    "author": int,
    "excerpt": (str, dict),
    "featured_media": int,
    "comment_status": str,
    "ping_status": str,
    "format": str,
    "meta": dict,
    "sticky": bool,
    "template": str,
    "categories": list,
    "tags": list,
}
#: The interfaces a post answer is the intersection of (``WP_REST_API_Post``).
POST_PARTS = (
    "WP_REST_API_Partial_Post_Common",
    "WP_REST_API_Partial_Post_Author",
    "WP_REST_API_Partial_Post_Public",
    "WP_REST_API_Partial_Post_Comments",
    "WP_REST_API_Partial_Post_Excerpt",
)


@cache
def documented(name: str) -> tuple[frozenset[str], frozenset[str]]:
    """``(required, optional)`` top-level field names of the interface ``name``."""
    text = TYPES.read_text()
    m = re.search(rf"^(?:export )?interface {name} \{{\n(.*?)^\}}", text, re.MULTILINE | re.DOTALL)
    if m is None:
        raise KeyError(name)
    required, optional = set(), set()
    for field_m in re.finditer(r'^\t"?([\w:]+)"?(\?)?:', m.group(1), re.MULTILINE):
        (optional if field_m.group(2) else required).add(field_m.group(1))
    return frozenset(required), frozenset(optional)


@dataclass
class WPContract:
    """The stand-in's ``Contract``: the handbook's request rules (no file to validate
    against; the types file is what must be installed)."""

    path: Path = TYPES

    def available(self) -> bool:
        return self.path.is_file()

    def warm(self) -> None:
        documented("WP_REST_API_Term")

    def check(self, req: Request) -> list[str]:
        problems: list[str] = []
        where = f"{req.method} {req.path}"
        per_page = req.args.get("per_page")
        if per_page is not None and (not per_page.isdigit() or not 1 <= int(per_page) <= 100):
            problems.append(f"{where}: per_page must be between 1 and 100, not {per_page}")
        if req.method == "POST" and re.fullmatch(rf"{API}/posts(?:/\d+)?", req.path):
            body = req.json
            if not isinstance(body, dict):
                return [*problems, f"{where}: the body is not a JSON object"]
            for k, v in body.items():
                want = POST_ARGS.get(k)
                if want is None:
                    problems.append(f"{where}: {k} is not a post argument")
                elif not isinstance(v, want) or (want is int and isinstance(v, bool)):
                    problems.append(f"{where}: {k} has the wrong type ({type(v).__name__})")
            if "status" in body and body["status"] not in STATUSES:
                problems.append(f"{where}: status {body['status']!r} is not one of {STATUSES}")
            for k in ("tags", "categories"):
                if not all(isinstance(i, int) for i in body.get(k, [])):
                    problems.append(f"{where}: {k} must be term ids")
        if req.method == "POST" and req.path == f"{API}/media":
            disposition = req.headers.get("content-disposition", "")
            if not re.search(r'filename="?[^";]+', disposition):
                problems.append(f"{where}: no filename in Content-Disposition")
        return problems


routes: Router[WordPressStandIn] = Router()


class WordPressStandIn(StandIn):
    service = "WordPress"
    router = routes
    contract = WPContract()
    budgets = {"requests": 10000}
    etags = False

    def __init__(self, *, port: int = 0, validate: bool = True) -> None:
        super().__init__(port=port, validate=validate)
        # What WordPress sends on REST answers to a signed-in user.
        self.default_cache_control = "no-cache, must-revalidate, max-age=0, no-store, private"
        self.posts: dict[int, dict[str, Any]] = {}
        self.tags: dict[int, dict[str, Any]] = {}
        self.media: dict[int, dict[str, Any]] = {}
        self.files: dict[str, bytes] = {}
        self.next_id = 100
        self.clock = 0

    def error(self, status: int, message: str, code: str = "") -> Reply:
        codes = {400: "rest_invalid_param", 401: "rest_not_logged_in", 404: "rest_post_invalid_id"}
        return Reply(
            status,
            {
                "code": code or codes.get(status, "rest_error"),
                "message": message,
                "data": {"status": status},
            },
        )

    def rejected(self, req: Request, problems: list[str]) -> Reply:
        return self.error(400, "Invalid parameter(s): " + "; ".join(problems))

    def authenticate(self, req: Request) -> str | None:
        scheme, _, value = req.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            user, _, password = base64.b64decode(value).decode().partition(":")
        except ValueError:
            return None
        known = PASSWORDS.get(user)
        if known is None or password.replace(" ", "") != known.replace(" ", ""):
            return None
        return user

    def unauthorized(self, req: Request) -> Reply:
        return self.error(401, "Sorry, you are not allowed to do that.", "rest_not_logged_in")

    def id(self) -> int:
        self.next_id += 1
        return self.next_id

    def stamp(self) -> str:
        self.clock += 1
        return f"2026-12-01T10:{self.clock // 60:02d}:{self.clock % 60:02d}"

    def add_tag(self, name: str) -> dict[str, Any]:
        tid = self.id()
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
        tag = {
            "id": tid,
            "count": 0,
            "description": "",
            "link": f"https://blog.example/tag/{slug}/",
            "name": name.replace("&", "&amp;"),
            "slug": slug,
            "taxonomy": "post_tag",
            "meta": [],
            "_links": {},
        }
        self.tags[tid] = tag
        return tag

    def show_post(self, p: dict[str, Any], req: Request) -> dict[str, Any]:
        edit = req.args.get("context") == "edit" or req.method == "POST"
        out = {k: v for k, v in p.items() if not k.startswith("_raw")}
        for k in ("title", "content", "excerpt"):
            shown: dict[str, Any] = {"rendered": p[f"_raw_{k}"]}
            if edit:
                shown["raw"] = p[f"_raw_{k}"]
            if k != "title":
                shown["protected"] = False
            out[k] = shown
        out["guid"] = {"rendered": f"{req.base_url}/?p={p['id']}"}
        return out


def _apply(s: WordPressStandIn, p: dict[str, Any], body: dict[str, Any]) -> None:
    for k in ("title", "content", "excerpt"):
        if k in body:
            v = body[k]
            p[f"_raw_{k}"] = v.get("raw", "") if isinstance(v, dict) else v
    for k in ("status", "featured_media", "tags", "categories", "slug"):
        if k in body:
            p[k] = body[k]
    for t in p["tags"]:
        if t not in s.tags:
            raise s.error(400, f"Invalid parameter(s): tags ({t} is no tag)")
    if p["featured_media"] and p["featured_media"] not in s.media:
        raise s.error(400, "Invalid featured media ID.", "rest_invalid_featured_media")
    now = s.stamp()
    p["modified"] = p["modified_gmt"] = now
    base = "https://blog.example"
    p["link"] = f"{base}/{p['slug']}/" if p["status"] == "publish" else f"{base}/?p={p['id']}"


@routes.route("GET", API + r"/users/me")
def _me(s: WordPressStandIn, req: Request) -> Response:
    return (
        200,
        {
            "id": 1,
            "name": "Ada Lovelace",
            "url": "",
            "description": "",
            "link": "https://blog.example/author/ada/",
            "slug": req.me,
            "meta": [],
            "_links": {},
        },
        {},
    )


@routes.route("POST", API + r"/posts")
def _create(s: WordPressStandIn, req: Request) -> Response:
    pid = s.id()
    now = s.stamp()
    p: dict[str, Any] = {
        "id": pid,
        "date": now,
        "date_gmt": now,
        "link": "",
        "modified": now,
        "modified_gmt": now,
        "slug": f"post-{pid}",
        "status": "draft",
        "type": "post",
        "_raw_title": "",
        "_raw_content": "",
        "_raw_excerpt": "",
        "featured_media": 0,
        "categories": [1],
        "tags": [],
        "author": 1,
        "class_list": [f"post-{pid}", "type-post"],
        "comment_status": "open",
        "ping_status": "open",
        "_links": {},
    }
    _apply(s, p, dict(req.json))
    s.posts[pid] = p
    return 201, s.show_post(p, req), {}


def _post_of(s: WordPressStandIn, req: Request) -> dict[str, Any]:
    found = s.posts.get(int(req.path_args["id"]))
    if found is None:
        raise s.error(404, "Invalid post ID.")
    return found


@routes.route("POST", API + r"/posts/(?P<id>\d+)")
def _update(s: WordPressStandIn, req: Request) -> Response:
    p = _post_of(s, req)
    _apply(s, p, dict(req.json))
    return 200, s.show_post(p, req), {}


@routes.route("GET", API + r"/posts/(?P<id>\d+)")
def _get(s: WordPressStandIn, req: Request) -> Response:
    return 200, s.show_post(_post_of(s, req), req), {}


@routes.route("GET", API + r"/tags")
def _tags(s: WordPressStandIn, req: Request) -> Response:
    found = list(s.tags.values())
    if "search" in req.args:
        q = req.args["search"].lower()
        found = [t for t in found if q in t["name"].lower() or q in t["slug"]]
    if "include" in req.args:
        ids = {int(i) for i in req.args["include"].split(",") if i.isdigit()}
        found = [t for t in found if t["id"] in ids]
    window = page_window(req.args, len(found), default=10, maximum=100)
    headers = {"X-WP-Total": str(len(found)), "X-WP-TotalPages": str(window.last)}
    return 200, window.slice(found), headers


@routes.route("POST", API + r"/tags")
def _new_tag(s: WordPressStandIn, req: Request) -> Response:
    name = (req.json or {}).get("name")
    if not isinstance(name, str) or not name.strip():
        raise s.error(400, "Missing parameter(s): name", "rest_missing_callback_param")
    for t in s.tags.values():
        if t["name"].lower() == name.replace("&", "&amp;").lower():
            raise Reply(
                400,
                {
                    "code": "term_exists",
                    "message": "A term with the name provided already exists.",
                    "data": {"status": 400, "term_id": t["id"]},
                },
            )
    return 201, s.add_tag(name), {}


@routes.route("POST", API + r"/media")
def _upload(s: WordPressStandIn, req: Request) -> Response:
    ctype = req.headers.get("content-type", "")
    if not ctype.startswith("image/"):
        raise s.error(
            400,
            "Sorry, you are not allowed to upload this file type.",
            "rest_upload_sideload_error",
        )
    m = re.search(r'filename="?([^";]+)', req.headers.get("content-disposition", ""))
    name = m.group(1) if m else "upload"
    mid = s.id()
    url = f"https://blog.example/wp-content/uploads/2026/12/{name}"
    s.files[name] = req.body
    now = s.stamp()
    media = {
        "date": now,
        "date_gmt": now,
        "guid": {"rendered": url},
        "id": mid,
        "featured_media": 0,
        "link": f"https://blog.example/{name}/",
        "modified": now,
        "modified_gmt": now,
        "slug": name,
        "status": "inherit",
        "type": "attachment",
        "alt_text": "",
        "caption": {"rendered": ""},
        "description": {"rendered": ""},
        "media_type": "image",
        "mime_type": ctype,
        "media_details": {},
        "post": None,
        "source_url": url,
        "class_list": [],
        "title": {"rendered": name},
        "author": 1,
        "comment_status": "open",
        "ping_status": "closed",
        "meta": [],
        "template": "",
        "_links": {},
    }
    s.media[mid] = media
    return 201, media, {}
