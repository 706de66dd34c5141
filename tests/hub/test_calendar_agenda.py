"""Reminders: each meeting instance once, ``notify_before`` ahead, none when switched off,
none for what one does not attend or what has begun."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.sdk.calendar import CalendarEvent, Response, event_ref
from server.hub.calendar import Reminders

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
FIVE = timedelta(minutes=5)


def _event(uid: str, start: datetime, **kw: object) -> CalendarEvent:
    return CalendarEvent(
        ref=event_ref("caldav", "h", "/cal/", uid, start),
        uid=uid,
        calendar="/cal/",
        title=uid,
        start=start,
        end=start + timedelta(minutes=30),
        **kw,  # type: ignore[arg-type]
    )


def test_a_meeting_is_reminded_once_within_the_lead_time() -> None:
    r = Reminders()
    soon, later = (
        _event("soon", NOW + timedelta(minutes=4)),
        _event("later", NOW + timedelta(minutes=6)),
    )
    assert r.due([soon, later], NOW, FIVE) == [soon]
    assert r.due([soon, later], NOW + timedelta(seconds=30), FIVE) == []
    assert r.due([soon, later], NOW + timedelta(minutes=1, seconds=1), FIVE) == [later]


def test_a_moved_meeting_is_reminded_again() -> None:
    r = Reminders()
    first = _event("m", NOW + timedelta(minutes=2))
    assert r.due([first], NOW, FIVE) == [first]
    moved = first.model_copy(update={"start": NOW + timedelta(minutes=4)})
    assert r.due([moved], NOW, FIVE) == [moved]


def test_nothing_when_off_begun_or_declined() -> None:
    r = Reminders()
    soon = _event("soon", NOW + timedelta(minutes=2))
    assert r.due([soon], NOW, timedelta(0)) == []
    begun = _event("begun", NOW - timedelta(minutes=1))
    declined = _event("no", NOW + timedelta(minutes=2), my_response=Response.DECLINED)
    allday = _event("day", NOW + timedelta(minutes=2), all_day=True)
    assert r.due([begun, declined, allday], NOW, FIVE) == []
