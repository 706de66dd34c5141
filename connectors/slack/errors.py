"""Slack's error answers, mapped to the sdk's error hierarchy.

Slack answers almost every failure with HTTP 200 and ``{"ok": false, "error": "<code>"}``
(docs.slack.dev/apis/web-api, "Evaluating responses"), so a status code says nothing; the code
does. A missing scope adds ``needed`` and ``provided`` (comma-separated scopes). A rate limit
is the exception: HTTP 429 with ``Retry-After`` in seconds and the code ``ratelimited``.
Codes come from each method's reference page (docs.slack.dev/reference/methods/<method>).

Messages name the code, say what it means for the person, and never carry a token: anything
from the wire is passed through :func:`~connectors.sdk.redact.redact`.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from connectors.sdk import (
    ConsentRequired,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ReauthRequired,
    ServiceError,
    ServiceUnavailable,
    TielineError,
    redact,
)

SERVICE = "Slack"
#: How long to wait on a 429 that names no time (Slack always names one; a proxy might not).
DEFAULT_RETRY = 30.0

#: The token is no good: sign in again.
_REAUTH: dict[str, str] = {
    "not_authed": "no token was sent",
    "invalid_auth": "the token is not valid (or not for this workspace)",
    "account_inactive": "the token's user or workspace has been deactivated",
    "token_revoked": "the token has been revoked",
    "token_expired": "the token has expired",
}
#: The token is fine, but may not do this.
_DENIED: dict[str, str] = {
    "no_permission": "the workspace does not let this token do this",
    "not_allowed_token_type": "this needs a user token (xoxp-), not this kind of token",
    "access_denied": "access denied",
    "ekm_access_denied": "an administrator has suspended access to this content",
    "team_access_not_granted": "the token has no access to this workspace",
    "enterprise_is_restricted": "the organisation does not allow this",
}
_NOT_FOUND: dict[str, str] = {
    "channel_not_found": "no such channel, or it is private and you are not in it",
    "user_not_found": "no such user",
    "users_not_found": "no Slack user has that e-mail address",
    "message_not_found": "no such message",
    "thread_not_found": "no such thread",
}
_INVALID: dict[str, str] = {
    "not_in_channel": "you are not a member of this channel; join it in Slack first, then "
    "share again",
    "is_archived": "the channel is archived",
    "msg_too_long": "the message is too long for Slack (40,000 characters at most)",
    "no_text": "the message is empty",
    "invalid_arguments": "Slack refused the call's arguments",
    "invalid_args": "Slack refused the call's arguments",
    "invalid_num_minutes": "the snooze length is not a whole number of minutes",
    "too_long": "the status text is longer than Slack allows (100 characters)",
    "invalid_emoji_not_allowed": "that status emoji is not allowed in this workspace",
    "invalid_profile": "Slack refused the profile change",
    "profile_set_failed": "Slack could not update the profile",
    "snooze_not_active": "notifications are not paused",
    "restricted_action": "a workspace setting does not allow this",
    "cannot_dm_bot": "that user is a bot that cannot be messaged",
    "invalid_cursor": "the page cursor is no longer valid; list again from the start",
}
_UNAVAILABLE = {"internal_error", "fatal_error", "service_unavailable", "request_timeout"}


def slack_error(
    body: Any, *, status: int = 200, headers: Mapping[str, str] | None = None
) -> TielineError | None:
    """The error a Slack answer reports, or ``None`` when it is a success.

    ``headers`` (case-insensitive, as httpx's) give a 429's ``Retry-After``.
    """
    code = ""
    if isinstance(body, Mapping):
        if body.get("ok") is True and status < 400:
            return None
        code = str(body.get("error") or "")
    if status == 429 or code == "ratelimited":
        raw = (headers or {}).get("retry-after") or (headers or {}).get("Retry-After")
        try:
            wait = max(0.0, float(raw)) if raw is not None else DEFAULT_RETRY
        except ValueError:
            wait = DEFAULT_RETRY
        return RateLimited(
            f"Slack is rate limiting these calls (ratelimited); retry in {wait:.0f} s",
            retry_at=time.time() + wait,
            status=429,
            service=SERVICE,
        )
    if not isinstance(body, Mapping):
        return (
            None
            if status < 400
            else ServiceError(f"Slack answered HTTP {status}", status=status, service=SERVICE)
        )
    code = redact(code) or "unknown_error"
    if code in _REAUTH:
        return ReauthRequired(f"Slack: {code}: {_REAUTH[code]}; sign in to Slack again")
    if code == "missing_scope":
        needed = redact(str(body.get("needed") or "")) or "(unnamed)"
        provided = redact(str(body.get("provided") or "")) or "none"
        return ConsentRequired(
            f"Slack: missing_scope: this needs the {needed} scope, which the token does not "
            f"carry (it has {provided}); sign in to Slack again to grant it"
        )
    if code in _NOT_FOUND:
        return NotFound(f"Slack: {code}: {_NOT_FOUND[code]}", status=status, service=SERVICE)
    if code in _INVALID:
        detail = _messages(body)
        return InvalidRequest(
            f"Slack: {code}: {_INVALID[code]}{detail}", status=status, service=SERVICE
        )
    if code in _UNAVAILABLE or status >= 500:
        return ServiceUnavailable(
            f"Slack: {code}: Slack is having trouble", status=status, service=SERVICE
        )
    if code in _DENIED:
        return PermissionDenied(f"Slack: {code}: {_DENIED[code]}", status=status, service=SERVICE)
    return ServiceError(f"Slack: {code}{_messages(body)}", status=status, service=SERVICE)


def _messages(body: Mapping[str, Any]) -> str:
    """``response_metadata.messages`` (what an ``invalid_arguments`` answer explains)."""
    meta = body.get("response_metadata")
    msgs = meta.get("messages") if isinstance(meta, Mapping) else None
    if not isinstance(msgs, list) or not msgs:
        return ""
    return " (" + redact("; ".join(str(m) for m in msgs[:3]))[:300] + ")"
