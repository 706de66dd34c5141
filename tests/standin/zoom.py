"""A local Zoom stand-in (API v2: the signed-in user and creating meetings, plus the OAuth
token endpoint), on the stand-in kit.

Every request under ``/v2`` is checked against ``tests/contracts/zoom/zoom.us.subset.json``
(the operations used, cut from APIs.guru's copy of Zoom's own description; see PROVENANCE),
and every JSON answer of a documented status against that operation's response schema.

Where each shape comes from:

- The user and the created meeting: the description's ``200``/``201`` schemas and example
  (``join_url`` ``https://zoom.us/j/<id>``, ``start_url`` ``https://zoom.us/s/<id>?zak=...``).
- Errors (developers.zoom.us/docs/api/rest/other-references/error-codes/): ``{"code",
  "message"}`` -- 124 ``Invalid access token.`` (401), 1001 ``User does not exist: <id>.``
  (404), and HTTP 400 with code 300 ``Validation Failed.`` and an ``errors`` list for a body
  Zoom refuses (the description lists that code as a ``300`` status).
- Rate limits (developers.zoom.us/docs/api/rest/rate-limits/): Create a meeting is in the
  ``Medium`` category and limited to 100 a day per user; answers carry
  ``X-RateLimit-Category``, ``X-RateLimit-Type`` (``QPS`` or ``Daily-limit``) and, for the
  daily limit, ``X-RateLimit-Limit``/``-Remaining``. A 429 is ``{"code": 429, "message"}``
  with ``Retry-After``.
- OAuth (``POST /oauth/token``, not in the description): the authorization-code form of
  developers.zoom.us/docs/integrations/oauth/ with RFC 7636's ``code_verifier``; a public
  client sends its ``client_id`` in the form and no secret
  (developers.zoom.us/docs/integrations/PKCE/). Errors are Zoom's ``{"reason", "error"}``.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import math
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

from .kit import OpenAPIContract, Quota, Reply, Request, Response, Router, StandIn
from .kit.server import Wire

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = OpenAPIContract(ROOT / "contracts" / "zoom" / "zoom.us.subset.json")
API = "/v2"
CATEGORY = {"X-RateLimit-Category": "Medium"}

routes: Router[ZoomStandIn] = Router()


@dataclass
class Grant:
    code: str
    client_id: str
    redirect_uri: str
    challenge: str
    user: str
    scope: str = "meeting:write:meeting user:read:user"


class ZoomStandIn(StandIn):
    service, router = "Zoom", routes
    contract = CONTRACT
    budgets = {"meetings": 100}  # created a day, per user
    window = 86400.0
    etags = False

    def __init__(self, *, port: int = 0, validate: bool = True) -> None:
        super().__init__(port=port, validate=validate)
        self.users: dict[str, dict[str, Any]] = {}  # user id -> user
        self.meetings: list[dict[str, Any]] = []
        self.grants: dict[str, Grant] = {}
        self.token_forms: list[dict[str, str]] = []
        self._ids = itertools.count(85_000_000_001)

    # -- the world -----------------------------------------------------------------------------
    def add_user(self, email: str, first: str, last: str, token: str) -> dict[str, Any]:
        uid = secrets.token_urlsafe(16)[:22]
        u = {
            "id": uid,
            "email": email,
            "first_name": first,
            "last_name": last,
            "display_name": f"{first} {last}",
            "type": 2,
            "pmi": 1234567890,
            "timezone": "Europe/Lisbon",
            "role_name": "Member",
            "status": "active",
        }
        self.users[uid] = u
        self.tokens[token] = uid
        return u

    def authorize(
        self, user: dict[str, Any], *, client_id: str, redirect_uri: str, challenge: str
    ) -> str:
        code = secrets.token_urlsafe(20)
        self.grants[code] = Grant(code, client_id, redirect_uri, challenge, user["id"])
        return code

    # -- the kit's hooks -----------------------------------------------------------------------
    def error(self, status: int, message: str, code: int | None = None) -> Reply:
        return Reply(status, {"code": code if code is not None else status, "message": message})

    def not_found(self, req: Request) -> Reply:
        return self.error(404, "Not Found")

    def unauthorized(self, req: Request) -> Reply:
        return self.error(401, "Invalid access token.", 124)

    def rejected(self, req: Request, problems: list[str]) -> Reply:
        """Zoom's validation failure: HTTP 400 with code 300 (the description lists 300 as if
        it were the HTTP status)."""
        errors = [{"field": "", "message": p} for p in problems]
        return Reply(400, {"code": 300, "message": "Validation Failed.", "errors": errors})

    def check_contract(self, req: Request) -> list[str]:
        if not req.path.startswith(API + "/"):
            return []  # the OAuth token endpoint: not in the description (module doc)
        return super().check_contract(req)

    def authenticate(self, req: Request) -> str | None:
        if req.path.startswith("/oauth/"):
            return "public"
        return super().authenticate(req)

    def charge(self, req: Request) -> dict[str, int]:
        """Only creating a meeting spends the daily budget; the rest is per-second limited,
        which one test's traffic never reaches."""
        if req.method == "POST" and req.path.endswith("/meetings"):
            return {"meetings": 1}
        return {}

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        return {
            **CATEGORY,
            "X-RateLimit-Type": "Daily-limit",
            "X-RateLimit-Limit": str(quota.limit),
            "X-RateLimit-Remaining": str(quota.remaining),
        }

    def rate_limited(self, quota: Quota) -> Reply:
        message = (
            f"You have exceeded the daily rate limit ({quota.limit}) of Create a meeting API "
            "requests permitted for this particular user. You may resume these requests at "
            "GMT 00:00:00."
        )
        return self.error(429, message, 429).with_headers(
            {"Retry-After": str(quota.retry_after()), **CATEGORY}
        )

    def throttled(self, req: Request, seconds: float, *, secondary: bool) -> Reply:
        message = (
            "You have reached the maximum per-second rate limit for this API. Try again later."
        )
        return self.error(429, message, 429).with_headers(
            {"Retry-After": str(math.ceil(seconds)), "X-RateLimit-Type": "QPS", **CATEGORY}
        )

    def handle(
        self, method: str, target: str, headers: Mapping[str, str], body: bytes
    ) -> Wire | None:
        wire = super().handle(method, target, headers, body)
        req = Request.parse(method, target, headers, body)
        if wire is not None and self.validate and req.path.startswith(API + "/"):
            problems = CONTRACT.answer_problems(req, *wire)
            if problems:
                with self.lock:
                    self.violations.extend(problems)
        return wire

    def user_of(self, req: Request) -> dict[str, Any]:
        uid = req.path_args["user"]
        me = self.users[req.me]
        if uid in ("me", me["id"], me["email"]):
            return me
        raise self.error(404, f"User does not exist: {uid}.", 1001)


@routes.route("GET", rf"{API}/users/(?P<user>[^/]+)")
def _user(s: ZoomStandIn, req: Request) -> Response:
    return 200, s.user_of(req), CATEGORY | {"X-RateLimit-Type": "QPS"}


@routes.route("POST", rf"{API}/users/(?P<user>[^/]+)/meetings")
def _create_meeting(s: ZoomStandIn, req: Request) -> Response:
    host = s.user_of(req)
    body = req.json or {}
    mid = next(s._ids)
    meeting_type = int(body.get("type", 2))
    pwd = secrets.token_urlsafe(24)[:32]
    meeting = {
        "uuid": base64.b64encode(secrets.token_bytes(16)).decode(),
        "id": mid,
        "host_id": host["id"],
        "host_email": host["email"],
        "topic": body.get("topic") or "Zoom meeting",
        "type": meeting_type,
        "status": "waiting",
        "start_time": body.get("start_time") or time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "duration": int(body.get("duration", 60)),
        "timezone": body.get("timezone") or host["timezone"],
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "start_url": f"https://zoom.us/s/{mid}?zak=eyJ6bV9za20iOiJ6bV9vMm0iLCJhbGciOiJIUzI1NiJ9.host.zak",
        "join_url": f"https://zoom.us/j/{mid}?pwd={pwd}",
        "password": pwd[:10],
        "settings": {"host_video": False, "participant_video": False, "join_before_host": False},
    }
    s.meetings.append({**meeting, "_request": body})
    return 201, meeting, {}


def _oauth_error(reason: str, error: str = "invalid_request") -> Reply:
    return Reply(400, {"reason": reason, "error": error})


@routes.route("POST", r"/oauth/token")
def _token(s: ZoomStandIn, req: Request) -> Response:
    form = dict(parse_qsl(req.body.decode()))
    s.token_forms.append(form)
    if form.get("grant_type") != "authorization_code":
        raise _oauth_error("Unsupported grant type", "unsupported_grant_type")
    grant = s.grants.pop(form.get("code", ""), None)
    if grant is None:
        raise _oauth_error("Invalid authorization code", "invalid_grant")
    if form.get("client_id") != grant.client_id or form.get("redirect_uri") != grant.redirect_uri:
        raise _oauth_error("Invalid client_id or redirect_uri", "invalid_client")
    verifier = form.get("code_verifier", "")
    digest = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
    if digest.decode() != grant.challenge:
        raise _oauth_error("Invalid code verifier")
    header = ".".join(
        base64.urlsafe_b64encode(p).decode().rstrip("=")
        for p in (
            b'{"alg":"HS512","v":"2.0","kid":"standin"}',
            secrets.token_bytes(40),
            secrets.token_bytes(32),
        )
    )
    access = header  # a JWT, as Zoom's are (base64 of {"alg"... begins eyJ)
    s.tokens[access] = grant.user
    answer = {
        "access_token": access,
        "token_type": "bearer",
        "refresh_token": "eyJ"
        + secrets.token_urlsafe(40)
        + "."
        + secrets.token_urlsafe(40)
        + "."
        + secrets.token_urlsafe(20),
        "expires_in": 3599,
        "scope": grant.scope,
    }
    return 200, answer, {"cache-control": "no-store"}


__all__ = ["CONTRACT", "ZoomStandIn"]
