"""GraphQL over the hub's HTTP client: one POST, and errors that arrive inside a 200.

GraphQL services answer most failures with HTTP 200 and an ``errors`` array; the codes in
each error's ``extensions`` say what happened. :func:`graphql_error` maps them onto the sdk's
error hierarchy so the hub decides as it does for HTTP statuses (wait, sign in again, fail);
a connector returns it from :meth:`Connector.body_error`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import Any

import httpx

from .errors import (
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ReauthRequired,
    ServiceError,
    TielineError,
)
from .redact import redact

#: ``extensions.code`` values (upper-cased) and the error each stands for.
_CODES: dict[str, type[TielineError]] = {
    "RATELIMITED": RateLimited,
    "RATE_LIMITED": RateLimited,
    "AUTHENTICATION_ERROR": ReauthRequired,
    "UNAUTHENTICATED": ReauthRequired,
    "FORBIDDEN": PermissionDenied,
    "NOT_FOUND": NotFound,
    "ENTITY_NOT_FOUND": NotFound,
    "INVALID_INPUT": InvalidRequest,
    "GRAPHQL_VALIDATION_FAILED": InvalidRequest,
    "BAD_USER_INPUT": InvalidRequest,
}


class GraphQLClient:
    """POSTs queries to one endpoint path; returns ``data`` (errors are raised by the stack
    through the connector's ``body_error`` hook, or here when no hook is installed)."""

    def __init__(
        self, http: httpx.AsyncClient, path: str = "/graphql", *, service: str = ""
    ) -> None:
        self.http = http
        self.path = path
        self.service = service

    async def query(self, document: str, variables: Mapping[str, Any] | None = None) -> Any:
        r = await self.http.post(
            self.path, json={"query": document, "variables": dict(variables or {})}
        )
        try:
            body = r.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise ServiceError(f"{self.service}: the GraphQL answer is not JSON") from None
        err = graphql_error(body, service=self.service)
        if err is not None:
            raise err
        return body.get("data") if isinstance(body, dict) else None


def graphql_error(body: Any, *, service: str, retry_after: float = 60.0) -> TielineError | None:
    """The error a GraphQL answer reports, or ``None``. Partial data with errors is an error:
    a card built from half an answer would mislead."""
    if not isinstance(body, Mapping):
        return None
    errors = body.get("errors")
    if not isinstance(errors, list) or not errors:
        return None
    first: Mapping[str, Any] = errors[0] if isinstance(errors[0], Mapping) else {}
    raw_ext = first.get("extensions")
    ext: Mapping[str, Any] = raw_ext if isinstance(raw_ext, Mapping) else {}
    code = str(ext.get("code") or ext.get("type") or "").upper()
    messages = "; ".join(
        str(e.get("message", e)) if isinstance(e, Mapping) else str(e) for e in errors[:3]
    )
    text = redact(f"{service}: {messages}" if service else messages)
    cls = _CODES.get(code)
    if cls is RateLimited:
        return RateLimited(text, retry_at=time.time() + retry_after, service=service)
    if cls is not None and issubclass(cls, ServiceError):
        return cls(text, status=200, service=service)
    if cls is not None:
        return cls(text)
    return InvalidRequest(text, status=200, service=service)
