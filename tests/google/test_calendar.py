"""Google Calendar on the stand-in: calendars, the agenda (instances, all-day events, join
links, focus time), paging, and re-polls that cost one request when nothing changed."""

from __future__ import annotations

from datetime import UTC, datetime

from connectors.google.connector import GoogleConnector
from connectors.sdk.calendar import Provider, ShowAs
from connectors.sdk.calendar import Response as Answer
from server.hub.http import HubClient

from .helpers import ADA, TEAM, World, connect

START = datetime(2026, 12, 1, tzinfo=UTC)
END = datetime(2026, 12, 8, tzinfo=UTC)
Conn = tuple[GoogleConnector, HubClient]


def _calls(world: World, path: str = "") -> list[str]:
    return [f"{r.method} {r.path}" for r in world.standin.log if path in r.path]


def _seed_agenda(world: World) -> None:
    st = world.state
    st.add_event(
        ADA,
        "standup1",
        "Standup",
        "2026-12-02T09:00:00+01:00",
        "2026-12-02T09:15:00+01:00",
        conferenceData={
            "entryPoints": [
                {"entryPointType": "phone", "uri": "tel:+1-555-0100"},
                {"entryPointType": "video", "uri": "https://meet.google.com/abc-defg-hij"},
            ],
            "conferenceId": "abc-defg-hij",
        },
        hangoutLink="https://meet.google.com/abc-defg-hij",
        attendees=[
            {"email": ADA, "self": True, "responseStatus": "accepted"},
            {"email": "bob@example.com", "displayName": "Bob", "responseStatus": "tentative"},
        ],
        organizer={"email": "bob@example.com", "displayName": "Bob"},
    )
    st.add_event(
        ADA,
        "focus1",
        "Deep work",
        "2026-12-02T13:00:00+01:00",
        "2026-12-02T15:00:00+01:00",
        eventType="focusTime",
        focusTimeProperties={"autoDeclineMode": "declineOnlyNewConflictingInvitations"},
    )
    st.add_event(ADA, "trip", "Lisbon", "2026-12-04", "2026-12-06", transparency="transparent")
    st.add_event(ADA, "later", "Next year", "2027-02-01T10:00:00Z", "2027-02-01T11:00:00Z")
    st.add_instances(
        TEAM,
        "weekly",
        "Team sync",
        ["2026-12-03T10:00:00Z", "2026-12-10T10:00:00Z"],
        30,
        location="https://acme.zoom.us/j/123456789",
    )


async def test_calendars_are_listed_with_their_own_names(world: World, conn: Conn) -> None:
    connector, _ = conn
    cals = await connector.list_calendars()
    assert [(c.id, c.name) for c in cals] == [
        (ADA, ADA),
        (TEAM, "Team calendar"),
        ("holidays@group.v.calendar.google.com", "Holidays"),
    ]
    assert cals[0].timezone == "Europe/Berlin" and cals[0].color == "#9fe1e7"


async def test_the_agenda_maps_googles_events(world: World, conn: Conn) -> None:
    _seed_agenda(world)
    connector, _ = conn
    events = await connector.events(START, END)
    assert [e.title for e in events] == ["Standup", "Deep work", "Team sync", "Lisbon"]
    standup, focus, sync, trip = events
    assert standup.join is not None and standup.join.provider is Provider.MEET
    assert standup.join.url == "https://meet.google.com/abc-defg-hij"
    assert standup.my_response is Answer.ACCEPTED and standup.organizer is not None
    assert standup.timezone == "Europe/Berlin" and standup.start.utcoffset() is not None
    assert [a.response for a in standup.attendees] == [Answer.ACCEPTED, Answer.TENTATIVE]
    assert focus.categories == ("Focus",) and standup.categories == ()
    assert sync.recurring and sync.ref.key == "weekly@20261203T100000Z"
    assert sync.join is not None and sync.join.provider is Provider.ZOOM
    assert sync.join.source == "location" and sync.calendar == TEAM
    assert trip.all_day and trip.show_as is ShowAs.FREE
    assert trip.start == datetime(2026, 12, 4, tzinfo=trip.start.tzinfo)
    assert str(trip.start.tzinfo) == "Europe/Berlin"
    # The selected calendars only; the holiday calendar is not shown in Google Calendar.
    assert not _calls(world, "holidays")
    got = await connector.get_event(sync.ref)
    assert got == sync


async def test_an_instance_not_held_is_read_by_its_google_id(world: World, conn: Conn) -> None:
    _seed_agenda(world)
    connector, _ = conn
    events = await connector.events(START, END, calendars=[TEAM])
    fresh, http = connect(world.standin.url)
    try:
        got = await fresh.get_event(events[0].ref)
    finally:
        await http.aclose()
    assert got.title == "Team sync"
    assert (
        _calls(world)[-1]
        == f"GET /calendar/v3/calendars/{TEAM.replace('@', '%40')}/events/weekly_20261203T100000Z"
    )


async def test_focus_colours_mark_focus_blocks(world: World) -> None:
    world.state.add_event(
        ADA, "c1", "Writing", "2026-12-02T08:00:00Z", "2026-12-02T09:00:00Z", colorId="5"
    )
    connector, http = connect(world.standin.url, settings={"focus_colors": ["5"]})
    try:
        (e,) = await connector.events(START, END, calendars=["primary"])
    finally:
        await http.aclose()
    assert e.categories == ("Focus",)


async def test_every_page_is_read(world: World, conn: Conn) -> None:
    for i in range(260):  # more than one page of 250
        world.state.add_event(
            ADA,
            f"e{i:03}",
            f"Slot {i}",
            f"2026-12-0{1 + i % 7}T08:00:00Z",
            f"2026-12-0{1 + i % 7}T08:30:00Z",
        )
    connector, _ = conn
    events = await connector.events(START, END, calendars=[ADA])
    assert len(events) == 260
    pages = [r for r in world.standin.log if r.path.endswith("/events")]
    assert len(pages) == 2 and dict(pages[1].query).get("pageToken")
    first = dict(pages[0].query)
    assert first["singleEvents"] == "true" and first["orderBy"] == "startTime"
    assert first["timeMin"] == "2026-12-01T00:00:00Z" and first["timeMax"] == "2026-12-15T00:00:00Z"


async def test_an_unchanged_re_poll_costs_one_request(world: World, conn: Conn) -> None:
    _seed_agenda(world)
    connector, _ = conn
    first = await connector.events(START, END, calendars=[ADA])
    world.standin.reset_log()
    again = await connector.events(START, END, calendars=[ADA])
    assert again == first
    (call,) = world.standin.log
    assert dict(call.query).keys() == {"singleEvents", "maxResults", "syncToken"}


async def test_a_re_poll_applies_only_what_changed(world: World, conn: Conn) -> None:
    _seed_agenda(world)
    connector, _ = conn
    await connector.events(START, END)
    world.state.update_event(ADA, "standup1", summary="Standup (moved)")
    world.state.cancel_event(TEAM, "weekly_20261203T100000Z")
    world.state.add_event(ADA, "new1", "Review", "2026-12-03T15:00:00Z", "2026-12-03T16:00:00Z")
    world.standin.reset_log()
    events = await connector.events(START, END)
    assert [e.title for e in events] == ["Standup (moved)", "Deep work", "Review", "Lisbon"]
    # The calendar list was read minutes ago: two sync requests, one per calendar.
    assert len(world.standin.log) == 2
    assert all("syncToken" in dict(r.query) for r in world.standin.log)


async def test_an_expired_sync_token_reads_the_calendar_anew(world: World, conn: Conn) -> None:
    _seed_agenda(world)
    connector, _ = conn
    await connector.events(START, END, calendars=[ADA])
    world.state.expire_sync_tokens(ADA)
    world.state.update_event(ADA, "focus1", summary="Focus")
    world.standin.reset_log()
    events = await connector.events(START, END, calendars=[ADA])
    assert "Focus" in [e.title for e in events]
    statuses = [r.status for r in world.standin.log]
    assert statuses == [410, 200]
    assert "timeMin" in dict(world.standin.log[1].query)


async def test_a_window_reaching_further_reads_only_the_part_beyond(
    world: World, conn: Conn
) -> None:
    _seed_agenda(world)
    connector, _ = conn
    await connector.events(START, END, calendars=[ADA])
    world.standin.reset_log()
    later = await connector.events(START, datetime(2027, 3, 1, tzinfo=UTC), calendars=[ADA])
    assert "Next year" in [e.title for e in later]
    sync, extend = world.standin.log
    assert "syncToken" in dict(sync.query)
    assert dict(extend.query)["timeMin"] == "2026-12-15T00:00:00Z"


async def test_calendars_named_in_settings(world: World) -> None:
    _seed_agenda(world)
    connector, http = connect(world.standin.url, settings={"calendars": ["Team calendar"]})
    try:
        events = await connector.events(START, END)
    finally:
        await http.aclose()
    assert {e.calendar for e in events} == {TEAM}
