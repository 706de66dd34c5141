"""A local Confluence stand-in: Cloud (REST v2 + v1, OAuth gateway) or Data Center (REST v1).

Atlassian publishes no machine-readable contract for these surfaces that is available
offline, so requests are checked against the *documented* shapes below (a
:class:`~tests.standin.jira_shapes.DocumentedContract`: documented method and path, query
parameters of the documented names and types, JSON bodies valid against the documented
schema), and answers are built from the same documentation:

- Cloud REST v2, https://developer.atlassian.com/cloud/confluence/rest/v2/ : "Space"
  (``GET /spaces``, ``GET /spaces/{id}``), "Page" (``GET /pages/{id}?body-format=storage``,
  ``POST /pages``, ``PUT /pages/{id}`` with ``version.number`` the current one + 1, else
  409), "Children" (``GET /pages/{id}/children``), "Attachment"
  (``GET /pages/{id}/attachments``); cursor paging with ``_links.next`` and a ``Link``
  header ("Pagination" in the v2 intro); errors ``{"errors": [{"status", "code", "title",
  "detail"}]}``.
- Cloud REST v1, https://developer.atlassian.com/cloud/confluence/rest/v1/ : "Search"
  (``GET /wiki/rest/api/search?cql=``), "Content - attachments" (``PUT|POST
  /content/{id}/child/attachment``, multipart ``file``, ``minorEdit`` required, header
  ``X-Atlassian-Token: no-check``), "Users" (``GET /user/current``).
- Data Center REST v1, https://docs.atlassian.com/ConfluenceServer/rest/8.5.0/ and
  https://developer.atlassian.com/server/confluence/confluence-rest-api-examples/ :
  ``/rest/api/content`` (``expand`` of ``body.storage``, ``version``, ``ancestors``,
  ``space``), ``/rest/api/space``, ``/rest/api/content/search``, ``child/page`` and
  ``child/attachment``; ``start``/``limit``/``size`` paging with ``_links.next``; errors
  ``{"statusCode", "message", "reason"}``. It lives at the context path ``/confluence``.
- OAuth 2.0 (3LO), https://developer.atlassian.com/cloud/confluence/oauth-2-3lo-apps/ :
  ``GET /oauth/token/accessible-resources`` and the ``/ex/confluence/{cloudid}`` prefix.
- Rate limiting, https://developer.atlassian.com/cloud/confluence/rate-limiting/ :
  ``X-RateLimit-Limit``/``-Remaining`` on answers, 429 with ``Retry-After`` and
  ``X-RateLimit-Reset``.

Storage bodies are kept as sent and handed back; the stand-in checks only that a written
body is the storage representation.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import math
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar
from urllib.parse import quote, unquote, urlencode

from .jira_shapes import DocumentedContract, Operation
from .kit import Json, Quota, Reply, Request, Response, Router, StandIn

CLOUD_ID = "a436116f-02ce-4520-8fbb-7301462a1674"
NO_STORE = "no-cache, no-store, must-revalidate"
DC_CONTEXT = "/confluence"
#: Cloud: the site's /wiki, or the same under the OAuth gateway's prefix.
WIKI = r"(?:/ex/confluence/(?P<cloudid>[^/]+))?/wiki"
ID = r"(?P<id>\d+)"
#: Routes both deployments share: Cloud's /wiki (or under the gateway), DC's context path.
ANY = r"(?:/ex/confluence/[^/]+)?(?:/wiki|/confluence)"

Q_INT = {"type": "integer"}
Q_STR = {"type": "string"}


def _obj(props: dict[str, Any], required: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": props,
        "required": list(required),
        "additionalProperties": False,
    }


V2_BODY = _obj(
    {"representation": {"enum": ["storage", "atlas_doc_format", "wiki"]}, "value": Q_STR},
    ("representation", "value"),
)
V1_STORAGE = _obj(
    {
        "storage": _obj(
            {"value": Q_STR, "representation": {"const": "storage"}}, ("value", "representation")
        )
    },
    ("storage",),
)
V_LIST = {"limit": Q_INT, "cursor": Q_STR}
V1_LIST = {"start": Q_INT, "limit": Q_INT, "expand": Q_STR}
V2_PAGE_GET = {
    "body-format": {"enum": ["storage", "atlas_doc_format", "view"]},
    "get-draft": {"type": "boolean"},
    "version": Q_INT,
    "include-labels": {"type": "boolean"},
}
CLOUD_OPERATIONS = (
    Operation("GET", r"/oauth/token/accessible-resources"),
    Operation("GET", r"/wiki/rest/api/user/current", {"expand": Q_STR}),
    Operation(
        "GET",
        r"/wiki/rest/api/user",
        {"accountId": Q_STR, "expand": Q_STR},
        required=frozenset({"accountId"}),
    ),
    Operation(
        "GET",
        r"/wiki/api/v2/spaces",
        {**V_LIST, "keys": Q_STR, "ids": Q_STR, "type": Q_STR, "status": Q_STR, "sort": Q_STR},
    ),
    Operation("GET", r"/wiki/api/v2/spaces/\d+", {"description-format": Q_STR}),
    Operation("GET", r"/wiki/api/v2/pages/\d+", V2_PAGE_GET),
    Operation("GET", r"/wiki/api/v2/pages/\d+/children", {**V_LIST, "sort": Q_STR}),
    Operation(
        "GET", r"/wiki/api/v2/pages/\d+/attachments", {**V_LIST, "mediaType": Q_STR, "sort": Q_STR}
    ),
    Operation(
        "POST",
        r"/wiki/api/v2/pages",
        {"embedded": {"type": "boolean"}, "private": {"type": "boolean"}},
        body=_obj(
            {
                "spaceId": Q_STR,
                "status": {"enum": ["current", "draft"]},
                "title": {"type": "string", "minLength": 1},
                "parentId": Q_STR,
                "body": V2_BODY,
            },
            ("spaceId",),
        ),
    ),
    Operation(
        "PUT",
        r"/wiki/api/v2/pages/\d+",
        body=_obj(
            {
                "id": Q_STR,
                "status": {"enum": ["current", "draft"]},
                "title": {"type": "string", "minLength": 1},
                "spaceId": Q_STR,
                "parentId": Q_STR,
                "ownerId": Q_STR,
                "body": V2_BODY,
                "version": _obj({"number": Q_INT, "message": Q_STR}, ("number",)),
            },
            ("id", "status", "title", "body", "version"),
        ),
    ),
    Operation(
        "GET",
        r"/wiki/rest/api/search",
        {
            "cql": Q_STR,
            "cqlcontext": Q_STR,
            "cursor": Q_STR,
            "limit": Q_INT,
            "start": Q_INT,
            "expand": Q_STR,
            "excerpt": Q_STR,
        },
        required=frozenset({"cql"}),
    ),
)
DC_OPERATIONS = (
    Operation("GET", r"/rest/api/user/current", {"expand": Q_STR}),
    Operation("GET", r"/rest/api/space", {**V1_LIST, "spaceKey": Q_STR, "type": Q_STR}),
    Operation(
        "GET", r"/rest/api/content/\d+", {"expand": Q_STR, "status": Q_STR, "version": Q_INT}
    ),
    Operation("GET", r"/rest/api/content/\d+/child/page", {**V1_LIST, "parentVersion": Q_INT}),
    Operation("GET", r"/rest/api/content/\d+/child/attachment", {**V1_LIST, "filename": Q_STR}),
    Operation(
        "GET",
        r"/rest/api/content/search",
        {**V1_LIST, "cql": Q_STR, "cqlcontext": Q_STR},
        required=frozenset({"cql"}),
    ),
    Operation(
        "POST",
        r"/rest/api/content",
        {"expand": Q_STR, "status": Q_STR},
        body=_obj(
            {
                "type": {"const": "page"},
                "title": {"type": "string", "minLength": 1},
                "space": _obj({"key": Q_STR}, ("key",)),
                "ancestors": {"type": "array", "items": _obj({"id": Q_STR}, ("id",))},
                "body": V1_STORAGE,
                "status": Q_STR,
            },
            ("type", "title", "space", "body"),
        ),
    ),
    Operation(
        "PUT",
        r"/rest/api/content/\d+",
        {"expand": Q_STR, "status": Q_STR},
        body=_obj(
            {
                "id": Q_STR,
                "type": {"const": "page"},
                "title": {"type": "string", "minLength": 1},
                "space": _obj({"key": Q_STR}, ("key",)),
                "ancestors": {"type": "array"},
                "body": V1_STORAGE,
                "status": Q_STR,
                "version": _obj(
                    {"number": Q_INT, "message": Q_STR, "minorEdit": {"type": "boolean"}},
                    ("number",),
                ),
            },
            ("type", "title", "version"),
        ),
    ),
)
UPLOAD = re.compile(r"(?:/wiki)?/rest/api/content/\d+/child/attachment")
DOWNLOAD = re.compile(r"(?:/wiki)?/download/attachments/\d+/[^/]+")


@dataclass
class ConfluenceContract:
    """The documented shapes above, at the site (Cloud: under the gateway prefix too; Data
    Center: under its context path), plus the multipart upload and the download route."""

    cloud: bool
    path: Any = "documented shapes (tests/standin/confluence.py)"
    shapes: DocumentedContract = field(init=False)

    def __post_init__(self) -> None:
        self.shapes = DocumentedContract(CLOUD_OPERATIONS if self.cloud else DC_OPERATIONS)

    def available(self) -> bool:
        return True

    def warm(self) -> None:
        pass

    def check(self, req: Request) -> list[str]:
        path = req.path
        if self.cloud and path.startswith("/media/"):
            if req.headers.get("authorization"):
                return [
                    f"{req.method} {req.path}: the account's credentials went to the media host"
                ]
            if req.host.split(":")[0] != "localhost":
                return [f"{req.method} {req.path}: the media service is on another host"]
            return []
        if self.cloud:
            path = re.sub(r"^/ex/confluence/[^/]+(?=/wiki/)", "", path)
        elif path.startswith(DC_CONTEXT + "/"):
            path = path[len(DC_CONTEXT) :]
        else:
            return [f"{req.method} {req.path}: outside the context path {DC_CONTEXT}"]
        if UPLOAD.fullmatch(path) and req.method in ("POST", "PUT"):
            return upload_problems(req)
        if DOWNLOAD.fullmatch(path) and req.method == "GET":
            return []
        inner = Request(req.method, path, req.query, req.headers, req.body, req.host)
        return [p.replace(path, req.path, 1) for p in self.shapes.check(inner)]


def multipart(req: Request) -> dict[str, tuple[str | None, bytes, str]]:
    """Form field name -> (file name, bytes, content type) of a multipart body."""
    ctype = req.headers.get("content-type", "")
    msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + req.body
    )
    out: dict[str, tuple[str | None, bytes, str]] = {}
    if not msg.is_multipart():
        return out
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str):
            data = part.get_payload(decode=True)
            out[name] = (
                part.get_filename(),
                data if isinstance(data, bytes) else b"",
                part.get_content_type(),
            )
    return out


def upload_problems(req: Request) -> list[str]:
    where = f"{req.method} {req.path}"
    problems = []
    if req.headers.get("x-atlassian-token", "").lower() != "no-check":
        problems.append(f"{where}: X-Atlassian-Token: no-check is required (XSRF check)")
    if not req.headers.get("content-type", "").startswith("multipart/form-data"):
        return [*problems, f"{where}: body must be multipart/form-data"]
    parts = multipart(req)
    if "file" not in parts or not parts["file"][0]:
        problems.append(f"{where}: a 'file' part with a file name is required")
    if "minorEdit" not in parts:
        problems.append(f"{where}: the 'minorEdit' part is required")
    unknown = set(parts) - {"file", "comment", "minorEdit"}
    if unknown:
        problems.append(f"{where}: undocumented parts {sorted(unknown)}")
    return problems


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@dataclass
class Account:
    account_id: str
    email: str
    display_name: str
    username: str


@dataclass
class Attachment:
    id: str
    title: str
    data: bytes
    media_type: str
    version: int = 1


@dataclass
class Space:
    id: str
    key: str
    name: str


@dataclass
class StoredPage:
    id: str
    space: str  # key
    title: str
    storage: str
    parent_id: str | None = None
    version: int = 1
    when: float = 0.0
    author: str = ""
    attachments: dict[str, Attachment] = field(default_factory=dict)


class ConfluenceState:
    def __init__(self) -> None:
        self.accounts: dict[str, Account] = {}
        self.api_tokens: dict[tuple[str, str], str] = {}
        self.pats: dict[str, str] = {}
        self.oauth: dict[str, tuple[str, set[str]]] = {}
        self.spaces: dict[str, Space] = {}
        self.pages: dict[str, StoredPage] = {}
        self.next_id = 65000
        self.clock = 1_714_557_600.0

    def tick(self) -> float:
        self.clock += 60
        return self.clock

    def new_id(self) -> str:
        self.next_id += 1
        return str(self.next_id)

    def add_space(self, key: str, name: str | None = None) -> Space:
        space = Space(self.new_id(), key, name or key.title())
        self.spaces[key] = space
        return space

    def add_page(
        self,
        space: str,
        title: str,
        storage: str = "<p></p>",
        *,
        parent: StoredPage | None = None,
        author: str = "",
    ) -> StoredPage:
        if space not in self.spaces:
            self.add_space(space)
        page = StoredPage(
            self.new_id(),
            space,
            title,
            storage,
            parent_id=parent.id if parent else None,
            when=self.tick(),
            author=author,
        )
        self.pages[page.id] = page
        return page

    def attach(self, page: StoredPage, title: str, data: bytes, media_type: str) -> Attachment:
        found = page.attachments.get(title)
        if found is not None:
            found.data, found.media_type, found.version = data, media_type, found.version + 1
            return found
        att = Attachment("att" + self.new_id(), title, data, media_type)
        page.attachments[title] = att
        return att

    def children(self, page_id: str) -> list[StoredPage]:
        return [p for p in self.pages.values() if p.parent_id == page_id]


routes: Router[ConfluenceStandIn] = Router()


class ConfluenceStandIn(StandIn):
    """Confluence Cloud: the site (Basic auth) and Atlassian's OAuth gateway on one server."""

    service: ClassVar[str] = "Confluence"
    router: ClassVar[Router[Any]] = routes
    contract: ClassVar[Any] = ConfluenceContract(cloud=True)
    budgets: ClassVar[dict[str, int]] = {"requests": 1000}
    window: ClassVar[float] = 60.0
    etags: ClassVar[bool] = False
    deployment: ClassVar[str] = "cloud"

    def __init__(self, *, port: int = 0, validate: bool = True) -> None:
        super().__init__(port=port, validate=validate)
        self.state = ConfluenceState()
        self.default_cache_control = NO_STORE
        self.auth_seen: list[str] = []
        self.me = self.add_account("mia", "mia@example.com", "Mia Krystof")
        #: The largest ``limit`` a list honours (tests make it small to see paging).
        self.max_limit = 250
        #: Updates that find someone else saved the page just before them (a race).
        self.races = 0
        #: Media-service tokens handed out in download redirects (Cloud).
        self.media: dict[str, Attachment] = {}

    @property
    def site(self) -> str:
        """What the connector's ``site`` setting names."""
        return self.url if self.deployment == "cloud" else self.url + DC_CONTEXT

    @property
    def cloud(self) -> bool:
        return self.deployment == "cloud"

    # -- credentials ------------------------------------------------------------------------
    def add_account(self, name: str, mail: str, display: str) -> Account:
        a = Account(f"5b10ac8d82e05b22cc7d4ef{len(self.state.accounts)}", mail, display, name)
        self.state.accounts[a.account_id] = a
        return a

    def api_token(self, mail: str, token: str) -> None:
        self.state.api_tokens[(mail, token)] = self.me.account_id

    def oauth_token(self, token: str, sites: set[str] | None = None) -> None:
        self.state.oauth[token] = (self.me.account_id, sites or {CLOUD_ID})

    def pat(self, token: str) -> None:
        self.state.pats[token] = self.me.account_id

    # -- kit hooks --------------------------------------------------------------------------
    def error(self, status: int, message: str) -> Reply:
        """v1's (and Data Center's) error body."""
        reason = {400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found"}
        return Reply(
            status,
            {"statusCode": status, "message": message, "reason": reason.get(status, "Error")},
        )

    def v2_error(self, status: int, code: str, title: str, detail: str | None = None) -> Reply:
        return Reply(
            status, {"errors": [{"status": status, "code": code, "title": title, "detail": detail}]}
        )

    def err(self, req: Request, status: int, code: str, message: str) -> Reply:
        if "/api/v2/" in req.path:
            return self.v2_error(status, code, message)
        return self.error(status, message)

    def not_found(self, req: Request) -> Reply:
        return self.err(req, 404, "NOT_FOUND", f"No route for {req.path}")

    def unauthorized(self, req: Request) -> Reply:
        return self.err(req, 401, "UNAUTHORIZED", "Client must be authenticated")

    def rejected(self, req: Request, problems: list[str]) -> Reply:
        return self.err(req, 400, "INVALID_REQUEST_PARAMETER", "; ".join(problems))

    def authenticate(self, req: Request) -> str | None:
        self.auth_seen.append(req.headers.get("authorization", ""))
        scheme, _, value = req.headers.get("authorization", "").partition(" ")
        scheme, value = scheme.lower(), value.strip()
        if req.path.startswith("/media/") and self.cloud:
            return "media"  # the URL's own token authorises (the route checks it)
        gateway = req.path.startswith(("/ex/confluence/", "/oauth/"))
        if scheme == "bearer" and gateway and self.cloud:
            found = self.state.oauth.get(value)
            if found is None:
                return None
            account, sites = found
            m = re.match(r"^/ex/confluence/([^/]+)/", req.path)
            return account if m is None or m.group(1) in sites else None
        if gateway:
            return None
        if scheme == "basic" and self.cloud:
            try:
                user, _, secret = base64.b64decode(value, validate=True).decode().partition(":")
            except (ValueError, UnicodeDecodeError):
                return None
            return self.state.api_tokens.get((user, secret))
        if scheme == "bearer" and not self.cloud:
            return self.state.pats.get(value)
        return None

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(quota.limit),
            "x-ratelimit-remaining": str(quota.remaining),
        }

    def _limited(self, seconds: float) -> Reply:
        wait = max(1, math.ceil(seconds))
        reset = datetime.fromtimestamp(time.time() + wait, UTC).strftime("%Y-%m-%dT%H:%MZ")
        return self.error(429, "Rate limit exceeded").with_headers(
            {"retry-after": str(wait), "x-ratelimit-reset": reset}
        )

    def rate_limited(self, quota: Quota) -> Reply:
        return self._limited(quota.reset - time.time())

    def throttled(self, req: Request, seconds: float, *, secondary: bool) -> Reply:
        return self._limited(seconds)

    def cache_control(self, req: Request) -> str | None:
        return NO_STORE

    # -- helpers ----------------------------------------------------------------------------
    def wiki(self, req: Request) -> str:
        """The base every relative link of an answer hangs off (``_links.base``)."""
        return f"{req.base_url}/wiki" if self.cloud else f"{req.base_url}{DC_CONTEXT}"

    def page(self, req: Request) -> StoredPage:
        found = self.state.pages.get(req.path_args["id"])
        if found is None:
            raise self.err(
                req, 404, "NOT_FOUND", f"No content found with id: {req.path_args['id']}"
            )
        return found

    def space_of(self, page: StoredPage) -> Space:
        return self.state.spaces[page.space]

    def webui(self, page: StoredPage) -> str:
        slug = quote(page.title.replace(" ", "+"), safe="+")
        if self.cloud:
            return f"/spaces/{page.space}/pages/{page.id}/{slug}"
        return f"/display/{page.space}/{slug}"

    def limit(self, req: Request, default: int) -> int:
        raw = req.args.get("limit", str(default))
        return max(1, min(int(raw), self.max_limit))

    def cursor_page(
        self, req: Request, items: list[Json], *, default: int = 25
    ) -> tuple[Json, dict[str, str]]:
        """A v2 list page: ``cursor`` is an opaque encoding of the offset."""
        limit = self.limit(req, default)
        raw = req.args.get("cursor")
        try:
            start = int(base64.urlsafe_b64decode(raw.encode()).decode()) if raw else 0
        except ValueError:
            raise self.v2_error(400, "INVALID_REQUEST_PARAMETER", "bad cursor") from None
        chunk = items[start : start + limit]
        links: dict[str, str] = {"base": self.wiki(req)}
        headers: dict[str, str] = {}
        if start + limit < len(items):
            cursor = base64.urlsafe_b64encode(str(start + limit).encode()).decode()
            prefix = req.path[: req.path.index("/wiki")] if "/ex/" in req.path else ""
            path = req.path[len(prefix) :]
            nxt = f"{path}?{urlencode({**req.args, 'cursor': cursor})}"
            links["next"] = nxt
            headers["link"] = f'<{nxt}>; rel="next", <{self.wiki(req)}>; rel="base"'
        return {"results": chunk, "_links": links}, headers

    def offset_page(self, req: Request, items: list[Json], *, default: int = 25) -> Json:
        """A v1 list page (``start``/``limit``/``size``, ``_links.next`` while more)."""
        limit = self.limit(req, default)
        start = max(0, int(req.args.get("start", "0")))
        chunk = items[start : start + limit]
        links = {"base": self.wiki(req), "context": "/wiki" if self.cloud else DC_CONTEXT}
        if start + limit < len(items):
            links["next"] = f"{req.path}?{urlencode({**req.args, 'start': start + limit})}"
        return {
            "results": chunk,
            "start": start,
            "limit": limit,
            "size": len(chunk),
            "_links": links,
        }

    # -- bodies -------------------------------------------------------------------------------
    def v2_space(self, req: Request, s: Space) -> Json:
        return {
            "id": s.id,
            "key": s.key,
            "name": s.name,
            "type": "global",
            "status": "current",
            "authorId": self.me.account_id,
            "createdAt": iso(self.state.clock),
            "homepageId": None,
            "_links": {"webui": f"/spaces/{s.key}"},
        }

    def v2_page(self, req: Request, p: StoredPage, *, body: bool) -> Json:
        out: Json = {
            "id": p.id,
            "status": "current",
            "title": p.title,
            "spaceId": self.space_of(p).id,
            "parentId": p.parent_id,
            "parentType": "page" if p.parent_id else None,
            "authorId": p.author,
            "ownerId": p.author,
            "createdAt": iso(p.when),
            "version": {
                "createdAt": iso(p.when),
                "message": "",
                "number": p.version,
                "minorEdit": False,
                "authorId": p.author,
            },
            "body": {},
            "_links": {
                "webui": self.webui(p),
                "editui": f"/pages/resumedraft.action?draftId={p.id}",
                "tinyui": f"/x/{base64.urlsafe_b64encode(p.id.encode()).decode().rstrip('=')}",
                "base": self.wiki(req),
            },
        }
        if body:
            out["body"] = {"storage": {"representation": "storage", "value": p.storage}}
        return out

    def v1_space(self, s: Space) -> Json:
        return {
            "id": int(s.id),
            "key": s.key,
            "name": s.name,
            "type": "global",
            "status": "current",
            "_links": {"webui": f"/spaces/{s.key}" if self.cloud else f"/display/{s.key}"},
        }

    def v1_content(self, req: Request, p: StoredPage, expand: set[str]) -> Json:
        author = self.state.accounts.get(p.author, self.me)
        out: Json = {
            "id": p.id,
            "type": "page",
            "status": "current",
            "title": p.title,
            "_links": {"webui": self.webui(p), "self": f"{self.wiki(req)}/rest/api/content/{p.id}"},
            "_expandable": {},
        }
        if "space" in expand:
            out["space"] = self.v1_space(self.space_of(p))
        if "version" in expand:
            out["version"] = {
                "by": {
                    "type": "known",
                    "username": author.username,
                    "userKey": author.account_id,
                    "accountId": author.account_id,
                    "displayName": author.display_name,
                },
                "when": iso(p.when),
                "number": p.version,
                "minorEdit": False,
            }
        if "ancestors" in expand:
            chain: list[Json] = []
            at = p.parent_id
            while at:
                parent = self.state.pages[at]
                chain.insert(0, {"id": parent.id, "type": "page", "title": parent.title})
                at = parent.parent_id
            out["ancestors"] = chain
        if "body.storage" in expand:
            out["body"] = {"storage": {"value": p.storage, "representation": "storage"}}
        return out

    def attachment_v1(self, p: StoredPage, a: Attachment) -> Json:
        return {
            "id": a.id,
            "type": "attachment",
            "status": "current",
            "title": a.title,
            "extensions": {"mediaType": a.media_type, "fileSize": len(a.data)},
            "version": {"number": a.version},
            "_links": {
                "download": f"/download/attachments/{p.id}/{quote(a.title)}"
                f"?version={a.version}&api=v2",
                "webui": f"/pages/viewpageattachments.action?pageId={p.id}",
            },
        }

    def check_version(self, req: Request, p: StoredPage, data: Json) -> None:
        """Confluence's optimistic locking: the new version must be the current one + 1."""
        if self.races:
            self.races -= 1
            p.version += 1  # another editor's save lands first
        number = (data.get("version") or {}).get("number")
        if number != p.version + 1:
            raise self.err(
                req,
                409,
                "CONFLICT",
                f"Version must be incremented on update. Current version is: {p.version}",
            )


def _expand(req: Request) -> set[str]:
    return {e.strip() for e in req.args.get("expand", "").split(",") if e.strip()}


_CQL = re.compile(r'^type\s*=\s*page\s+AND\s+title\s*~\s*"(?P<q>(?:[^"\\]|\\.)*)"$', re.I)


def _cql(s: ConfluenceStandIn, req: Request) -> list[StoredPage]:
    m = _CQL.match(req.args.get("cql", "").strip())
    if m is None:
        raise s.error(400, f"Could not parse cql : {req.args.get('cql')}")
    q = re.sub(r"\\(.)", r"\1", m.group("q")).lower()
    return [p for p in s.state.pages.values() if q in p.title.lower()]


# -- shared routes ------------------------------------------------------------------------------


@routes.route("GET", r"/oauth/token/accessible-resources")
def _resources(s: ConfluenceStandIn, req: Request) -> Response:
    _, sites = s.state.oauth[req.headers["authorization"].split(" ", 1)[1].strip()]
    return (
        200,
        [
            {
                "id": cid,
                "url": s.url,
                "name": "acme",
                "scopes": ["read:page:confluence", "write:page:confluence"],
                "avatarUrl": "https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/rocket.png",
            }
            for cid in sorted(sites)
        ],
        {},
    )


@routes.route("GET", ANY + r"/rest/api/user/current")
def _me(s: ConfluenceStandIn, req: Request) -> Response:
    a = s.state.accounts[req.me]
    if s.cloud:
        me: dict[str, str]
    if s.cloud:
        me = {"accountId": a.account_id, "email": a.email, "publicName": a.username}
    else:
        me = {"username": a.username, "userKey": a.account_id}
    return 200, {"type": "known", "displayName": a.display_name, **me}, {}


@routes.route("GET", WIKI + r"/rest/api/user")
def _user(s: ConfluenceStandIn, req: Request) -> Response:
    a = s.state.accounts.get(req.args["accountId"])
    if a is None:
        raise s.error(404, f"No user found with accountId: {req.args['accountId']}")
    body = {"type": "known", "accountId": a.account_id, "displayName": a.display_name}
    return 200, {**body, "publicName": a.username}, {}


@routes.route("GET", ANY + r"/download/attachments/(?P<id>\d+)/(?P<name>[^/]+)")
def _download(s: ConfluenceStandIn, req: Request) -> Response:
    """Data Center serves the file; Cloud redirects to the media service, on another host
    (``localhost`` here, where the site is ``127.0.0.1``), with a token in the URL."""
    p = s.page(req)
    att = p.attachments.get(unquote(req.path_args["name"]))
    if att is None:
        raise s.error(404, "attachment not found")
    if not s.cloud:
        return 200, att.data, {"content-type": att.media_type}
    token = f"media-{att.id}-{att.version}"
    s.media[token] = att
    port = s.url.rsplit(":", 1)[1]
    where = f"http://localhost:{port}/media/file/{att.id}/binary?token={token}&client=wiki"
    return 302, None, {"location": where}


@routes.route("GET", r"/media/file/(?P<id>[^/]+)/binary")
def _media(s: ConfluenceStandIn, req: Request) -> Response:
    att = s.media.get(req.args.get("token", ""))
    if att is None or att.id != req.path_args["id"]:
        raise s.error(401, "invalid media token")
    return 200, att.data, {"content-type": att.media_type}


@routes.route("PUT", ANY + r"/rest/api/content/(?P<id>\d+)/child/attachment")
@routes.route("POST", ANY + r"/rest/api/content/(?P<id>\d+)/child/attachment")
def _upload(s: ConfluenceStandIn, req: Request) -> Response:
    p = s.page(req)
    name, data, ctype = multipart(req)["file"]
    assert name
    if req.method == "POST" and name in p.attachments:
        raise s.error(
            400, "Cannot add a new attachment with same file name as an existing attachment"
        )
    att = s.state.attach(p, name, data, ctype)
    body = s.attachment_v1(p, att)
    return (
        200,
        {"results": [body], "start": 0, "limit": 50, "size": 1, "_links": {"base": s.wiki(req)}},
        {},
    )


# -- Cloud v2 -----------------------------------------------------------------------------------


@routes.route("GET", WIKI + r"/api/v2/spaces")
def _spaces(s: ConfluenceStandIn, req: Request) -> Response:
    keys = {k for k in req.args.get("keys", "").split(",") if k}
    found = [sp for sp in s.state.spaces.values() if not keys or sp.key in keys]
    body, headers = s.cursor_page(req, [s.v2_space(req, sp) for sp in found])
    return 200, body, headers


@routes.route("GET", WIKI + r"/api/v2/spaces/" + ID)
def _space(s: ConfluenceStandIn, req: Request) -> Response:
    for sp in s.state.spaces.values():
        if sp.id == req.path_args["id"]:
            return 200, s.v2_space(req, sp), {}
    raise s.v2_error(404, "NOT_FOUND", "Space not found")


@routes.route("GET", WIKI + r"/api/v2/pages/" + ID)
def _page(s: ConfluenceStandIn, req: Request) -> Response:
    p = s.page(req)
    return 200, s.v2_page(req, p, body=req.args.get("body-format") == "storage"), {}


@routes.route("GET", WIKI + r"/api/v2/pages/" + ID + r"/children")
def _children(s: ConfluenceStandIn, req: Request) -> Response:
    p = s.page(req)
    kids = [
        {
            "id": c.id,
            "status": "current",
            "title": c.title,
            "spaceId": s.space_of(c).id,
            "childPosition": n,
        }
        for n, c in enumerate(s.state.children(p.id))
    ]
    body, headers = s.cursor_page(req, kids)
    return 200, body, headers


@routes.route("GET", WIKI + r"/api/v2/pages/" + ID + r"/attachments")
def _attachments(s: ConfluenceStandIn, req: Request) -> Response:
    p = s.page(req)
    rows = [
        {
            "id": a.id,
            "status": "current",
            "title": a.title,
            "mediaType": a.media_type,
            "fileSize": len(a.data),
            "pageId": p.id,
            "webuiLink": f"/pages/viewpageattachments.action?pageId={p.id}",
            "downloadLink": f"/download/attachments/{p.id}/{quote(a.title)}"
            f"?version={a.version}&api=v2",
            "version": {"number": a.version},
        }
        for a in p.attachments.values()
    ]
    body, headers = s.cursor_page(req, rows, default=50)
    return 200, body, headers


@routes.route("POST", WIKI + r"/api/v2/pages")
def _create(s: ConfluenceStandIn, req: Request) -> Response:
    data = req.json
    space = next((sp for sp in s.state.spaces.values() if sp.id == data["spaceId"]), None)
    if space is None:
        raise s.v2_error(400, "INVALID_REQUEST_PARAMETER", "Invalid spaceId")
    parent = s.state.pages.get(data.get("parentId") or "")
    if data.get("parentId") and (parent is None or parent.space != space.key):
        raise s.v2_error(400, "INVALID_REQUEST_PARAMETER", "Invalid parentId")
    if any(p.title == data.get("title") and p.space == space.key for p in s.state.pages.values()):
        raise s.v2_error(400, "INVALID_REQUEST_PARAMETER", "A page with this title already exists")
    body = data.get("body") or {"representation": "storage", "value": ""}
    if body["representation"] != "storage":
        raise s.v2_error(400, "INVALID_REQUEST_PARAMETER", "only storage is modelled")
    p = s.state.add_page(space.key, data["title"], body["value"], parent=parent, author=req.me)
    return 200, s.v2_page(req, p, body=True), {}


@routes.route("PUT", WIKI + r"/api/v2/pages/" + ID)
def _update(s: ConfluenceStandIn, req: Request) -> Response:
    p = s.page(req)
    data = req.json
    if data["id"] != p.id:
        raise s.v2_error(400, "INVALID_REQUEST_PARAMETER", "id does not match the path")
    s.check_version(req, p, data)
    if data["body"]["representation"] != "storage":
        raise s.v2_error(400, "INVALID_REQUEST_PARAMETER", "only storage is modelled")
    p.title, p.storage = data["title"], data["body"]["value"]
    p.version += 1
    p.when, p.author = s.state.tick(), req.me
    return 200, s.v2_page(req, p, body=True), {}


@routes.route("GET", WIKI + r"/rest/api/search")
def _search(s: ConfluenceStandIn, req: Request) -> Response:
    expand = {e.removeprefix("content.") for e in _expand(req)}
    hits = [
        {
            "content": s.v1_content(req, p, expand),
            "title": p.title,
            "excerpt": "",
            "url": s.webui(p),
            "resultGlobalContainer": {
                "title": s.space_of(p).name,
                "displayUrl": f"/spaces/{p.space}",
            },
            "entityType": "content",
            "lastModified": iso(p.when),
        }
        for p in _cql(s, req)
    ]
    body = s.offset_page(req, hits)
    body.update(totalSize=len(hits), cqlQuery=req.args["cql"], searchDuration=3)
    return 200, body, {}


# -- Data Center v1 -----------------------------------------------------------------------------

DC = DC_CONTEXT + r"/rest/api"


@routes.route("GET", DC + r"/space")
def _dc_spaces(s: ConfluenceStandIn, req: Request) -> Response:
    return 200, s.offset_page(req, [s.v1_space(sp) for sp in s.state.spaces.values()]), {}


@routes.route("GET", DC + r"/content/search")
def _dc_search(s: ConfluenceStandIn, req: Request) -> Response:
    expand = _expand(req)
    return 200, s.offset_page(req, [s.v1_content(req, p, expand) for p in _cql(s, req)]), {}


@routes.route("GET", DC + r"/content/" + ID)
def _dc_content(s: ConfluenceStandIn, req: Request) -> Response:
    return 200, s.v1_content(req, s.page(req), _expand(req)), {}


@routes.route("GET", DC + r"/content/" + ID + r"/child/page")
def _dc_children(s: ConfluenceStandIn, req: Request) -> Response:
    expand = _expand(req)
    kids = [s.v1_content(req, c, expand) for c in s.state.children(s.page(req).id)]
    return 200, s.offset_page(req, kids), {}


@routes.route("GET", DC + r"/content/" + ID + r"/child/attachment")
def _dc_attachments(s: ConfluenceStandIn, req: Request) -> Response:
    p = s.page(req)
    return 200, s.offset_page(req, [s.attachment_v1(p, a) for a in p.attachments.values()]), {}


@routes.route("POST", DC + r"/content")
def _dc_create(s: ConfluenceStandIn, req: Request) -> Response:
    data = req.json
    key = data["space"]["key"]
    if key not in s.state.spaces:
        raise s.error(404, f"No space with key : {key}")
    parent = None
    if data.get("ancestors"):
        parent = s.state.pages.get(data["ancestors"][-1]["id"])
        if parent is None:
            raise s.error(400, "Could not find ancestor")
    p = s.state.add_page(
        key, data["title"], data["body"]["storage"]["value"], parent=parent, author=req.me
    )
    return 200, s.v1_content(req, p, {"space", "version", "ancestors"}), {}


@routes.route("PUT", DC + r"/content/" + ID)
def _dc_update(s: ConfluenceStandIn, req: Request) -> Response:
    p = s.page(req)
    data = req.json
    s.check_version(req, p, data)
    p.title = data["title"]
    if data.get("body"):
        p.storage = data["body"]["storage"]["value"]
    p.version += 1
    p.when, p.author = s.state.tick(), req.me
    return 200, s.v1_content(req, p, {"space", "version", "ancestors"}), {}


class ConfluenceDCStandIn(ConfluenceStandIn):
    """Confluence Data Center at ``/confluence``: REST v1, personal access tokens."""

    contract: ClassVar[Any] = ConfluenceContract(cloud=False)
    deployment: ClassVar[str] = "datacenter"
