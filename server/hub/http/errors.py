"""Turn a non-2xx response or an httpx transport failure into the sdk error hierarchy.

The decision comes from :func:`connectors.sdk.errors.classify_status`; this module only adds
what the table cannot know: whether a 403/429 carries a rate-limit signal, when the next
request is allowed, and a message that quotes the service's own explanation (GitHub answers
``{"message", "documentation_url"}``) with every secret masked.
"""

from __future__ import annotations

import html
import json
import re
import time
from collections.abc import Sequence

import httpx

from connectors.sdk.errors import (
    RateLimited,
    ServiceError,
    TielineError,
    TransportError,
    classify_status,
)
from connectors.sdk.manifest import Budget
from connectors.sdk.redact import redact

#: How long to wait on a 429 that says nothing about when to come back.
DEFAULT_BACKOFF = 60.0


def reset_time(value: str, fmt: str, *, now: float | None = None) -> float | None:
    """A rate-limit reset header as epoch seconds, in the service's format (see
    :class:`connectors.sdk.manifest.Budget`); ``None`` when it cannot be read."""
    now = time.time() if now is None else now
    if fmt == "duration":
        seconds = go_duration(value)
        return None if seconds is None else now + seconds
    try:
        if fmt == "iso8601":
            from datetime import datetime

            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        number = float(value)
    except ValueError:
        return None
    if fmt == "epoch_ms":
        return number / 1000.0
    if fmt == "seconds":
        return now + number
    if fmt == "ms":
        return now + number / 1000.0
    return number


_DURATION_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(h|ms|us|µs|ns|m|s)")
_DURATION_UNIT = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 1e-3, "us": 1e-6, "µs": 1e-6, "ns": 1e-9}


def go_duration(value: str) -> float | None:
    """Seconds in a duration written as Go's ``time.Duration`` prints one (``6m0s``,
    ``1h2m``, ``1.5s``, ``20ms``); ``None`` when it is not one."""
    text = value.strip()
    if not text:
        return None
    total, at = 0.0, 0
    for part in _DURATION_PART.finditer(text):
        if part.start() != at:
            return None
        total += float(part.group(1)) * _DURATION_UNIT[part.group(2)]
        at = part.end()
    return total if at == len(text) else None


def rate_limit_retry_at(
    headers: httpx.Headers,
    budgets: Sequence[Budget] = (Budget(),),
    *,
    now: float | None = None,
) -> float | None:
    """Epoch time before which no request may be sent, or ``None`` if there is no signal.

    ``retry-after`` (seconds or an HTTP date) wins; otherwise an exhausted budget
    (``remaining == 0``, in any of the service's budgets) waits for its reset time.
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
    latest: float | None = None
    for b in budgets:
        if not (b.remaining_header and b.reset_header):
            continue
        remaining = headers.get(b.remaining_header)
        if remaining is None or _number(remaining) != 0:
            continue
        reset = headers.get(b.reset_header)
        at = reset_time(reset, b.reset_format, now=now) if reset else None
        at = now + DEFAULT_BACKOFF if at is None else at
        latest = at if latest is None else max(latest, at)
    return latest


def _number(value: str) -> float | None:
    try:
        return float(value)
    except ValueError:
        return None


def service_message(response: httpx.Response) -> str:
    """The service's own explanation, if it sent one (JSON ``message``/``error``, else text).

    Besides GitHub's ``{"message", "errors": [...]}`` and OAuth's ``error_description``, this
    reads Atlassian's error collection, ``{"errorMessages": [...], "errors": {"field": "why"}}``
    (Jira, Confluence, Bitbucket Server), whose explanation is in neither of those keys.
    """
    try:
        body = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError, httpx.ResponseNotRead):
        try:
            text = response.text.strip()
        except httpx.ResponseNotRead:
            return ""
        if "html" in response.headers.get("content-type", "") or text[:1] == "<":
            return html_message(text)
        return text[:200]
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            # OpenAI's (and the servers copying it) {"error": {"message", "type", "code"}}.
            code = error.get("code") or error.get("type")
            said = str(error.get("message") or "")
            error = f"{said} ({code})" if code and said else said or code or ""
        parts = [str(body.get("message") or body.get("error_description") or error or "")]
        if isinstance(body.get("errors"), list):
            parts += [
                str(e.get("message", e)) if isinstance(e, dict) else str(e) for e in body["errors"]
            ]
        if isinstance(body.get("errorMessages"), list):
            parts += [str(m) for m in body["errorMessages"] if m]
        if isinstance(body.get("errors"), dict):
            parts += [f"{field}: {why}" for field, why in body["errors"].items() if why]
        if body.get("documentation_url"):
            parts.append(f"see {body['documentation_url']}")
        return "; ".join(p for p in parts if p)
    return ""


_TAG = re.compile(r"<[^>]*>")
_HEADING = re.compile(r"<(title|h1|h2)\b[^>]*>(.*?)</\1\s*>", re.IGNORECASE | re.DOTALL)
_HIDDEN = re.compile(r"<(script|style|head)\b.*?</\1\s*>", re.IGNORECASE | re.DOTALL)


def html_message(page: str) -> str:
    """What an HTML error page says, in one line: its title or first heading (Jetty's
    ``Error 403 No valid crumb was included in the request``, a proxy's ``502 Bad
    Gateway``), else its visible text; at most 200 characters, never markup."""
    found = _HEADING.search(page)
    text = found.group(2) if found else _HIDDEN.sub(" ", page)
    text = " ".join(html.unescape(_TAG.sub(" ", text)).split())
    return text[:200]


def error_for_response(
    response: httpx.Response,
    *,
    service: str,
    retry_at: float | None = None,
    request: httpx.Request | None = None,
    budgets: Sequence[Budget] = (Budget(),),
) -> TielineError:
    """The error a non-2xx ``response`` stands for. ``retry_at`` overrides header parsing."""
    status = response.status_code
    if retry_at is None and status in (403, 429):
        retry_at = rate_limit_retry_at(response.headers, budgets)
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
