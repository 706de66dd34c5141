"""A stand-in for the Zotero Web API v3, and for Zotero 7's local API (the same paths under
``/api``, no key) with the desktop connector server's ``/connector/ping``.

No machine-readable contract is published for Zotero's API, so this follows the documented
shapes, which it is the definition of here:

- https://www.zotero.org/support/dev/web_api/v3/basics -- ``Zotero-API-Version: 3``,
  ``Zotero-API-Key`` or ``Authorization: Bearer`` (an invalid key: 403), ``start``/``limit``
  (at most 100) with ``Link`` rel ``next``/``last`` and ``Total-Results``,
  ``Last-Modified-Version`` on every multi-object answer, ``since=<version>`` and
  ``If-Modified-Since-Version`` (304 when the library has not changed), ``Backoff`` and a
  429's ``Retry-After``, ``format=json|bibtex|biblatex``, ``itemKey=A,B``,
  ``itemType=-attachment``; ``GET .../deleted?since=`` (``{items: [keys], ...}``, from
  https://www.zotero.org/support/dev/web_api/v3/syncing); ``GET /keys/current`` ->
  ``{key, userID, username, displayName, access}``
- https://www.zotero.org/support/dev/web_api/v3/write_requests -- ``POST .../items`` with a
  JSON array of at most 50 items, ``Zotero-Write-Token`` (32 characters; a token used again
  answers as the first time and writes nothing), ``If-Unmodified-Since-Version`` (412 when
  the library is newer), answers ``{success, successful, unchanged, failed}`` keyed by index
- https://www.zotero.org/support/dev/client_coding/connector_http_server and the Zotero 7
  local API announcement (forums.zotero.org/discussion/comment/461774): ``/connector/ping``
  answers ``Zotero is running``; ``/api/users/0/...`` serves the signed-in library.

Items are kept as their ``data``; the JSON answer wraps each as ``{key, version, library,
links, meta, data}``. Error bodies are plain text, as Zotero's.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from .kit import Quota, Reply, Request, Response, Router, StandIn

LIMIT_MAX = 100
WRITE_MAX = 50
#: Item types and the fields each may have, of those the stand-in knows (types_and_fields).
FIELDS: dict[str, set[str]] = {
    "journalArticle": {"publicationTitle", "DOI", "volume", "issue", "pages", "ISSN"},
    "conferencePaper": {"proceedingsTitle", "DOI", "conferenceName", "pages"},
    "book": {"publisher", "place", "ISBN"},
    "bookSection": {"bookTitle", "publisher"},
    "preprint": {"repository", "DOI", "archiveID"},
    "thesis": {"university"},
    "webpage": {"websiteTitle"},
    "document": {"publisher"},
    "note": {"note"},
    "attachment": {"linkMode", "contentType", "filename"},
}
COMMON = {
    "itemType",
    "title",
    "creators",
    "date",
    "url",
    "extra",
    "abstractNote",
    "tags",
    "collections",
    "relations",
    "citationKey",
    "key",
    "version",
    "accessDate",
}


@dataclass
class Library:
    kind: str  # "users" | "groups"
    id: int
    name: str
    version: int = 0
    items: dict[str, dict[str, Any]] = field(default_factory=dict)
    #: key -> the library version that deleted it
    deleted: dict[str, int] = field(default_factory=dict)
    write_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)


class Zotero:
    """The service's world: libraries of items, each change bumping the library's version."""

    def __init__(self) -> None:
        self.libraries: dict[str, Library] = {}
        self.serial = 0

    def library(self, kind: str, lid: int, name: str = "") -> Library:
        key = f"{kind}/{lid}"
        if key not in self.libraries:
            self.libraries[key] = Library(kind, lid, name or f"library {lid}")
        return self.libraries[key]

    def new_key(self) -> str:
        self.serial += 1
        alphabet = "23456789ABCDEFGHIJKLMNPQRSTUVWXYZ"
        n, out = self.serial, ""
        for _ in range(8):
            n, r = divmod(n, len(alphabet))
            out = alphabet[r] + out
        return out

    def add(self, lib: Library, data: dict[str, Any]) -> dict[str, Any]:
        lib.version += 1
        item = {"creators": [], "date": "", "url": "", "extra": "", "title": "", **data}
        item["key"] = item.get("key") or self.new_key()
        item["version"] = lib.version
        lib.items[item["key"]] = item
        return item

    def delete(self, lib: Library, key: str) -> None:
        lib.version += 1
        del lib.items[key]
        lib.deleted[key] = lib.version


routes: Router[ZoteroStandIn] = Router()


class ZoteroStandIn(StandIn):
    """Zotero over HTTP; see the module docstring."""

    service = "Zotero"
    router = routes
    budgets = {"requests": 5000}
    etags = False  # Zotero revalidates by library version, not ETag

    def __init__(self, *, port: int = 0, validate: bool = True, local: bool = False) -> None:
        super().__init__(port=port, validate=validate)
        self.state = Zotero()
        #: The desktop app's local API: no key, ``users/0`` is the signed-in library.
        self.local = local
        #: Seconds of ``Backoff`` every answer asks for (0: none).
        self.backoff = 0
        #: key -> (user id, username, may write)
        self.keys: dict[str, tuple[int, str, bool]] = {}
        self.default_cache_control = None

    def add_key(self, key: str, user_id: int, username: str, *, write: bool = True) -> None:
        self.keys[key] = (user_id, username, write)
        self.tokens[key] = username
        self.state.library("users", user_id, username)

    def error(self, status: int, message: str) -> Reply:
        return Reply(status, message.encode(), {"content-type": "text/plain; charset=utf-8"})

    def unauthorized(self, req: Request) -> Reply:
        return self.error(403, "Forbidden")

    def authenticate(self, req: Request) -> str | None:
        if self.local or req.path in ("/connector/ping",):
            return "local"
        key = req.headers.get("zotero-api-key", "")
        if not key:
            scheme, _, token = req.headers.get("authorization", "").partition(" ")
            key = token.strip() if scheme.lower() == "bearer" else ""
        return self.tokens.get(key)

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        return {"Backoff": str(self.backoff)} if self.backoff else {}

    def key_of(self, req: Request) -> tuple[int, str, bool] | None:
        key = req.headers.get("zotero-api-key", "")
        if not key:
            key = req.headers.get("authorization", "").partition(" ")[2].strip()
        return self.keys.get(key)

    def library_of(self, req: Request) -> Library:
        if req.headers.get("zotero-api-version") != "3":
            raise self.error(400, "This test service answers Zotero-API-Version 3 only")
        kind, lid = req.path_args["kind"], int(req.path_args["lid"])
        if self.local:
            if kind == "users" and lid == 0:
                return self.state.library("users", 0, "local")
        elif kind == "users":
            mine = self.key_of(req)
            if mine is None or mine[0] != lid:
                raise self.error(403, "Forbidden")
        key = f"{kind}/{lid}"
        if key not in self.state.libraries:
            raise self.error(404, "Not found")
        return self.state.libraries[key]


_PREFIX = r"(?:/api)?"
_LIB = _PREFIX + r"/(?P<kind>users|groups)/(?P<lid>\d+)"


def _int_arg(s: ZoteroStandIn, req: Request, name: str, default: int) -> int:
    raw = req.args.get(name)
    if raw is None:
        return default
    if not raw.isdigit():
        raise s.error(400, f"Invalid '{name}' value '{raw}'")
    return int(raw)


def _wire(lib: Library, item: dict[str, Any], base: str) -> dict[str, Any]:
    creators = item.get("creators") or []
    names = [c.get("lastName") or c.get("name", "") for c in creators]
    summary = (
        names[0]
        if len(names) == 1
        else f"{names[0]} and {names[1]}"
        if len(names) == 2
        else f"{names[0]} et al."
        if names
        else ""
    )
    year = re.search(r"\b(\d{4})\b", item.get("date", ""))
    meta: dict[str, Any] = {"creatorSummary": summary} if summary else {}
    if year:
        meta["parsedDate"] = year.group(1)
    return {
        "key": item["key"],
        "version": item["version"],
        "library": {"type": lib.kind[:-1], "id": lib.id, "name": lib.name},
        "links": {
            "self": {
                "href": f"{base}/{lib.kind}/{lib.id}/items/{item['key']}",
                "type": "application/json",
            },
        },
        "meta": meta,
        "data": dict(item),
    }


def _bibtex(item: dict[str, Any], biblatex: bool) -> str:
    kind = {
        "journalArticle": "article",
        "conferencePaper": "inproceedings",
        "book": "book",
        "bookSection": "incollection",
        "thesis": "phdthesis",
        "preprint": "online" if biblatex else "misc",
    }.get(item["itemType"], "misc")
    creators = item.get("creators") or []
    authors = " and ".join(
        f"{c['lastName']}, {c['firstName']}"
        if c.get("firstName")
        else c.get("lastName") or c.get("name", "")
        for c in creators
    )
    first = creators[0].get("lastName") or creators[0].get("name", "") if creators else "anon"
    year = re.search(r"\b(\d{4})\b", item.get("date", ""))
    key = item.get("citationKey") or (
        f"{first.lower()}_{re.sub(r'[^a-z]', '', item.get('title', '').split()[0].lower()) if item.get('title') else ''}_{year.group(1) if year else ''}"  # noqa: E501
    )
    fields = [("title", item.get("title", "")), ("author", authors)]
    if year:
        fields.append(("date" if biblatex else "year", item["date"] if biblatex else year.group(1)))
    if item.get("DOI"):
        fields.append(("doi", item["DOI"]))
    if item.get("publicationTitle"):
        fields.append(("journaltitle" if biblatex else "journal", item["publicationTitle"]))
    body = ",\n".join(f"\t{k} = {{{v}}}" for k, v in fields if v)
    return f"@{kind}{{{key},\n{body}\n}}"


def _page(
    s: ZoteroStandIn, req: Request, found: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], dict[str, str]]:
    start = _int_arg(s, req, "start", 0)
    limit = _int_arg(s, req, "limit", 25)
    if not 1 <= limit <= LIMIT_MAX:
        raise s.error(400, f"'limit' must be between 1 and {LIMIT_MAX}")
    page = found[start : start + limit]
    links = []
    base = f"{s.url}{req.path}"
    rest = "&".join(f"{k}={v}" for k, v in req.query if k not in ("start", "limit"))
    rest = f"&{rest}" if rest else ""
    if start + limit < len(found):
        links.append(f'<{base}?limit={limit}&start={start + limit}{rest}>; rel="next"')
        last = (len(found) - 1) // limit * limit
        links.append(f'<{base}?limit={limit}&start={last}{rest}>; rel="last"')
    headers = {"Total-Results": str(len(found))}
    if links:
        headers["Link"] = ", ".join(links)
    return page, headers


@routes.route("GET", r"/connector/ping")
def _ping(s: ZoteroStandIn, req: Request) -> Response:
    if not s.local:
        raise s.error(404, "Not found")
    return 200, b"Zotero is running", {"content-type": "text/html"}


@routes.route("GET", _PREFIX + r"/keys/current")
def _current_key(s: ZoteroStandIn, req: Request) -> Response:
    mine = s.key_of(req)
    if mine is None:
        raise s.error(403, "Forbidden")
    uid, name, write = mine
    access = {"user": {"library": True, "files": True, "notes": True, "write": write}}
    body = {
        "key": "",
        "userID": uid,
        "username": name,
        "displayName": name.title(),
        "access": access,
    }
    return 200, body, {}


@routes.route("GET", _LIB + r"/items(?:/top)?")
def _items(s: ZoteroStandIn, req: Request) -> Response:
    lib = s.library_of(req)
    version = {"Last-Modified-Version": str(lib.version)}
    known = req.headers.get("if-modified-since-version")
    if known is not None and known.isdigit() and int(known) >= lib.version:
        return 304, None, version
    found = sorted(lib.items.values(), key=lambda i: (i["version"], i["key"]))
    since = _int_arg(s, req, "since", -1)
    found = [i for i in found if i["version"] > since]
    if req.args.get("itemKey"):
        wanted = req.args["itemKey"].split(",")
        if len(wanted) > 50:
            raise s.error(400, "itemKey takes at most 50 keys")
        found = [i for i in found if i["key"] in wanted]
    if kind := req.args.get("itemType"):
        negate = kind.startswith("-")
        names = {k.strip() for k in kind.lstrip("-").split("||")}
        found = [i for i in found if (i["itemType"] in names) != negate]
    fmt = req.args.get("format", "json")
    page, headers = _page(s, req, found)
    headers.update(version)
    if fmt == "json":
        return 200, [_wire(lib, i, s.url) for i in page], headers
    if fmt in ("bibtex", "biblatex"):
        text = "\n\n".join(_bibtex(i, fmt == "biblatex") for i in page)
        return 200, text.encode(), {**headers, "content-type": "text/plain; charset=utf-8"}
    raise s.error(400, f"Invalid 'format' value '{fmt}'")


@routes.route("GET", _LIB + r"/deleted")
def _deleted(s: ZoteroStandIn, req: Request) -> Response:
    lib = s.library_of(req)
    if "since" not in req.args:
        raise s.error(400, "'since' parameter must be provided")
    since = _int_arg(s, req, "since", 0)
    keys = sorted(k for k, v in lib.deleted.items() if v > since)
    body = {"collections": [], "searches": [], "items": keys, "tags": [], "settings": []}
    return 200, body, {"Last-Modified-Version": str(lib.version)}


def _problem(item: Any) -> str | None:
    if not isinstance(item, dict):
        return "Item must be an object"
    kind = item.get("itemType")
    if kind not in FIELDS:
        return f"'{kind}' is not a valid itemType"
    for name in item:
        if name not in COMMON and name not in FIELDS[kind]:
            return f"'{name}' is not a valid field for type '{kind}'"
    for c in item.get("creators") or []:
        if not isinstance(c, dict) or not ({"lastName"} <= set(c) or "name" in c):
            return "Creator must have lastName or name"
    return None


@routes.route("POST", _LIB + r"/items")
def _create(s: ZoteroStandIn, req: Request) -> Response:
    lib = s.library_of(req)
    if not s.local:
        mine = s.key_of(req)
        if mine is None or not mine[2]:
            raise s.error(403, "Write access denied")
    token = req.headers.get("zotero-write-token")
    if token is not None and not 8 <= len(token) <= 32:
        raise s.error(400, "Invalid Zotero-Write-Token")
    if token and token in lib.write_tokens:
        return 200, lib.write_tokens[token], {"Last-Modified-Version": str(lib.version)}
    since = req.headers.get("if-unmodified-since-version")
    if since is not None and since.isdigit() and int(since) < lib.version:
        raise s.error(
            412,
            f"Library has been modified since specified version "
            f"(expected {since}, found {lib.version})",
        ).with_headers({"Last-Modified-Version": str(lib.version)})
    try:
        items = json.loads(req.body or b"null")
    except ValueError:
        raise s.error(400, "Invalid JSON") from None
    if not isinstance(items, list) or not items:
        raise s.error(400, "Uploaded data must be a JSON array")
    if len(items) > WRITE_MAX:
        raise s.error(413, f"Only {WRITE_MAX} objects can be saved in a single request")
    result: dict[str, Any] = {"success": {}, "successful": {}, "unchanged": {}, "failed": {}}
    for i, item in enumerate(items):
        problem = _problem(item)
        if problem:
            result["failed"][str(i)] = {"key": "", "code": 400, "message": problem}
            continue
        made = s.state.add(lib, item)
        result["success"][str(i)] = made["key"]
        result["successful"][str(i)] = _wire(lib, made, s.url)
    if token:
        lib.write_tokens[token] = result
    return 200, result, {"Last-Modified-Version": str(lib.version)}
