"""Poll cost of the suite panels: requests per poll and per hour for the Agenda (Outlook,
Google Calendar), the Inbox (Outlook, Gmail) and reviewer presence (Slack, Teams), idle and
with one change, beside what a client without delta/sync tokens or HTTP revalidation sends.

Each connector runs on the hub's real HTTP stack (its on-disk HTTP cache included, as a
session has it) against its contract-checked stand-in, seeded with a large calendar and
mailbox. The panels' default refresh is the hub's: ``sync.poll_interval`` for the Agenda,
``mail.refresh_interval`` for the Inbox (polled only while the panel is shown), and
``chat.presence_ttl`` for a reviewer's presence on a hover card (the worst case: one
hover per reviewer per TTL, all hour long). Prints figures; no assertions.

    python -m bench.suite_poll
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from server.hub.config import ChatSettings, MailSettings, SyncSettings
from server.hub.http import revalidate
from server.hub.sync.syncers import Agenda
from tests.standin.harness import wire
from tests.standin.kit import serving

AGENDA_SECONDS = float(SyncSettings().poll_interval)
INBOX_SECONDS = float(MailSettings().refresh_interval)
PRESENCE_SECONDS = float(ChatSettings().presence_ttl)
EVENTS = 400  # in the primary calendar, a year around today
MESSAGES = 300  # in the inbox
REVIEWERS = 3


async def _count(fn: Callable[[], Awaitable[Any]], http: Any) -> int:
    sent = http.requests_sent
    with revalidate():
        await fn()
    return int(http.requests_sent - sent)


def _row(what: str, requests: int, every: float) -> None:
    print(f"  {what:<48} {requests:>4} requests   {requests * 3600 / every:>7.0f} requests/hour")


# -- Outlook (Microsoft Graph) ---------------------------------------------------------------
async def outlook(cache: Path) -> None:
    from connectors.microsoft.connector import MicrosoftConnector
    from tests.microsoft.helpers import CANARY, CLIENT_ID, seed
    from tests.standin.microsoft import MicrosoftStandIn

    with serving(MicrosoftStandIn()) as standin:
        world = seed(standin)
        st = world.state
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        for n in range(EVENTS):
            st.add_event(
                world.ada, f"Meeting {n}", now + timedelta(days=n % 365 - 180, hours=n % 8)
            )
        for n in range(MESSAGES):
            st.add_message(world.ada, f"Message {n}", received=now - timedelta(minutes=n))
        c, http = wire(
            MicrosoftConnector,
            f"{standin.url}/v1.0",
            token=CANARY,
            method="pkce",
            host="outlook.office.com",
            account="ada@contoso.com",
            settings={"client_id": CLIENT_ID, "timezone": "Europe/Berlin"},
            cache_dir=cache / "graph",
        )
        start, end = now, now + timedelta(days=Agenda.DAYS)
        async with http:
            print(f"Outlook: {EVENTS} events, {MESSAGES} messages")

            async def agenda() -> Any:
                return await c.events(start, end)

            _row("agenda: first poll", await _count(agenda, http), AGENDA_SECONDS)
            _row("agenda: idle poll (delta)", await _count(agenda, http), AGENDA_SECONDS)
            st.add_event(world.ada, "New meeting", now + timedelta(hours=3))
            _row("agenda: one event added", await _count(agenda, http), AGENDA_SECONDS)

            async def inbox() -> Any:
                await c.list_mail("unread")
                await c.list_mail("flagged")
                return await c.list_mail("inbox")

            _row("inbox (3 views): first poll", await _count(inbox, http), INBOX_SECONDS)
            _row("inbox (3 views): idle poll", await _count(inbox, http), INBOX_SECONDS)
            st.add_message(world.ada, "Fresh", received=now + timedelta(minutes=1))
            _row("inbox (3 views): one new message", await _count(inbox, http), INBOX_SECONDS)

            emails = [world.bob["mail"]] * REVIEWERS

            async def presence() -> Any:
                return await c.presence_of(emails)

            _row(
                f"presence of {REVIEWERS} reviewers", await _count(presence, http), PRESENCE_SECONDS
            )

            async def naive() -> None:  # the window read whole on every poll, every calendar
                for cal in await c.list_calendars():
                    await c.client.calendar_view(cal.id, start, end)

            _row("baseline: calendarView, no delta", await _count(naive, http), AGENDA_SECONDS)


# -- Google (Calendar, Gmail) ----------------------------------------------------------------
async def google(cache: Path) -> None:
    from connectors.google.connector import GoogleConnector
    from tests.google.helpers import ADA, CANARY, seed
    from tests.standin.google import GoogleStandIn

    with serving(GoogleStandIn()) as standin:
        seed(standin)
        st = standin.state
        now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        fmt = "%Y-%m-%dT%H:%M:%S+00:00"
        for n in range(EVENTS):
            when = now + timedelta(days=n % 365 - 180, hours=n % 8)
            st.add_event(
                ADA,
                f"e{n}",
                f"Meeting {n}",
                f"{when:{fmt}}",
                f"{when + timedelta(minutes=30):{fmt}}",
            )
        for n in range(MESSAGES):
            st.add_message(f"m{n:04d}", sender="Bob <bob@example.com>", subject=f"Message {n}")
        c, http = wire(
            GoogleConnector,
            standin.url,
            token=CANARY,
            method="pkce",
            web_url="https://calendar.google.com",
            host="google.com",
            account=ADA,
            settings={"timezone": "Europe/Berlin"},
            cache_dir=cache / "google",
        )
        start, end = now, now + timedelta(days=Agenda.DAYS)
        async with http:
            print(f"Google: {EVENTS} events, {MESSAGES} messages")

            async def agenda() -> Any:
                return await c.events(start, end)

            _row("agenda: first poll", await _count(agenda, http), AGENDA_SECONDS)
            _row("agenda: idle poll (sync tokens)", await _count(agenda, http), AGENDA_SECONDS)
            when = now + timedelta(hours=3)
            st.add_event(
                ADA,
                "fresh",
                "New meeting",
                f"{when:{fmt}}",
                f"{when + timedelta(minutes=30):{fmt}}",
            )
            _row("agenda: one event added", await _count(agenda, http), AGENDA_SECONDS)

            async def inbox() -> Any:
                await c.list_mail("unread")
                await c.list_mail("flagged")
                return await c.list_mail("inbox")

            _row("inbox (3 views): first poll", await _count(inbox, http), INBOX_SECONDS)
            _row("inbox (3 views): idle poll", await _count(inbox, http), INBOX_SECONDS)
            st.add_message("fresh", sender="Bob <bob@example.com>", subject="Fresh")
            _row("inbox (3 views): one new message", await _count(inbox, http), INBOX_SECONDS)


# -- Slack (presence) ------------------------------------------------------------------------
async def slack(cache: Path) -> None:
    from tests.slack.helpers import connect, seed
    from tests.standin.slack import SlackStandIn

    with serving(SlackStandIn()) as standin:
        seed(standin)
        c, http = connect(standin.url)
        async with http:
            print("Slack:")
            # A lookup by address and a presence read per known reviewer (the profile carries
            # the status line, so neither is cached by the connector: the hub keeps answers
            # for chat.presence_ttl); an unknown address costs its lookup only.
            emails = ["bob@example.com", "cy@example.com", "nobody@example.com"]

            async def presence() -> Any:
                return await c.presence_of(emails)

            _row(
                f"presence of {REVIEWERS} reviewers", await _count(presence, http), PRESENCE_SECONDS
            )


async def main() -> None:
    print(
        f"default refresh: agenda every {AGENDA_SECONDS:.0f} s, inbox every {INBOX_SECONDS:.0f} s"
        f" while shown, presence cached {PRESENCE_SECONDS:.0f} s per reviewer"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for run in (outlook, google, slack):
            try:
                await run(Path(tmp))
            except Exception as exc:  # a figure missing is reported, the others still print
                print(f"  ({run.__name__} failed: {type(exc).__name__}: {exc})")


if __name__ == "__main__":
    asyncio.run(main())
