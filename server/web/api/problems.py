"""Errors as RFC 9457 problem details (``application/problem+json``).

Each class of error has one stable ``type`` (a URN, :data:`TYPES`), so a client branches on
it rather than on words; ``title`` is the type's fixed sentence, ``detail`` says what went
wrong this time. The hub's and the sdk's errors (:mod:`connectors.sdk.errors`) map here in
:func:`from_error`; their messages pass through :func:`~connectors.sdk.redact.redact`, so a
token a service echoed never reaches a client. An error that is not one Tieline raises on
purpose is a 500 whose detail says nothing of it (it is logged instead).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from starlette.responses import Response

from connectors.sdk import errors as sdk
from connectors.sdk.redact import redact

log = logging.getLogger("tieline.web.api")

MEDIA_TYPE = "application/problem+json"
_PREFIX = "urn:tieline:problem:"

#: Every problem type the API answers with: slug -> (status, title).
TYPES: dict[str, tuple[int, str]] = {
    "unauthorized": (401, "Credentials are missing or invalid"),
    "insufficient-scope": (403, "The token lacks the scope this needs"),
    "not-found": (404, "No such resource"),
    "method-not-allowed": (405, "Method not allowed"),
    "conflict": (409, "The request conflicts with the current state"),
    "unsupported-media-type": (415, "The body must be application/json"),
    "validation": (422, "The request is not valid"),
    "secret-found": (422, "The text looks like it holds a secret"),
    "rate-limited": (429, "A service asked to slow down"),
    "internal": (500, "Internal error"),
    "service-error": (502, "A service answered with an error"),
    "service-auth": (502, "A service refused Tieline's credentials"),
    "service-unavailable": (503, "A service is unavailable"),
    "not-connected": (409, "No signed-in account of the service can do this"),
}


def type_uri(slug: str) -> str:
    return _PREFIX + slug


class Problem(BaseModel):
    """A problem detail (RFC 9457). ``errors`` lists a validation problem's fields;
    ``findings`` a secret problem's findings (what and where, never the value);
    ``scope`` the scope a 403 asked for."""

    model_config = ConfigDict(extra="forbid")

    type: str = Field(
        description="A URN naming the class of error; stable across versions.",
        json_schema_extra={"enum": [type_uri(s) for s in TYPES]},
    )
    title: str
    status: int = Field(ge=400, le=599)
    detail: str = ""
    instance: str | None = None
    errors: list[FieldError] | None = None
    findings: list[str] | None = None
    scope: str | None = None
    retry_after: int | None = Field(default=None, ge=0)


class FieldError(BaseModel):
    """One invalid input: where (``query``, ``body`` ... then the field's path) and why."""

    loc: list[str | int]
    msg: str


Problem.model_rebuild()


@dataclass
class ApiError(Exception):
    """An error the API answers with as a problem; raise it from a handler."""

    slug: str
    detail: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def status(self) -> int:
        return TYPES[self.slug][0]

    def problem(self, instance: str | None = None) -> Problem:
        status, title = TYPES[self.slug]
        return Problem(
            type=type_uri(self.slug),
            title=title,
            status=status,
            detail=redact(self.detail),
            instance=instance,
            **self.extra,
        )

    def response(self, instance: str | None = None) -> Response:
        body = self.problem(instance).model_dump(mode="json", exclude_none=True)
        return Response(
            json.dumps(body, ensure_ascii=False),
            status_code=self.status,
            media_type=MEDIA_TYPE,
            headers=self.headers,
        )


def from_error(exc: sdk.TielineError) -> ApiError:
    """The problem a hub or sdk error answers with (most specific class first)."""
    message = exc.message
    if isinstance(exc, sdk.SecretFound):
        return ApiError("secret-found", message, extra={"findings": list(exc.findings)})
    if isinstance(exc, sdk.NotFound | sdk.NoSuchRecord):
        return ApiError("not-found", message)
    if isinstance(exc, sdk.SyncConflict):
        return ApiError("conflict", message)
    if isinstance(exc, sdk.RateLimited):
        wait = max(1, math.ceil(exc.retry_after))
        return ApiError("rate-limited", message, {"Retry-After": str(wait)}, {"retry_after": wait})
    if isinstance(exc, sdk.InvalidRequest):
        return ApiError("conflict" if exc.status == 409 else "validation", message)
    if isinstance(exc, sdk.AuthError):
        return ApiError("service-auth", message)
    if isinstance(exc, sdk.ServiceUnavailable | sdk.TransportError):
        return ApiError("service-unavailable", message)
    if isinstance(exc, sdk.ServiceError):
        return ApiError("service-error", message)
    if isinstance(exc, sdk.FormatError | sdk.ConfigError | sdk.CapabilityError):
        return ApiError("validation", message)
    log.warning("unmapped error answered as 502: %s", type(exc).__name__)
    return ApiError("service-error", message)


def internal() -> ApiError:
    return ApiError("internal", "the server failed; its log says why")


__all__ = ["MEDIA_TYPE", "TYPES", "ApiError", "FieldError", "Problem", "from_error", "type_uri"]
