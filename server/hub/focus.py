"""Focus mode: notifications held and a status set in every service that can, then put back.

Focus is wanted while a calendar event marked as focus is on (its title matches
``focus.title_pattern`` or it has one of ``focus.categories``), or for a time the person
chose in the editor. Every session whose connector provides
:class:`~connectors.sdk.capabilities.Focus` (Slack's snooze and status, Teams' presence and
status) is then asked to focus; presence-only services are left alone.

The order of steps is what makes it safe. For each account, :meth:`Focus.focus_snapshot` is
read and *written to the store* before :meth:`Focus.start_focus` changes anything, and the
row is deleted only after :meth:`Focus.end_focus` has succeeded. So after a crash at any
point the snapshot is still there: if the period is still on, focus simply goes on (no new
snapshot: the service now shows the focus status, not the person's own); if it is over, the
snapshot is restored at once. A row is never overwritten: starting again while focused
moves the period's end and tells the services the new end, with the original snapshot kept.

The store is the schedule. Each account's row carries its attempts and when to try next, so
a failing service is retried with the job system's backoff (:func:`~.jobs.backoff_delay`,
or the service's own ``Retry-After``) across restarts, and is tried on its own, beside the
others, each call with a time limit: one service down or slow never holds up the rest. The
hub's job queue is not used for this: its jobs die after a few attempts, and a snapshot's
restore must be retried for as long as it takes.

:meth:`FocusKeeper.reconcile` compares what is wanted with what the rows say and makes one
step towards it; the editor calls it on a timer, after each sync, and on Start or Stop.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import weakref
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

from connectors.sdk.calendar import CalendarEvent
from connectors.sdk.capabilities import Calendar, Focus
from connectors.sdk.chat import FocusSnapshot
from connectors.sdk.errors import RateLimited
from connectors.sdk.redact import redact

from .config import FocusSettings
from .events import Event
from .jobs.backoff import backoff_delay
from .store.database import Database

if TYPE_CHECKING:
    from .hub import Hub

log = logging.getLogger("tieline.focus")

Reason = Literal["calendar", "manual"]
#: Event kinds this module publishes on the hub's bus (``payload["automatic"]`` is true when
#: the calendar or the clock, not a command, started or ended focus).
STARTED = "focus.started"
CHANGED = "focus.changed"
ENDED = "focus.ended"
#: Seconds one call to a service may take before it counts as a failed attempt.
CALL_TIMEOUT = 30.0


@dataclass(frozen=True)
class Period:
    """A span of focus wanted now: until when, and why (a calendar event, or on demand)."""

    until: float
    reason: Reason
    key: str | None = None
    title: str = ""

    @property
    def until_dt(self) -> datetime:
        return datetime.fromtimestamp(self.until, UTC)


@dataclass(frozen=True)
class Target:
    """One signed-in account whose connector provides Focus."""

    connector: str
    account: str
    focus: Focus


@dataclass
class Held:
    """A row of ``focus_snapshots``: one account's snapshot and where its focus stands."""

    connector: str
    account: str
    taken_at: float
    snapshot: FocusSnapshot
    until: float
    reason: Reason
    event_key: str | None = None
    title: str = ""
    applied_until: float | None = None
    attempts: int = 0
    retry_at: float = 0.0
    last_error: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.connector, self.account)


AccountState = Literal["focusing", "starting", "restoring", "waiting"]


@dataclass(frozen=True)
class AccountFocus:
    """How one account's focus stands, for the editor's status."""

    connector: str
    account: str
    state: AccountState
    last_error: str | None = None
    retry_at: float | None = None


@dataclass(frozen=True)
class FocusState:
    """Focus as the editor shows it: the period (``None``: not focusing) and each account."""

    period: Period | None = None
    accounts: tuple[AccountFocus, ...] = ()

    @property
    def active(self) -> bool:
        return self.period is not None


def focus_blocks(events: Iterable[CalendarEvent], settings: FocusSettings) -> list[CalendarEvent]:
    """The events marked as focus. Not all-day ones (a day-long "No meetings" marker would
    hold every notification of the day), nor cancelled or declined ones."""
    pattern = re.compile(settings.title_pattern)
    wanted = {c.casefold() for c in settings.categories}
    out = []
    for e in events:
        if e.all_day or e.cancelled or e.declined:
            continue
        if pattern.search(e.title) or wanted.intersection(c.casefold() for c in e.categories):
            out.append(e)
    return out


def next_meeting_after(
    events: Iterable[CalendarEvent], at: datetime, settings: FocusSettings
) -> CalendarEvent | None:
    """The first meeting that starts after ``at`` and is not itself a focus block: where
    "focus until the next meeting" ends."""
    blocks = {e.key for e in focus_blocks(events, settings)}
    ahead = [e for e in events if e.is_meeting and e.start > at and e.key not in blocks]
    return min(ahead, key=lambda e: e.start, default=None)


def _message(exc: BaseException) -> str:
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    return redact(str(text))[:500]


class FocusKeeper:
    """Keeps every Focus account in step with the wanted period, durably (module docstring).

    Everything it reads arrives as a callable, so tests drive it with fake accounts, a
    list of events and their own clock: ``targets`` (the Focus accounts signed in now),
    ``agenda`` (every calendar's events, or ``None`` while no calendar has been read in
    this process: then the rows' own periods are trusted) and ``settings``.
    """

    def __init__(
        self,
        store: Database,
        *,
        targets: Callable[[], Sequence[Target]],
        agenda: Callable[[], Sequence[CalendarEvent] | None],
        settings: Callable[[], FocusSettings],
        publish: Callable[[Event], Awaitable[object]] | None = None,
        clock: Callable[[], float] = time.time,
        delay: Callable[[int], float] = backoff_delay,
        call_timeout: float = CALL_TIMEOUT,
    ) -> None:
        self.store = store
        self.targets = targets
        self.agenda = agenda
        self.settings = settings
        self.publish = publish
        self.clock = clock
        self.delay = delay
        self.call_timeout = call_timeout
        self.current = FocusState()
        self._lock = asyncio.Lock()
        self._period: Period | None = None
        self._loaded = False
        #: Accounts whose snapshot could not be read: (attempts, retry_at, error); nothing
        #: changed at their service yet, so nothing is stored.
        self._snap_wait: dict[tuple[str, str], tuple[int, float, str]] = {}
        self._failing: set[tuple[str, str]] = set()

    _of: weakref.WeakKeyDictionary[Hub, FocusKeeper] = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, hub: Hub) -> FocusKeeper:
        """The keeper of a hub (one per hub), reading its sessions and calendars."""
        keeper = cls._of.get(hub)
        if keeper is None:
            keeper = cls(
                hub.store,
                targets=lambda: hub_targets(hub),
                agenda=lambda: hub_agenda(hub),
                settings=lambda: hub.config.focus,
                publish=hub.bus.publish,
            )
            cls._of[hub] = keeper
        return keeper

    # -- what the editor asks for ----------------------------------------------------------

    async def start(self, until: datetime, *, title: str = "") -> FocusState:
        """Focus until ``until`` (or longer: focus already on is extended, never shortened,
        and keeps the snapshots taken when it began)."""
        end = until.timestamp()
        async with self._lock:
            now = self.clock()
            if end <= now:
                raise ValueError("focus must end in the future")
            # The period wanted is the latest-ending of this and any calendar block, so a
            # longer block on now goes on after this request's end.
            await self.store.execute(
                "INSERT INTO focus_requests (kind, key, until, title, created_at)"
                " VALUES ('manual', '', ?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET"
                " until = max(until, excluded.until), title = excluded.title",
                (end, title, now),
            )
        return await self.reconcile(automatic=False)

    async def stop(self) -> FocusState:
        """End focus now. A calendar focus block on now is ended for that block only: the
        next one starts focus again."""
        async with self._lock:
            now = self.clock()
            rows = await self._rows()
            async with self.store.transaction():
                await self.store.execute("DELETE FROM focus_requests WHERE kind = 'manual'")
                for block in self._calendar_periods(now, await self._requests(), rows):
                    await self.store.execute(
                        "INSERT INTO focus_requests (kind, key, until, title, created_at)"
                        " VALUES ('stopped', ?, ?, ?, ?) ON CONFLICT (kind, key) DO UPDATE SET"
                        " until = excluded.until, title = excluded.title,"
                        " created_at = excluded.created_at",
                        (block.key, block.until, block.title, now),
                    )
        return await self.reconcile(automatic=False)

    # -- the one step ----------------------------------------------------------------------

    async def reconcile(self, *, automatic: bool = True) -> FocusState:
        """Bring every account one step closer to the wanted period; return the state."""
        async with self._lock:
            now = self.clock()
            await self.store.execute("DELETE FROM focus_requests WHERE until <= ?", (now,))
            rows = {r.key: r for r in await self._rows()}
            if not self._loaded:
                self._loaded = True
                self._period = self._from_rows(rows.values())
            want = self._desired(now, await self._requests(), rows.values())
            for row in rows.values():
                await self._follow(row, want, now)
            targets = {(t.connector, t.account): t for t in self.targets()}
            work = [self._settle(t, rows.get(k), want, now) for k, t in targets.items()]
            done = await asyncio.gather(*work, return_exceptions=True)
            for key, got in zip(targets, done, strict=True):
                if isinstance(got, Exception):  # the store, not the service: try next time
                    log.warning("focus step for %s failed: %s", key[1], _message(got))
            before, self._period = self._period, want
            if want is None:
                self._snap_wait.clear()  # nothing to start: the next period tries afresh
            self.current = FocusState(want, await self._accounts(set(targets), now))
        await self._announce(before, want, automatic)
        return self.current

    async def _follow(self, row: Held, want: Period | None, now: float) -> None:
        """Move a row's period to the wanted one (or end it now), stored before any call."""
        if want is None:
            if row.until > now:
                row.until = now
                await self._save(row)
            return
        if (row.until, row.reason, row.event_key, row.title) != (
            want.until,
            want.reason,
            want.key,
            want.title,
        ):
            row.until, row.reason, row.event_key, row.title = (
                want.until,
                want.reason,
                want.key,
                want.title,
            )
            row.attempts, row.retry_at = 0, 0.0
            await self._save(row)

    async def _settle(self, t: Target, row: Held | None, want: Period | None, now: float) -> None:
        """One account's step: snapshot then start, tell a new end, or restore."""
        key = (t.connector, t.account)
        if row is None:
            if want is None:
                return
            attempts, retry_at, _ = self._snap_wait.get(key, (0, 0.0, ""))
            if retry_at > now:
                return
            try:
                snapshot = await self._call(t.focus.focus_snapshot())
            except Exception as exc:
                wait = self._wait(exc, attempts + 1, now)
                self._snap_wait[key] = (attempts + 1, now + wait, _message(exc))
                self._failed(key, "read the status of", exc)
                return
            self._snap_wait.pop(key, None)
            # The line focus will show goes with the snapshot, so the restore can tell it
            # from a status the person writes meanwhile, even in another process.
            snapshot = snapshot.model_copy(update={"text": self.settings().status_text})
            row = Held(
                t.connector,
                t.account,
                now,
                snapshot,
                want.until,
                want.reason,
                want.key,
                want.title,
            )
            await self._insert(row)  # before anything changes at the service
        if row.retry_at > now:
            return
        if row.until <= now:
            try:
                await self._call(t.focus.end_focus(row.snapshot))
            except Exception as exc:
                await self._retry(row, "restore the status of", exc, now)
                return
            await self.store.execute(
                "DELETE FROM focus_snapshots WHERE connector = ? AND account = ?", row.key
            )
            self._recovered(key)
            log.info("focus ended for %s (%s): status restored", t.account, t.connector)
        elif row.applied_until != row.until:
            until = datetime.fromtimestamp(row.until, UTC)
            try:
                await self._call(t.focus.start_focus(until, self.settings().status_text))
            except Exception as exc:
                await self._retry(row, "start focus for", exc, now)
                return
            row.applied_until, row.attempts, row.retry_at, row.last_error = row.until, 0, 0.0, None
            await self._save(row)
            self._recovered(key)

    async def _call(self, work: Awaitable[Any]) -> Any:
        return await asyncio.wait_for(work, self.call_timeout)

    def _wait(self, exc: BaseException, attempts: int, now: float) -> float:
        if isinstance(exc, RateLimited):
            return max(exc.retry_after, 1.0)
        return self.delay(attempts)

    async def _retry(self, row: Held, doing: str, exc: BaseException, now: float) -> None:
        row.attempts += 1
        row.retry_at = now + self._wait(exc, row.attempts, now)
        row.last_error = _message(exc)
        await self._save(row)
        self._failed(row.key, doing, exc)

    def _failed(self, key: tuple[str, str], doing: str, exc: BaseException) -> None:
        """Logged once when an account starts failing, not on every retry."""
        if key not in self._failing:
            self._failing.add(key)
            log.warning("could not %s %s (%s): %s", doing, key[1], key[0], _message(exc))

    def _recovered(self, key: tuple[str, str]) -> None:
        if key in self._failing:
            self._failing.discard(key)
            log.info("focus works again for %s (%s)", key[1], key[0])

    # -- what is wanted --------------------------------------------------------------------

    def _desired(
        self, now: float, requests: dict[tuple[str, str], tuple[float, str]], rows: Iterable[Held]
    ) -> Period | None:
        """The period wanted now: the latest-ending of the manual request and the calendar
        focus blocks on now (less those stopped by hand)."""
        found = self._calendar_periods(now, requests, rows)
        manual = requests.get(("manual", ""))
        if manual is not None and manual[0] > now:
            found.append(Period(manual[0], "manual", None, manual[1]))
        return max(found, key=lambda p: p.until, default=None)

    def _calendar_periods(
        self, now: float, requests: dict[tuple[str, str], tuple[float, str]], rows: Iterable[Held]
    ) -> list[Period]:
        settings = self.settings()
        if not settings.enabled_from_calendar:
            return []
        stopped = {k for kind, k in requests if kind == "stopped"}
        events = self.agenda()
        if events is None:  # no calendar read yet in this process: trust what was stored
            return [
                Period(r.until, "calendar", r.event_key, r.title)
                for r in rows
                if r.reason == "calendar" and r.until > now and r.event_key not in stopped
            ]
        at = datetime.fromtimestamp(now, UTC)
        return [
            Period(e.end.timestamp(), "calendar", e.key, e.title)
            for e in focus_blocks(events, settings)
            if e.start <= at < e.end and e.key not in stopped
        ]

    @staticmethod
    def _from_rows(rows: Iterable[Held]) -> Period | None:
        """The period a previous process left (what a restart continues, or announces as
        ended when it is over by now)."""
        top = max(rows, key=lambda r: r.until, default=None)
        return None if top is None else Period(top.until, top.reason, top.event_key, top.title)

    async def _announce(self, before: Period | None, after: Period | None, automatic: bool) -> None:
        if self.publish is None or before == after:
            return
        if after is None:
            kind, p = ENDED, before
        else:
            kind, p = (STARTED if before is None else CHANGED), after
        assert p is not None
        payload = {
            "until": p.until_dt.isoformat(),
            "reason": p.reason,
            "key": p.key,
            "title": p.title,
            "automatic": automatic,
        }
        await self.publish(Event(kind, "", "", p.key or p.reason, payload))

    # -- the store -------------------------------------------------------------------------

    async def _requests(self) -> dict[tuple[str, str], tuple[float, str]]:
        rows = await self.store.fetchall("SELECT kind, key, until, title FROM focus_requests")
        return {(r["kind"], r["key"]): (float(r["until"]), r["title"]) for r in rows}

    async def _rows(self) -> list[Held]:
        rows = await self.store.fetchall(
            "SELECT * FROM focus_snapshots ORDER BY connector, account"
        )
        return [
            Held(
                connector=r["connector"],
                account=r["account"],
                taken_at=float(r["taken_at"]),
                snapshot=FocusSnapshot.model_validate(json.loads(r["state"])),
                until=float(r["until"]),
                reason=r["reason"],
                event_key=r["event_key"],
                title=r["title"],
                applied_until=r["applied_until"],
                attempts=int(r["attempts"]),
                retry_at=float(r["retry_at"]),
                last_error=r["last_error"],
            )
            for r in rows
        ]

    async def _insert(self, row: Held) -> None:
        """A new snapshot; never over an existing one (that one is the person's own)."""
        await self.store.execute(
            "INSERT INTO focus_snapshots (connector, account, taken_at, state, until, reason,"
            " event_key, title) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                row.connector,
                row.account,
                row.taken_at,
                row.snapshot.model_dump_json(),
                row.until,
                row.reason,
                row.event_key,
                row.title,
            ),
        )

    async def _save(self, row: Held) -> None:
        await self.store.execute(
            "UPDATE focus_snapshots SET until = ?, reason = ?, event_key = ?, title = ?,"
            " applied_until = ?, attempts = ?, retry_at = ?, last_error = ?"
            " WHERE connector = ? AND account = ?",
            (
                row.until,
                row.reason,
                row.event_key,
                row.title,
                row.applied_until,
                row.attempts,
                row.retry_at,
                row.last_error,
                *row.key,
            ),
        )

    async def _accounts(
        self, connected: set[tuple[str, str]], now: float
    ) -> tuple[AccountFocus, ...]:
        out = []
        for r in await self._rows():
            state: AccountState
            if r.key not in connected:
                state = "waiting"
            elif r.until <= now:
                state = "restoring"
            else:
                state = "focusing" if r.applied_until == r.until else "starting"
            retry = r.retry_at if r.retry_at > now else None
            out.append(AccountFocus(r.connector, r.account, state, r.last_error, retry))
        for (connector, account), (_, retry_at, error) in sorted(self._snap_wait.items()):
            if (connector, account) in connected:  # its status could not be read yet
                out.append(AccountFocus(connector, account, "starting", error, retry_at))
        return tuple(out)

    async def held(self) -> list[Held]:
        """Every stored snapshot (what the command line and tests inspect)."""
        return await self._rows()


def hub_targets(hub: Hub) -> list[Target]:
    """The hub's sessions that provide Focus (presence-only ones are not among them)."""
    out = []
    for s in hub.sessions_with(Focus):
        focus: Focus = s.connector.capability(Focus)
        out.append(Target(s.connector_id, s.account, focus))
    return out


def hub_agenda(hub: Hub) -> list[CalendarEvent] | None:
    """Every calendar's events, or ``None`` while no calendar session has synced yet in this
    process (a restart must not take "not read yet" for "cancelled")."""
    from .calendar import merged

    calendars = hub.sessions_with(Calendar)
    if not any(s.coordinator.index.events_at is not None for s in calendars):
        return None
    return merged(hub)


__all__ = [
    "CHANGED",
    "ENDED",
    "STARTED",
    "AccountFocus",
    "FocusKeeper",
    "FocusState",
    "Held",
    "Period",
    "Target",
    "focus_blocks",
    "hub_agenda",
    "hub_targets",
    "next_meeting_after",
]
