"""Logging in to the management pages, and keeping a browser logged in safely.

A **ticket** is what the login link carries: ``<nonce>.<expires>.<mac>``, the MAC an
HMAC-SHA256 keyed from the local token (HMAC of a fixed label, as signed widget links do, so
a ticket gives nothing that reaches another route) over the nonce and the expiry. Whoever
can read the vault can mint one -- the CLI in its own process, the editor's server -- and the
web face needs no shared state with them to check it. It lives :data:`TICKET_TTL` seconds and
is good once: the web face remembers each nonce it accepted until that nonce's expiry.
Rotating the token (``tieline web token --rotate``) voids every ticket not yet used.

A **session** is server-side, in the web face's memory: a random id (the cookie's value,
256 bits) mapped to its CSRF token, its expiry and the one-time notices a page shows (a new
secret, shown once). It ends after :data:`IDLE` seconds unused or :data:`LIFETIME` seconds in
all, when the web face stops, or at logout. The cookie is ``HttpOnly; SameSite=Strict;
Path=/manage``; no ``Secure`` flag, since the web face is plain HTTP on loopback.

:class:`ManageSession` is the :class:`~server.web.auth.Authenticator` for the cookie; it vouches
only for ``/manage/`` paths, so the cookie opens nothing else of the web face.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import secrets as _random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from starlette.requests import HTTPConnection

from ..auth import TOKEN_MAX_AGE, Principal
from ..errors import CsrfRefused
from ..secrets import WebSecrets

#: Where the session cookie is sent and honoured.
PREFIX = "/manage"
COOKIE = "tieline_manage"
#: The scope a session's principal holds: the management pages, nothing else.
SCOPE = "manage"
#: Seconds a login link works (long enough to click it, short enough that a link left in a
#: terminal's scroll-back is dead).
TICKET_TTL = 120.0
#: Seconds a session lives unused, and at most.
IDLE = 30 * 60.0
LIFETIME = 8 * 3600.0
_LABEL = b"tieline manage login v1"

Clock = Callable[[], float]
__all__ = ["CsrfRefused", "ManageSession", "Session", "Sessions", "login_link", "mint"]


def _key(token: str) -> bytes:
    return hmac.new(token.encode("utf-8"), _LABEL, hashlib.sha256).digest()


def _mac(token: str, nonce: str, expires: int) -> str:
    return hmac.new(_key(token), f"{nonce}.{expires}".encode(), hashlib.sha256).hexdigest()


def mint(token: str, *, now: float | None = None, ttl: float = TICKET_TTL) -> str:
    """A fresh login ticket for the web face whose local token is ``token``."""
    nonce = _random.token_urlsafe(18)
    expires = int((time.time() if now is None else now) + ttl)
    return f"{nonce}.{expires}.{_mac(token, nonce, expires)}"


def login_link(base_url: str, token: str, *, now: float | None = None) -> str:
    """``<base>/manage/login?ticket=...`` (the base is ``http://127.0.0.1:PORT``)."""
    return f"{base_url.rstrip('/')}{PREFIX}/login?ticket={mint(token, now=now)}"


@dataclass
class Session:
    """One logged-in browser. ``notices`` are shown by the next page rendered, then gone."""

    id: str
    csrf: str
    created_at: float
    seen_at: float
    notices: list[tuple[str, str]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def notice(self, text: str, *, secret: str = "") -> None:
        self.notices.append((text, secret))

    def take_notices(self) -> list[tuple[str, str]]:
        """The notices to show now; a secret among them is in no session afterwards."""
        out, self.notices = self.notices, []
        return out

    def take_errors(self) -> list[str]:
        out, self.errors = self.errors, []
        return out


class Sessions:
    """Tickets accepted and sessions open, for one web face (in memory, thread-safe)."""

    def __init__(self, secrets: WebSecrets, *, clock: Clock = time.time) -> None:
        self.secrets = secrets
        self.clock = clock
        self._lock = threading.Lock()
        self._used: dict[str, float] = {}  # nonce -> its expiry
        self._open: dict[str, Session] = {}

    async def redeem(self, ticket: str) -> Session | None:
        """A new session for a valid, unexpired, unused ticket; ``None`` otherwise (which of
        these it was is not said: a prober learns nothing)."""
        token = await asyncio.to_thread(self.secrets.token, max_age=TOKEN_MAX_AGE)
        nonce, _, rest = ticket.partition(".")
        expires_text, _, mac = rest.partition(".")
        if not nonce or not expires_text.isdigit() or len(mac) != 64:
            return None
        expires = int(expires_text)
        expected = _mac(token, nonce, expires)
        if not hmac.compare_digest(mac.encode("ascii", "replace"), expected.encode("ascii")):
            return None
        now = self.clock()
        if expires <= now or expires > now + TICKET_TTL + 60:  # 60 s of clock skew at most
            return None
        with self._lock:
            self._used = {n: e for n, e in self._used.items() if e > now}
            if nonce in self._used:
                return None
            self._used[nonce] = float(expires)
            session = Session(
                id=_random.token_urlsafe(32),
                csrf=_random.token_urlsafe(32),
                created_at=now,
                seen_at=now,
            )
            self._open[session.id] = session
            return session

    def get(self, session_id: str) -> Session | None:
        """The live session of a cookie's value (its idle time restarts), else ``None``."""
        now = self.clock()
        with self._lock:
            session = self._open.get(session_id)
            if session is None:
                return None
            if now - session.seen_at > IDLE or now - session.created_at > LIFETIME:
                del self._open[session_id]
                return None
            session.seen_at = now
            return session

    def end(self, session_id: str) -> None:
        with self._lock:
            self._open.pop(session_id, None)


class ManageSession:
    """The :class:`~server.web.auth.Authenticator` of the session cookie, for ``/manage/``
    paths only. The principal is the machine's user, holding :data:`SCOPE` alone; the
    session itself goes in ``conn.scope["tieline.manage"]`` for the routes."""

    name = "manage-session"

    def __init__(self, sessions: Sessions) -> None:
        self.sessions = sessions

    async def authenticate(self, conn: HTTPConnection) -> Principal | None:
        path = conn.url.path
        if path != PREFIX and not path.startswith(PREFIX + "/"):
            return None
        value = conn.cookies.get(COOKIE)
        if not value:
            return None
        session = self.sessions.get(value)
        if session is None:
            return None
        conn.scope["tieline.manage"] = session
        return Principal("local", frozenset({SCOPE}), via=self.name)


def check_same_origin(conn: HTTPConnection) -> None:
    """The post must say it comes from this origin: ``Origin`` when the browser sends one
    (every current browser does on a POST), else ``Referer``; neither is refused too."""
    own = f"{conn.url.scheme}://{conn.headers.get('host', '')}".lower()
    origin = conn.headers.get("origin")
    if origin is not None:
        if origin.lower() != own:
            raise CsrfRefused("this form was posted from another origin")
        return
    referer = conn.headers.get("referer")
    if not referer:
        raise CsrfRefused("this form post says neither where it comes from (Origin) nor Referer")
    parts = urlsplit(referer)
    if f"{parts.scheme}://{parts.netloc}".lower() != own:
        raise CsrfRefused("this form was posted from another page than this one's")


def check_csrf(session: Session, given: str | None) -> None:
    """The form's token must be the session's (compared in constant time)."""
    if not given or not hmac.compare_digest(given.encode("utf-8"), session.csrf.encode("utf-8")):
        raise CsrfRefused("this form's token is missing or not this session's; reload the page")
