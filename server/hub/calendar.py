"""The agenda across every calendar session: merged events, the next meeting, reminders.

Each calendar session's syncer (:class:`~server.hub.sync.syncers.Agenda`) keeps its window
of events in the session's index; this module only reads those indexes, so the Agenda
panel, the status bar's next meeting and the reminders never wait on the network. The
same meeting reached through two calendars or accounts (an invitation in a shared and a
personal calendar) shows once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from connectors.sdk.calendar import CalendarEvent, next_meeting

if TYPE_CHECKING:
    from .hub import Hub


def merged(hub: Hub) -> list[CalendarEvent]:
    """Every session's events, by start, each meeting once (by UID and start)."""
    seen: dict[tuple[str, datetime], CalendarEvent] = {}
    for s in hub.sessions.values():
        for e in s.coordinator.index.events:
            key = (e.uid, e.start)
            have = seen.get(key)
            if have is None or (have.join is None and e.join is not None):
                seen[key] = e
    return sorted(seen.values(), key=lambda e: (e.start, e.end, e.title))


def upcoming(hub: Hub, now: datetime) -> CalendarEvent | None:
    """The meeting the person goes to next, from every calendar."""
    return next_meeting(merged(hub), now)


def find(hub: Hub, key: str) -> CalendarEvent | None:
    """An event of the agenda by its id (:attr:`CalendarEvent.key`)."""
    return next((e for e in merged(hub) if e.key == key), None)


@dataclass
class Reminders:
    """Which meetings are due a reminder: each instance once, ``before`` ahead of its
    start (a moved meeting is a new start, so it is reminded of again). A meeting that has
    already begun is not announced: a server started late must not list a morning's past."""

    told: set[tuple[str, datetime]] = field(default_factory=set)

    def due(
        self, events: Iterable[CalendarEvent], now: datetime, before: timedelta
    ) -> list[CalendarEvent]:
        if before <= timedelta(0):
            return []
        out = []
        for e in events:
            mark = (e.key, e.start)
            if not e.is_meeting or mark in self.told:
                continue
            if e.start - before <= now < e.start:
                self.told.add(mark)
                out.append(e)
        return out


__all__ = ["Reminders", "find", "merged", "upcoming"]
