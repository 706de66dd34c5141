"""Calendar models: join links of every provider, where each is looked for, the next
meeting, and how the time to it reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors.sdk.calendar import (
    CalendarEvent,
    EventStatus,
    Provider,
    Response,
    ShowAs,
    as_datetime,
    event_ref,
    find_join_link,
    instance_key,
    next_meeting,
    provider_of,
    until,
    zone_name,
)
from connectors.sdk.capabilities import CAPABILITIES, Calendar, missing_methods
from connectors.sdk.models import ItemKind

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("url", "provider"),
    [
        ("https://acme.zoom.us/j/98765432100?pwd=abc", Provider.ZOOM),
        ("https://zoom.us/my/alice", Provider.ZOOM),
        ("https://acme.zoomgov.com/j/1610000000", Provider.ZOOM),
        ("https://meet.google.com/abc-defg-hij", Provider.MEET),
        (
            "https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0?context=%7b%7d",
            Provider.TEAMS,
        ),
        ("https://teams.live.com/meet/9312345678901", Provider.TEAMS),
        ("https://acme.webex.com/meet/alice", Provider.WEBEX),
        ("https://acme.webex.com/acme/j.php?MTID=m123", Provider.WEBEX),
    ],
)
def test_each_provider_is_told_from_its_join_url(url: str, provider: Provider) -> None:
    assert provider_of(url) is provider
    link = find_join_link(description=f"Join: {url}.")
    assert link is not None and link.url == url and link.provider is provider


@pytest.mark.parametrize(
    "url",
    [
        "https://zoom.us/",  # a provider's home page is no meeting
        "https://meet.google.com/",
        "https://notzoom.us/j/1",  # a host that only ends in the letters
        "https://example.com/j/123",
    ],
)
def test_urls_that_join_no_meeting_are_not_providers(url: str) -> None:
    assert provider_of(url) is None
    assert find_join_link(description=f"see {url}") is None


def test_conference_data_wins_over_location_and_description() -> None:
    link = find_join_link(
        ["https://meet.google.com/abc-defg-hij"],
        location="https://acme.zoom.us/j/1",
        description="https://teams.microsoft.com/l/meetup-join/x",
    )
    assert link is not None
    assert (link.provider, link.source) == (Provider.MEET, "conference")


def test_conference_data_of_an_unknown_service_is_other() -> None:
    link = find_join_link(["https://jitsi.example.org/standup"])
    assert link is not None and link.provider is Provider.OTHER


def test_location_before_description_and_a_bare_url_location_is_other() -> None:
    link = find_join_link(location="Room 4 / https://acme.zoom.us/j/42", description="")
    assert link is not None and (link.provider, link.source) == (Provider.ZOOM, "location")
    bare = find_join_link(location="https://jitsi.example.org/x", description=None)
    assert bare is not None and (bare.provider, bare.source) == (Provider.OTHER, "location")


def test_a_descriptions_other_links_are_never_a_join_link() -> None:
    text = "Agenda: https://docs.example.com/agenda\nDial in: https://dial.example.com/123"
    assert find_join_link(description=text) is None


def test_an_html_teams_description_gives_the_url_without_its_brackets() -> None:
    url = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0"
    link = find_join_link(description=f"Microsoft Teams meeting <{url}>")
    assert link is not None and link.url == url


def _event(uid: str, start: datetime, minutes: int = 30, **kw: object) -> CalendarEvent:
    return CalendarEvent(
        ref=event_ref("caldav", "cal.example.com", "/cal/", uid),
        uid=uid,
        calendar="/cal/",
        title=uid,
        start=start,
        end=start + timedelta(minutes=minutes),
        **kw,  # type: ignore[arg-type]
    )


def test_next_meeting_skips_what_one_does_not_attend() -> None:
    soon = NOW + timedelta(minutes=10)
    events = [
        _event("past", NOW - timedelta(hours=2)),
        _event("allday", NOW, all_day=True, minutes=24 * 60),
        _event("free", soon, show_as=ShowAs.FREE),
        _event("declined", soon, my_response=Response.DECLINED),
        _event("cancelled", soon, status=EventStatus.CANCELLED),
        _event("later", NOW + timedelta(hours=1)),
        _event("standup", NOW + timedelta(minutes=20)),
    ]
    got = next_meeting(events, NOW)
    assert got is not None and got.uid == "standup"


def test_a_running_meeting_is_next_and_a_join_link_breaks_a_tie() -> None:
    link = find_join_link(["https://meet.google.com/abc-defg-hij"])
    running = _event("running", NOW - timedelta(minutes=5))
    assert next_meeting([running, _event("soon", NOW + timedelta(minutes=5))], NOW) == running
    plain, online = _event("plain", NOW), _event("online", NOW, join=link)
    assert next_meeting([plain, online], NOW) == online


@pytest.mark.parametrize(
    ("delta", "text"),
    [
        (timedelta(seconds=30), "now"),
        (timedelta(minutes=-3), "now"),
        (timedelta(minutes=5), "in 5 min"),
        (timedelta(hours=1, minutes=20), "in 1 h 20 min"),
        (timedelta(hours=2), "in 2 h"),
        (timedelta(hours=13), "at 22:00"),
        (timedelta(hours=24), "tomorrow 09:00"),
        (timedelta(days=3), "Thu 09:00"),
    ],
)
def test_time_until_reads_like_a_status_bar(delta: timedelta, text: str) -> None:
    assert until(NOW + delta, NOW) == text


def test_instances_have_refs_of_their_own() -> None:
    one = datetime(2026, 3, 2, 10, 0, tzinfo=ZoneInfo("Europe/Berlin"))
    a = event_ref("caldav", "h", "/cal/", "uid-1", one)
    b = event_ref("caldav", "h", "/cal/", "uid-1", one + timedelta(days=1))
    assert a.kind is ItemKind.EVENT and a.id != b.id
    assert a.key == "uid-1@20260302T090000Z"
    assert instance_key(date(2026, 3, 2)) == "20260302"


def test_dates_and_floating_times_take_the_zone_given() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    assert as_datetime(date(2026, 3, 2), berlin) == datetime(2026, 3, 2, tzinfo=berlin)
    assert as_datetime(datetime(2026, 3, 2, 9), berlin).tzinfo is berlin
    ny = datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("America/New_York"))
    assert as_datetime(ny, berlin) is ny and zone_name(ny) == "America/New_York"


def test_calendar_is_a_registered_capability() -> None:
    assert CAPABILITIES["Calendar"].protocol is Calendar

    class Half:
        async def list_calendars(self) -> list[object]:
            return []

    assert missing_methods(Half, "Calendar") == ["events", "get_event"]
