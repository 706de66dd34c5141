"""A library-grade async client for the parts of Microsoft Graph v1.0 Tieline uses, over the
``httpx.AsyncClient`` it is given (base URL ``https://graph.microsoft.com/v1.0``, the token in
its auth).

It knows Graph's paths, the ``$select`` each call asks for, bodies and paging, and returns
wire models. Retries, the rate limiter and the cache belong to the client handed in; error
answers are read by :func:`graph_error` (the connector's ``body_error`` hook), because
Graph's ``{"error": {"code", "message"}}`` says more than a status: ``ErrorItemNotFound``,
``InvalidAuthenticationToken``, ``MailboxNotEnabledForRESTAPI``, ``InefficientFilter``.

Paging: collections answer ``$top`` items and an absolute ``@odata.nextLink`` to the next
page, followed as it is (after checking it points at this account's API: a cursor comes
back from the caller); a delta round ends in ``@odata.deltaLink``, the URL that answers what
changed since (learn.microsoft.com/graph/paging, /graph/delta-query-overview).

Actions go by the short names Graph's documentation uses (``/me/messages/{id}/reply``,
``/me/presence/setUserPreferredPresence``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, TypeAdapter

from connectors.sdk import (
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ReauthRequired,
    ServiceError,
    ServiceUnavailable,
    TielineError,
)
from connectors.sdk.paging import check_link
from connectors.sdk.redact import redact

from .models import (
    Calendar,
    Channel,
    Chat,
    ChatMessage,
    Collection,
    Event,
    Message,
    OnlineMeeting,
    Presence,
    Team,
    User,
)

M = TypeVar("M", bound=BaseModel)
SERVICE = "Microsoft 365"
HEADERS = {"accept": "application/json"}
#: Event times in UTC whatever the mailbox's zone (``originalStartTimeZone`` keeps the zone).
UTC_PREFER = 'outlook.timezone="UTC"'
EVENT_FIELDS = (
    "id,subject,bodyPreview,body,start,end,originalStartTimeZone,isAllDay,isCancelled,showAs,"
    "categories,location,organizer,attendees,responseStatus,onlineMeeting,onlineMeetingUrl,"
    "webLink,changeKey,seriesMasterId,originalStart,type"
)
MESSAGE_FIELDS = (
    "id,subject,bodyPreview,from,toRecipients,ccRecipients,receivedDateTime,isRead,flag,"
    "importance,hasAttachments,conversationId,categories,webLink"
)
USER_FIELDS = "id,displayName,mail,userPrincipalName"

#: Graph's error codes, and what each means for the person reading it.
_EXPLAINED: dict[str, str] = {
    "InvalidAuthenticationToken": "the access token was refused (expired, revoked, or not for "
    "Microsoft Graph); sign in again",
    "ErrorAccessDenied": "this account or Tieline's permissions do not allow it (a scope that "
    "was not granted, or a policy of your organisation)",
    "Authorization_RequestDenied": "Tieline's permissions do not allow it; sign in again to "
    "grant them, or ask an administrator",
    "Forbidden": "this account or Tieline's permissions do not allow it",
    "ErrorItemNotFound": "no such item, or it was moved or deleted",
    "Request_ResourceNotFound": "no such user in your organisation",
    "NotFound": "no such item, or this account cannot see it",
    "MailboxNotEnabledForRESTAPI": "this account has no Exchange Online mailbox (an "
    "on-premises or unlicensed mailbox), so Graph cannot read its mail or calendar",
    "InefficientFilter": "Outlook cannot sort on a property it does not filter on first",
    "TooManyRequests": "Microsoft Graph is throttling this app for this mailbox; it says when "
    "to try again",
    "ErrorInvalidParameter": "Graph refused a parameter",
}
#: Said when a personal (consumer) account meets a work-or-school-only API.
PERSONAL = (
    "personal Microsoft accounts have no Teams presence, chats, channels or online meetings "
    "through Graph; sign in with a work or school account for these"
)


def _error_of(body: Any) -> tuple[str, str]:
    err = body.get("error") if isinstance(body, dict) else None
    if not isinstance(err, dict):
        return "", ""
    return str(err.get("code") or ""), str(err.get("message") or "")


def retry_at_of(response: httpx.Response) -> float:
    """When Graph allows the next request: ``Retry-After`` seconds, else a minute."""
    value = response.headers.get("retry-after", "")
    try:
        return time.time() + max(0.0, float(value))
    except ValueError:
        return time.time() + 60.0


def graph_error(response: httpx.Response) -> TielineError | None:
    """The error a Graph answer stands for, with its code explained; ``None`` on success.

    Called for every JSON answer (the HTTP stack's ``body_error`` hook), so it must not
    mistake a success for anything."""
    status = response.status_code
    if status < 400:
        return None
    try:
        code, said = _error_of(response.json())
    except ValueError:
        return None  # not JSON after all: the stack's own mapping speaks
    req = response.request
    text = f"{SERVICE}: {status} {code or response.reason_phrase} on {req.method} {req.url.path}"
    if said:
        text += f": {said}"
    meaning = PERSONAL if "MSA" in said or "personal" in said.lower() else _EXPLAINED.get(code)
    if meaning:
        text += f" -- {meaning}"
    text = redact(text)
    if status == 401:
        return ReauthRequired(text)
    if status == 429:
        return RateLimited(text, retry_at=retry_at_of(response), status=status, service=SERVICE)
    kind: type[ServiceError]
    if status == 403:
        kind = PermissionDenied
    elif status in (404, 410):
        kind = NotFound
    elif status >= 500:
        kind = ServiceUnavailable
    else:
        kind = InvalidRequest
    return kind(text, status=status, service=SERVICE)


def _seg(value: str) -> str:
    return quote(value, safe="")


def graph_time(when: datetime) -> str:
    """An ISO 8601 UTC instant for query parameters (``2026-12-02T09:00:00Z``)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GraphClient:
    """Microsoft Graph v1.0 relative to the http client's base URL."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    # -- plumbing -----------------------------------------------------------------------
    async def _request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str | int] | None = None,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        merged = {**HEADERS, **(headers or {})}
        target = url if url.startswith(("http://", "https://")) else url.lstrip("/")
        try:
            return await self.http.request(method, target, params=params, json=json, headers=merged)
        except RateLimited as exc:
            # Refused by the HTTP stack before our hook read the body: say it plainly.
            raise RateLimited(
                f"{SERVICE}: Microsoft Graph is throttling requests (429 Too Many Requests) "
                f"on {method} {httpx.URL(target).path or target}; retry in "
                f"{max(1, round(exc.retry_after))} s",
                retry_at=exc.retry_at,
                status=exc.status,
                service=SERVICE,
            ) from exc

    async def _get(self, model: type[M], url: str, params: Mapping[str, str | int]) -> M:
        r = await self._request("GET", url, params=params)
        return model.model_validate(r.json())

    async def page(
        self,
        url: str,
        params: Mapping[str, str | int] | None = None,
        *,
        headers: Mapping[str, str] | None = None,
    ) -> Collection:
        """One page of a collection: the first from ``url`` + ``params``, or a page's
        ``@odata.nextLink`` / ``@odata.deltaLink`` as it is (``params`` then ``None``)."""
        if url.startswith(("http://", "https://")):
            check_link(self.http, url)
        r = await self._request("GET", url, params=params, headers=headers)
        return Collection.model_validate(r.json())

    async def every(
        self, url: str, params: Mapping[str, str | int], model: type[M], *, max_pages: int = 20
    ) -> list[M]:
        """Every item of a (short) collection, following nextLinks."""
        out: list[M] = []
        page = await self.page(url, params)
        for _ in range(max_pages):
            out.extend(model.model_validate(v) for v in page.value)
            if not page.next_link:
                break
            page = await self.page(page.next_link)
        return out

    # -- the user -----------------------------------------------------------------------
    async def me(self) -> User:
        return await self._get(User, "me", {"$select": USER_FIELDS})

    async def user(self, key: str) -> User:
        """A user of the organisation by id, address or user principal name."""
        return await self._get(User, f"users/{_seg(key)}", {"$select": USER_FIELDS})

    # -- calendars ----------------------------------------------------------------------
    async def calendars(self) -> list[Calendar]:
        fields = "id,name,hexColor,canEdit,isDefaultCalendar"
        return await self.every("me/calendars", {"$select": fields, "$top": 100}, Calendar)

    async def calendar_view(
        self, calendar: str, start: datetime, end: datetime, *, top: int = 100
    ) -> Collection:
        """The first page of one calendar's events and occurrences overlapping the window."""
        params: dict[str, str | int] = {
            "startDateTime": graph_time(start),
            "endDateTime": graph_time(end),
            "$select": EVENT_FIELDS,
            "$top": top,
        }
        return await self.page(
            f"me/calendars/{_seg(calendar)}/calendarView",
            params,
            headers={"prefer": UTC_PREFER},
        )

    async def delta(
        self, start: datetime, end: datetime, *, link: str | None = None, page_size: int = 100
    ) -> Collection:
        """A page of the primary calendar's view as a delta round: the first from the window,
        the next from a page's nextLink, a later round from the deltaLink. (v1.0 offers
        delta for the primary calendar's view only.)"""
        prefer = f"{UTC_PREFER}, odata.maxpagesize={page_size}"
        if link:
            return await self.page(link, headers={"prefer": prefer})
        params = {"startDateTime": graph_time(start), "endDateTime": graph_time(end)}
        return await self.page("me/calendarView/delta", params, headers={"prefer": prefer})

    async def event(self, event_id: str) -> Event:
        """One event or occurrence by its id (occurrences have ids of their own)."""
        r = await self._request(
            "GET",
            f"me/events/{_seg(event_id)}",
            params={"$select": EVENT_FIELDS},
            headers={"prefer": UTC_PREFER},
        )
        return Event.model_validate(r.json())

    # -- mail ---------------------------------------------------------------------------
    async def messages(
        self,
        folder: str,
        *,
        filter: str | None = None,
        search: str | None = None,
        top: int = 25,
        link: str | None = None,
    ) -> Collection:
        """A page of a folder's messages, newest first (a search answers by relevance, as
        Graph allows no ``$orderby`` with ``$search``)."""
        if link:
            return await self.page(link)
        params: dict[str, str | int] = {"$select": MESSAGE_FIELDS, "$top": top}
        if search is not None:
            params["$search"] = '"' + search.replace('"', "'") + '"'
        else:
            # Outlook sorts only on what it filters on first: receivedDateTime leads.
            clauses = ["receivedDateTime ge 1900-01-01T00:00:00Z"]
            if filter:
                clauses.append(filter)
            params["$filter"] = " and ".join(clauses)
            params["$orderby"] = "receivedDateTime desc"
        return await self.page(f"me/mailFolders/{_seg(folder)}/messages", params)

    async def message(self, message_id: str) -> Message:
        fields = MESSAGE_FIELDS + ",body"
        return await self._get(Message, f"me/messages/{_seg(message_id)}", {"$select": fields})

    async def reply(self, message_id: str, comment_html: str, *, all: bool = False) -> None:
        """Reply (to all) with ``comment_html`` above the quoted message; Graph sends it."""
        action = "replyAll" if all else "reply"
        await self._request(
            "POST", f"me/messages/{_seg(message_id)}/{action}", json={"comment": comment_html}
        )

    # -- presence -----------------------------------------------------------------------
    async def presence(self) -> Presence:
        r = await self._request("GET", "me/presence")
        return Presence.model_validate(r.json())

    async def set_presence(
        self, session_id: str, availability: str, activity: str, expiration: str
    ) -> None:
        """A presence session of this app (``sessionId`` is its client id), without which a
        preferred presence shows only while a Teams client is signed in."""
        body = {
            "sessionId": session_id,
            "availability": availability,
            "activity": activity,
            "expirationDuration": expiration,
        }
        await self._request("POST", "me/presence/setPresence", json=body)

    async def set_preferred(
        self, availability: str, activity: str, expiration: str | None = None
    ) -> None:
        body: dict[str, str] = {"availability": availability, "activity": activity}
        if expiration:
            body["expirationDuration"] = expiration
        await self._request("POST", "me/presence/setUserPreferredPresence", json=body)

    async def clear_preferred(self) -> None:
        await self._request("POST", "me/presence/clearUserPreferredPresence", json={})

    async def set_status_message(self, text: str, expiry: tuple[str, str] | None = None) -> None:
        """The Teams status message (empty text clears it); ``expiry`` is
        ``(dateTime without offset, timeZone)``."""
        status: dict[str, Any] = {"message": {"content": text, "contentType": "text"}}
        if expiry is not None:
            status["expiryDateTime"] = {"dateTime": expiry[0], "timeZone": expiry[1]}
        await self._request("POST", "me/presence/setStatusMessage", json={"statusMessage": status})

    async def presences(self, ids: Sequence[str]) -> list[Presence]:
        """Several people's presence in one request (at most 650 ids)."""
        r = await self._request(
            "POST", "communications/getPresencesByUserId", json={"ids": list(ids)}
        )
        value = r.json().get("value", [])
        return TypeAdapter(list[Presence]).validate_python(value)

    # -- Teams --------------------------------------------------------------------------
    async def chats(self) -> list[Chat]:
        params: dict[str, str | int] = {
            "$select": "id,topic,chatType,webUrl",
            "$expand": "members",
            "$top": 50,
        }
        return await self.every("me/chats", params, Chat, max_pages=4)

    async def joined_teams(self) -> list[Team]:
        return await self.every("me/joinedTeams", {"$select": "id,displayName"}, Team)

    async def channels(self, team: str) -> list[Channel]:
        params = {"$select": "id,displayName,membershipType,webUrl"}
        return await self.every(f"me/joinedTeams/{_seg(team)}/channels", params, Channel)

    async def post_to_chat(self, chat: str, html: str) -> ChatMessage:
        body = {"body": {"contentType": "html", "content": html}}
        r = await self._request("POST", f"chats/{_seg(chat)}/messages", json=body)
        return ChatMessage.model_validate(r.json())

    async def post_to_channel(
        self, team: str, channel: str, html: str, *, reply_to: str | None = None
    ) -> ChatMessage:
        body = {"body": {"contentType": "html", "content": html}}
        path = f"teams/{_seg(team)}/channels/{_seg(channel)}/messages"
        if reply_to:
            path += f"/{_seg(reply_to)}/replies"
        r = await self._request("POST", path, json=body)
        return ChatMessage.model_validate(r.json())

    # -- meetings -----------------------------------------------------------------------
    async def create_meeting(self, subject: str, start: datetime, end: datetime) -> OnlineMeeting:
        body = {
            "subject": subject,
            "startDateTime": graph_time(start),
            "endDateTime": graph_time(end),
        }
        r = await self._request("POST", "me/onlineMeetings", json=body)
        return OnlineMeeting.model_validate(r.json())
