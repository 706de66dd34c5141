"""Calendar on the Graph stand-in: calendars, the window's events (occurrences as Graph
expands them), join links from onlineMeeting or a Teams link in the body, categories and
showAs, a delta round whose re-poll costs one request when nothing changed and applies
exactly what changed, and nextLink paging of the other calendars."""

from __future__ import annotations

from datetime import timedelta

from connectors.microsoft.connector import MicrosoftConnector
from connectors.sdk import ItemKind
from connectors.sdk.calendar import Provider, Response, ShowAs

from .helpers import NOW, World

START, END = NOW.replace(hour=0), NOW.replace(hour=0) + timedelta(days=7)
JOIN = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0?context=%7b%7d"


async def test_calendars_are_listed_with_the_default_one(
    world: World, conn: MicrosoftConnector
) -> None:
    world.state.add_calendar(world.ada, "Shared with Bob", can_edit=False)
    cals = await conn.list_calendars()
    assert [c.name for c in cals] == ["Calendar", "Shared with Bob"]
    assert [c.read_only for c in cals] == [False, True]


async def test_events_in_the_window_with_join_links_categories_and_show_as(
    world: World, conn: MicrosoftConnector
) -> None:
    st, ada, bob = world.state, world.ada, world.bob
    attendee = {
        "type": "required",
        "status": {"response": "accepted", "time": "2026-11-30T10:00:00Z"},
        "emailAddress": {"name": "Bob Builder", "address": "bob@contoso.com"},
    }
    st.add_event(ada, "Standup", NOW + timedelta(hours=1), 15, join_url=JOIN, attendees=[attendee])
    st.add_event(
        ada,
        "Design review",
        NOW + timedelta(hours=3),
        60,
        organizer=bob,
        response="tentativelyAccepted",
        body=f'<p>Join: <a href="{JOIN.replace("&", "&amp;")}">Click here to join</a></p>',
        zone="Europe/Berlin",
    )
    st.add_event(
        ada, "Deep work", NOW + timedelta(hours=5), 120, categories=["Focus"], show_as="free"
    )
    st.add_event(ada, "Offsite", NOW + timedelta(days=2), all_day=True, show_as="oof")
    st.add_event(ada, "Last month", NOW - timedelta(days=30))
    events = await conn.events(START, END)
    assert [e.title for e in events] == ["Standup", "Design review", "Deep work", "Offsite"]
    standup, review, deep, offsite = events
    assert standup.join is not None and standup.join.url == JOIN
    assert standup.join.provider is Provider.TEAMS and standup.join.source == "conference"
    assert standup.my_response is Response.ACCEPTED  # the organizer
    assert standup.attendees[0].email == "bob@contoso.com"
    assert standup.attendees[0].response is Response.ACCEPTED
    assert standup.ref.kind is ItemKind.EVENT and standup.ref.scope == standup.calendar
    assert review.join is not None and review.join.source == "description"
    assert review.join.url == JOIN  # the body's HTML entities undone
    assert review.organizer is not None and review.organizer.email == "bob@contoso.com"
    assert review.my_response is Response.TENTATIVE
    assert review.timezone == "Europe/Berlin" and review.start.utcoffset() == timedelta(hours=1)
    assert review.start == NOW + timedelta(hours=3)
    assert deep.categories == ("Focus",) and deep.show_as is ShowAs.FREE and not deep.is_meeting
    assert offsite.all_day and offsite.show_as is ShowAs.OOF
    assert offsite.start.hour == 0 and str(offsite.start.tzinfo) == "Europe/Berlin"
    assert (offsite.end - offsite.start) == timedelta(days=1)


async def test_a_join_link_from_online_meeting_url_or_a_teams_link_in_the_location(
    world: World, conn: MicrosoftConnector
) -> None:
    """Older Skype for Business and third-party meetings fill only onlineMeetingUrl; a
    room booked as a link has it in the location."""
    st = world.state
    legacy = st.add_event(world.ada, "Legacy", NOW + timedelta(hours=1))
    legacy["onlineMeetingUrl"] = "https://meet.lync.com/contoso/ada/ABC123"
    st.add_event(world.ada, "Room", NOW + timedelta(hours=2), location=JOIN)
    st.add_event(
        world.ada, "Plain", NOW + timedelta(hours=3), body="<p>see https://wiki.test/x</p>"
    )
    legacy_e, room, plain = await conn.events(START, END)
    assert legacy_e.join is not None and legacy_e.join.provider is Provider.OTHER
    assert legacy_e.join.url == "https://meet.lync.com/contoso/ada/ABC123"
    assert room.join is not None and room.join.source == "location"
    assert room.join.provider is Provider.TEAMS
    assert plain.join is None  # a description's other links are never taken


async def test_occurrences_keep_their_own_ids_and_share_the_series(
    world: World, conn: MicrosoftConnector
) -> None:
    st = world.state
    for day in range(3):
        st.add_event(world.ada, "Daily", NOW + timedelta(days=day, hours=1), series="SERIES1")
    events = await conn.events(START, END)
    assert len({e.key for e in events}) == 3
    assert {e.uid for e in events} == {"SERIES1"}
    assert [e.recurrence_id for e in events] == [e.start for e in events]
    again = await conn.get_event(events[1].ref)
    assert again == events[1]


async def test_an_unchanged_window_costs_one_request_and_changes_apply(
    world: World, conn: MicrosoftConnector
) -> None:
    st, g = world.state, world.standin
    g.page_size = 2  # the first round spans pages
    keep = st.add_event(world.ada, "Keep", NOW + timedelta(hours=1))
    move = st.add_event(world.ada, "Move", NOW + timedelta(hours=2))
    gone = st.add_event(world.ada, "Gone", NOW + timedelta(hours=3))
    first = await conn.events(START, END)
    assert [e.title for e in first] == ["Keep", "Move", "Gone"]
    g.reset_log()
    assert await conn.events(START, END) == first
    assert [(r.method, r.path) for r in g.log] == [("GET", "/v1.0/me/calendarView/delta")]
    assert any(k == "$deltatoken" for k, _ in g.log[0].query)
    st.touch(move, subject="Moved", _start=NOW + timedelta(hours=4), _end=NOW + timedelta(hours=5))
    move["start"]["dateTime"] = (NOW + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M:%S.0000000")
    move["end"]["dateTime"] = (NOW + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%S.0000000")
    st.delete_event(gone)
    added = st.add_event(world.ada, "New", NOW + timedelta(hours=6))
    g.reset_log()
    after = await conn.events(START, END)
    assert [e.title for e in after] == ["Keep", "Moved", "New"]
    assert len(g.log) == 1
    assert {e.ref.key for e in after} == {keep["id"], move["id"], added["id"]}


async def test_an_expired_delta_token_starts_the_round_over(
    world: World, conn: MicrosoftConnector
) -> None:
    st, g = world.state, world.standin
    first = st.add_event(world.ada, "First", NOW + timedelta(hours=1))
    assert [e.title for e in await conn.events(START, END)] == ["First"]
    st.delete_event(first)
    st.add_event(world.ada, "Second", NOW + timedelta(hours=2))
    st.delta_floor = st.seq + 1  # every token issued so far has left Graph's cache
    g.reset_log()
    assert [e.title for e in await conn.events(START, END)] == ["Second"]
    assert [r.status for r in g.log] == [410, 200]
    assert "startDateTime" in dict(g.log[1].query)


async def test_another_window_starts_a_new_round(world: World, conn: MicrosoftConnector) -> None:
    world.state.add_event(world.ada, "Soon", NOW + timedelta(hours=1))
    world.state.add_event(world.ada, "Next week", NOW + timedelta(days=8))
    assert [e.title for e in await conn.events(START, END)] == ["Soon"]
    later = await conn.events(START + timedelta(days=7), END + timedelta(days=7))
    assert [e.title for e in later] == ["Next week"]
    first = world.standin.log[-1]
    assert {"startDateTime", "endDateTime"} <= {k for k, _ in first.query}


async def test_other_calendars_are_paged_by_next_link(
    world: World, conn: MicrosoftConnector
) -> None:
    st, g = world.state, world.standin
    team = st.add_calendar(world.ada, "Team")
    for i in range(5):
        st.add_event(world.ada, f"Team {i}", NOW + timedelta(hours=i + 1), calendar=team)
    st.add_event(world.ada, "Mine", NOW + timedelta(minutes=30))
    g.max_page = 2
    events = await conn.events(START, END)
    assert [e.title for e in events] == ["Mine"] + [f"Team {i}" for i in range(5)]
    assert {e.calendar for e in events[1:]} == {team["id"]}
    views = [r for r in g.log if r.path.endswith("/calendarView")]
    assert [dict(r.query).get("$skip") for r in views] == [None, "2", "4"]
    only = await conn.events(START, END, calendars=[team["id"]])
    assert len(only) == 5


async def test_calendars_setting_picks_by_name(world: World) -> None:
    from .helpers import connect

    st = world.state
    team = st.add_calendar(world.ada, "Team")
    st.add_event(world.ada, "Team thing", NOW + timedelta(hours=1), calendar=team)
    st.add_event(world.ada, "Mine", NOW + timedelta(hours=2))
    conn, http = connect(world.standin.url, settings={"calendars": ["team"]})
    try:
        assert [e.title for e in await conn.events(START, END)] == ["Team thing"]
    finally:
        await http.aclose()
