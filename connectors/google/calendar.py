"""Google Calendar events (``singleEvents=true``) as sdk calendar events.

Google expands recurring events itself: each instance has an id of its own
(``<recurringEventId>_<start, UTC>``), its series' id in ``recurringEventId`` and the start the
rule gave it in ``originalStartTime``. The ref's key is the series' id ``@`` that start, as
the sdk names instances for every service, which maps back to Google's instance id
(:func:`google_event_id`).

- The join link: ``conferenceData.entryPoints`` of type ``video`` (Meet, or a Zoom/Teams
  add-on's), then ``hangoutLink``, then the location and description
  (:func:`~connectors.sdk.calendar.find_join_link`).
- Show-as: ``transparency: transparent`` is free; ``eventType`` ``outOfOffice`` is out of
  office, ``workingLocation`` (a marker, never busy) free.
- Focus: ``eventType: focusTime`` (Google Calendar's Focus time), and events of a colour the
  ``focus_colors`` setting names, get the category ``Focus`` that the hub's focus mode reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.sdk.calendar import (
    Attendee,
    CalendarEvent,
    CalendarInfo,
    EventStatus,
    Response,
    ShowAs,
    as_datetime,
    find_join_link,
    instance_key,
)
from connectors.sdk.models import ItemKind, ItemRef

from .models import GAttendee, GCalendar, GEvent, GPerson, GWhen

CONNECTOR = "google"
EVENT = ItemKind.EVENT
FOCUS = "Focus"
_RESPONSES = {
    "accepted": Response.ACCEPTED,
    "tentative": Response.TENTATIVE,
    "declined": Response.DECLINED,
    "needsAction": Response.NEEDS_ACTION,
}
_STATUS = {
    "confirmed": EventStatus.CONFIRMED,
    "tentative": EventStatus.TENTATIVE,
    "cancelled": EventStatus.CANCELLED,
}


def _zone(name: str | None) -> ZoneInfo | None:
    if not name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def when(value: GWhen | None, zone: tzinfo) -> tuple[datetime, bool, str | None]:
    """``(time, all day?, IANA zone)`` of an ``EventDateTime``: a date is midnight in
    ``zone`` (the viewer's); a time keeps the zone the event was written in."""
    if value is None:
        raise ValueError("an event without start or end")
    if value.date_time:
        at = datetime.fromisoformat(value.date_time.replace("Z", "+00:00"))
        named = _zone(value.time_zone)
        return (at.astimezone(named) if named else at), False, value.time_zone if named else None
    if value.date:
        return as_datetime(date.fromisoformat(value.date), zone), True, None
    raise ValueError("an EventDateTime with neither date nor dateTime")


def google_event_id(key: str) -> str:
    """Google's id of the event a ref's key names (``series@20261202T090000Z`` ->
    ``series_20261202T090000Z``, Google's id of that instance)."""
    uid, sep, instance = key.partition("@")
    return f"{uid}_{instance}" if sep else uid


def _person(p: GPerson) -> Attendee:
    return Attendee(email=p.email, name=p.display_name)


def _attendee(a: GAttendee) -> Attendee:
    return Attendee(
        email=a.email,
        name=a.display_name,
        response=_RESPONSES.get(a.response_status or "", Response.NEEDS_ACTION),
        role="chair" if a.organizer else ("optional" if a.optional else "required"),
        resource=a.resource,
    )


def _show_as(e: GEvent) -> ShowAs:
    if e.event_type == "outOfOffice":
        return ShowAs.OOF
    if e.event_type == "workingLocation" or e.transparency == "transparent":
        return ShowAs.FREE
    if e.status == "tentative":
        return ShowAs.TENTATIVE
    return ShowAs.BUSY


def _conference(e: GEvent) -> list[str]:
    urls: list[str] = []
    if e.conference_data is not None:
        urls += [
            p.uri for p in e.conference_data.entry_points if p.entry_point_type == "video" and p.uri
        ]
    if e.hangout_link:
        urls.append(e.hangout_link)
    return urls


def event(
    e: GEvent,
    *,
    host: str,
    calendar: str,
    zone: tzinfo,
    focus_colors: Iterable[str] = (),
) -> CalendarEvent:
    """One event (or instance) as a :class:`CalendarEvent`."""
    start, all_day, tz = when(e.start, zone)
    end, _, _ = when(e.end, zone) if e.end is not None else (start, all_day, tz)
    end = max(end, start)
    uid = e.recurring_event_id or e.id
    rid: datetime | None = None
    if e.recurring_event_id:
        rid = when(e.original_start_time, zone)[0] if e.original_start_time else start
    attendees = tuple(_attendee(a) for a in e.attendees)
    mine = next((a for a in e.attendees if a.self_), None)
    focus = e.event_type == "focusTime" or (e.color_id is not None and e.color_id in focus_colors)
    return CalendarEvent(
        ref=ItemRef(
            connector=CONNECTOR, host=host, scope=calendar, key=event_key(e, zone), kind=EVENT
        ),
        uid=uid,
        calendar=calendar,
        title=(e.summary or "").strip() or "(no title)",
        start=start,
        end=end,
        all_day=all_day,
        timezone=tz,
        location=e.location,
        description=e.description,
        url=e.html_link,
        organizer=_person(e.organizer) if e.organizer and e.organizer.email else None,
        attendees=attendees,
        my_response=_RESPONSES.get(mine.response_status or "") if mine else None,
        status=_STATUS.get(e.status or "", EventStatus.CONFIRMED),
        show_as=_show_as(e),
        categories=(FOCUS,) if focus else (),
        recurrence_id=rid,
        join=find_join_link(_conference(e), e.location, e.description),
        etag=e.etag,
    )


def event_key(e: GEvent, zone: tzinfo) -> str:
    """The ref key :func:`event` gives ``e`` (for a cancelled instance too, which a sync
    answer sends without a start)."""
    if not e.recurring_event_id:
        return e.id
    o = e.original_start_time
    if o is not None and o.date and not o.date_time:  # an all-day instance: Google's _YYYYMMDD
        return f"{e.recurring_event_id}@{instance_key(date.fromisoformat(o.date))}"
    if o is not None:
        return f"{e.recurring_event_id}@{instance_key(when(o, zone)[0])}"
    _, _, suffix = e.id.rpartition("_")
    return f"{e.recurring_event_id}@{suffix}"


def info(c: GCalendar) -> CalendarInfo:
    return CalendarInfo(
        id=c.id,
        name=c.summary_override or c.summary or c.id,
        color=c.background_color,
        description=c.description,
        timezone=c.time_zone,
        read_only=c.access_role in ("reader", "freeBusyReader"),
    )


__all__ = ["FOCUS", "event", "event_key", "google_event_id", "info", "when"]
