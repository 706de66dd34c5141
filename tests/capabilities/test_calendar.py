"""The Calendar capability suite: what the Agenda relies on, run on every connector that
declares Calendar.

The story is the same for each service: a weekly meeting with a join link (three weeks of
it in the window), a single meeting, and an event outside the window; then one change and
one removal between two polls. Adding a connector is adding one builder to
:data:`BUILDERS` that serves the story from the service (a real server where one runs
here, its stand-in otherwise); the tests name no service.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.sdk.calendar import Provider, next_meeting
from connectors.sdk.capabilities import Calendar
from connectors.sdk.models import ItemKind
from connectors.sdk.registry import default_registry
from tests.caldav.radicale import Radicale, start

START = datetime(2026, 5, 4, tzinfo=UTC)  # a Monday
END = START + timedelta(days=21)
WEEKLY = START + timedelta(hours=9)
SINGLE = START + timedelta(days=2, hours=14)
OUTSIDE = END + timedelta(days=10)
ZOOM = "https://acme.zoom.us/j/98765432100"


@dataclass
class Story:
    """A connector serving the story, and how to change it at the service."""

    connector: Any
    change_single: Callable[[str], None]
    remove_weekly: Callable[[], None]


Builder = Callable[[Any], contextlib.AbstractAsyncContextManager[Story]]


def _ics(uid: str, title: str, when: datetime, extra: str = "") -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    return (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//tieline suite//EN\nBEGIN:VEVENT\n"
        f"UID:{uid}\nDTSTAMP:20260101T000000Z\nDTSTART:{when:{fmt}}\n"
        f"DTEND:{when + timedelta(minutes=30):{fmt}}\nSUMMARY:{title}\n{extra}"
        "END:VEVENT\nEND:VCALENDAR\n"
    )


@contextlib.asynccontextmanager
async def _caldav(radicale: Radicale) -> AsyncIterator[Story]:
    from connectors.caldav.connector import CalDAVConnector
    from tests.standin.harness import wire

    a = radicale.user()
    cal = a.make_calendar("team", "Team")
    a.put(cal, "weekly", _ics("weekly", "Sync", WEEKLY, f"RRULE:FREQ=WEEKLY\nLOCATION:{ZOOM}\n"))
    a.put(cal, "single", _ics("single", "Review", SINGLE))
    a.put(cal, "outside", _ics("outside", "Later", OUTSIDE))
    c, http = wire(
        CalDAVConnector,
        a.url,
        token=a.password,
        method="basic",
        username=a.user,
        host="127.0.0.1",
        settings={"site": a.url},
    )
    async with http:
        yield Story(
            c,
            change_single=lambda title: a.put(cal, "single", _ics("single", title, SINGLE)),
            remove_weekly=lambda: a.delete(cal, "weekly"),
        )


@contextlib.asynccontextmanager
async def _google(radicale: Radicale) -> AsyncIterator[Story]:
    """Google expands the weekly meeting itself (``singleEvents=true``): the stand-in holds
    its instances, and removing the series cancels each."""
    from tests.google.helpers import ADA, connect, seed
    from tests.standin.google import GoogleStandIn, rfc3339
    from tests.standin.kit import serving

    with serving(GoogleStandIn()) as standin:
        seed(standin)
        st = standin.state
        starts = [rfc3339((WEEKLY + timedelta(weeks=n)).timestamp()) for n in range(6)]
        weekly = st.add_instances(ADA, "weekly", "Sync", starts, 30, location=ZOOM)
        for eid, title, when in (("single", "Review", SINGLE), ("outside", "Later", OUTSIDE)):
            end = rfc3339((when + timedelta(minutes=30)).timestamp())
            st.add_event(ADA, eid, title, rfc3339(when.timestamp()), end)

        def remove_weekly() -> None:
            for e in weekly:
                st.cancel_event(ADA, e["id"])

        c, http = connect(standin.url)
        async with http:
            yield Story(
                c,
                change_single=lambda title: st.update_event(ADA, "single", summary=title),
                remove_weekly=remove_weekly,
            )


@contextlib.asynccontextmanager
async def _microsoft(radicale: Radicale) -> AsyncIterator[Story]:
    """Graph's stand-in, serving occurrences as calendarView expands a series."""
    from connectors.microsoft.connector import MicrosoftConnector
    from tests.standin.harness import wire
    from tests.standin.kit import serving
    from tests.standin.kit.fixtures import require_contract
    from tests.standin.microsoft import MicrosoftStandIn

    require_contract(MicrosoftStandIn)
    with serving(MicrosoftStandIn()) as graph:
        st = graph.state
        ada = st.add_user("Ada Lovelace", "ada@contoso.com")
        graph.grant("graph-token", ada)
        weekly = [
            st.add_event(ada, "Sync", WEEKLY + timedelta(weeks=n), location=ZOOM, series="SYNC")
            for n in range(4)
        ]
        single = st.add_event(ada, "Review", SINGLE)
        st.add_event(ada, "Later", OUTSIDE)
        c, http = wire(MicrosoftConnector, f"{graph.url}/v1.0", token="graph-token", method="pkce")

        def remove_weekly() -> None:
            for e in weekly:
                st.delete_event(e)

        async with http:
            yield Story(
                c,
                change_single=lambda title: st.touch(single, subject=title),
                remove_weekly=remove_weekly,
            )


#: connector id -> the builder serving the story from it.
BUILDERS: dict[str, Builder] = {"caldav": _caldav, "google": _google, "microsoft": _microsoft}


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    server = start(tmp_path_factory.mktemp("radicale-suite"))
    yield server
    server.stop()


@pytest.fixture(params=sorted(BUILDERS))
async def story(request: pytest.FixtureRequest, radicale: Radicale) -> AsyncIterator[Story]:
    async with BUILDERS[request.param](radicale) as s:
        yield s


def test_every_calendar_connector_is_in_the_suite() -> None:
    declaring = {m.id for m in default_registry().manifests() if "Calendar" in m.capabilities}
    assert declaring and declaring <= set(BUILDERS), declaring - set(BUILDERS)


async def test_the_window_holds_each_instance_once_in_order(story: Story) -> None:
    c: Calendar = story.connector
    got = list(await c.events(START, END))
    assert [e.start for e in got] == sorted(e.start for e in got)
    weekly = [e for e in got if e.title == "Sync"]
    assert [e.start for e in weekly] == [WEEKLY + timedelta(weeks=n) for n in range(3)]
    assert all(e.recurring and e.ref.kind is ItemKind.EVENT for e in weekly)
    assert len({e.key for e in got}) == len(got)
    assert all(e.join and e.join.provider is Provider.ZOOM for e in weekly)
    assert "Later" not in {e.title for e in got}
    single = next(e for e in got if e.title == "Review")
    assert not single.recurring and single.join is None
    assert await c.get_event(single.ref) == single
    soon = next_meeting(got, START)
    assert soon is not None and soon.start == WEEKLY


async def test_a_poll_after_a_change_and_a_removal_shows_them(story: Story) -> None:
    c: Calendar = story.connector
    first = list(await c.events(START, END))
    assert list(await c.events(START, END)) == first  # unchanged: the same events
    story.change_single("Review (moved agenda)")
    story.remove_weekly()
    titles = [e.title for e in await c.events(START, END)]
    assert titles == ["Review (moved agenda)"]
