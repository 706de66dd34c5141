"""The ``agenda`` tool against a real Radicale (CalDAV, htpasswd) signed in through the
environment: today's meetings merged from the calendar, the next one with its join link,
and an event outside the asked-for days left out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.caldav.radicale import Account, Radicale, start
from tests.cli.conftest import base_env
from tests.mcp.conftest import stdio, structured

MEET = "https://meet.google.com/abc-defg-hij"


@pytest.fixture(scope="module")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    server = start(tmp_path_factory.mktemp("radicale-mcp"))
    yield server
    server.stop()


def _ics(uid: str, title: str, begin: datetime, minutes: int, extra: str = "") -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    end = begin + timedelta(minutes=minutes)
    return (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//tieline tests//EN\nBEGIN:VEVENT\n"
        f"UID:{uid}\nDTSTAMP:20260101T000000Z\nDTSTART:{begin:{fmt}}\nDTEND:{end:{fmt}}\n"
        f"SUMMARY:{title}\n{extra}END:VEVENT\nEND:VCALENDAR\n"
    )


@pytest.fixture
def account(radicale: Radicale) -> Account:
    a = radicale.user()
    work = a.make_calendar("work", "Work")
    soon = datetime.now(UTC).replace(second=0, microsecond=0) + timedelta(minutes=30)
    a.put(work, "standup", _ics("standup-1", "Standup", soon, 15, f"DESCRIPTION:Join: {MEET}\n"))
    a.put(work, "later", _ics("later-1", "Roadmap", soon + timedelta(days=3), 60))
    return a


async def test_agenda_lists_the_next_meeting_with_its_join_link(
    account: Account, tmp_path: Path, tieline_home: Path
) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    env = base_env(
        tieline_home,
        TIELINE_CONNECTORS__CALDAV__SITE=account.url,
        TIELINE_CALDAV_USER=account.user,
        TIELINE_CALDAV_TOKEN=account.password,
    )
    async with stdio(folder, env) as s:
        today = structured(await s.call_tool("agenda", {"days": 1}))
        week = structured(await s.call_tool("agenda", {"days": 7}))
        refused = await s.call_tool("agenda", {"days": 30})  # the window the syncer keeps is 7
    assert [e["title"] for e in today["events"]] == ["Standup"]
    nxt = today["next_meeting"]
    assert nxt["title"] == "Standup" and nxt["join"] == MEET and nxt["meeting"] is True
    assert today["problems"] == []
    assert [e["title"] for e in week["events"]] == ["Standup", "Roadmap"]
    assert refused.is_error
    assert account.password not in str(today) + str(week)
