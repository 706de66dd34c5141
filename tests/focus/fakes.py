"""A Focus service in memory: a person's status and snooze, and every call made to it.

It behaves as the :class:`~connectors.sdk.capabilities.Focus` protocol asks of a real
connector: the snapshot holds what must come back (status text and emoji with their expiry,
a snooze already running), survives JSON, and ``end_focus`` puts it back only where focus is
what is still set. ``fail`` queues exceptions for the next calls of a method; ``hang`` makes
calls never return (a service that does not answer).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.sdk.calendar import CalendarEvent, EventStatus, event_ref
from connectors.sdk.chat import FocusSnapshot

FOCUS_EMOJI = ":no_bell:"


@dataclass
class Service:
    """What the service shows of the person; shared by every "process" that talks to it."""

    text: str = "Reviewing PRs"
    emoji: str = ":eyes:"
    expires: str | None = "2026-03-02T17:00:00+00:00"
    dnd_until: str | None = None
    calls: list[tuple[str, Any]] = field(default_factory=list)

    def shown(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "emoji": self.emoji,
            "expires": self.expires,
            "dnd_until": self.dnd_until,
        }

    def names(self) -> list[str]:
        return [c[0] for c in self.calls]


@dataclass
class FakeFocus:
    """One account's Focus capability, talking to a :class:`Service`."""

    service: Service
    connector: str = "chat"
    account: str = "ada@chat.example"
    fail: dict[str, list[BaseException]] = field(default_factory=dict)
    hang: set[str] = field(default_factory=set)
    #: Run before ``start_focus`` changes anything (a test checks what is stored by then).
    before_start: Callable[[], Any] | None = None

    async def _enter(self, name: str, arg: Any = None) -> None:
        self.service.calls.append((name, arg))
        if name in self.hang:
            await asyncio.Event().wait()
        queued = self.fail.get(name)
        if queued:
            raise queued.pop(0)

    async def focus_snapshot(self) -> FocusSnapshot:
        await self._enter("focus_snapshot")
        return FocusSnapshot(
            connector=self.connector,
            account=self.account,
            taken_at=datetime.now(UTC),
            state=self.service.shown(),
        )

    async def start_focus(self, until: datetime, text: str) -> None:
        if self.before_start is not None:
            got = self.before_start()
            if asyncio.iscoroutine(got):
                await got
        await self._enter("start_focus", (until, text))
        self.service.text, self.service.emoji = text, FOCUS_EMOJI
        self.service.expires = until.isoformat()
        self.service.dnd_until = until.isoformat()

    async def end_focus(self, snapshot: FocusSnapshot) -> None:
        await self._enter("end_focus", snapshot)
        before = snapshot.state
        if self.service.emoji == FOCUS_EMOJI:  # focus is still what is set: put it back
            self.service.text, self.service.emoji = before["text"], before["emoji"]
            self.service.expires = before["expires"]
        self.service.dnd_until = before["dnd_until"]


def event(
    uid: str,
    start: datetime,
    minutes: int = 60,
    *,
    title: str | None = None,
    categories: Sequence[str] = (),
    status: EventStatus = EventStatus.CONFIRMED,
) -> CalendarEvent:
    return CalendarEvent(
        ref=event_ref("caldav", "cal.example", "/cal/", uid, None),
        uid=uid,
        calendar="/cal/",
        title=uid if title is None else title,
        start=start,
        end=start + timedelta(minutes=minutes),
        categories=tuple(categories),
        status=status,
    )
