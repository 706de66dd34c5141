"""iCalendar (RFC 5545) to :class:`~connectors.sdk.calendar.CalendarEvent`.

Parsing is ``icalendar``'s and recurrence expansion ``recurring-ical-events``' (RRULE,
RDATE, EXDATE and overridden instances by ``RECURRENCE-ID``, in the rule's own time zone
across daylight-saving changes). This module only maps properties:

- ``TRANSP:TRANSPARENT`` shows as free; Outlook's ``X-MICROSOFT-CDO-BUSYSTATUS``
  (``FREE``/``TENTATIVE``/``BUSY``/``OOF``/``WORKINGELSEWHERE``), when present, says more.
- The join link comes from RFC 7986 ``CONFERENCE``, Google's ``X-GOOGLE-CONFERENCE``,
  Teams' ``X-MICROSOFT-SKYPETEAMSMEETINGURL``, then ``LOCATION`` and ``DESCRIPTION``
  (:func:`~connectors.sdk.calendar.find_join_link`).
- The person's own answer is the ``PARTSTAT`` of the attendee whose address is one of the
  principal's ``calendar-user-address-set``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, tzinfo
from typing import Any

import icalendar
import recurring_ical_events

from connectors.sdk.calendar import (
    Attendee,
    CalendarEvent,
    EventStatus,
    Response,
    ShowAs,
    as_datetime,
    event_ref,
    find_join_link,
    zone_name,
)

_RESPONSES = {
    "ACCEPTED": Response.ACCEPTED,
    "TENTATIVE": Response.TENTATIVE,
    "DECLINED": Response.DECLINED,
    "NEEDS-ACTION": Response.NEEDS_ACTION,
    "DELEGATED": Response.DELEGATED,
}
_BUSY = {
    "FREE": ShowAs.FREE,
    "TENTATIVE": ShowAs.TENTATIVE,
    "BUSY": ShowAs.BUSY,
    "OOF": ShowAs.OOF,
    "WORKINGELSEWHERE": ShowAs.WORKING_ELSEWHERE,
}
_STATUS = {
    "CONFIRMED": EventStatus.CONFIRMED,
    "TENTATIVE": EventStatus.TENTATIVE,
    "CANCELLED": EventStatus.CANCELLED,
}
_CONFERENCE = ("CONFERENCE", "X-GOOGLE-CONFERENCE", "X-MICROSOFT-SKYPETEAMSMEETINGURL")


def parse(data: str) -> icalendar.Calendar | None:
    """One calendar object's text, or ``None`` when it is no iCalendar (logged by the caller)."""
    try:
        cal = icalendar.Calendar.from_ical(data)
    except ValueError:
        return None
    return cal if isinstance(cal, icalendar.Calendar) else None


def _all(component: Any, name: str) -> list[Any]:
    value = component.get(name)
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _text(component: Any, name: str) -> str | None:
    value = component.get(name)
    text = str(value).strip() if value is not None else ""
    return text or None


def _address(value: Any) -> str | None:
    text = str(value).strip()
    if text.lower().startswith("mailto:"):
        text = text[7:]
    return text or None


def _person(value: Any) -> Attendee:
    params = getattr(value, "params", {})
    cutype = str(params.get("CUTYPE", "INDIVIDUAL")).upper()
    return Attendee(
        email=_address(value),
        name=str(params["CN"]) if params.get("CN") else None,
        response=_RESPONSES.get(
            str(params.get("PARTSTAT", "NEEDS-ACTION")).upper(), Response.NEEDS_ACTION
        ),
        role=str(params.get("ROLE", "REQ-PARTICIPANT"))
        .lower()
        .replace("req-participant", "required")
        .replace("opt-participant", "optional")
        .replace("-", "_"),
        resource=cutype in ("RESOURCE", "ROOM"),
    )


def _categories(component: Any) -> tuple[str, ...]:
    out: list[str] = []
    for value in _all(component, "CATEGORIES"):
        cats = getattr(value, "cats", None)
        out += [str(c) for c in cats] if cats is not None else [str(value)]
    return tuple(dict.fromkeys(c.strip() for c in out if c.strip()))


def _show_as(component: Any) -> ShowAs:
    busy = _text(component, "X-MICROSOFT-CDO-BUSYSTATUS")
    if busy and busy.upper() in _BUSY:
        return _BUSY[busy.upper()]
    transp = _text(component, "TRANSP")
    return ShowAs.FREE if transp and transp.upper() == "TRANSPARENT" else ShowAs.BUSY


def event(
    component: Any,
    *,
    host: str,
    calendar: str,
    zone: tzinfo,
    me: Iterable[str] = (),
    etag: str | None = None,
    recurring: bool = False,
) -> CalendarEvent:
    """One ``VEVENT`` (an instance, once expanded) as a :class:`CalendarEvent`.

    ``recurring``: the object has a rule or overrides, so every instance, the first too,
    gets an id of its own."""
    raw_start = component.decoded("DTSTART")
    all_day = not isinstance(raw_start, datetime)
    start = as_datetime(raw_start, zone)
    try:
        raw_end = component.end
    except Exception:  # no DTEND or DURATION: RFC 5545 §3.6.1 gives a day or nothing
        raw_end = raw_start
    end = as_datetime(raw_end, zone)
    if end < start:
        end = start
    uid = _text(component, "UID") or f"{calendar}:{start.isoformat()}"
    # recurring-ical-events writes a RECURRENCE-ID into every occurrence it yields, one of
    # a single event too: only an object with a rule or overrides has instances.
    rid = component.get("RECURRENCE-ID") if recurring else None
    rid_dt = as_datetime(rid.dt, zone) if rid is not None else None
    if recurring and rid_dt is None:
        rid_dt = start
    mine = {a.lower() for a in me}
    attendees = tuple(_person(a) for a in _all(component, "ATTENDEE"))
    my_response = next((a.response for a in attendees if a.email and a.email.lower() in mine), None)
    organizer = component.get("ORGANIZER")
    location = _text(component, "LOCATION")
    description = _text(component, "DESCRIPTION")
    conference = [str(v) for name in _CONFERENCE for v in _all(component, name)]
    status = _text(component, "STATUS")
    return CalendarEvent(
        ref=event_ref("caldav", host, calendar, uid, rid_dt),
        uid=uid,
        calendar=calendar,
        title=_text(component, "SUMMARY") or "(no title)",
        start=start,
        end=end,
        all_day=all_day,
        timezone=None if all_day else zone_name(raw_start),
        location=location,
        description=description,
        url=_text(component, "URL"),
        organizer=_person(organizer) if organizer is not None else None,
        attendees=attendees,
        my_response=my_response,
        status=_STATUS.get((status or "").upper(), EventStatus.CONFIRMED),
        show_as=_show_as(component),
        categories=_categories(component),
        recurrence_id=rid_dt,
        join=find_join_link(conference, location, description),
        etag=etag,
    )


def expand(
    cal: icalendar.Calendar,
    start: datetime,
    end: datetime,
    *,
    host: str,
    calendar: str,
    zone: tzinfo,
    me: Sequence[str] = (),
    etag: str | None = None,
) -> Iterator[CalendarEvent]:
    """Every event of one calendar object overlapping ``[start, end)``, rules expanded."""
    events = [c for c in cal.walk("VEVENT")]
    recurring = any(
        c.get("RRULE") is not None or c.get("RDATE") is not None or c.get("RECURRENCE-ID")
        for c in events
    )
    for component in recurring_ical_events.of(cal).between(start, end):
        if component.name != "VEVENT":
            continue
        yield event(
            component,
            host=host,
            calendar=calendar,
            zone=zone,
            me=me,
            etag=etag,
            recurring=recurring,
        )


__all__ = ["event", "expand", "parse"]
