"""A local Slack stand-in (Web API), on the stand-in kit.

Every request is checked against JSON Schemas generated from the argument types of Slack's
Node SDK (``tests/contracts/slack/requests.json``; see its PROVENANCE), and every answer the
stand-in builds against the SDK's response types (``responses/<method>.json``), so an
argument Slack does not take, a value of the wrong type, or an answer Slack could not give
fails the test. The checking is :mod:`.slack_contract`, the workspace :mod:`.slack_state`;
this module is the wire: routes, errors, tiers and the OAuth endpoints.

Where each shape comes from:

- Wire: ``POST /api/<method>`` with ``Authorization: Bearer <token>`` and the arguments
  form-encoded (or as JSON), as docs.slack.dev/apis/web-api describes; form values are read
  as the types the schema names before validating (an object such as ``profile`` is JSON
  text inside the form).
- Errors: HTTP 200 with ``{"ok": false, "error": "<code>"}`` (``missing_scope`` adds
  ``needed`` and ``provided``), codes from each method's reference page; a request the
  contract refuses is ``invalid_arguments`` with ``response_metadata.messages``, as Slack
  reports one.
- Rate limits (docs.slack.dev/apis/web-api/rate-limits): per-method tiers counted per minute
  (Tier 2: 20, Tier 3: 50, Tier 4: 100); a spent tier is HTTP 429 with ``Retry-After``
  (seconds) and ``{"ok": false, "error": "ratelimited"}``. Slack sends no remaining-budget
  headers on the Web API.
- Scopes: each token carries user scopes; answers carry them in ``x-oauth-scopes``, and a
  method whose scope is missing answers ``missing_scope``.
- OAuth v2 with PKCE (docs.slack.dev/authentication/using-pkce): ``GET /oauth/v2/authorize``
  answers a 302 to the loopback redirect with a code (the test plays the browser), and
  ``oauth.v2.access`` exchanges it for a user token nested in ``authed_user`` after checking
  the S256 challenge -- no client secret.
"""

from __future__ import annotations

import base64
import hashlib
import json
import math
import secrets
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from .kit import Quota, Reply, Request, Response, Router, StandIn
from .kit.paging import decode_cursor, encode_cursor
from .kit.server import Wire
from .slack_contract import PKCE_AUTHORIZE, TOKEN_METHOD, SlackContract, arguments
from .slack_state import TEAM, WEB, Grant, PendingCode, SlackState

__all__ = ["TEAM", "WEB", "SlackStandIn", "SlackState", "s256"]


#: Methods and their rate-limit tier (docs.slack.dev/reference/methods/<method>, "Rate
#: Limits"); "special" ones are counted as Tier 4 here.
TIERS: dict[str, str] = {
    "auth.test": "tier4",
    "auth.revoke": "tier3",
    "chat.getPermalink": "tier4",
    "chat.postMessage": "tier4",
    "conversations.list": "tier2",
    "dnd.endSnooze": "tier2",
    "dnd.info": "tier3",
    "dnd.setSnooze": "tier2",
    "search.messages": "tier2",
    "users.getPresence": "tier3",
    "users.info": "tier4",
    "users.lookupByEmail": "tier3",
    "users.profile.get": "tier4",
    "users.profile.set": "tier3",
}
#: The user scope each method needs (its reference page's "Required scopes", user token).
SCOPES: dict[str, str] = {
    "chat.getPermalink": "",
    "chat.postMessage": "chat:write",
    "conversations.list": "channels:read",
    "dnd.endSnooze": "dnd:write",
    "dnd.info": "dnd:read",
    "dnd.setSnooze": "dnd:write",
    "search.messages": "search:read",
    "users.getPresence": "users:read",
    "users.info": "users:read",
    "users.lookupByEmail": "users:read.email",
    "users.profile.get": "users.profile:read",
    "users.profile.set": "users.profile:write",
}
#: conversations.list's types and the read scope each needs.
TYPE_SCOPES = {
    "public_channel": "channels:read",
    "private_channel": "groups:read",
    "mpim": "mpim:read",
    "im": "im:read",
}


# -- the stand-in -----------------------------------------------------------------------------
routes: Router[SlackStandIn] = Router()


def _public(obj: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in obj.items() if not k.startswith("_")}


class SlackStandIn(StandIn):
    service = "Slack"
    router = routes
    contract = SlackContract()
    budgets = {"tier2": 20, "tier3": 50, "tier4": 100}
    window = 60.0
    etags = False  # Web API answers carry no ETag (and every call is a POST)

    def __init__(self, *, port: int = 0, validate: bool = True) -> None:
        super().__init__(port=port, validate=validate)
        self.state = SlackState()
        self.grants: dict[str, Grant] = {}
        self.codes: dict[str, PendingCode] = {}
        self.refresh_tokens: dict[str, Grant] = {}
        self.revoked: list[str] = []
        self.client_id = "1234567890.0987654321"
        #: Who signs in at /oauth/v2/authorize (the person at the browser).
        self.signing_in: str | None = None
        self.default_cache_control = None

    def grant(
        self, token: str, user: dict[str, Any], scopes: tuple[str, ...], *, bot: bool = False
    ) -> None:
        self.grants[token] = Grant(user["id"], tuple(scopes), bot=bot)
        self.tokens[token] = user["id"]

    # -- hooks ---------------------------------------------------------------------------
    def error(self, status: int, message: str) -> Reply:
        if status >= 500:
            return Reply(status, {"ok": False, "error": "internal_error"})
        if status == 429:
            return Reply(429, {"ok": False, "error": "ratelimited"})
        return Reply(200, {"ok": False, "error": message})

    def fail(self, code: str, **extra: Any) -> Reply:
        return Reply(200, {"ok": False, "error": code, **extra})

    def not_found(self, req: Request) -> Reply:
        return self.fail("unknown_method")

    def unauthorized(self, req: Request) -> Reply:
        _scheme, _, token = req.headers.get("authorization", "").partition(" ")
        if not token.strip():
            return self.fail("not_authed")
        if token.strip() in self.revoked:
            return self.fail("token_revoked")
        return self.fail("invalid_auth")

    def rejected(self, req: Request, problems: list[str]) -> Reply:
        return self.fail("invalid_arguments", response_metadata={"messages": problems})

    def authenticate(self, req: Request) -> str | None:
        if req.path in (PKCE_AUTHORIZE, f"/api/{TOKEN_METHOD}"):
            return "(oauth)"
        return super().authenticate(req)

    def charge(self, req: Request) -> dict[str, int]:
        tier = TIERS.get(req.path.removeprefix("/api/"))
        return {tier: 1} if tier else {}

    def rate_limited(self, quota: Quota) -> Reply:
        return Reply(
            429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(quota.retry_after())}
        )

    def throttled(self, req: Request, seconds: float, *, secondary: bool) -> Reply:
        return Reply(
            429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(math.ceil(seconds))}
        )

    def handle(self, method: str, target: str, headers: Any, body: bytes) -> Wire | None:
        """The kit's handling, then the answer checked against the method's response type."""
        wire = super().handle(method, target, headers, body)
        if wire is None or not self.validate:
            return wire
        _status, out_headers, data = wire
        path = target.split("?", 1)[0]
        if data and "json" in out_headers.get("content-type", "") and path.startswith("/api/"):
            problems = self.contract.answer_problems(path.removeprefix("/api/"), json.loads(data))
            if problems:
                with self.lock:
                    self.violations.extend(problems)
        return wire

    # -- helpers for routes --------------------------------------------------------------
    def scoped(self, req: Request, method: str, *needed: str) -> Grant:
        """The request's grant, or ``missing_scope`` naming what is needed."""
        grant = self.grants[self._token(req)]
        want = [n for n in (needed or (SCOPES.get(method, ""),)) if n]
        lacking = [n for n in want if n not in grant.scopes]
        if lacking:
            raise self.fail(
                "missing_scope", needed=",".join(lacking), provided=",".join(grant.scopes)
            )
        return grant

    def _token(self, req: Request) -> str:
        return req.headers.get("authorization", "").partition(" ")[2].strip()

    def user(self, uid: str) -> dict[str, Any]:
        found = self.state.users.get(uid)
        if found is None:
            raise self.fail("user_not_found")
        return found

    def channel(self, cid: str, me: str) -> dict[str, Any]:
        ch = self.state.channels.get(cid)
        if ch is None or ((ch.get("is_private") or ch.get("is_im")) and me not in ch["_members"]):
            raise self.fail("channel_not_found")
        return ch

    def ok(self, req: Request, body: dict[str, Any]) -> Response:
        grant = self.grants.get(self._token(req))
        headers = {"x-oauth-scopes": ",".join(grant.scopes)} if grant else {}
        return 200, {"ok": True, **body}, headers


@routes.route("POST", r"/api/auth\.test")
def _auth_test(s: SlackStandIn, req: Request) -> Response:
    u = s.user(req.me)
    body = {
        "url": f"{WEB}/",
        "team": TEAM["name"],
        "user": u["name"],
        "team_id": TEAM["id"],
        "user_id": u["id"],
        "is_enterprise_install": False,
    }
    if s.grants[s._token(req)].bot:
        body["bot_id"] = "B0TIELINE"
    return s.ok(req, body)


@routes.route("POST", r"/api/auth\.revoke")
def _auth_revoke(s: SlackStandIn, req: Request) -> Response:
    token = s._token(req)
    if arguments(req).get("test"):
        return s.ok(req, {"revoked": False})
    s.grants.pop(token, None)
    s.tokens.pop(token, None)
    s.revoked.append(token)
    return 200, {"ok": True, "revoked": True}, {}


@routes.route("POST", r"/api/conversations\.list")
def _conversations_list(s: SlackStandIn, req: Request) -> Response:
    a = arguments(req)
    types = [t for t in str(a.get("types") or "public_channel").split(",") if t]
    if set(types) - set(TYPE_SCOPES):
        raise s.fail("invalid_types")
    s.scoped(req, "conversations.list", *{TYPE_SCOPES[t] for t in types})
    limit = int(a.get("limit") or 100)
    if not 1 <= limit <= 1000:
        raise s.fail("invalid_limit")
    me = req.me

    def kind(ch: dict[str, Any]) -> str:
        if ch.get("is_im"):
            return "im"
        if ch.get("is_mpim"):
            return "mpim"
        return "private_channel" if ch.get("is_private") else "public_channel"

    items = [
        ch
        for ch in s.state.channels.values()
        if kind(ch) in types
        and (kind(ch) == "public_channel" or me in ch["_members"])
        and not (a.get("exclude_archived") and ch.get("is_archived"))
    ]
    start = int(decode_cursor("conv", a["cursor"])) if a.get("cursor") else 0
    page = items[start : start + limit]
    nxt = encode_cursor("conv", start + limit) if start + limit < len(items) else ""
    out = []
    for ch in page:
        body = _public(ch)
        if not ch.get("is_im"):
            body["is_member"] = me in ch["_members"]
            body["num_members"] = len(ch["_members"])
        out.append(body)
    return s.ok(req, {"channels": out, "response_metadata": {"next_cursor": nxt}})


@routes.route("POST", r"/api/users\.info")
def _users_info(s: SlackStandIn, req: Request) -> Response:
    s.scoped(req, "users.info")
    u = s.user(str(arguments(req).get("user", "")))
    return s.ok(req, {"user": _user_json(u)})


def _user_json(u: dict[str, Any]) -> dict[str, Any]:
    """A copy of the user object (routes must not hand out the state's own dicts)."""
    body: dict[str, Any] = json.loads(json.dumps(u))
    body["profile"] = _expired(body["profile"])
    return body


@routes.route("POST", r"/api/users\.lookupByEmail")
def _users_lookup(s: SlackStandIn, req: Request) -> Response:
    s.scoped(req, "users.lookupByEmail")
    email = str(arguments(req).get("email", "")).lower()
    for u in s.state.users.values():
        if u["profile"].get("email", "").lower() == email and not u["deleted"]:
            return s.ok(req, {"user": _user_json(u)})
    raise s.fail("users_not_found")


@routes.route("POST", r"/api/users\.getPresence")
def _users_presence(s: SlackStandIn, req: Request) -> Response:
    s.scoped(req, "users.getPresence")
    uid = str(arguments(req).get("user") or req.me)
    s.user(uid)
    presence = s.state.presence.get(uid, "away")
    body: dict[str, Any] = {"presence": presence}
    if uid == req.me:  # the caller learns more about themselves
        body |= {
            "online": presence == "active",
            "auto_away": False,
            "manual_away": presence == "away",
            "connection_count": 1,
            "last_activity": int(time.time()) - 30,
        }
    return s.ok(req, body)


@routes.route("POST", r"/api/users\.profile\.get")
def _profile_get(s: SlackStandIn, req: Request) -> Response:
    s.scoped(req, "users.profile.get")
    uid = str(arguments(req).get("user") or req.me)
    u = s.user(uid)
    return s.ok(req, {"profile": _expired(u["profile"])})


def _expired(profile: dict[str, Any]) -> dict[str, Any]:
    """A status whose expiration has passed is cleared, as Slack clears it."""
    exp = profile.get("status_expiration") or 0
    if exp and exp <= time.time():
        profile.update(status_text="", status_emoji="", status_expiration=0)
    return dict(profile)


@routes.route("POST", r"/api/users\.profile\.set")
def _profile_set(s: SlackStandIn, req: Request) -> Response:
    s.scoped(req, "users.profile.set")
    a = arguments(req)
    if a.get("user") and a["user"] != req.me:
        raise s.fail("cannot_update_admin_user")
    u = s.user(req.me)
    changes = a.get("profile") or ({a["name"]: a.get("value", "")} if a.get("name") else {})
    if not isinstance(changes, dict):
        raise s.fail("invalid_profile")
    allowed = {"status_text", "status_emoji", "status_expiration", "display_name", "real_name"}
    if set(changes) - allowed:
        raise s.fail("invalid_profile")
    if len(str(changes.get("status_text", ""))) > 100:
        raise s.fail("too_long")
    emoji = changes.get("status_emoji")
    if emoji and not (str(emoji).startswith(":") and str(emoji).endswith(":")):
        raise s.fail("invalid_emoji_not_allowed")
    u["profile"].update(changes)
    if "status_expiration" in changes:
        u["profile"]["status_expiration"] = int(changes["status_expiration"] or 0)
    return s.ok(req, {"profile": dict(u["profile"])})


@routes.route("POST", r"/api/dnd\.info")
def _dnd_info(s: SlackStandIn, req: Request) -> Response:
    s.scoped(req, "dnd.info")
    uid = str(arguments(req).get("user") or req.me)
    s.user(uid)
    now = int(time.time())
    body: dict[str, Any] = {
        "dnd_enabled": True,
        "next_dnd_start_ts": now + 10 * 3600,
        "next_dnd_end_ts": now + 18 * 3600,
    }
    if uid == req.me:  # snooze state is told to the person only (dnd.info reference)
        end = s.state.snoozes.get(uid)
        if end is not None and end <= now:
            del s.state.snoozes[uid]
            end = None
        body["snooze_enabled"] = end is not None
        if end is not None:
            body |= {"snooze_endtime": end, "snooze_remaining": end - now}
    return s.ok(req, body)


@routes.route("POST", r"/api/dnd\.setSnooze")
def _dnd_set(s: SlackStandIn, req: Request) -> Response:
    s.scoped(req, "dnd.setSnooze")
    minutes = arguments(req).get("num_minutes")
    if not isinstance(minutes, int) or minutes < 1:
        raise s.fail("invalid_args" if minutes is None else "invalid_num_minutes")
    now = int(time.time())
    end = now + 60 * minutes
    s.state.snoozes[req.me] = end
    return s.ok(
        req,
        {
            "snooze_enabled": True,
            "snooze_endtime": end,
            "snooze_remaining": end - now,
            "snooze_is_indefinite": False,
        },
    )


@routes.route("POST", r"/api/dnd\.endSnooze")
def _dnd_end(s: SlackStandIn, req: Request) -> Response:
    s.scoped(req, "dnd.endSnooze")
    now = int(time.time())
    if s.state.snoozes.get(req.me, 0) <= now:
        s.state.snoozes.pop(req.me, None)
        raise s.fail("snooze_not_active")
    del s.state.snoozes[req.me]
    return s.ok(
        req,
        {
            "dnd_enabled": True,
            "next_dnd_start_ts": now + 10 * 3600,
            "next_dnd_end_ts": now + 18 * 3600,
            "snooze_enabled": False,
        },
    )


@routes.route("POST", r"/api/chat\.postMessage")
def _post_message(s: SlackStandIn, req: Request) -> Response:
    s.scoped(req, "chat.postMessage")
    a = arguments(req)
    ch = s.channel(str(a.get("channel", "")), req.me)
    if ch.get("is_archived"):
        raise s.fail("is_archived")
    if req.me not in ch["_members"]:
        raise s.fail("not_in_channel")
    text = str(a.get("text") or "")
    if not text.strip():
        raise s.fail("no_text")
    if len(text) > 40000:
        raise s.fail("msg_too_long")
    thread = a.get("thread_ts")
    if thread and not any(m["ts"] == thread for m in s.state.messages[ch["id"]]):
        raise s.fail("thread_not_found")
    me = s.user(req.me)
    msg = s.state.post(ch, me, text, thread_ts=str(thread) if thread else None)
    out = {**msg, "team": TEAM["id"]}
    return s.ok(req, {"channel": ch["id"], "ts": msg["ts"], "message": out})


@routes.route("POST", r"/api/chat\.getPermalink")
def _permalink(s: SlackStandIn, req: Request) -> Response:
    a = arguments(req)
    ch = s.channel(str(a.get("channel", "")), req.me)
    ts = str(a.get("message_ts", ""))
    msg = next((m for m in s.state.messages[ch["id"]] if m["ts"] == ts), None)
    if msg is None:
        raise s.fail("message_not_found")
    return s.ok(req, {"channel": ch["id"], "permalink": s.state.permalink(ch["id"], msg)})


@routes.route("POST", r"/api/search\.messages")
def _search(s: SlackStandIn, req: Request) -> Response:
    s.scoped(req, "search.messages")
    a = arguments(req)
    words = str(a.get("query", "")).split()
    after = [w.removeprefix("after:") for w in words if w.startswith("after:")]
    terms = [w for w in words if not w.startswith(("after:", "before:", "in:", "from:"))]
    if not terms and not after:
        raise s.fail("no_query")
    floor: float | None = None
    if after:  # after:YYYY-MM-DD: messages from the next day on (the workspace's days; UTC here)
        day = datetime.strptime(after[-1], "%Y-%m-%d").replace(tzinfo=UTC)
        floor = day.timestamp() + 86400
    hits = []
    for cid, msgs in s.state.messages.items():
        ch = s.state.channels[cid]
        if (ch.get("is_private") or ch.get("is_im")) and req.me not in ch["_members"]:
            continue
        for m in msgs:
            if all(t.lower() in m["text"].lower() for t in terms) and (
                floor is None or float(m["ts"]) >= floor
            ):
                hits.append((ch, m))
    desc = a.get("sort_dir", "desc") == "desc"
    if a.get("sort") == "timestamp":
        hits.sort(key=lambda h: float(h[1]["ts"]), reverse=desc)
    count = min(max(int(a.get("count") or 20), 1), 100)
    page = max(int(a.get("page") or 1), 1)
    pages = max(1, math.ceil(len(hits) / count))
    if page > 100:
        raise s.fail("invalid_page")
    chunk = hits[(page - 1) * count : page * count]
    matches = []
    for ch, m in chunk:
        author = s.state.users[m["user"]]
        matches.append(
            {
                "iid": secrets.token_hex(8),
                "team": TEAM["id"],
                "type": "message",
                "ts": m["ts"],
                "text": m["text"],
                "user": m["user"],
                "username": author["name"],
                "permalink": s.state.permalink(ch["id"], m),
                "channel": {
                    "id": ch["id"],
                    "name": ch.get("name") or ch.get("user", ""),
                    "is_channel": bool(ch.get("is_channel")),
                    "is_private": bool(ch.get("is_private")),
                    "is_im": bool(ch.get("is_im")),
                    "is_mpim": bool(ch.get("is_mpim")),
                },
            }
        )
    first = (page - 1) * count + 1 if chunk else 0
    return s.ok(
        req,
        {
            "query": a.get("query", ""),
            "messages": {
                "total": len(hits),
                "matches": matches,
                "paging": {"count": count, "total": len(hits), "page": page, "pages": pages},
                "pagination": {
                    "total_count": len(hits),
                    "page": page,
                    "per_page": count,
                    "page_count": pages,
                    "first": first,
                    "last": first + len(chunk) - 1 if chunk else 0,
                },
            },
        },
    )


# -- OAuth v2 with PKCE -----------------------------------------------------------------------
def s256(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


@routes.route("GET", r"/oauth/v2/authorize")
def _authorize(s: SlackStandIn, req: Request) -> Response:
    a = req.args
    if a.get("client_id") != s.client_id:
        raise Reply(400, b"invalid_client_id", {"content-type": "text/plain"})
    if s.signing_in is None:
        raise Reply(400, b"nobody is signing in", {"content-type": "text/plain"})
    code = "code-" + secrets.token_hex(12)
    s.codes[code] = PendingCode(
        challenge=a["code_challenge"],
        redirect_uri=a["redirect_uri"],
        client_id=a["client_id"],
        scopes=tuple(x for x in a["user_scope"].replace(",", " ").split() if x),
        user=s.signing_in,
    )
    target = a["redirect_uri"] + "?" + urlencode({"code": code, "state": a["state"]})
    return 302, None, {"location": target}


@routes.route("POST", r"/api/oauth\.v2\.access")
def _token(s: SlackStandIn, req: Request) -> Response:
    a = arguments(req)
    if a.get("client_id") != s.client_id:
        raise s.fail("invalid_client_id")
    if a.get("grant_type") == "refresh_token":
        grant = s.refresh_tokens.pop(str(a.get("refresh_token", "")), None)
        if grant is None:
            raise s.fail("invalid_refresh_token")
        token, refresh = _issue(s, grant)
        body = {"access_token": token, "refresh_token": refresh, "token_type": "user"}
        return 200, {"ok": True, **body, "expires_in": 43200, "scope": ",".join(grant.scopes)}, {}
    pending = s.codes.pop(str(a.get("code", "")), None)
    if pending is None:
        raise s.fail("invalid_code")
    if a.get("redirect_uri") != pending.redirect_uri:
        raise s.fail("bad_redirect_uri")
    if s256(str(a.get("code_verifier", ""))) != pending.challenge:
        raise s.fail("invalid_code_verifier")
    grant = Grant(pending.user, pending.scopes)
    token, refresh = _issue(s, grant)
    return (
        200,
        {
            "ok": True,
            "app_id": "A0TIELINE",
            "authed_user": {
                "id": pending.user,
                "scope": ",".join(pending.scopes),
                "access_token": token,
                "token_type": "user",
                "refresh_token": refresh,
                "expires_in": 43200,
            },
            "team": {"id": TEAM["id"], "name": TEAM["name"]},
            "is_enterprise_install": False,
        },
        {},
    )


def _issue(s: SlackStandIn, grant: Grant) -> tuple[str, str]:
    """A rotating user token (xoxe.xoxp-) and its refresh token (xoxe-)."""
    token = "xoxe.xoxp-1-" + secrets.token_hex(24)
    refresh = "xoxe-1-" + secrets.token_hex(24)
    s.grants[token] = grant
    s.tokens[token] = grant.user
    s.refresh_tokens[refresh] = grant
    return token, refresh
