"""Who is calling, and what they may do: the seam the API asks before every request.

The API does not know how tokens are issued or checked. It is given an :class:`Authorize`
callable (the OAuth provider's ``verify`` behind it in the server, a token table in tests)
and turns its answer into RFC 6750 challenges: no principal is a 401 with
``WWW-Authenticate: Bearer`` (``error="invalid_token"`` when a token was sent, no error code
when none was -- RFC 6750 section 3.1), a principal without the endpoint's scope a 403
``insufficient_scope`` naming it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Mapping
from dataclasses import dataclass
from typing import Protocol

from starlette.requests import Request

#: Every scope the API checks: one read (and for some a write) scope per capability.
SCOPES: dict[str, str] = {
    "issues:read": "List and read issues.",
    "issues:write": "Create issues.",
    "prs:read": "List and read pull and merge requests.",
    "ci:read": "Read the CI status of a branch.",
    "snippets:read": "List, search and read snippets.",
    "snippets:write": "Save snippets.",
    "calendar:read": "Read the calendar agenda.",
    "events:read": "Read recent events, follow the event stream, and manage REST hooks.",
}

REALM = "tieline"


@dataclass(frozen=True)
class Principal:
    """The caller a credential stands for: a subject (a client or person id) and the scopes
    its token was granted."""

    subject: str
    scopes: frozenset[str]

    def allows(self, scope: str) -> bool:
        return scope in self.scopes


class Authorize(Protocol):
    """``authorize(request, scope)``: the principal of the request's credentials, or
    ``None`` when it has none or they are invalid (expired, revoked, unknown). The scope the
    endpoint needs is passed along so a verifier may narrow what it returns (it is empty for
    what any valid token may read: the OpenAPI document); the API itself checks
    :meth:`Principal.allows` and answers 403 when it does not -- so a verifier returns the
    principal of a valid token even when it lacks the scope, or the caller gets 401 where
    403 was due. May be ``async``."""

    def __call__(
        self, request: Request, scope: str
    ) -> Awaitable[Principal | None] | Principal | None: ...


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer`` header, else ``None``."""
    value = request.headers.get("authorization", "")
    kind, _, token = value.partition(" ")
    if kind.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def challenge(error: str | None = None, *, scope: str | None = None) -> str:
    """A ``WWW-Authenticate`` value (RFC 6750 section 3)."""
    parts = [f'realm="{REALM}"']
    if error:
        parts.append(f'error="{error}"')
    if scope:
        parts.append(f'scope="{scope}"')
    return "Bearer " + ", ".join(parts)


class TokenTable:
    """The simplest :class:`Authorize`: bearer tokens mapped to principals (tests, benches,
    and a single-user server whose one local token has every scope)."""

    def __init__(self, tokens: Mapping[str, Principal]) -> None:
        self._tokens = dict(tokens)

    def __call__(self, request: Request, scope: str) -> Principal | None:
        token = bearer_token(request)
        return self._tokens.get(token) if token is not None else None


__all__ = ["REALM", "SCOPES", "Authorize", "Principal", "TokenTable", "bearer_token", "challenge"]
