"""A local Discord stand-in (HTTP API v10 and the OAuth2 token endpoint), on the stand-in kit.

Every request under ``/api/v10`` is checked against ``tests/contracts/discord/openapi.json``
(Discord's own OpenAPI 3.1 description; see its PROVENANCE) before it is served, and every
JSON answer the stand-in gives is checked against that operation's response schema, so a
path, parameter or body Discord would refuse -- or an answer Discord could not send -- fails
the test.

Where each shape comes from:

- Users, guilds, channels, messages, webhooks, errors and 429 bodies: the description's
  schemas (``UserPIIResponse``, ``MyGuildResponse``, ``GuildChannelResponse``,
  ``MessageResponse``, ``GuildIncomingWebhookResponse``, ``ErrorResponse``,
  ``RatelimitedResponse``).
- Auth: ``Authorization: Bot <token>`` (a bot) or ``Bearer <token>`` (an OAuth user token);
  only a bot may post to a channel (a user token's POST is ``401: Unauthorized``, as
  Discord answers it). Webhook routes take no credentials: the token is in the path.
- The 2,000-character limit on ``content``: the description allows 4,000 for
  ``MessageCreateRequest`` (what Nitro users may send) and 2,000 for webhooks; bots are held
  to 2,000 (discord.com/developers/docs/resources/message#create-message), answered as
  Discord's ``50035 Invalid Form Body`` with ``BASE_TYPE_MAX_LENGTH``.
- Error codes (discord.com/developers/docs/topics/opcodes-and-status-codes#json): 10003
  Unknown Channel (404), 10015 Unknown Webhook (404), 50001 Missing Access and 50013 Missing
  Permissions (403), 50027 Invalid Webhook Token (401), 0 with ``401: Unauthorized``.
- Rate limits (discord.com/developers/docs/topics/rate-limits): ``X-RateLimit-Limit``,
  ``-Remaining``, ``-Reset`` (epoch seconds with a fraction), ``-Reset-After`` (seconds) and
  ``-Bucket`` on every answer; a 429 is ``{"message": "You are being rate limited.",
  "retry_after", "global"}`` with ``Retry-After`` and ``X-RateLimit-Scope``. One bucket per
  account stands in for Discord's per-route buckets.
- OAuth2 (``POST /api/oauth2/token`` and ``/api/oauth2/token/revoke``, outside the
  description, which has neither): the form fields of
  discord.com/developers/docs/topics/oauth2 (grant_type, code, redirect_uri, client_id)
  plus RFC 7636's ``code_verifier``, checked against the S256 challenge the authorize step
  recorded, with Discord's own rule that a verifier has at least 43 characters
  (``invalid_request`` / ``Invalid "code_verifier"`` otherwise). Revocation answers 200.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import math
import re
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from .kit import Json, OpenAPIContract, Quota, Reply, Request, Response, Router, StandIn
from .kit.server import Wire

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = OpenAPIContract(ROOT / "contracts" / "discord" / "openapi.json")
API = "/api/v10"
LIMIT = 2000
_WEBHOOK_PATH = re.compile(rf"^{API}/webhooks/(?P<id>\d+)/(?P<token>[^/]+)$")

routes: Router[DiscordStandIn] = Router()


def iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat()


@dataclass
class Grant:
    """An authorization code the authorize step handed out, and what its exchange must match."""

    code: str
    client_id: str
    redirect_uri: str
    challenge: str
    user: dict[str, Any]
    scope: str = "identify guilds"


@dataclass
class DiscordState:
    """Users (bots and people), guilds, channels, messages and webhooks."""

    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    guilds: dict[str, dict[str, Any]] = field(default_factory=dict)
    members: dict[str, set[str]] = field(default_factory=dict)  # guild id -> user ids
    channels: dict[str, dict[str, Any]] = field(default_factory=dict)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    webhooks: dict[str, dict[str, Any]] = field(default_factory=dict)
    hidden: set[tuple[str, str]] = field(default_factory=set)  # (user id, channel id)
    mute: set[tuple[str, str]] = field(default_factory=set)  # no Send Messages

    def snowflake(self) -> str:
        """A 19-digit id, increasing, as Discord's are."""
        return str(1_200_000_000_000_000_000 + next(self._ids))

    def add_user(
        self, username: str, *, bot: bool = False, name: str | None = None
    ) -> dict[str, Any]:
        uid = self.snowflake()
        u = {
            "id": uid,
            "username": username,
            "avatar": "a1b2c3d4e5f60718293a4b5c6d7e8f90",
            "discriminator": "0",
            "public_flags": 0,
            "flags": 0,
            "bot": bot,
            "global_name": None if bot else (name or username.title()),
            "mfa_enabled": False,
            "locale": "en-US",
        }
        self.users[uid] = u
        return u

    def add_guild(self, name: str, members: list[dict[str, Any]]) -> dict[str, Any]:
        gid = self.snowflake()
        g = {
            "id": gid,
            "name": name,
            "icon": None,
            "banner": None,
            "owner": False,
            "permissions": "2248473465835073",
            "features": [],
        }
        self.guilds[gid] = g
        self.members[gid] = {m["id"] for m in members}
        return g

    def add_channel(
        self, guild: dict[str, Any], name: str, *, type: int = 0, position: int = 0
    ) -> dict[str, Any]:
        cid = self.snowflake()
        c = {
            "id": cid,
            "type": type,
            "flags": 0,
            "guild_id": guild["id"],
            "name": name,
            "position": position,
            "parent_id": None,
            "last_message_id": None,
            "permission_overwrites": [],
            "nsfw": False,
        }
        if type in (0, 5):
            c.update({"topic": None, "rate_limit_per_user": 0})
        if type in (10, 11, 12):  # a thread: ThreadResponse's own fields
            c.update(
                {
                    "owner_id": next(iter(self.members[guild["id"]])),
                    "message_count": 0,
                    "member_count": 1,
                    "total_message_sent": 0,
                    "thread_metadata": {
                        "archived": False,
                        "archive_timestamp": iso(time.time()),
                        "auto_archive_duration": 1440,
                        "locked": False,
                    },
                }
            )
            for k in ("position", "permission_overwrites"):
                c.pop(k)
        self.channels[cid] = c
        self.messages[cid] = []
        return c

    def add_webhook(self, channel: dict[str, Any], name: str) -> tuple[dict[str, Any], str]:
        """A channel webhook, and its URL as the channel's Integrations page shows it."""
        wid = self.snowflake()
        token = secrets.token_urlsafe(51)[:68]
        w = {
            "application_id": None,
            "avatar": None,
            "channel_id": channel["id"],
            "guild_id": channel["guild_id"],
            "id": wid,
            "name": name,
            "type": 1,
            "token": token,
        }
        self.webhooks[wid] = w
        return w, f"https://discord.com/api/webhooks/{wid}/{token}"

    def post(
        self, channel_id: str, content: str, author: dict[str, Any], webhook: str | None = None
    ) -> dict[str, Any]:
        m: dict[str, Any] = {
            "type": 0,
            "content": content,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "timestamp": iso(time.time()),
            "edited_timestamp": None,
            "flags": 0,
            "components": [],
            "id": self.snowflake(),
            "channel_id": channel_id,
            "author": _public_user(author),
            "pinned": False,
            "mention_everyone": False,
            "tts": False,
        }
        if webhook:
            m["webhook_id"] = webhook
        self.messages.setdefault(channel_id, []).append(m)
        self.channels[channel_id]["last_message_id"] = m["id"]
        return m


def _public_user(u: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "username", "avatar", "discriminator", "public_flags", "flags", "bot")
    return {k: u[k] for k in keep} | {"global_name": u["global_name"], "primary_guild": None}


class DiscordStandIn(StandIn):
    service, router = "Discord", routes
    contract = CONTRACT
    budgets = {"requests": 50}
    window = 1.0
    etags = False  # Discord sends no ETags

    def __init__(self, *, port: int = 0, validate: bool = True) -> None:
        super().__init__(port=port, validate=validate)
        self.state = DiscordState()
        # Discord's API answers carry no Cache-Control or ETag: nothing is served from cache.
        self.default_cache_control = None
        self.bots: dict[str, str] = {}  # bot token -> user id
        self.grants: dict[str, Grant] = {}  # authorization code -> grant
        self.webhook_auth: list[str | None] = []  # Authorization sent to webhook routes
        self.token_forms: list[dict[str, str]] = []
        self.scopes: dict[str, list[str]] = {}  # OAuth access token -> its scopes
        self.revoked: list[str] = []  # token_type_hint of each revocation

    # -- sign-in -------------------------------------------------------------------------------
    def add_bot(self, token: str, bot: dict[str, Any]) -> None:
        self.bots[token] = bot["id"]

    def authorize(
        self, user: dict[str, Any], *, client_id: str, redirect_uri: str, challenge: str
    ) -> str:
        """What Discord's consent screen does: a code bound to the PKCE challenge."""
        code = secrets.token_urlsafe(20)
        self.grants[code] = Grant(code, client_id, redirect_uri, challenge, user)
        return code

    # -- the kit's hooks -----------------------------------------------------------------------
    def error(self, status: int, message: str, code: int = 0, errors: Json = None) -> Reply:
        body: dict[str, Any] = {"code": code, "message": message}
        if errors is not None:
            body["errors"] = errors
        return Reply(status, body)

    def not_found(self, req: Request) -> Reply:
        return self.error(404, "404: Not Found")

    def unauthorized(self, req: Request) -> Reply:
        return self.error(401, "401: Unauthorized")

    def rejected(self, req: Request, problems: list[str]) -> Reply:
        return self.error(
            400,
            "Invalid Form Body",
            50035,
            {"_errors": [{"code": "CONTRACT", "message": p} for p in problems]},
        )

    def check_contract(self, req: Request) -> list[str]:
        if not req.path.startswith(API + "/"):
            return []  # the OAuth2 endpoints: not in the description (see the module doc)
        return super().check_contract(req)

    def authenticate(self, req: Request) -> str | None:
        if req.path.startswith("/api/oauth2/") or _WEBHOOK_PATH.match(req.path):
            return "public"  # no credentials: the client's id, or the webhook's token, decides
        scheme, _, token = req.headers.get("authorization", "").partition(" ")
        if scheme == "Bot":
            return self.bots.get(token.strip())
        if scheme == "Bearer":
            return self.tokens.get(token.strip())
        return None

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(quota.limit),
            "X-RateLimit-Remaining": str(quota.remaining),
            "X-RateLimit-Reset": f"{quota.reset:.3f}",
            "X-RateLimit-Reset-After": f"{max(0.0, quota.reset - time.time()):.3f}",
            "X-RateLimit-Bucket": hashlib.sha256(quota.account.encode()).hexdigest()[:32],
        }

    def _throttle(self, seconds: float, scope: str) -> Reply:
        body = {
            "message": "You are being rate limited.",
            "retry_after": round(seconds, 3),
            "global": scope == "global",
            "code": 0,
        }
        return Reply(
            429, body, {"Retry-After": str(math.ceil(seconds)), "X-RateLimit-Scope": scope}
        )

    def rate_limited(self, quota: Quota) -> Reply:
        return self._throttle(max(0.0, quota.reset - time.time()), "user")

    def throttled(self, req: Request, seconds: float, *, secondary: bool) -> Reply:
        return self._throttle(seconds, "global" if secondary else "user")

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> Wire | None:
        wire = super().handle(method, target, headers, body)
        if wire is not None and self.validate:
            problems = answer_problems(Request.parse(method, target, headers, body), wire)
            if problems:
                with self.lock:
                    self.violations.extend(problems)
        return wire

    # -- for routes ----------------------------------------------------------------------------
    def me(self, req: Request) -> dict[str, Any]:
        return self.state.users[req.me]

    def bot_only(self, req: Request) -> dict[str, Any]:
        if not req.headers.get("authorization", "").startswith("Bot "):
            raise self.unauthorized(req)
        return self.me(req)

    def channel_for(self, req: Request, user: dict[str, Any]) -> dict[str, Any]:
        c = self.state.channels.get(req.path_args["channel"])
        if c is None:
            raise self.error(404, "Unknown Channel", 10003)
        if user["id"] not in self.state.members.get(c["guild_id"], set()) or (
            (user["id"], c["id"]) in self.state.hidden
        ):
            raise self.error(403, "Missing Access", 50001)
        return c


def answer_problems(req: Request, wire: Wire) -> list[str]:
    """Every way a JSON answer under ``/api/v10`` breaks the operation's response schema."""
    status, headers, data = wire
    if (
        not req.path.startswith(API + "/")
        or not data
        or "json" not in headers.get("content-type", "")
    ):
        return []
    body = json.loads(data)
    if status == 400 and isinstance(body, dict) and body.get("code") == 50035:
        # Discord's field errors carry string codes ("BASE_TYPE_MAX_LENGTH", as its docs and
        # real answers show), where the description's ``Error`` says integer: the rest of the
        # body is checked, the per-field list as Discord documents it.
        body.pop("errors", None)
        data = json.dumps(body).encode()
    return CONTRACT.answer_problems(req, status, headers, data)


def _too_long(content: str) -> Reply | None:
    if len(content) <= LIMIT:
        return None
    errors = {
        "content": {
            "_errors": [
                {"code": "BASE_TYPE_MAX_LENGTH", "message": f"Must be {LIMIT} or fewer in length."}
            ]
        }
    }
    return Reply(400, {"code": 50035, "message": "Invalid Form Body", "errors": errors})


# -- users and guilds ---------------------------------------------------------------------------
@routes.route("GET", rf"{API}/users/@me")
def _me(s: DiscordStandIn, req: Request) -> Response:
    return 200, s.me(req), {}


@routes.route("GET", rf"{API}/oauth2/@me")
def _oauth_me(s: DiscordStandIn, req: Request) -> Response:
    scopes = s.scopes.get(req.headers.get("authorization", "").partition(" ")[2])
    if scopes is None:  # a bot token, or none
        raise s.unauthorized(req)
    app = {
        "id": "1200000000000000777",
        "name": "Tieline",
        "icon": None,
        "description": "",
        "type": None,
        "verify_key": "c0ffee" * 10 + "abcd",
        "flags": 0,
        "flags_new": "0",
    }
    answer = {
        "application": app,
        "expires": iso(time.time() + 604800),
        "scopes": scopes,
        "user": _public_user(s.me(req)),
    }
    return 200, answer, {}


@routes.route("GET", rf"{API}/users/@me/guilds")
def _my_guilds(s: DiscordStandIn, req: Request) -> Response:
    uid = req.me
    mine = [g for gid, g in s.state.guilds.items() if uid in s.state.members[gid]]
    mine.sort(key=lambda g: int(g["id"]))
    if after := req.args.get("after"):
        mine = [g for g in mine if int(g["id"]) > int(after)]
    limit = int(req.args.get("limit", "200"))
    return 200, mine[:limit], {}


@routes.route("GET", rf"{API}/guilds/(?P<guild>\d+)/channels")
def _guild_channels(s: DiscordStandIn, req: Request) -> Response:
    user = s.bot_only(req)
    gid = req.path_args["guild"]
    if gid not in s.state.guilds:
        raise s.error(404, "Unknown Guild", 10004)
    if user["id"] not in s.state.members[gid]:
        raise s.error(403, "Missing Access", 50001)
    seen = [
        c
        for c in s.state.channels.values()
        if c["guild_id"] == gid and (user["id"], c["id"]) not in s.state.hidden
    ]
    return 200, seen, {}


@routes.route("GET", rf"{API}/channels/(?P<channel>\d+)")
def _channel(s: DiscordStandIn, req: Request) -> Response:
    return 200, s.channel_for(req, s.bot_only(req)), {}


@routes.route("POST", rf"{API}/channels/(?P<channel>\d+)/messages")
def _create_message(s: DiscordStandIn, req: Request) -> Response:
    bot = s.bot_only(req)
    c = s.channel_for(req, bot)
    if c["type"] not in (0, 5, 10, 11, 12):
        raise s.error(400, "Cannot send messages in a non-text channel", 50008)
    if (bot["id"], c["id"]) in s.state.mute:
        raise s.error(403, "Missing Permissions", 50013)
    body = req.json or {}
    content = str(body.get("content") or "")
    if (refusal := _too_long(content)) is not None:
        raise refusal
    if not content:
        raise s.error(400, "Cannot send an empty message", 50006)
    return 200, s.state.post(c["id"], content, bot), {}


# -- webhooks -----------------------------------------------------------------------------------
def _hook(s: DiscordStandIn, req: Request) -> dict[str, Any]:
    s.webhook_auth.append(req.headers.get("authorization"))
    w = s.state.webhooks.get(req.path_args["id"])
    if w is None:
        raise s.error(404, "Unknown Webhook", 10015)
    if not secrets.compare_digest(w["token"], req.path_args["token"]):
        raise s.error(401, "Invalid Webhook Token", 50027)
    return w


@routes.route("GET", rf"{API}/webhooks/(?P<id>\d+)/(?P<token>[^/]+)")
def _get_webhook(s: DiscordStandIn, req: Request) -> Response:
    w = _hook(s, req)
    return 200, {k: v for k, v in w.items() if k != "token"}, {}


@routes.route("POST", rf"{API}/webhooks/(?P<id>\d+)/(?P<token>[^/]+)")
def _execute_webhook(s: DiscordStandIn, req: Request) -> Response:
    w = _hook(s, req)
    body = req.json or {}
    content = str(body.get("content") or "")
    if (refusal := _too_long(content)) is not None:
        raise refusal
    channel = req.args.get("thread_id") or w["channel_id"]
    if channel not in s.state.channels:
        raise s.error(404, "Unknown Channel", 10003)
    author = {
        "id": w["id"],
        "username": w["name"],
        "avatar": None,
        "discriminator": "0000",
        "public_flags": 0,
        "flags": 0,
        "bot": True,
        "global_name": None,
        "primary_guild": None,
    }
    m = s.state.post(channel, content, author, webhook=w["id"])
    if req.args.get("wait") != "true":
        return 204, None, {}
    return 200, m, {}


# -- OAuth2 -------------------------------------------------------------------------------------
def _oauth_error(error: str, description: str) -> Reply:
    return Reply(400, {"error": error, "error_description": description})


@routes.route("POST", r"/api/oauth2/token")
def _token(s: DiscordStandIn, req: Request) -> Response:
    if not req.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        raise _oauth_error("invalid_request", "form body expected")
    form = dict(parse_qsl(req.body.decode()))
    s.token_forms.append(form)
    if form.get("grant_type") != "authorization_code":
        raise _oauth_error(
            "unsupported_grant_type", f"Unsupported grant type {form.get('grant_type')!r}"
        )
    grant = s.grants.pop(form.get("code", ""), None)
    if grant is None:
        raise _oauth_error("invalid_grant", 'Invalid "code" in request.')
    if form.get("client_id") != grant.client_id:
        raise Reply(401, {"error": "invalid_client"})
    if form.get("redirect_uri") != grant.redirect_uri:
        raise _oauth_error("invalid_grant", 'Invalid "redirect_uri" in request.')
    verifier = form.get("code_verifier", "")
    if len(verifier) < 43:
        raise _oauth_error("invalid_request", 'Invalid "code_verifier"')
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    if digest.decode() != grant.challenge:
        raise _oauth_error("invalid_grant", 'Invalid "code_verifier"')
    access = secrets.token_urlsafe(22)
    s.tokens[access] = grant.user["id"]
    s.scopes[access] = grant.scope.split()
    answer = {
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": 604800,
        "refresh_token": secrets.token_urlsafe(22),
        "scope": grant.scope,
    }
    return 200, answer, {"cache-control": "no-store"}


@routes.route("POST", r"/api/oauth2/token/revoke")
def _revoke(s: DiscordStandIn, req: Request) -> Response:
    """RFC 7009 revocation as Discord answers it: 200 with an empty object, also for a token
    it does not know; the client's id must be in the form."""
    form = dict(parse_qsl(req.body.decode()))
    if not form.get("client_id"):
        raise Reply(401, {"error": "invalid_client"})
    token = form.get("token", "")
    s.tokens.pop(token, None)
    s.scopes.pop(token, None)
    s.revoked.append(form.get("token_type_hint", ""))
    return 200, {}, {}


__all__ = ["CONTRACT", "DiscordStandIn", "DiscordState"]
