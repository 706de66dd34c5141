"""The CalDAV connector against a real Radicale: discovery, recurring events across a
daylight-saving change, all-day events, join links and attendees, refresh by
sync-collection (a change, a removal, an unchanged poll), and a wrong app password."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from connectors.caldav.connector import CalDAVConnector
from connectors.caldav.dav import DavCalendar
from connectors.sdk import ReauthRequired
from connectors.sdk.calendar import Provider, Response, ShowAs
from server.hub.http import HubClient
from tests.caldav.radicale import Account
from tests.standin.harness import wire

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 15, tzinfo=UTC)
END = datetime(2026, 4, 10, tzinfo=UTC)

VTIMEZONE = """BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE"""

PLANNING = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//tieline tests//EN
{VTIMEZONE}
BEGIN:VEVENT
UID:planning-1
DTSTAMP:20260301T000000Z
DTSTART;TZID=Europe/Berlin:20260316T100000
DTEND;TZID=Europe/Berlin:20260316T110000
RRULE:FREQ=WEEKLY;COUNT=4
EXDATE;TZID=Europe/Berlin:20260323T100000
SUMMARY:Planning
LOCATION:https://acme.zoom.us/j/98765432100
ORGANIZER;CN=Ann Lee:mailto:ann@example.com
ATTENDEE;CN=Mia;PARTSTAT=ACCEPTED;ROLE=REQ-PARTICIPANT:mailto:mia@example.com
ATTENDEE;CN=Bo;PARTSTAT=TENTATIVE;ROLE=OPT-PARTICIPANT:mailto:bo@example.com
ATTENDEE;CN=Room 4;CUTYPE=ROOM;PARTSTAT=ACCEPTED:mailto:room4@example.com
CATEGORIES:Team,Weekly
END:VEVENT
BEGIN:VEVENT
UID:planning-1
DTSTAMP:20260301T000000Z
RECURRENCE-ID;TZID=Europe/Berlin:20260406T100000
DTSTART;TZID=Europe/Berlin:20260406T113000
DTEND;TZID=Europe/Berlin:20260406T120000
SUMMARY:Planning (moved)
LOCATION:https://acme.zoom.us/j/98765432100
END:VEVENT
END:VCALENDAR
"""

OFFSITE = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//tieline tests//EN
BEGIN:VEVENT
UID:offsite-1
DTSTAMP:20260301T000000Z
DTSTART;VALUE=DATE:20260320
DTEND;VALUE=DATE:20260322
SUMMARY:Offsite
TRANSP:TRANSPARENT
X-MICROSOFT-CDO-BUSYSTATUS:OOF
END:VEVENT
END:VCALENDAR
"""


def review(title: str = "Design review", *, uid: str = "review-1") -> str:
    return f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//tieline tests//EN
BEGIN:VEVENT
UID:{uid}
DTSTAMP:20260301T000000Z
DTSTART:20260318T150000Z
DTEND:20260318T153000Z
SUMMARY:{title}
DESCRIPTION:Agenda https://docs.example.com/a\\nJoin: https://meet.google.com/abc-defg-hij
CONFERENCE;VALUE=URI;FEATURE=VIDEO:https://teams.microsoft.com/l/meetup-join/19%3ameeting_X%40thread.v2/0
ATTENDEE;PARTSTAT=DECLINED:mailto:mia@example.com
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def seeded(account: Account) -> Account:
    work = account.make_calendar("work", "Work")
    home = account.make_calendar("home", "Home")
    account.put(work, "planning", PLANNING)
    account.put(work, "review", review())
    account.put(home, "offsite", OFFSITE)
    return account


def connect(
    account: Account, *, password: str | None = None, **settings: object
) -> tuple[CalDAVConnector, HubClient]:
    return wire(
        CalDAVConnector,
        account.url,
        token=password or account.password,
        method="basic",
        username=account.user,
        web_url=account.url,
        host="127.0.0.1",
        account="mia@example.com",
        settings={"site": account.url, "timezone": "America/New_York", **settings},
    )


@pytest.fixture
async def cal(seeded: Account) -> AsyncIterator[tuple[CalDAVConnector, HubClient]]:
    c, http = connect(seeded)
    yield c, http
    await http.aclose()


async def test_check_finds_the_principal_by_discovery(
    cal: tuple[CalDAVConnector, HubClient], seeded: Account
) -> None:
    c, _ = cal
    got = await c.check()
    assert got.ok, got.detail
    assert got.account == seeded.user
    assert "2 calendars" in (got.detail or "")
    names = sorted(x.name for x in await c.list_calendars())
    assert names == ["Home", "Work"]


async def test_a_recurring_event_is_expanded_in_its_zone_across_dst(
    cal: tuple[CalDAVConnector, HubClient],
) -> None:
    c, _ = cal
    events = await c.events(START, END)
    planning = [e for e in events if e.uid == "planning-1"]
    # Weekly from 16 March, 23 March excluded, 6 April moved; 29 March is the DST switch.
    assert [e.start for e in planning] == [
        datetime(2026, 3, 16, 10, tzinfo=BERLIN),
        datetime(2026, 3, 30, 10, tzinfo=BERLIN),
        datetime(2026, 4, 6, 11, 30, tzinfo=BERLIN),
    ]
    assert [e.start.astimezone(UTC).hour for e in planning] == [9, 8, 9]
    assert planning[2].title == "Planning (moved)"
    assert all(e.recurring and e.timezone == "Europe/Berlin" for e in planning)
    assert len({e.key for e in planning}) == 3  # each instance has an id of its own
    first = planning[0]
    assert first.join is not None and first.join.provider is Provider.ZOOM
    assert first.join.source == "location"
    assert first.organizer is not None and first.organizer.name == "Ann Lee"
    assert [(a.email, a.response, a.role, a.resource) for a in first.attendees] == [
        ("mia@example.com", Response.ACCEPTED, "required", False),
        ("bo@example.com", Response.TENTATIVE, "optional", False),
        ("room4@example.com", Response.ACCEPTED, "required", True),
    ]
    assert first.my_response is Response.ACCEPTED
    assert first.categories == ("Team", "Weekly")
    # The window is honoured: nothing before it, nothing after it.
    assert not await c.events(datetime(2026, 4, 7, tzinfo=UTC), END) or all(
        e.uid != "planning-1" for e in await c.events(datetime(2026, 4, 7, tzinfo=UTC), END)
    )


async def test_an_all_day_event_is_its_days_in_the_zone_configured(
    cal: tuple[CalDAVConnector, HubClient],
) -> None:
    c, _ = cal
    offsite = next(e for e in await c.events(START, END) if e.uid == "offsite-1")
    ny = ZoneInfo("America/New_York")
    assert offsite.all_day and offsite.timezone is None
    assert (offsite.start, offsite.end) == (
        datetime(2026, 3, 20, tzinfo=ny),
        datetime(2026, 3, 22, tzinfo=ny),
    )
    assert offsite.show_as is ShowAs.OOF  # Outlook's busy status wins over TRANSP
    assert not offsite.is_meeting


async def test_conference_data_gives_the_join_link_and_my_answer_is_read(
    cal: tuple[CalDAVConnector, HubClient],
) -> None:
    c, _ = cal
    r = next(e for e in await c.events(START, END) if e.uid == "review-1")
    assert r.join is not None
    assert (r.join.provider, r.join.source) == (Provider.TEAMS, "conference")
    assert r.my_response is Response.DECLINED and not r.is_meeting
    assert r.start == datetime(2026, 3, 18, 15, tzinfo=UTC) and not r.recurring
    assert await c.get_event(r.ref) == r


async def test_sync_collection_picks_up_a_change_and_an_idle_poll_is_one_request(
    cal: tuple[CalDAVConnector, HubClient], seeded: Account
) -> None:
    c, http = cal
    await c.events(START, END)
    sent = http.requests_sent
    again = await c.events(START, END)
    assert http.requests_sent - sent == 1  # the home's PROPFIND: both tokens unchanged
    assert any(e.title == "Design review" for e in again)

    seeded.put("/" + seeded.user + "/work/", "review", review("Design review v2"))
    sent = http.requests_sent
    changed = await c.events(START, END)
    # PROPFIND, sync-collection of the changed calendar, multiget of the one object.
    assert http.requests_sent - sent == 3
    titles = {e.title for e in changed}
    assert "Design review v2" in titles and "Design review" not in titles

    seeded.delete("/" + seeded.user + "/work/", "review")
    gone = await c.events(START, END)
    assert all(e.uid != "review-1" for e in gone)
    assert any(e.uid == "planning-1" for e in gone)


async def test_a_token_the_server_refuses_reads_the_calendar_anew(
    cal: tuple[CalDAVConnector, HubClient], seeded: Account
) -> None:
    c, _ = cal
    await c.events(START, END)
    work = f"/{seeded.user}/work/"
    c._held[work].token = "http://radicale.org/ns/sync/not-a-token"
    seeded.put(work, "later", review("Added", uid="added-1"))
    got = await c.events(START, END)
    assert {"Added", "Design review", "Planning"} <= {e.title for e in got}


async def test_a_window_beyond_what_was_read_reads_the_rest(
    cal: tuple[CalDAVConnector, HubClient], seeded: Account
) -> None:
    c, _ = cal
    early = await c.events(START, START + timedelta(days=2))
    assert all(e.start < START + timedelta(days=2) for e in early)
    later = await c.events(START, END)
    assert any(e.title == "Planning (moved)" for e in later)


async def test_only_the_calendars_chosen_are_read(seeded: Account) -> None:
    c, http = connect(seeded, calendars=["home"])
    try:
        got = await c.events(START, END)
    finally:
        await http.aclose()
    assert {e.uid for e in got} == {"offsite-1"}


async def test_a_wrong_app_password_asks_to_sign_in_again(seeded: Account) -> None:
    c, http = connect(seeded, password="not-the-app-password")
    try:
        with pytest.raises(ReauthRequired) as raised:
            await c.events(START, END)
        assert "not-the-app-password" not in str(raised.value)
        checked = await c.check()
    finally:
        await http.aclose()
    assert not checked.ok and isinstance(checked.error, ReauthRequired)


async def test_a_server_without_sync_tokens_is_refreshed_by_ctag_and_etags(
    cal: tuple[CalDAVConnector, HubClient], seeded: Account
) -> None:
    """Radicale with its sync tokens hidden from the connector: it falls back to the
    CTag (unchanged: nothing more asked) and the window's ETags (only changed objects
    read)."""
    c, http = cal
    listing = c.client.calendars

    async def without_tokens(home: str) -> list[DavCalendar]:
        return [dataclasses.replace(x, sync_token=None) for x in await listing(home)]

    c.client.calendars = without_tokens  # type: ignore[method-assign]
    await c.events(START, END)
    sent = http.requests_sent
    await c.events(START, END)
    assert http.requests_sent - sent == 1  # the CTags are unchanged

    work = f"/{seeded.user}/work/"
    seeded.put(work, "review", review("Design review v3"))
    seeded.delete(work, "planning")
    sent = http.requests_sent
    got = await c.events(START, END)
    assert http.requests_sent - sent == 3  # PROPFIND, the ETags, one multiget
    assert {e.uid for e in got} == {"review-1", "offsite-1"}
    assert next(e for e in got if e.uid == "review-1").title == "Design review v3"
