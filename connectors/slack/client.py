"""A library-grade async client for the Slack Web API, over the ``httpx.AsyncClient`` it is
given (base URL ``https://slack.com/api``; the user token travels in its auth as Bearer).

Every method is ``POST /api/<method>`` with form-encoded arguments (docs.slack.dev/apis/
web-api: every method takes them; JSON bodies only some), so no message text or e-mail
address is ever part of a URL or a cache key. Values are written as Slack reads form fields:
booleans ``true``/``false``, objects as JSON text (users.profile.set's ``profile``).

Slack reports failures inside HTTP 200 answers (``ok: false``): the hub's stack reads them
through :meth:`SlackConnector.body_error`, and this client checks again with
:func:`.errors.slack_error`, so it is correct on any ``httpx`` client too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import httpx

from .errors import slack_error
from .models import (
    AuthTest,
    ConversationPage,
    DndInfo,
    PostAnswer,
    Presence,
    Profile,
    SearchAnswer,
    SearchMessages,
    SlackUser,
)

Arg = str | int | bool | Mapping[str, Any]
#: conversations.list page size: Slack recommends no more than 200 (its maximum is 1000).
CONVERSATIONS_PAGE = 200
#: search.messages page size (Slack's maximum is 100).
SEARCH_PAGE = 100
#: Methods safe to repeat after a server error (see :meth:`SlackClient.call`).
IDEMPOTENT = frozenset(
    {
        "auth.test",
        "chat.getPermalink",
        "conversations.list",
        "dnd.info",
        "search.messages",
        "users.getPresence",
        "users.info",
        "users.lookupByEmail",
        "users.profile.get",
        "users.profile.set",
    }
)


def _form(args: Mapping[str, Arg | None]) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, value in args.items():
        if value is None:
            continue
        if isinstance(value, bool):
            out[name] = "true" if value else "false"
        elif isinstance(value, Mapping):
            out[name] = json.dumps(dict(value), separators=(",", ":"))
        else:
            out[name] = str(value)
    return out


class SlackClient:
    """The Web API methods Tieline calls, relative to the http client's ``.../api`` base."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def call(
        self,
        method: str,
        args: Mapping[str, Arg | None] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[dict[str, Any], httpx.Headers]:
        """One method call: its JSON answer (``ok`` true) and the answer's headers.

        Every call is a POST, which the hub's stack repeats after a server error only when
        marked idempotent: reads are, and so is setting the profile to the same values;
        posting a message or ending a snooze twice is not.
        """
        r = await self.http.post(
            method,
            data=_form(args or {}),
            headers={"accept": "application/json", **(headers or {})},
            extensions={"idempotent": method in IDEMPOTENT},
        )
        try:
            body = r.json()
        except ValueError:
            body = None
        error = slack_error(body, status=r.status_code, headers=r.headers)
        if error is not None:
            raise error
        assert isinstance(body, dict)
        return body, r.headers

    # -- who -------------------------------------------------------------------------------
    async def auth_test(self) -> tuple[AuthTest, tuple[str, ...] | None]:
        """Who the token is, and its scopes when Slack says (``x-oauth-scopes``)."""
        body, headers = await self.call("auth.test")
        raw = headers.get("x-oauth-scopes")
        scopes = tuple(s.strip() for s in raw.split(",") if s.strip()) if raw is not None else None
        return AuthTest.model_validate(body), scopes

    async def revoke(self, token: str) -> bool:
        """auth.revoke for ``token`` (sent as its own Bearer header): true when revoked."""
        body, _ = await self.call("auth.revoke", headers={"Authorization": f"Bearer {token}"})
        return bool(body.get("revoked"))

    # -- conversations and people ---------------------------------------------------------
    async def conversations(
        self, types: str, *, cursor: str | None = None, limit: int = CONVERSATIONS_PAGE
    ) -> ConversationPage:
        body, _ = await self.call(
            "conversations.list",
            {"types": types, "exclude_archived": True, "limit": limit, "cursor": cursor or None},
        )
        return ConversationPage.model_validate(body)

    async def user(self, user_id: str) -> SlackUser:
        body, _ = await self.call("users.info", {"user": user_id})
        return SlackUser.model_validate(body["user"])

    async def user_by_email(self, email: str) -> SlackUser:
        body, _ = await self.call("users.lookupByEmail", {"email": email})
        return SlackUser.model_validate(body["user"])

    async def presence(self, user_id: str | None = None) -> Presence:
        body, _ = await self.call("users.getPresence", {"user": user_id})
        return Presence.model_validate(body)

    # -- my status ------------------------------------------------------------------------
    async def profile(self) -> Profile:
        body, _ = await self.call("users.profile.get")
        return Profile.model_validate(body.get("profile") or {})

    async def set_profile(self, fields: Mapping[str, str | int]) -> Profile:
        body, _ = await self.call("users.profile.set", {"profile": fields})
        return Profile.model_validate(body.get("profile") or {})

    async def dnd_info(self) -> DndInfo:
        body, _ = await self.call("dnd.info")
        return DndInfo.model_validate(body)

    async def set_snooze(self, minutes: int) -> DndInfo:
        body, _ = await self.call("dnd.setSnooze", {"num_minutes": minutes})
        return DndInfo.model_validate(body)

    async def end_snooze(self) -> None:
        await self.call("dnd.endSnooze")

    # -- messages -------------------------------------------------------------------------
    async def post_message(self, channel: str, text: str, *, thread_ts: str | None) -> PostAnswer:
        body, _ = await self.call(
            "chat.postMessage",
            {
                "channel": channel,
                "text": text,
                "mrkdwn": True,
                "thread_ts": thread_ts,
                "unfurl_links": False,
            },
        )
        return PostAnswer.model_validate(body)

    async def permalink(self, channel: str, ts: str) -> str:
        body, _ = await self.call("chat.getPermalink", {"channel": channel, "message_ts": ts})
        return str(body.get("permalink") or "")

    async def search_messages(self, query: str, *, page: int = 1) -> SearchMessages:
        """Newest first (``sort=timestamp``), :data:`SEARCH_PAGE` a page."""
        body, _ = await self.call(
            "search.messages",
            {
                "query": query,
                "sort": "timestamp",
                "sort_dir": "desc",
                "count": SEARCH_PAGE,
                "page": page,
            },
        )
        return SearchAnswer.model_validate(body).messages
