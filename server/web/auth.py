"""Who is calling: a small chain of authenticators, and the guard that refuses everyone else.

Starlette's own authentication machinery carries the result (``request.user`` is a
:class:`Principal`, ``request.auth.scopes`` its scopes, ``starlette.authentication.requires``
works on routes), so a route written for Starlette needs nothing of ours. What is ours:

- :class:`Authenticator`, the one-method protocol a way of proving identity implements
  (the local token here; an OAuth provider's access tokens later), tried in order by
  :class:`AuthChain` -- adding one never edits a route;
- :class:`RequireAuth`, which answers 401 (``WWW-Authenticate: Bearer``) to any request
  without a principal -- before routing, so an unknown path is 401 too and a prober learns
  nothing from 404s -- unless the endpoint that would serve it is marked
  :func:`self_authenticating` (webhooks: their signature is their credential).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar, runtime_checkable

from starlette.authentication import (
    AuthCredentials,
    AuthenticationBackend,
    AuthenticationError,
    BaseUser,
)
from starlette.requests import HTTPConnection
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Host, Match, Mount
from starlette.types import ASGIApp, Receive, Scope, Send

from .secrets import WebSecrets

#: A principal holding this scope holds every scope (the machine's own user).
ALL_SCOPES = "*"
#: How long a running server trusts its copy of the local token before reading the vault
#: again (a rotation by ``tieline web token --rotate`` takes effect within this).
TOKEN_MAX_AGE = 5.0
_SELF_AUTH = "__tieline_self_authenticating__"

log = logging.getLogger("tieline.web.auth")

F = TypeVar("F", bound=Callable[..., Any])


class Scopes(list[str]):
    """Scopes as Starlette's ``requires`` reads them (``scope in auth.scopes``), where
    :data:`ALL_SCOPES` contains every scope."""

    def __contains__(self, item: object) -> bool:
        return super().__contains__(ALL_SCOPES) or super().__contains__(item)


class Grants(AuthCredentials):
    def __init__(self, scopes: Iterable[str]) -> None:
        super().__init__(list(scopes))
        self.scopes = Scopes(self.scopes)


@dataclass(frozen=True)
class Principal(BaseUser):
    """An authenticated caller: ``subject`` (``local`` for the token's holder, a client id
    for an OAuth client), its ``scopes``, and ``via``, the authenticator that vouched."""

    subject: str
    scopes: frozenset[str] = field(default_factory=frozenset)
    via: str = ""

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def display_name(self) -> str:
        return self.subject

    @property
    def identity(self) -> str:
        return f"{self.via}:{self.subject}"

    def allows(self, scope: str) -> bool:
        return ALL_SCOPES in self.scopes or scope in self.scopes


@runtime_checkable
class Authenticator(Protocol):
    """One way of proving who is calling. ``None``: not this way (the chain tries the next);
    a principal: this caller, with these scopes. It must not raise for a bad credential --
    an invalid token is simply ``None`` -- so one scheme never hides another."""

    name: str

    async def authenticate(self, conn: HTTPConnection) -> Principal | None: ...


def bearer_token(conn: HTTPConnection) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header (RFC 6750 §2.1), or ``None``."""
    value = conn.headers.get("authorization")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return None
    return token


class LocalToken:
    """The local bearer token from the vault: whoever can read it is this machine's user,
    and holds every scope. Compared in constant time (:func:`hmac.compare_digest`)."""

    name = "local"

    def __init__(self, secrets: WebSecrets, *, max_age: float | None = None) -> None:
        self.secrets = secrets
        self.max_age = TOKEN_MAX_AGE if max_age is None else max_age

    async def authenticate(self, conn: HTTPConnection) -> Principal | None:
        given = bearer_token(conn)
        if given is None:
            return None
        expected = await asyncio.to_thread(self.secrets.token, max_age=self.max_age)
        if hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
            return Principal("local", frozenset({ALL_SCOPES}), via=self.name)
        return None


class CannotVerify(AuthenticationError):
    """No authenticator vouched for the caller, and one could not tell: the store that holds
    its tokens is away. Answered 503 (:func:`auth_error`), not 401 -- the credentials may be
    good, and a client told 401 drops its token and stops trying."""


class AuthChain(AuthenticationBackend):
    """Try each authenticator in order; the first principal wins. One that raises is
    logged and skipped (fail closed), never a 500 for every request; if none vouched and one
    raised because its store is away, :class:`CannotVerify`."""

    def __init__(self, authenticators: Sequence[Authenticator]) -> None:
        self.authenticators = list(authenticators)

    async def authenticate(self, conn: HTTPConnection) -> tuple[AuthCredentials, BaseUser] | None:
        from connectors.sdk.errors import StoreError

        unsure = False
        for a in self.authenticators:
            try:
                principal = await a.authenticate(conn)
            except StoreError as exc:  # cannot tell now: vouches for nobody, says so
                log.warning("authenticator %s cannot check credentials: %s", a.name, exc.message)
                unsure = True
                continue
            except Exception:  # fail closed: a broken scheme vouches for nobody
                log.exception("authenticator %s failed; it vouches for no one", a.name)
                continue
            if principal is not None:
                return Grants(principal.scopes), principal
        if unsure:
            raise CannotVerify("the credentials cannot be checked now")
        return None


def auth_error(conn: HTTPConnection, exc: Exception) -> Response:
    """What ``AuthenticationMiddleware`` answers when authenticating raised: 503 with
    ``Retry-After`` when the credentials could not be checked, else 401."""
    if isinstance(exc, CannotVerify):
        return PlainTextResponse(
            "the credentials cannot be checked now; try again shortly\n",
            status_code=503,
            headers={"Retry-After": "5"},
        )
    return PlainTextResponse(
        "authentication failed\n", status_code=401, headers={"WWW-Authenticate": "Bearer"}
    )


def self_authenticating(reason: str) -> Callable[[F], F]:
    """Mark an endpoint as proving its callers itself (a webhook's signature), so
    :class:`RequireAuth` lets requests without a principal reach it. ``reason`` says how it
    authenticates; it is kept on the endpoint for reviews and tests to read."""

    def mark(endpoint: F) -> F:
        setattr(endpoint, _SELF_AUTH, reason)
        return endpoint

    return mark


def self_authentication(endpoint: object) -> str | None:
    """How ``endpoint`` authenticates its callers itself, or ``None`` (it relies on us)."""
    reason = getattr(endpoint, _SELF_AUTH, None)
    return reason if isinstance(reason, str) else None


def resolve_endpoint(routes: Sequence[BaseRoute], scope: Scope) -> object | None:
    """The endpoint Starlette's router would hand ``scope`` to (through mounts), or
    ``None`` when none would (a 404). A method mismatch resolves to the partial match, as
    the router's 405 does."""
    partial: object | None = None
    for route in routes:
        match, child = route.matches(scope)
        if match is Match.NONE:
            continue
        sub = {**scope, **child}
        if isinstance(route, Mount | Host):
            inner = route.routes
            return resolve_endpoint(inner, sub) if inner else route.app
        endpoint: object = child.get("endpoint", route)
        if match is Match.FULL:
            return endpoint
        if partial is None:
            partial = endpoint
    return partial


class RequireAuth:
    """ASGI middleware: 401 for a request that no authenticator vouched for, unless the
    endpoint that would serve it is :func:`self_authenticating`. Runs inside Starlette's
    ``AuthenticationMiddleware`` (which sets ``scope["user"]``)."""

    def __init__(self, app: ASGIApp, routes: Callable[[], Sequence[BaseRoute]]) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        user = scope.get("user")
        if isinstance(user, BaseUser) and user.is_authenticated:
            await self.app(scope, receive, send)
            return
        if self_authentication(resolve_endpoint(self.routes(), scope)) is not None:
            await self.app(scope, receive, send)
            return
        await _unauthorized(scope, receive, send)


async def _unauthorized(scope: Scope, receive: Receive, send: Send) -> None:
    from starlette.responses import PlainTextResponse
    from starlette.websockets import WebSocketClose

    if scope["type"] == "websocket":
        await WebSocketClose(code=1008)(scope, receive, send)
        return
    conn = HTTPConnection(scope)
    challenge = 'Bearer realm="tieline"'
    if conn.headers.get("authorization"):
        challenge += ', error="invalid_token"'  # RFC 6750 §3.1: a credential was offered
    response = PlainTextResponse(
        "authentication required\n", status_code=401, headers={"WWW-Authenticate": challenge}
    )
    await response(scope, receive, send)
