"""A library-grade async client for the part of Zoom's API v2 the connector calls, over the
``httpx.AsyncClient`` it is given (base URL ``https://api.zoom.us/v2``, the OAuth access
token in its auth as Bearer).

Rate limits (429 with Retry-After), retries and mapping failed answers to the sdk's errors
belong to the client handed in; Zoom's error bodies are ``{"code", "message"}`` (124
"Invalid access token." is a 401, 1001 "User does not exist" a 404), whose ``message`` the
hub quotes. :func:`explained` adds what a daily limit means, which Zoom's words do not say.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx

from connectors.sdk import RateLimited, TielineError

from .models import ZMeeting, ZUser

SERVICE = "Zoom"
HEADERS = {"accept": "application/json"}
#: Zoom's meeting types: 1 instant, 2 scheduled.
SCHEDULED = 2
TOPIC_MAX = 200


def explained(exc: TielineError) -> TielineError:
    """A daily limit (``X-RateLimit-Type: Daily-limit``; 100 meetings created a day per user)
    said in words; other errors as they are."""
    if isinstance(exc, RateLimited) and "daily" in exc.message.lower():
        return RateLimited(
            f"{exc.message} -- Zoom allows 100 new meetings a day per user",
            retry_at=exc.retry_at,
            status=exc.status,
            service=SERVICE,
        )
    return exc


class ZoomClient:
    """Zoom's API relative to the http client's base URL (``.../v2``)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def _request(self, method: str, path: str, *, json: Any = None) -> httpx.Response:
        try:
            return await self.http.request(method, path, json=json, headers=HEADERS)
        except TielineError as exc:
            raise explained(exc) from exc

    async def me(self) -> tuple[ZUser, httpx.Response]:
        """``GET /users/me``: the signed-in user, and the answer (its rate-limit headers)."""
        r = await self._request("GET", "users/me")
        return ZUser.model_validate(r.json()), r

    async def create_meeting(
        self, topic: str, minutes: int, *, now: datetime | None = None
    ) -> ZMeeting:
        """``POST /users/me/meetings``: a scheduled meeting (type 2) starting now, for
        ``minutes``. Scheduled rather than instant (type 1), whose ``duration`` Zoom ignores:
        the person asked for a length, and a scheduled meeting keeps it and shows in their
        Zoom meeting list; it is joinable from the first minute all the same."""
        start = (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        body = {
            "topic": topic[:TOPIC_MAX],
            "type": SCHEDULED,
            "start_time": start,
            "duration": minutes,
            "timezone": "UTC",
        }
        r = await self._request("POST", "users/me/meetings", json=body)
        return ZMeeting.model_validate(r.json())
