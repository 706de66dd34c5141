"""Agenda poll cost on CalDAV: requests and bytes per poll and per hour, idle and with one
change, for a small and a large calendar, against a real Radicale.

The Agenda syncer asks the connector for the week ahead on every poll (the hub's default
``sync.poll_interval``). With sync tokens an idle poll is one PROPFIND of the calendar home
whatever the calendars hold, and a change costs a ``sync-collection`` and a
``calendar-multiget`` of the changed object; the baseline beside it is what a client
without sync tokens or ETags does: the window's ``calendar-query`` with data, every poll,
per calendar. Prints figures; no assertions.

    python -m bench.calendar_poll
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from connectors.caldav import dav
from connectors.caldav.connector import CalDAVConnector
from server.hub.config import SyncSettings
from server.hub.http import revalidate
from server.hub.sync.syncers import Agenda
from tests.caldav.radicale import Account, start
from tests.standin.harness import wire

POLL_SECONDS = float(SyncSettings().poll_interval)  # the default refresh
CALENDARS = 2
#: Events per calendar (Radicale slows as a collection grows: seeding 2 x 500 takes minutes).
SIZES = (50, 250)
RECEIVED = [0]


def _count(parse: Callable[[bytes], Any]) -> Callable[[bytes], Any]:
    def counted(body: bytes) -> Any:
        RECEIVED[0] += len(body)
        return parse(body)

    return counted


dav.parse_multistatus = _count(dav.parse_multistatus)  # type: ignore[assignment]


def _ics(uid: str, title: str, when: datetime, rule: str = "") -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    return (
        "BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//tieline bench//EN\nBEGIN:VEVENT\n"
        f"UID:{uid}\nDTSTAMP:20260101T000000Z\nDTSTART:{when:{fmt}}\n"
        f"DTEND:{when + timedelta(minutes=30):{fmt}}\nSUMMARY:{title}\n{rule}"
        "DESCRIPTION:Join https://meet.google.com/abc-defg-hij\nEND:VEVENT\nEND:VCALENDAR\n"
    )


def seed(account: Account, events: int, today: datetime) -> list[str]:
    """``CALENDARS`` calendars of ``events`` each, spread over a year around today (one in
    ten a weekly series); the calendars' paths."""
    paths = []
    for c in range(CALENDARS):
        path = account.make_calendar(f"cal{c}", f"Calendar {c}")
        paths.append(path)
        for n in range(events):
            when = today + timedelta(days=(n * 7) % 365 - 180, hours=9 + n % 8)
            rule = "RRULE:FREQ=WEEKLY;COUNT=20\n" if n % 10 == 0 else ""
            account.put(path, f"e{n}", _ics(f"c{c}-e{n}", f"Meeting {n}", when, rule))
    return paths


async def _poll(fn: Callable[[], Any], http: Any) -> tuple[int, int, float]:
    sent, got = http.requests_sent, RECEIVED[0]
    t0 = time.perf_counter()
    with revalidate():
        await fn()
    return http.requests_sent - sent, RECEIVED[0] - got, time.perf_counter() - t0


def _row(what: str, requests: int, received: int, seconds: float) -> None:
    per_hour = requests * 3600 / POLL_SECONDS
    print(
        f"  {what:<42} {requests:>3} requests {received / 1024:>8.1f} KiB "
        f"{seconds * 1000:>6.0f} ms   {per_hour:>5.0f} requests/hour"
    )


async def run(account: Account, events: int) -> None:
    now = datetime.now(UTC)
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    t0 = time.perf_counter()
    paths = seed(account, events, today)
    print(
        f"{CALENDARS} calendars x {events} events (seeded in {time.perf_counter() - t0:.1f} s), "
        f"window {Agenda.DAYS} days, poll every {POLL_SECONDS:.0f} s "
        "(requests/hour: that poll, every interval for an hour):"
    )
    c, http = wire(
        CalDAVConnector,
        account.url,
        token=account.password,
        method="basic",
        username=account.user,
        host="127.0.0.1",
        settings={"site": account.url},
    )
    start, end = today, today + timedelta(days=Agenda.DAYS)
    async with http:

        async def agenda() -> Any:
            return await c.events(start, end)

        _row("first poll (discovery + read)", *await _poll(agenda, http))
        _row("idle poll (sync tokens)", *await _poll(agenda, http))
        account.put(paths[0], "e1", _ics("c0-e1", "Moved", now + timedelta(hours=2)))
        _row("one event changed", *await _poll(agenda, http))
        account.delete(paths[1], "e2")
        _row("one event removed", *await _poll(agenda, http))

        async def naive() -> None:
            for p in paths:
                await c.client.query(p, start, end)

        _row("baseline: query every calendar, no tokens", *await _poll(naive, http))


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = start(Path(tmp) / "radicale")
        try:
            for size in SIZES:
                await run(server.user(), size)
        finally:
            server.stop()


if __name__ == "__main__":
    asyncio.run(main())
