"""A local Trello stand-in (REST API 1), on the stand-in kit.

Every request is checked against ``tests/contracts/trello/trello.com.json`` (APIs.guru's
unofficial OpenAPI description; see its PROVENANCE) before it is served, so a path,
parameter or body Trello does not take fails the test. That description makes ``key`` and
``token`` required query parameters everywhere; Trello takes the same pair in an
``Authorization: OAuth oauth_consumer_key="...", oauth_token="..."`` header, which is what
the connector sends, so a request is validated as if the header's two values were in the
query (:meth:`TrelloStandIn.check_contract`).

Where each shape comes from:

- Response bodies: the description has no response schemas, so cards, lists, boards,
  members, labels and actions follow trello.js 2.2.0's Zod models (``dist/models/*.js``,
  which that client validates real answers against) and Trello's REST reference; only the
  requested ``fields`` come back, as Trello does, so a connector that reads a field it did
  not ask for sees it missing.
- Paging: ``limit`` (at most 1000) plus ``before`` (an object id; ids grow with creation
  time, and limited answers are newest first), as Trello pages board cards, actions and
  notifications; ``/members/me/cards`` answers in one list.
- Auth: the OAuth header above, or ``key``/``token`` in the query. A missing or unknown
  token is ``401 invalid token``, an unknown key ``401 invalid key``, a read-only token
  writing ``401 unauthorized permission requested`` -- Trello's plain-text bodies.
- Errors: plain text (``invalid id``, ``The requested resource was not found.``,
  ``invalid value for idList``), ``text/plain``.
- Caching: ``Cache-Control: max-age=0, must-revalidate, no-cache, no-store`` and a weak ETag,
  as in the real answers recorded by tacokit.rb's cassettes
  (spec/cassettes/Tacokit_Client_Boards/_board_cards/handles_pagination.json).
- Rate limits (developer.atlassian.com/cloud/trello/guides/rest-api/rate-limits/): 100
  requests per 10 s per token and 300 per key, reported on every answer as
  ``x-rate-limit-api-token-{interval-ms,max,remaining}`` and ``x-rate-limit-api-key-*``
  (the names and values of Trello's own answer on community.developer.atlassian.com/t/30353); a
  spent budget is 429 with ``{"error": "API_TOKEN_LIMIT_EXCEEDED", "message": "Rate limit
  exceeded"}`` and no Retry-After. ``window`` (seconds) may be shortened by a test.
"""

from __future__ import annotations

import dataclasses
import hashlib
import itertools
import math
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .kit import Json, OpenAPIContract, Quota, Reply, Request, Response, Router, StandIn

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = OpenAPIContract(
    ROOT / "contracts" / "trello" / "trello.com.json", server_url="https://trello.com"
)
_OAUTH = re.compile(r"^OAuth\s+(?P<params>.+)$", re.IGNORECASE)
_PARAM = re.compile(r'(\w+)\s*=\s*"([^"]*)"')
_ALNUM = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def oauth_credentials(header: str) -> tuple[str, str] | None:
    """``(key, token)`` from ``OAuth oauth_consumer_key="...", oauth_token="..."``."""
    m = _OAUTH.match(header.strip())
    if not m:
        return None
    params = dict(_PARAM.findall(m["params"]))
    key, token = params.get("oauth_consumer_key"), params.get("oauth_token")
    return (key, token) if key and token else None


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class TrelloState:
    """Members, boards, lists, labels, cards, actions and notifications. ``clock`` makes ids
    and timestamps strictly increasing (an id's first 8 hex digits are its time)."""

    def __init__(self) -> None:
        self.clock = 1_700_000_000
        self._seq = itertools.count(1)
        self.members: dict[str, dict[str, Any]] = {}
        self.boards: dict[str, dict[str, Any]] = {}
        self.lists: dict[str, dict[str, Any]] = {}
        self.labels: dict[str, dict[str, Any]] = {}
        self.cards: dict[str, dict[str, Any]] = {}
        self.actions: list[dict[str, Any]] = []
        self.notifications: dict[str, list[dict[str, Any]]] = {}
        self.read_only: set[str] = set()  # tokens granted read only

    def new_id(self) -> str:
        self.clock += 1
        return f"{self.clock:08x}{next(self._seq):016x}"

    def short_link(self) -> str:
        """8 letters and digits, as Trello's short links are (deterministic per state)."""
        digest = hashlib.sha256(f"short-{next(self._seq)}".encode()).digest()
        return "".join(_ALNUM[b % 62] for b in digest[:8])

    def add_member(self, username: str, full_name: str | None = None) -> dict[str, Any]:
        mid = self.new_id()
        m = {
            "id": mid,
            "username": username,
            "fullName": full_name or username.title(),
            "initials": username[:2].upper(),
            "avatarUrl": f"https://trello-members.s3.amazonaws.com/{mid}/abc123",
            "url": f"https://trello.com/{username}",
            "memberType": "normal",
            "confirmed": True,
        }
        self.members[mid] = m
        return m

    def add_board(
        self, name: str, members: list[dict[str, Any]], lists: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        bid, short = self.new_id(), self.short_link()
        b = {
            "id": bid,
            "name": name,
            "desc": "",
            "closed": False,
            "shortLink": short,
            "url": f"https://trello.com/b/{short}/{_slug(name)}",
            "shortUrl": f"https://trello.com/b/{short}",
            "idMembers": [m["id"] for m in members],
            "cards": 0,
        }
        self.boards[bid] = b
        for n, lname in enumerate(lists or ("To Do", "Doing", "Done")):
            self.add_list(b, lname, pos=16384.0 * (n + 1))
        return b

    def add_list(
        self, board: dict[str, Any], name: str, *, pos: float, closed: bool = False
    ) -> dict[str, Any]:
        lid = self.new_id()
        lst = {
            "id": lid,
            "name": name,
            "closed": closed,
            "pos": pos,
            "idBoard": board["id"],
            "subscribed": False,
            "color": None,
        }
        self.lists[lid] = lst
        return lst

    def add_label(self, board: dict[str, Any], name: str, color: str) -> dict[str, Any]:
        lab = {"id": self.new_id(), "idBoard": board["id"], "name": name, "color": color, "uses": 0}
        self.labels[lab["id"]] = lab
        return lab

    def board_lists(self, board_id: str) -> list[dict[str, Any]]:
        return sorted(
            (x for x in self.lists.values() if x["idBoard"] == board_id), key=lambda x: x["pos"]
        )

    def list_named(self, board: dict[str, Any], name: str) -> dict[str, Any]:
        return next(x for x in self.board_lists(board["id"]) if x["name"] == name)

    def add_card(
        self,
        board: dict[str, Any],
        name: str,
        *,
        creator: dict[str, Any],
        lst: str | None = None,
        members: tuple[dict[str, Any], ...] = (),
        desc: str = "",
        closed: bool = False,
        label_ids: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        target = self.list_named(board, lst) if lst else self.board_lists(board["id"])[0]
        cid, short = self.new_id(), self.short_link()
        board["cards"] += 1
        card = {
            "id": cid,
            "name": name,
            "desc": desc,
            "closed": closed,
            "idBoard": board["id"],
            "idList": target["id"],
            "idShort": board["cards"],
            "shortLink": short,
            "url": f"https://trello.com/c/{short}/{board['cards']}-{_slug(name)}",
            "shortUrl": f"https://trello.com/c/{short}",
            "idMembers": [m["id"] for m in members],
            "idLabels": list(label_ids),
            "labels": [self.labels[i] for i in label_ids],
            "pos": 65535.0,
            "due": None,
            "dueComplete": False,
            "dateLastActivity": iso(self.clock),
            "subscribed": False,
            "badges": {"comments": 0, "attachments": 0, "description": bool(desc)},
        }
        self.cards[cid] = card
        self.actions.append(self._action("createCard", creator, card, {}))
        return card

    def _action(
        self, kind: str, who: dict[str, Any], card: dict[str, Any], extra: dict[str, Any]
    ) -> dict[str, Any]:
        board = self.boards[card["idBoard"]]
        return {
            "id": self.new_id(),
            "idMemberCreator": who["id"],
            "type": kind,
            "date": iso(self.clock),
            "data": {
                "card": {k: card[k] for k in ("id", "name", "idShort", "shortLink")},
                "board": {k: board[k] for k in ("id", "name", "shortLink")},
                "list": {"id": card["idList"], "name": self.lists[card["idList"]]["name"]},
                **extra,
            },
            "memberCreator": _member_compact(who),
            "limits": {},
        }

    def mention(self, who: dict[str, Any], card: dict[str, Any], by: dict[str, Any]) -> None:
        """``by`` mentions ``who`` in a comment on ``card``: a ``mentionedOnCard``."""
        note = self._action("mentionedOnCard", by, card, {"text": f"@{who['username']} look"})
        note["unread"] = True
        self.notifications.setdefault(who["id"], []).append(note)

    def comment(self, who: dict[str, Any], card: dict[str, Any], text: str) -> dict[str, Any]:
        action = self._action("commentCard", who, card, {"text": text})
        self.actions.append(action)
        card["badges"]["comments"] += 1
        card["dateLastActivity"] = action["date"]
        return action

    def find_card(self, ident: str) -> dict[str, Any] | None:
        return self.cards.get(ident) or next(
            (c for c in self.cards.values() if c["shortLink"] == ident), None
        )

    def find_board(self, ident: str) -> dict[str, Any] | None:
        return self.boards.get(ident) or next(
            (b for b in self.boards.values() if b["shortLink"] == ident), None
        )


routes: Router[TrelloStandIn] = Router()


class TrelloStandIn(StandIn):
    service = "Trello"
    router = routes
    contract = CONTRACT
    budgets = {"api-token": 100, "api-key": 300}
    window = 10.0

    def __init__(self, *, port: int = 0, validate: bool = True, window: float = 10.0) -> None:
        self.window = window
        super().__init__(port=port, validate=validate)
        self.state = TrelloState()
        self.keys: set[str] = set()
        #: token -> member id
        self.member_tokens: dict[str, str] = {}

    def grant(self, key: str, token: str, member: dict[str, Any], *, write: bool = True) -> None:
        """Let ``token`` (made for API key ``key``) act as ``member``."""
        self.keys.add(key)
        self.member_tokens[token] = member["id"]
        if not write:
            self.state.read_only.add(token)

    # -- hooks --------------------------------------------------------------------------
    def error(self, status: int, message: str) -> Reply:
        return Reply(status, message.encode(), {"content-type": "text/plain; charset=utf-8"})

    def not_found(self, req: Request) -> Reply:
        return self.error(404, "Cannot GET " + req.path if req.method == "GET" else "not found")

    def unauthorized(self, req: Request) -> Reply:
        key, _ = self._credentials(req)
        if key is not None and key not in self.keys:
            return self.error(401, "invalid key")
        return self.error(401, "invalid token")

    def rejected(self, req: Request, problems: list[str]) -> Reply:
        return self.error(400, "; ".join(problems))

    def _credentials(self, req: Request) -> tuple[str | None, str | None]:
        creds = oauth_credentials(req.headers.get("authorization", ""))
        if creds is not None:
            return creds
        return req.args.get("key"), req.args.get("token")

    def authenticate(self, req: Request) -> str | None:
        key, token = self._credentials(req)
        if key not in self.keys or token is None:
            return None
        return self.member_tokens.get(token)

    def check_contract(self, req: Request) -> list[str]:
        """The description wants ``key``/``token`` in the query; Trello takes them from the
        OAuth header as well: validate as if they were in the query."""
        assert self.contract is not None
        creds = oauth_credentials(req.headers.get("authorization", ""))
        if creds is not None and not {"key", "token"} & set(req.args):
            req = dataclasses.replace(
                req, query=[*req.query, ("key", creds[0]), ("token", creds[1])]
            )
        return self.contract.check(req)

    def charge(self, req: Request) -> dict[str, int]:
        return {"api-token": 1, "api-key": 1}

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        name = "token" if quota.budget == "api-token" else "key"
        return {
            f"x-rate-limit-api-{name}-interval-ms": str(int(self.window * 1000)),
            f"x-rate-limit-api-{name}-max": str(quota.limit),
            f"x-rate-limit-api-{name}-remaining": str(quota.remaining),
        }

    def rate_limited(self, quota: Quota) -> Reply:
        code = (
            "API_TOKEN_LIMIT_EXCEEDED" if quota.budget == "api-token" else "API_KEY_LIMIT_EXCEEDED"
        )
        return Reply(429, {"error": code, "message": "Rate limit exceeded"})

    def throttled(self, req: Request, seconds: float, *, secondary: bool) -> Reply:
        return Reply(
            429,
            {"error": "API_TOKEN_LIMIT_EXCEEDED", "message": "Rate limit exceeded"},
            {"retry-after": str(math.ceil(seconds))},
        )

    def cache_control(self, req: Request) -> str | None:
        return "max-age=0, must-revalidate, no-cache, no-store"

    # -- helpers for routes ---------------------------------------------------------------
    def me(self, req: Request) -> dict[str, Any]:
        return self.state.members[req.me]

    def writable(self, req: Request) -> None:
        _, token = self._credentials(req)
        if token in self.state.read_only:
            raise self.error(401, "unauthorized permission requested")

    def card_of(self, req: Request, ident: str | None = None) -> dict[str, Any]:
        ident = ident or req.path_args["card"]
        if not _is_id(ident):
            raise self.error(400, "invalid id")
        card = self.state.find_card(ident)
        if card is None or req.me not in self.state.boards[card["idBoard"]]["idMembers"]:
            raise self.error(404, "The requested resource was not found.")
        return card

    def board_of(self, req: Request) -> dict[str, Any]:
        ident = req.path_args["board"]
        if not _is_id(ident):
            raise self.error(400, "invalid id")
        board = self.state.find_board(ident)
        if board is None or req.me not in board["idMembers"]:
            raise self.error(404, "The requested resource was not found.")
        return board

    def card_json(self, req: Request, card: dict[str, Any]) -> Json:
        out = _pick(card, req.args.get("fields"))
        if req.args.get("members") == "true":
            fields = req.args.get("member_fields")
            out["members"] = [_pick(self.state.members[m], fields) for m in card["idMembers"]]
        if req.args.get("list") == "true":
            out["list"] = _pick(self.state.lists[card["idList"]], req.args.get("list_fields"))
        if req.args.get("board") == "true":
            out["board"] = _pick(self.state.boards[card["idBoard"]], req.args.get("board_fields"))
        return out


def _is_id(ident: str) -> bool:
    return bool(re.fullmatch(r"[0-9a-f]{24}|[A-Za-z0-9]{8}", ident))


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _member_compact(m: dict[str, Any]) -> dict[str, Any]:
    return {k: m[k] for k in ("id", "username", "fullName", "initials", "avatarUrl")}


def _pick(obj: dict[str, Any], fields: str | None) -> dict[str, Any]:
    """Only the ``fields`` asked for (plus ``id``), as Trello answers; ``all`` or none: all."""
    if not fields or fields == "all":
        return dict(obj)
    wanted = {f.strip() for f in fields.split(",")}
    return {k: v for k, v in obj.items() if k == "id" or k in wanted}


def _limit(s: TrelloStandIn, req: Request, default: int) -> int:
    raw = req.args.get("limit")
    if raw is None:
        return default
    if not raw.isdigit() or not 0 < int(raw) <= 1000:
        raise s.error(400, "invalid value for limit")
    return int(raw)


def _page(s: TrelloStandIn, req: Request, items: list[dict[str, Any]], default: int) -> list[Any]:
    """Newest first, older than ``before`` (an id), at most ``limit``."""
    before = req.args.get("before")
    if before is not None and not re.fullmatch(r"[0-9a-f]{24}", before):
        raise s.error(400, "invalid value for before")
    ordered = sorted(items, key=lambda x: x["id"], reverse=True)
    if before:
        ordered = [x for x in ordered if x["id"] < before]
    return ordered[: _limit(s, req, default)]


_B = r"/1/boards/(?P<board>[^/]+)"
_C = r"/1/cards/(?P<card>[^/]+)"


@routes.route("GET", r"/1/members/me")
def _me(s: TrelloStandIn, req: Request) -> Response:
    return 200, _pick(s.me(req), req.args.get("fields")), {}


@routes.route("GET", r"/1/members/me/boards")
def _my_boards(s: TrelloStandIn, req: Request) -> Response:
    boards = [
        b
        for b in s.state.boards.values()
        if req.me in b["idMembers"] and (req.args.get("filter") != "open" or not b["closed"])
    ]
    return 200, [_pick(b, req.args.get("fields")) for b in boards], {}


@routes.route("GET", r"/1/members/me/cards")
def _my_cards(s: TrelloStandIn, req: Request) -> Response:
    cards = [
        c
        for c in s.state.cards.values()
        if req.me in c["idMembers"] and (req.args.get("filter") != "open" or not c["closed"])
    ]
    return 200, [s.card_json(req, c) for c in cards], {}


@routes.route("GET", r"/1/members/me/actions")
def _my_actions(s: TrelloStandIn, req: Request) -> Response:
    kinds = set((req.args.get("filter") or "all").split(","))
    mine = [
        a
        for a in s.state.actions
        if a["idMemberCreator"] == req.me and ("all" in kinds or a["type"] in kinds)
    ]
    return 200, [_pick(a, req.args.get("fields")) for a in _page(s, req, mine, 50)], {}


@routes.route("GET", r"/1/members/me/notifications")
def _my_notifications(s: TrelloStandIn, req: Request) -> Response:
    kinds = set((req.args.get("filter") or "all").split(","))
    notes = [
        n for n in s.state.notifications.get(req.me, []) if "all" in kinds or n["type"] in kinds
    ]
    return 200, [_pick(n, req.args.get("fields")) for n in _page(s, req, notes, 50)], {}


@routes.route("GET", r"/1/search/members")
def _search_members(s: TrelloStandIn, req: Request) -> Response:
    q = req.args.get("query", "").casefold()
    found = [
        _member_compact(m)
        for m in s.state.members.values()
        if m["username"].casefold().startswith(q) or m["fullName"].casefold().startswith(q)
    ]
    return 200, found[: _limit(s, req, 8)], {}


@routes.route("GET", r"/1/batch")
def _batch(s: TrelloStandIn, req: Request) -> Response:
    """Up to 10 comma-separated GET routes (without ``/1``), each validated and answered as
    if sent alone, as ``[{"<status>": body}, ...]``."""
    urls = [u for u in req.args.get("urls", "").split(",") if u]
    if not urls or len(urls) > 10:
        raise s.error(400, "invalid value for urls")
    out: list[dict[str, Any]] = []
    for url in urls:
        if not url.startswith("/") or url.startswith("/1/"):
            raise s.error(400, "invalid value for urls")
        inner = Request.parse("GET", "/1" + url, req.headers)
        inner.account = req.account
        problems = s.check_contract(inner) if s.validate else []
        if problems:
            with s.lock:
                s.violations.extend(problems)
            raise s.rejected(inner, problems)
        status, body, _ = s._route(inner)
        if isinstance(body, bytes):
            body = body.decode()
        out.append({str(status): body})
    return 200, out, {}


@routes.route("GET", _B)
def _board(s: TrelloStandIn, req: Request) -> Response:
    return 200, _pick(s.board_of(req), req.args.get("fields")), {}


@routes.route("GET", _B + r"/lists")
def _lists(s: TrelloStandIn, req: Request) -> Response:
    board = s.board_of(req)
    lists = [
        x
        for x in s.state.board_lists(board["id"])
        if req.args.get("filter", "open") != "open" or not x["closed"]
    ]
    return 200, [_pick(x, req.args.get("fields")) for x in lists], {}


@routes.route("GET", _B + r"/labels")
def _labels(s: TrelloStandIn, req: Request) -> Response:
    board = s.board_of(req)
    labels = [x for x in s.state.labels.values() if x["idBoard"] == board["id"]]
    return 200, [_pick(x, req.args.get("fields")) for x in labels[: _limit(s, req, 50)]], {}


@routes.route("GET", _B + r"/members")
def _board_members(s: TrelloStandIn, req: Request) -> Response:
    board = s.board_of(req)
    members = [s.state.members[m] for m in board["idMembers"]]
    return 200, [_pick(m, req.args.get("fields")) for m in members], {}


@routes.route("GET", _B + r"/cards")
def _board_cards(s: TrelloStandIn, req: Request) -> Response:
    board = s.board_of(req)
    cards = [
        c
        for c in s.state.cards.values()
        if c["idBoard"] == board["id"] and (req.args.get("filter") != "open" or not c["closed"])
    ]
    if "limit" in req.args or "before" in req.args:
        cards = _page(s, req, cards, 1000)
    return 200, [s.card_json(req, c) for c in cards], {}


@routes.route("GET", _C)
def _card(s: TrelloStandIn, req: Request) -> Response:
    return 200, s.card_json(req, s.card_of(req)), {}


def _body(s: TrelloStandIn, req: Request) -> dict[str, Any]:
    data = req.json if req.json is not None else {}
    if not isinstance(data, dict):
        raise s.error(400, "invalid body")
    return {**dict(req.args), **data}


@routes.route("POST", r"/1/cards")
def _create_card(s: TrelloStandIn, req: Request) -> Response:
    s.writable(req)
    data = _body(s, req)
    lst = s.state.lists.get(str(data.get("idList", "")))
    if lst is None:
        raise s.error(400, "invalid value for idList")
    board = s.state.boards[lst["idBoard"]]
    if req.me not in board["idMembers"]:
        raise s.error(401, "unauthorized card permission requested")
    labels = tuple(i for i in str(data.get("idLabels") or "").split(",") if i)
    if any(i not in s.state.labels for i in labels):
        raise s.error(400, "invalid value for idLabels")
    card = s.state.add_card(
        board,
        str(data.get("name") or ""),
        creator=s.me(req),
        lst=lst["name"],
        desc=str(data.get("desc") or ""),
        label_ids=labels,
    )
    return 200, {**card, "idMembers": card["idMembers"], "limits": {}}, {}


@routes.route("PUT", _C)
def _update_card(s: TrelloStandIn, req: Request) -> Response:
    s.writable(req)
    card = s.card_of(req)
    data = _body(s, req)
    if "idList" in data:
        lst = s.state.lists.get(str(data["idList"]))
        if lst is None:
            raise s.error(400, "invalid value for idList")
        card["idList"] = lst["id"]
        card["idBoard"] = lst["idBoard"]
    if "closed" in data:
        card["closed"] = str(data["closed"]).lower() == "true"
    if "name" in data:
        card["name"] = str(data["name"])
    s.state.clock += 1
    card["dateLastActivity"] = iso(s.state.clock)
    return 200, card, {}


@routes.route("POST", _C + r"/actions/comments")
def _comment(s: TrelloStandIn, req: Request) -> Response:
    s.writable(req)
    card = s.card_of(req)
    text = _body(s, req).get("text")
    if not isinstance(text, str) or not text:
        raise s.error(400, "invalid value for text")
    return 200, s.state.comment(s.me(req), card, text), {}
