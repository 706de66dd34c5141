"""Turn a non-2xx response or an httpx transport failure into the sdk error hierarchy.

The decision comes from :func:`connectors.sdk.errors.classify_status`; this module only adds
what the table cannot know: whether a 403/429 carries a rate-limit signal, when the next
request is allowed, and a message that quotes the service's own explanation (GitHub answers
``{"message", "documentation_url"}``) with every secret masked.
"""

from __future__ import annotations

import json
import time

import httpx

from connectors.sdk.errors import (
    RateLimited,
    ServiceError,
    TielineError,
    TransportError,
    classify_status,
)
from connectors.sdk.redact import redact

#: How long to wait on a 429 that says nothing about when to come back.
DEFAULT_BACKOFF = 60.0


def rate_limit_retry_at(
    headers: httpx.Headers,
    *,
    remaining_header: str | None = "x-ratelimit-remaining",
    reset_header: str | None = "x-ratelimit-reset",
    reset_is_epoch: bool = True,
    now: float | None = None,
) -> float | None:
    """Epoch time before which no request may be sent, or ``None`` if there is no signal.

    ``retry-after`` (seconds or an HTTP date) wins; otherwise an exhausted budget
    (``remaining == 0``) waits for the reset time.
    """
    now = time.time() if now is None else now
    ra = headers.get("retry-after")
    if ra:
        try:
            return now + max(0.0, float(ra))
        except ValueError:
            from email.utils import parsedate_to_datetime

            try:
                return parsedate_to_datetime(ra).timestamp()
            except (TypeError, ValueError):
                return now + DEFAULT_BACKOFF
    if remaining_header and headers.get(remaining_header) == "0" and reset_header:
        reset = headers.get(reset_header)
        if reset:
            try:
                value = float(reset)
            except ValueError:
                return now + DEFAULT_BACKOFF
            return value if reset_is_epoch else now + value
    return None


def service_message(response: httpx.Response) -> str:
    """The service's own explanation, if it sent one (JSON ``message``/``error``, else text)."""
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, httpx.ResponseNotRead):
        try:
            return response.text.strip()[:200]
        except httpx.ResponseNotRead:
            return ""
    if isinstance(body, dict):
        parts = [
            str(body.get("message") or body.get("error_description") or body.get("error") or "")
        ]
        if isinstance(body.get("errors"), list):
            parts += [
                str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in body["errors"]
            ]
        if body.get("documentation_url"):
            parts.append(f"see {body['documentation_url']}")
        return "; ".join(p for p in parts if p)
    return ""


def error_for_response(
    response: httpx.Response,
    *,
    service: str,
    retry_at: float | None = None,
    request: httpx.Request | None = None,
) -> TielineError:
    """The error a non-2xx ``response`` stands for. ``retry_at`` overrides header parsing."""
    status = response.status_code
    if retry_at is None and status in (403, 429):
        retry_at = rate_limit_retry_at(response.headers)
    rule = classify_status(status, rate_limited=retry_at is not None)
    assert rule is not None, "error_for_response called on a success"
    said = service_message(response)
    req = request if request is not None else response.request
    reason = response.reason_phrase or rule.meaning
    text = f"{service}: {status} {reason} on {req.method} {req.url.path}"
    if said:
        text += f": {said}"
    text = redact(text)
    if rule.error is RateLimited:
        when = retry_at if retry_at is not None else time.time() + DEFAULT_BACKOFF
        return RateLimited(text, retry_at=when, status=status, service=service)
    if issubclass(rule.error, ServiceError):
        return rule.error(text, status=status, service=service)
    return rule.error(text)


def error_for_exception(
    exc: httpx.HTTPError, request: httpx.Request, *, service: str
) -> TransportError:
    """A transport failure (no HTTP answer) as a :class:`TransportError`."""
    kind = type(exc).__name__
    return TransportError(
        redact(
            f"{service}: no answer from {request.url.host} ({kind}: {exc}) "
            f"on {request.method} {request.url.path}"
        )
    )
