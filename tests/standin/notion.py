"""A stateful Notion stand-in: pages, their block trees, users, file uploads.

Every request is validated against Notion's published OpenAPI description
(``tests/contracts/notion/notion-openapi.json``, from ``@notionhq/notion-mcp-server``),
which is partial; its gaps are filled here from Notion's documented shapes, and only in a
copy of the document held in memory:

- block requests: the description allows only ``paragraph`` and ``bulleted_list_item`` with
  bare text; :data:`BLOCK_TYPES` below are the block objects of
  https://developers.notion.com/reference/block (children nested inside the type object,
  at most 100 per array) with rich text of https://developers.notion.com/reference/rich-text
  (annotations, links, at most 2,000 characters of content);
- ``POST /v1/pages`` types ``children`` as strings; here they are block objects;
- file uploads (``POST /v1/file_uploads``, ``POST /v1/file_uploads/{id}/send``) are not in
  it: checked by hand from https://developers.notion.com/reference/create-a-file-upload and
  .../send-a-file-upload.

Behaviour, from developers.notion.com/reference/intro, .../request-limits,
.../status-codes and .../patch-block-children: errors are ``{"object": "error", "status",
"code", "message"}``; lists are cursor-paged (``start_cursor``, ``page_size`` up to 100,
``has_more``, ``next_cursor``); an append carries at most 100 blocks and two levels of
nesting (deeper is a ``validation_error``); 429 ``rate_limited`` with Retry-After. A
deleted block goes to the trash (a ``child_page`` block with its page). Hosted files are
served at ``/files/...`` with a fake signature, without the token, as S3 would.

``last_edited_time`` advances one minute per edit (Notion rounds it to the minute), so
versions are distinct and deterministic.
"""

from __future__ import annotations

import copy
import functools
import itertools
import re
import uuid as uuidlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.parser import BytesParser
from email.policy import HTTP
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .kit import BadRequest, OpenAPIContract, Reply, Request, Response, Router, StandIn
from .kit.contract import _document

if TYPE_CHECKING:
    from openapi_core import OpenAPI

routes: Router[NotionStandIn] = Router()
START = datetime(2026, 12, 1, tzinfo=UTC)
CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
Json = dict[str, Any]

CODES = {
    400: "validation_error",
    401: "unauthorized",
    403: "restricted_resource",
    404: "object_not_found",
    409: "conflict_error",
    429: "rate_limited",
    500: "internal_server_error",
    502: "bad_gateway",
    503: "service_unavailable",
}
RICH_TYPES = (
    "paragraph",
    "heading_1",
    "heading_2",
    "heading_3",
    "bulleted_list_item",
    "numbered_list_item",
    "to_do",
    "toggle",
    "quote",
    "callout",
)
BLOCK_TYPES = (*RICH_TYPES, "code", "divider", "table", "table_row", "image", "bookmark", "embed")


# -- the contract, with its documented gaps filled --------------------------------------------
def _rich_text() -> Json:
    notes = {
        k: {"type": "boolean"} for k in ("bold", "italic", "strikethrough", "underline", "code")
    }
    return {
        "type": "object",
        "required": ["text"],
        "additionalProperties": False,
        "properties": {
            "type": {"enum": ["text"]},
            "text": {
                "type": "object",
                "required": ["content"],
                "additionalProperties": False,
                "properties": {
                    "content": {"type": "string", "maxLength": 2000},
                    "link": {
                        "type": ["object", "null"],
                        "properties": {"url": {"type": "string"}},
                        "required": ["url"],
                    },
                },
            },
            "annotations": {
                "type": "object",
                "additionalProperties": False,
                "properties": {**notes, "color": {"type": "string"}},
            },
        },
    }


def _body(kind: str) -> Json:
    rich = {
        "type": "array",
        "maxItems": 100,
        "items": {"$ref": "#/components/schemas/richTextRequest"},
    }
    children = {
        "type": "array",
        "maxItems": 100,
        "items": {"$ref": "#/components/schemas/blockObjectRequest"},
    }
    props: Json
    required: list[str] = []
    if kind in RICH_TYPES:
        props = {"rich_text": rich, "color": {"type": "string"}, "children": children}
        required = ["rich_text"]
        if kind == "to_do":
            props["checked"] = {"type": "boolean"}
        if kind.startswith("heading_"):
            props["is_toggleable"] = {"type": "boolean"}
        if kind == "callout":
            props["icon"] = {"type": "object"}
    elif kind == "code":
        props = {"rich_text": rich, "language": {"type": "string"}, "caption": rich}
        required = ["rich_text"]
    elif kind == "divider":
        props = {}
    elif kind == "table":
        props = {
            "table_width": {"type": "integer", "minimum": 1},
            "has_column_header": {"type": "boolean"},
            "has_row_header": {"type": "boolean"},
            "children": {**children, "minItems": 1},
        }
        required = ["table_width", "children"]
    elif kind == "table_row":
        props = {"cells": {"type": "array", "items": rich}}
        required = ["cells"]
    elif kind == "image":
        props = {
            "type": {"enum": ["external", "file_upload"]},
            "external": {
                "type": "object",
                "required": ["url"],
                "properties": {"url": {"type": "string"}},
                "additionalProperties": False,
            },
            "file_upload": {
                "type": "object",
                "required": ["id"],
                "properties": {"id": {"type": "string"}},
                "additionalProperties": False,
            },
            "caption": rich,
        }
    else:  # bookmark, embed
        props = {"url": {"type": "string"}, "caption": rich}
        required = ["url"]
    return {
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": False,
    }


def _block_request() -> Json:
    return {
        "anyOf": [
            {
                "type": "object",
                "required": [kind],
                "additionalProperties": False,
                "properties": {
                    "object": {"enum": ["block"]},
                    "type": {"enum": [kind]},
                    kind: _body(kind),
                },
            }
            for kind in BLOCK_TYPES
        ]
    }


@functools.cache
def _filled(path: Any) -> OpenAPI:
    from openapi_core import OpenAPI
    from openapi_core.configurations import Config

    doc = copy.deepcopy(_document(path))
    schemas = doc["components"]["schemas"]
    schemas["richTextRequest"] = _rich_text()
    schemas["blockObjectRequest"] = _block_request()
    blocks = {
        "type": "array",
        "maxItems": 100,
        "items": {"$ref": "#/components/schemas/blockObjectRequest"},
    }
    page = doc["paths"]["/v1/pages"]["post"]["requestBody"]["content"]["application/json"]
    page["schema"]["properties"]["children"] = blocks
    append = doc["paths"]["/v1/blocks/{block_id}/children"]["patch"]["requestBody"]
    append["content"]["application/json"]["schema"]["properties"]["children"] = blocks
    return OpenAPI.from_dict(doc, config=Config(spec_validator_cls=None))


class NotionContract(OpenAPIContract):
    """The published description with the gaps above filled (built once per process)."""

    @property
    def openapi(self) -> OpenAPI:
        return _filled(self.path)


# -- the world --------------------------------------------------------------------------------
def _id() -> str:
    return str(uuidlib.uuid4())


def _rich_answer(items: list[Json]) -> list[Json]:
    """Request-shape rich text as Notion answers it (plain_text, href, every annotation)."""
    out = []
    for item in items:
        text = item.get("text") or {}
        link = text.get("link")
        notes = {
            "bold": False,
            "italic": False,
            "strikethrough": False,
            "underline": False,
            "code": False,
            "color": "default",
            **(item.get("annotations") or {}),
        }
        out.append(
            {
                "type": "text",
                "text": {"content": text.get("content", ""), "link": link},
                "annotations": notes,
                "plain_text": text.get("content", ""),
                "href": link["url"] if link else None,
            }
        )
    return out


def _nesting(block: Json) -> int:
    kids = (block.get(block.get("type", "")) or {}).get("children") or []
    return 1 + max(_nesting(k) for k in kids) if kids else 0


@dataclass
class Notion:
    """The service's world. ``clock`` is minutes since the start; ``conflicts`` makes the
    next writes fail with 409 ``conflict_error`` (Notion's answer to a concurrent edit)."""

    users: dict[str, Json] = field(default_factory=dict)
    pages: dict[str, Json] = field(default_factory=dict)
    blocks: dict[str, Json] = field(default_factory=dict)
    kids: dict[str, list[str]] = field(default_factory=dict)
    owner: dict[str, str] = field(default_factory=dict)  # block -> page it is on
    uploads: dict[str, Json] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    clock: int = 0
    conflicts: int = 0
    base_url: str = "http://127.0.0.1"
    _minutes: itertools.count[int] = field(default_factory=itertools.count)

    def now(self) -> str:
        self.clock = next(self._minutes)
        when = START + timedelta(minutes=self.clock)
        return when.strftime("%Y-%m-%dT%H:%M:00.000Z")

    def add_user(self, name: str, email: str) -> Json:
        user = {
            "object": "user",
            "id": _id(),
            "type": "person",
            "name": name,
            "avatar_url": None,
            "person": {"email": email},
        }
        self.users[user["id"]] = user
        return user

    def add_bot(self, name: str, workspace: str) -> Json:
        bot = {
            "object": "user",
            "id": _id(),
            "type": "bot",
            "name": name,
            "avatar_url": None,
            "bot": {"owner": {"type": "workspace", "workspace": True}, "workspace_name": workspace},
        }
        self.users[bot["id"]] = bot
        return bot

    def touch(self, page_id: str, by: str) -> None:
        page = self.pages[page_id]
        page["last_edited_time"] = self.now()
        page["last_edited_by"] = {"object": "user", "id": by}

    def add_page(
        self, title: str, *, by: str, parent: str | None = None, children: list[Json] | None = None
    ) -> Json:
        pid = _id()
        when = self.now()
        page = {
            "object": "page",
            "id": pid,
            "created_time": when,
            "last_edited_time": when,
            "created_by": {"object": "user", "id": by},
            "last_edited_by": {"object": "user", "id": by},
            "cover": None,
            "icon": None,
            "parent": {"type": "page_id", "page_id": parent}
            if parent
            else {"type": "workspace", "workspace": True},
            "archived": False,
            "in_trash": False,
            "properties": {"title": {"id": "title", "type": "title", "title": []}},
            "url": "",
            "public_url": None,
        }
        self.pages[pid] = page
        self.kids[pid] = []
        self.set_title(pid, [{"type": "text", "text": {"content": title}}] if title else [])
        if parent:
            self.insert(
                parent, [{"type": "child_page", "child_page": {"title": title}}], by=by, ids=[pid]
            )
        if children:
            self.insert(pid, children, by=by)
        page["last_edited_time"] = when
        return page

    def set_title(self, pid: str, rich: list[Json]) -> None:
        page = self.pages[pid]
        page["properties"]["title"]["title"] = _rich_answer(rich)
        title = "".join(r["plain_text"] for r in page["properties"]["title"]["title"])
        slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-")
        page["url"] = f"https://www.notion.so/{slug + '-' if slug else ''}{pid.replace('-', '')}"
        if pid in self.blocks:  # the child_page block in its parent
            self.blocks[pid]["child_page"]["title"] = title

    def page_of(self, parent: str) -> str:
        return parent if parent in self.pages else self.owner[parent]

    def insert(
        self, parent: str, children: list[Json], *, by: str, ids: list[str] | None = None
    ) -> list[Json]:
        """Request-shape blocks (children nested) added under ``parent``; the top ones made."""
        page = self.page_of(parent)
        made = []
        for i, child in enumerate(children):
            kind = child["type"]
            body = dict(child.get(kind) or {})
            nested = body.pop("children", None) or []
            for key in ("rich_text", "caption"):
                if key in body:
                    body[key] = _rich_answer(body[key])
            if kind == "table_row":
                body["cells"] = [_rich_answer(c) for c in body.get("cells", [])]
            if kind == "image" and body.get("type") == "file_upload":
                up = self.uploads[body["file_upload"]["id"]]
                body = {
                    "type": "file",
                    "file": {"url": self.file_url(up), "expiry_time": "2026-12-31T00:00:00.000Z"},
                    "caption": body.get("caption", []),
                }
            bid = ids[i] if ids else _id()
            when = self.now()
            block = {
                "object": "block",
                "id": bid,
                "parent": {"type": "page_id", "page_id": parent}
                if parent in self.pages
                else {"type": "block_id", "block_id": parent},
                "created_time": when,
                "last_edited_time": when,
                "created_by": {"object": "user", "id": by},
                "last_edited_by": {"object": "user", "id": by},
                "has_children": False,
                "archived": False,
                "in_trash": False,
                "type": kind,
                kind: body,
            }
            self.blocks[bid] = block
            self.owner[bid] = page
            self.kids[bid] = []
            self.kids[parent].append(bid)
            if parent in self.blocks:
                self.blocks[parent]["has_children"] = True
            if nested:
                self.insert(bid, nested, by=by)
            if kind == "child_page":
                block["has_children"] = True
            made.append(block)
        if children:
            self.touch(page, by)
        return made

    def file_url(self, upload: Json) -> str:
        return f"{self.base_url}/files/{upload['id']}/{upload['filename']}?X-Amz-Signature=fake"

    def delete(self, bid: str, *, by: str) -> Json:
        block = self.blocks[bid]
        parent = block["parent"].get("page_id") or block["parent"]["block_id"]
        self.kids[parent].remove(bid)
        block["in_trash"] = block["archived"] = True
        if block["type"] == "child_page":
            self.pages[bid]["in_trash"] = self.pages[bid]["archived"] = True
        if parent in self.blocks:
            self.blocks[parent]["has_children"] = bool(self.kids[parent])
        self.touch(self.owner[bid], by)
        return block

    def title(self, pid: str) -> str:
        return "".join(r["plain_text"] for r in self.pages[pid]["properties"]["title"]["title"])

    def tree(self, parent: str) -> list[Json]:
        """The live blocks under ``parent`` in the request shape's nesting (for tests)."""
        out = []
        for bid in self.kids[parent]:
            block = copy.deepcopy(self.blocks[bid])
            if self.kids[bid] and block["type"] != "child_page":
                block[block["type"]]["children"] = self.tree(bid)
            out.append(block)
        return out


def _page(req: Request, items: list[Json]) -> Json:
    """One cursor page of ``items`` (the cursor is the index of the next item)."""
    args = req.args
    body = req.json if req.method == "POST" and isinstance(req.json, dict) else {}
    raw_size = body.get("page_size", args.get("page_size", 100))
    size = int(raw_size)
    if not 1 <= size <= 100:
        raise BadRequest("page_size should be between 1 and 100")
    cursor = body.get("start_cursor", args.get("start_cursor"))
    start = 0
    if cursor:
        if not str(cursor).startswith("c-"):
            raise BadRequest("start_cursor is not a valid cursor")
        start = int(str(cursor)[2:])
    chunk = items[start : start + size]
    more = start + size < len(items)
    return {
        "object": "list",
        "results": chunk,
        "next_cursor": f"c-{start + size}" if more else None,
        "has_more": more,
    }


class NotionStandIn(StandIn):
    service = "Notion"
    router = routes
    contract = NotionContract(CONTRACTS / "notion" / "notion-openapi.json")
    budgets = {"requests": 100_000}
    etags = False

    def __init__(self, *, port: int = 0, validate: bool = True) -> None:
        super().__init__(port=port, validate=validate)
        self.state = Notion()
        self.default_cache_control = None  # Notion answers no-cache headers

    def start(self) -> NotionStandIn:
        super().start()
        self.state.base_url = self.url
        return self

    # -- hooks --------------------------------------------------------------------------------
    def error(self, status: int, message: str) -> Reply:
        return Reply(
            status,
            {
                "object": "error",
                "status": status,
                "code": CODES.get(status, "internal_server_error"),
                "message": message,
                "request_id": _id(),
            },
        )

    def not_found(self, req: Request) -> Reply:
        return self.error(404, f"Invalid request URL: {req.method} {req.path}")

    def unauthorized(self, req: Request) -> Reply:
        return self.error(401, "API token is invalid.")

    def rejected(self, req: Request, problems: list[str]) -> Reply:
        return self.error(400, "body failed validation: " + "; ".join(problems))

    def authenticate(self, req: Request) -> str | None:
        if req.path.startswith("/files/"):
            return (
                "s3"
                if req.args.get("X-Amz-Signature") and "authorization" not in req.headers
                else None
            )
        if req.path.startswith("/v1/") and not req.headers.get("notion-version"):
            return None
        return super().authenticate(req)

    def check_contract(self, req: Request) -> list[str]:
        if req.path.startswith("/files/"):
            return []
        if req.path.startswith("/v1/file_uploads"):
            return _check_upload(req)
        problems = super().check_contract(req)
        if not req.headers.get("notion-version"):
            problems.append(f"{req.method} {req.path}: no Notion-Version header")
        return problems

    # -- helpers ------------------------------------------------------------------------------
    def bot(self, req: Request) -> Json:
        return self.state.users[req.me]

    def writable(self) -> None:
        if self.state.conflicts:
            self.state.conflicts -= 1
            raise self.error(409, "Conflict occurred while saving. Please try again.")

    def page(self, pid: str) -> Json:
        page = self.state.pages.get(pid)
        if page is None or page["in_trash"]:
            raise self.error(
                404,
                f"Could not find page with ID: {pid}. Make sure the relevant pages and "
                "databases are shared with your integration.",
            )
        return page

    def container(self, bid: str) -> str:
        if bid in self.state.pages and not self.state.pages[bid]["in_trash"]:
            return bid
        block = self.state.blocks.get(bid)
        if block is None or block["in_trash"]:
            raise self.error(404, f"Could not find block with ID: {bid}.")
        return bid

    def nesting_ok(self, children: list[Json]) -> None:
        for c in children:
            if _nesting(c) > 1:
                raise self.error(
                    400,
                    "body failed validation: children should be nested at most two levels "
                    "deep in one request.",
                )


def _check_upload(req: Request) -> list[str]:
    where = f"{req.method} {req.path}"
    if req.method == "POST" and req.path == "/v1/file_uploads":
        body = req.json
        if not isinstance(body, dict):
            return [f"{where}: body should be an object"]
        out = []
        if body.get("mode", "single_part") not in ("single_part", "multi_part", "external_url"):
            out.append(f"{where}: mode {body.get('mode')!r}")
        for key in ("filename", "content_type"):
            if key in body and not isinstance(body[key], str):
                out.append(f"{where}: {key} should be a string")
        return out
    if req.method == "POST" and re.fullmatch(r"/v1/file_uploads/[0-9a-f-]{36}/send", req.path):
        if not req.headers.get("content-type", "").startswith("multipart/form-data"):
            return [f"{where}: should be multipart/form-data"]
        if "file" not in _multipart(req):
            return [f"{where}: no 'file' part"]
        return []
    return [f"{where}: no such file upload operation"]


def _multipart(req: Request) -> dict[str, tuple[str, str, bytes]]:
    """``name -> (filename, content type, bytes)`` of a multipart/form-data body."""
    head = f"Content-Type: {req.headers.get('content-type', '')}\r\n\r\n".encode()
    msg = BytesParser(policy=HTTP).parsebytes(head + req.body)
    out = {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            data = part.get_payload(decode=True)
            out[name] = (
                part.get_filename() or "",
                part.get_content_type(),
                data if isinstance(data, bytes) else b"",
            )
    return out


# -- routes -----------------------------------------------------------------------------------
@routes.route("GET", r"/v1/users/me")
def _me(s: NotionStandIn, req: Request) -> Response:
    return 200, s.bot(req), {}


@routes.route("GET", r"/v1/users/(?P<id>[^/]+)")
def _user(s: NotionStandIn, req: Request) -> Response:
    user = s.state.users.get(req.path_args["id"])
    if user is None:
        raise s.error(404, f"Could not find user with ID: {req.path_args['id']}.")
    return 200, user, {}


@routes.route("POST", r"/v1/search")
def _search(s: NotionStandIn, req: Request) -> Response:
    body = req.json if isinstance(req.json, dict) else {}
    words = str(body.get("query") or "").casefold()
    pages = sorted(
        (
            p
            for p in s.state.pages.values()
            if not p["in_trash"] and words in s.state.title(p["id"]).casefold()
        ),
        key=lambda p: p["last_edited_time"],
        reverse=True,
    )
    answer = _page(req, pages)
    return 200, {**answer, "type": "page_or_data_source", "page_or_data_source": {}}, {}


@routes.route("GET", r"/v1/pages/(?P<id>[^/]+)")
def _get_page(s: NotionStandIn, req: Request) -> Response:
    return 200, s.page(req.path_args["id"]), {}


@routes.route("POST", r"/v1/pages")
def _create_page(s: NotionStandIn, req: Request) -> Response:
    body = req.json
    assert isinstance(body, dict)
    parent = body["parent"].get("page_id")
    if not parent:
        raise s.error(
            400, "body failed validation: a public integration may not create workspace pages."
        )
    s.page(parent)
    s.writable()
    children = body.get("children") or []
    s.nesting_ok(children)
    title = body["properties"].get("title", {}).get("title", [])
    text = "".join((t.get("text") or {}).get("content", "") for t in title)
    page = s.state.add_page(text, by=req.me, parent=parent, children=children)
    s.state.set_title(page["id"], title)
    return 200, page, {}


@routes.route("PATCH", r"/v1/pages/(?P<id>[^/]+)")
def _patch_page(s: NotionStandIn, req: Request) -> Response:
    page = s.page(req.path_args["id"])
    body = req.json
    assert isinstance(body, dict)
    s.writable()
    title = (body.get("properties") or {}).get("title")
    if title is not None:
        s.state.set_title(page["id"], title.get("title", []))
    if body.get("in_trash") or body.get("archived"):
        page["in_trash"] = page["archived"] = True
    s.state.touch(page["id"], req.me)
    return 200, page, {}


@routes.route("GET", r"/v1/blocks/(?P<id>[^/]+)/children")
def _children(s: NotionStandIn, req: Request) -> Response:
    bid = s.container(req.path_args["id"])
    items = [s.state.blocks[k] for k in s.state.kids[bid]]
    return 200, {**_page(req, items), "type": "block", "block": {}}, {}


@routes.route("PATCH", r"/v1/blocks/(?P<id>[^/]+)/children")
def _append(s: NotionStandIn, req: Request) -> Response:
    bid = s.container(req.path_args["id"])
    body = req.json
    assert isinstance(body, dict)
    s.writable()
    children = body["children"]
    s.nesting_ok(children)
    for child in children:
        up = ((child.get("image") or {}).get("file_upload") or {}).get("id")
        if up and (up not in s.state.uploads or s.state.uploads[up]["status"] != "uploaded"):
            raise s.error(400, f"body failed validation: file upload {up} is not uploaded.")
    made = s.state.insert(bid, children, by=req.me)
    return (
        200,
        {
            "object": "list",
            "results": made,
            "next_cursor": None,
            "has_more": False,
            "type": "block",
            "block": {},
        },
        {},
    )


@routes.route("DELETE", r"/v1/blocks/(?P<id>[^/]+)")
def _delete(s: NotionStandIn, req: Request) -> Response:
    bid = req.path_args["id"]
    if bid not in s.state.blocks or s.state.blocks[bid]["in_trash"]:
        raise s.error(404, f"Could not find block with ID: {bid}.")
    s.writable()
    return 200, s.state.delete(bid, by=req.me), {}


@routes.route("POST", r"/v1/file_uploads")
def _new_upload(s: NotionStandIn, req: Request) -> Response:
    body = req.json if isinstance(req.json, dict) else {}
    up = {
        "object": "file_upload",
        "id": _id(),
        "created_time": s.state.now(),
        "expiry_time": "2026-12-31T00:00:00.000Z",
        "status": "pending",
        "filename": body.get("filename") or "upload",
        "content_type": body.get("content_type"),
        "content_length": None,
    }
    up["upload_url"] = f"{req.base_url}/v1/file_uploads/{up['id']}/send"
    s.state.uploads[up["id"]] = up
    return 200, up, {}


@routes.route("POST", r"/v1/file_uploads/(?P<id>[^/]+)/send")
def _send_upload(s: NotionStandIn, req: Request) -> Response:
    up = s.state.uploads.get(req.path_args["id"])
    if up is None:
        raise s.error(404, f"Could not find file upload with ID: {req.path_args['id']}.")
    name, ctype, data = _multipart(req)["file"]
    if len(data) > 20 * 1024 * 1024:
        raise s.error(400, "body failed validation: the file is larger than 20 MB.")
    up.update(
        status="uploaded",
        filename=name or up["filename"],
        content_type=ctype,
        content_length=len(data),
    )
    s.state.files[up["id"]] = data
    return 200, up, {}


@routes.route("GET", r"/files/(?P<id>[^/]+)/(?P<name>[^/]+)")
def _file(s: NotionStandIn, req: Request) -> Response:
    data = s.state.files.get(req.path_args["id"])
    if data is None:
        raise Reply(
            403, b"<Error><Code>AccessDenied</Code></Error>", {"content-type": "application/xml"}
        )
    ctype = s.state.uploads[req.path_args["id"]].get("content_type") or "application/octet-stream"
    return 200, data, {"content-type": ctype}
