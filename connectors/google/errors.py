"""Google's error bodies, read into the sdk's error hierarchy.

Every Google API answers a failure with one shape (cloud.google.com/apis/design/errors)::

    {"error": {"code": 403, "message": "...", "status": "PERMISSION_DENIED",
               "errors": [{"message": "...", "domain": "global",
                           "reason": "insufficientPermissions"}],
               "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                            "reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT", ...}]}}

The status alone misleads: a 403 is a missing scope, a forbidden resource *or* a rate limit
(``rateLimitExceeded``, ``userRateLimitExceeded``: Calendar and Gmail send those as 403 or
429, often without Retry-After), and a 410 is an expired sync token. :func:`google_error`
reads the reasons, so a missing scope asks for consent naming the scope, a limit waits, and
the message quotes Google's words rather than a Python dict. The hub's HTTP stack calls it
(``Connector.body_error``) on every JSON answer, after its own retries of a 5xx; successes
are left alone.
"""

from __future__ import annotations

import time
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from connectors.sdk import (
    ConsentRequired,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ReauthRequired,
    ServiceUnavailable,
    TielineError,
)
from connectors.sdk.redact import redact

SERVICE = "Google"
RATE_REASONS = frozenset(
    {"rateLimitExceeded", "userRateLimitExceeded", "quotaExceeded", "RATE_LIMIT_EXCEEDED"}
)
SCOPE_REASONS = frozenset({"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"})
#: How long to hold off after a limit Google gave no Retry-After for (its guides ask for
#: exponential backoff starting around a second; a poll comes back later anyway).
BACKOFF = 30.0
_SCOPES = "https://www.googleapis.com/auth/"


def needed_scope(request: httpx.Request) -> str:
    """The scope of the manifest a request needs: Gmail's send, Gmail's read, Calendar's."""
    path = request.url.path
    if "/gmail/" in path:
        return _SCOPES + ("gmail.send" if path.endswith("/send") else "gmail.readonly")
    return _SCOPES + "calendar.readonly"


def reasons(error: dict[str, Any]) -> set[str]:
    """Every reason an error body names (``errors[].reason`` and ``details[].reason``)."""
    found: set[str] = set()
    for key in ("errors", "details"):
        for item in error.get(key) or ():
            if isinstance(item, dict) and isinstance(item.get("reason"), str):
                found.add(item["reason"])
    return found


def _retry_at(response: httpx.Response) -> float:
    raw = response.headers.get("retry-after")
    now = time.time()
    if raw:
        try:
            return now + max(0.0, float(raw))
        except ValueError:
            try:
                return parsedate_to_datetime(raw).timestamp()
            except (TypeError, ValueError):
                pass
    return now + BACKOFF


def google_error(response: httpx.Response) -> TielineError | None:
    """The sdk error a failed Google answer stands for, or ``None`` (a success, or a body
    that is not Google's shape: the hub's own mapping applies)."""
    status = response.status_code
    if status < 400:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return None
    why = reasons(error)
    request = response.request
    said = str(error.get("message") or "").strip()
    code = str(error.get("status") or response.reason_phrase or "")
    text = f"{SERVICE}: {status} {code} on {request.method} {request.url.path}"
    if said:
        text += f": {said}"
    if why:
        text += f" ({', '.join(sorted(why))})"
    text = redact(text)
    if status >= 500:
        return ServiceUnavailable(text, status=status, service=SERVICE)
    if status == 429 or (status == 403 and why & RATE_REASONS):
        return RateLimited(text, retry_at=_retry_at(response), status=status, service=SERVICE)
    if status == 401:
        return ReauthRequired(text)
    if status == 403 and why & SCOPE_REASONS:
        scope = needed_scope(request)
        return ConsentRequired(f"{text} -- sign in to Google again and allow {scope}")
    if status == 403:
        return PermissionDenied(text, status=status, service=SERVICE)
    if status == 410:
        # Calendar: the sync token expired (fullSyncRequired, updatedMinTooLongAgo).
        return NotFound(text, status=status, service=SERVICE)
    if status == 404:
        return NotFound(text, status=status, service=SERVICE)
    return InvalidRequest(text, status=status, service=SERVICE)
