"""A library-grade async client for Google Calendar API v3 and Gmail API v1, over the
``httpx.AsyncClient`` it is given (base URL ``https://www.googleapis.com``; the OAuth token
travels in its auth).

It knows the paths, parameters and paging of the few methods Tieline calls and returns wire
models; retries, caching, rate limits and error mapping (:mod:`.errors`, through the
connector's ``body_error``) belong to the client handed in. Every list is paged by
``pageToken``/``nextPageToken``; Calendar lists end with a ``nextSyncToken`` that a later
``syncToken`` call turns into "only what changed"; Gmail's ``historyId`` does the same for a
mailbox through ``history.list``.
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

import httpx

from .models import (
    GCalendar,
    GCalendarList,
    GEvent,
    GEvents,
    GHistoryList,
    GLabel,
    GLabels,
    GMessage,
    GMessageList,
    GProfile,
)

CALENDAR = "calendar/v3"
GMAIL = "gmail/v1/users/me"
HEADERS = {"accept": "application/json"}
#: Calendar's largest page is 2500 events; 250 (its default) keeps one answer small.
EVENTS_PAGE = 250
#: The headers a list of mail shows.
LIST_HEADERS = ("From", "To", "Cc", "Subject", "Date")
#: The history a mail list depends on: what arrives, goes, or changes label.
HISTORY_TYPES = ("messageAdded", "messageDeleted", "labelAdded", "labelRemoved")
#: history.list's largest page (its default is 100).
HISTORY_PAGE = 500

Params = Mapping[str, str | int | Sequence[str]]


def _seg(value: str) -> str:
    return quote(value, safe="")


def rfc3339(when: datetime) -> str:
    """A time as Calendar's ``timeMin``/``timeMax`` want it: RFC 3339 with an offset."""
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class GoogleClient:
    """Calendar and Gmail relative to the http client's base URL (the API origin)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def _get(self, path: str, params: Params | None = None) -> Any:
        r = await self.http.get(path, params=params, headers=HEADERS)
        return r.json()

    # -- the account ------------------------------------------------------------------------
    async def profile(self) -> GProfile:
        """Gmail's ``users.getProfile``: the account's address and current ``historyId``."""
        return GProfile.model_validate(await self._get(f"{GMAIL}/profile"))

    # -- Calendar ---------------------------------------------------------------------------
    async def calendars(self) -> list[GCalendar]:
        """``calendarList.list``, every page."""
        out: list[GCalendar] = []
        token: str | None = None
        while True:
            params: dict[str, str | int] = {"maxResults": 250}
            if token:
                params["pageToken"] = token
            page = GCalendarList.model_validate(
                await self._get(f"{CALENDAR}/users/me/calendarList", params)
            )
            out += page.items
            token = page.next_page_token
            if not token:
                return out

    async def event_pages(
        self,
        calendar: str,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        sync_token: str | None = None,
    ) -> AsyncIterator[GEvents]:
        """``events.list`` page by page: the window ``[start, end)`` with recurring events
        expanded and ordered by start, or -- with ``sync_token`` -- what changed since
        (Google refuses ``timeMin``, ``timeMax`` and ``orderBy`` beside a sync token; a
        stale token is a 410, :class:`~connectors.sdk.NotFound` with status 410)."""
        base: dict[str, str | int] = {"singleEvents": "true", "maxResults": EVENTS_PAGE}
        if sync_token:
            base["syncToken"] = sync_token
        else:
            base["orderBy"] = "startTime"
            if start is not None:
                base["timeMin"] = rfc3339(start)
            if end is not None:
                base["timeMax"] = rfc3339(end)
        token: str | None = None
        path = f"{CALENDAR}/calendars/{_seg(calendar)}/events"
        while True:
            params = dict(base, pageToken=token) if token else base
            page = GEvents.model_validate(await self._get(path, params))
            yield page
            token = page.next_page_token
            if not token:
                return

    async def event(self, calendar: str, event_id: str) -> GEvent:
        path = f"{CALENDAR}/calendars/{_seg(calendar)}/events/{_seg(event_id)}"
        return GEvent.model_validate(await self._get(path))

    # -- Gmail ------------------------------------------------------------------------------
    async def messages(
        self,
        *,
        query: str | None = None,
        labels: Sequence[str] = (),
        page_token: str | None = None,
        limit: int = 25,
    ) -> GMessageList:
        """``users.messages.list``: one page of ids, newest first."""
        params: dict[str, str | int | Sequence[str]] = {"maxResults": limit}
        if query:
            params["q"] = query
        if labels:
            params["labelIds"] = list(labels)
        if page_token:
            params["pageToken"] = page_token
        return GMessageList.model_validate(await self._get(f"{GMAIL}/messages", params))

    async def message(
        self, message_id: str, *, full: bool = False, headers: Sequence[str] = LIST_HEADERS
    ) -> GMessage:
        """``users.messages.get``: ``format=full`` (every MIME part) or ``metadata`` with
        only ``headers`` (what a list shows, what a reply needs)."""
        params: dict[str, str | Sequence[str]] = {"format": "full" if full else "metadata"}
        if not full:
            params["metadataHeaders"] = list(headers)
        return GMessage.model_validate(
            await self._get(f"{GMAIL}/messages/{_seg(message_id)}", params)
        )

    async def history_pages(
        self, start: str, *, types: Sequence[str] = HISTORY_TYPES
    ) -> AsyncIterator[GHistoryList]:
        """``users.history.list`` page by page: the mailbox's changes after ``start`` (a
        ``historyId``); an out-of-date one is a 404 (:class:`~connectors.sdk.NotFound`),
        which asks for a full read."""
        base: dict[str, str | int | Sequence[str]] = {
            "startHistoryId": start,
            "historyTypes": list(types),
            "maxResults": HISTORY_PAGE,
        }
        token: str | None = None
        while True:
            params = dict(base, pageToken=token) if token else base
            page = GHistoryList.model_validate(await self._get(f"{GMAIL}/history", params))
            yield page
            token = page.next_page_token
            if not token:
                return

    async def labels(self) -> list[GLabel]:
        return list(GLabels.model_validate(await self._get(f"{GMAIL}/labels")).labels)

    async def send(self, raw: bytes, *, thread_id: str | None = None) -> GMessage:
        """``users.messages.send`` of an RFC 2822 message, in its thread when given."""
        body: dict[str, str] = {"raw": base64.urlsafe_b64encode(raw).decode()}
        if thread_id:
            body["threadId"] = thread_id
        r = await self.http.post(f"{GMAIL}/messages/send", json=body, headers=HEADERS)
        return GMessage.model_validate(r.json())
