"""The focus keeper against fake Focus services and a hand-moved clock: what is stored when,
what each service is told, and that every service ends up exactly as it was.

A "restart" is a new keeper (and new connector objects) on the same database file, as a
new server process would have after ``kill -9``: nothing but the store carries over."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from connectors.sdk.calendar import CalendarEvent, EventStatus
from connectors.sdk.errors import RateLimited, ServiceUnavailable
from server.hub.config import FocusSettings
from server.hub.events import Event
from server.hub.focus import ENDED, STARTED, FocusKeeper, Target, focus_blocks, next_meeting_after
from server.hub.store import Store
from tests.focus.fakes import FOCUS_EMOJI, FakeFocus, Service, event
from tests.hub.clock import FakeClock

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@dataclass
class World:
    store: Store
    clock: FakeClock
    focus: list[FakeFocus]
    events: list[CalendarEvent] | None = field(default_factory=list)
    settings: FocusSettings = field(default_factory=FocusSettings)
    published: list[Event] = field(default_factory=list)

    def keeper(self, *, delay: Callable[[int], float] = lambda n: 10.0 * n) -> FocusKeeper:
        async def publish(e: Event) -> None:
            self.published.append(e)

        return FocusKeeper(
            self.store,
            targets=lambda: [Target(f.connector, f.account, f) for f in self.focus],
            agenda=lambda: self.events,
            settings=lambda: self.settings,
            publish=publish,
            clock=self.clock,
            delay=delay,
            call_timeout=0.5,
        )

    def at(self, when: datetime) -> None:
        self.clock.now = when.timestamp()

    async def rows(self) -> int:
        row = await self.store.fetchone("SELECT count(*) FROM focus_snapshots")
        assert row is not None
        return int(row[0])


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with Store.open(tmp_path / "tieline.db") as store:
        slack = FakeFocus(Service(), connector="slack", account="ada@slack.com")
        teams = FakeFocus(
            Service(text="", emoji="", expires=None, dnd_until=None),
            connector="teams",
            account="ada@graph.microsoft.com",
        )
        w = World(store, FakeClock(T0.timestamp()), [slack, teams])
        yield w


def originals(w: World) -> list[dict[str, object]]:
    return [f.service.shown() for f in w.focus]


async def test_a_calendar_focus_block_is_held_and_restored_exactly_when_it_ends(
    world: World,
) -> None:
    before = originals(world)
    world.events = [event("deep", T0 + timedelta(minutes=5), 60, title="Deep work")]
    keeper = world.keeper()

    # The snapshot is in the store before the service is changed.
    stored: list[int] = []

    async def check_stored() -> None:
        stored.append(await world.rows())

    world.focus[0].before_start = check_stored
    assert not (await keeper.reconcile()).active  # not yet on
    world.at(T0 + timedelta(minutes=5))
    state = await keeper.reconcile()
    assert state.active and state.period is not None
    assert state.period.reason == "calendar" and state.period.title == "Deep work"
    assert state.period.until_dt == T0 + timedelta(minutes=65)
    assert stored and stored[0] >= 1
    for f in world.focus:
        assert f.service.names() == ["focus_snapshot", "start_focus"]
        assert f.service.calls[1][1] == (T0 + timedelta(minutes=65), "Focusing")
        assert f.service.emoji == FOCUS_EMOJI
    assert [a.state for a in state.accounts] == ["focusing", "focusing"]
    assert [e.kind for e in world.published] == [STARTED]
    assert world.published[0].payload["automatic"] is True

    world.at(T0 + timedelta(minutes=30))
    await keeper.reconcile()
    assert all(len(f.service.calls) == 2 for f in world.focus)  # nothing to do meanwhile

    world.at(T0 + timedelta(minutes=65))
    state = await keeper.reconcile()
    assert not state.active
    assert originals(world) == before
    assert await world.rows() == 0
    assert [e.kind for e in world.published] == [STARTED, ENDED]
    for f in world.focus:
        assert f.service.names() == ["focus_snapshot", "start_focus", "end_focus"]


async def test_a_manual_focus_ends_on_stop_and_extending_keeps_the_first_snapshot(
    world: World,
) -> None:
    before = originals(world)
    keeper = world.keeper()
    await keeper.start(T0 + timedelta(minutes=25))
    world.at(T0 + timedelta(minutes=10))
    state = await keeper.start(T0 + timedelta(minutes=60))
    assert state.period is not None and state.period.until_dt == T0 + timedelta(minutes=60)
    # A shorter request while focused does not shorten it.
    state = await keeper.start(T0 + timedelta(minutes=20))
    assert state.period is not None and state.period.until_dt == T0 + timedelta(minutes=60)
    for f in world.focus:
        assert f.service.names() == ["focus_snapshot", "start_focus", "start_focus"]
        assert [c[1][0] for c in f.service.calls[1:]] == [
            T0 + timedelta(minutes=25),
            T0 + timedelta(minutes=60),
        ]
    assert [e.payload["automatic"] for e in world.published] == [False, False]

    world.at(T0 + timedelta(minutes=15))
    state = await keeper.stop()
    assert not state.active and await world.rows() == 0
    assert originals(world) == before  # the first snapshot, not the focus status
    (snap,) = [c[1] for c in world.focus[0].service.calls if c[0] == "end_focus"]
    assert snap.state["text"] == "Reviewing PRs"


async def test_a_manual_stop_ends_a_calendar_block_for_that_block_only(world: World) -> None:
    first = event("focus-1", T0, 60, title="Focus time")
    second = event("focus-2", T0 + timedelta(hours=2), 60, categories=["focus"], title="x")
    world.events = [first, second]
    keeper = world.keeper()
    assert (await keeper.reconcile()).active
    world.at(T0 + timedelta(minutes=10))
    assert not (await keeper.stop()).active
    world.at(T0 + timedelta(minutes=20))
    assert not (await keeper.reconcile()).active  # the stopped block stays stopped
    world.at(T0 + timedelta(hours=2, minutes=1))
    state = await keeper.reconcile()
    assert state.period is not None and state.period.key == second.key
    assert world.focus[0].service.names().count("focus_snapshot") == 2


async def test_after_a_crash_within_the_period_focus_goes_on_without_a_new_snapshot(
    world: World,
) -> None:
    before = originals(world)
    world.events = [event("hd", T0, 90, title="Heads down")]
    await world.keeper().reconcile()
    calls = [list(f.service.calls) for f in world.focus]

    # A new process: the calendar is not read yet, the services show the focus status.
    world.events = None
    world.focus = [
        FakeFocus(f.service, connector=f.connector, account=f.account) for f in world.focus
    ]
    world.published.clear()
    world.at(T0 + timedelta(minutes=30))
    restarted = world.keeper()
    state = await restarted.reconcile()
    assert state.active and state.period is not None and state.period.reason == "calendar"
    assert [f.service.calls for f in world.focus] == calls  # no new snapshot, no new start
    assert world.published == []  # it never stopped

    world.at(T0 + timedelta(minutes=90))
    state = await restarted.reconcile()
    assert not state.active and originals(world) == before
    assert [e.kind for e in world.published] == [ENDED]


async def test_a_restart_after_the_period_restores_at_once(world: World) -> None:
    before = originals(world)
    await world.keeper().start(T0 + timedelta(minutes=25))
    world.focus = [
        FakeFocus(f.service, connector=f.connector, account=f.account) for f in world.focus
    ]
    world.at(T0 + timedelta(hours=3))
    state = await world.keeper().reconcile()
    assert not state.active and originals(world) == before and await world.rows() == 0
    assert [f.service.names()[-1] for f in world.focus] == ["end_focus", "end_focus"]
    assert [e.kind for e in world.published] == [STARTED, ENDED]
    assert world.published[-1].payload["automatic"] is True


async def test_a_failing_service_is_retried_with_backoff_and_keeps_its_snapshot(
    world: World,
) -> None:
    before = originals(world)
    slack, teams = world.focus
    keeper = world.keeper()
    await keeper.start(T0 + timedelta(minutes=25))
    slack.fail["end_focus"] = [ServiceUnavailable("slack is down"), ServiceUnavailable("down")]
    world.at(T0 + timedelta(minutes=25))
    state = await keeper.reconcile()
    assert not state.active
    assert teams.service.shown() == before[1]  # the other one is not held up
    (held,) = await keeper.held()
    assert held.connector == "slack" and held.attempts == 1 and held.last_error == "slack is down"
    assert held.snapshot.state == before[0]
    assert state.accounts[0].state == "restoring" and state.accounts[0].retry_at is not None

    world.at(T0 + timedelta(minutes=25, seconds=5))  # before the backoff's 10 s
    await keeper.reconcile()
    assert slack.service.names().count("end_focus") == 1
    world.at(T0 + timedelta(minutes=25, seconds=10))
    await keeper.reconcile()
    assert slack.service.names().count("end_focus") == 2
    (held,) = await keeper.held()
    assert (
        held.attempts == 2 and held.retry_at == (T0 + timedelta(minutes=25, seconds=30)).timestamp()
    )

    # A restart in between keeps the schedule and the snapshot; the next try succeeds.
    world.at(T0 + timedelta(minutes=26))
    state = await world.keeper().reconcile()
    assert await world.rows() == 0 and originals(world) == before
    assert slack.service.names().count("focus_snapshot") == 1


async def test_a_service_that_does_not_answer_never_blocks_the_others(world: World) -> None:
    slack, teams = world.focus
    slack.hang.add("focus_snapshot")
    keeper = world.keeper()
    state = await keeper.start(T0 + timedelta(minutes=25))
    assert teams.service.emoji == FOCUS_EMOJI
    assert [(a.connector, a.state) for a in state.accounts] == [
        ("teams", "focusing"),
        ("slack", "starting"),  # nothing stored: its status was never read
    ]
    assert await world.rows() == 1
    assert slack.service.names() == ["focus_snapshot"]
    assert state.accounts[1].last_error == "TimeoutError"

    # It answers again: after the backoff its snapshot is taken, then focus starts there.
    slack.hang.clear()
    world.at(T0 + timedelta(seconds=5))
    await keeper.reconcile()
    assert slack.service.names() == ["focus_snapshot"]  # not before the backoff's 10 s
    world.at(T0 + timedelta(seconds=10))
    state = await keeper.reconcile()
    assert [(a.connector, a.state) for a in state.accounts] == [
        ("slack", "focusing"),
        ("teams", "focusing"),
    ]
    assert slack.service.names() == ["focus_snapshot", "focus_snapshot", "start_focus"]


async def test_a_failed_start_keeps_the_snapshot_and_is_retried_without_a_new_one(
    world: World,
) -> None:
    before = originals(world)
    slack, _ = world.focus
    slack.fail["start_focus"] = [RateLimited("slow down", retry_at=0.0)]
    keeper = world.keeper()
    state = await keeper.start(T0 + timedelta(minutes=25))
    assert state.accounts[0].state == "starting"
    (held, _) = await keeper.held()
    assert held.snapshot.state == before[0] and held.applied_until is None
    world.at(T0 + timedelta(seconds=1))
    state = await keeper.reconcile()
    assert state.accounts[0].state == "focusing"
    assert slack.service.names() == ["focus_snapshot", "start_focus", "start_focus"]
    await keeper.stop()
    assert originals(world) == before


async def test_a_cancelled_or_shortened_event_ends_focus_early(world: World) -> None:
    before = originals(world)
    block = event("f", T0, 120, title="No meetings")
    world.events = [block]
    keeper = world.keeper()
    await keeper.reconcile()

    # Shortened to 40 minutes: the services are told the new end.
    world.at(T0 + timedelta(minutes=10))
    world.events = [block.model_copy(update={"end": T0 + timedelta(minutes=40)})]
    state = await keeper.reconcile()
    assert state.period is not None and state.period.until_dt == T0 + timedelta(minutes=40)
    assert world.focus[0].service.calls[-1] == (
        "start_focus",
        (T0 + timedelta(minutes=40), "Focusing"),
    )

    # Then cancelled: restored now, not at the old end.
    world.at(T0 + timedelta(minutes=15))
    world.events = [block.model_copy(update={"status": EventStatus.CANCELLED})]
    state = await keeper.reconcile()
    assert not state.active and originals(world) == before and await world.rows() == 0
    assert world.published[-1].kind == ENDED and world.published[-1].payload["automatic"]

    # An event that disappears does the same.
    world.events = [event("g", T0 + timedelta(minutes=20), 30, title="Focus")]
    world.at(T0 + timedelta(minutes=21))
    assert (await keeper.reconcile()).active
    world.events = []
    assert not (await keeper.reconcile()).active
    assert originals(world) == before


async def test_a_status_the_person_changed_meanwhile_stays_theirs(world: World) -> None:
    slack, _ = world.focus
    keeper = world.keeper()
    await keeper.start(T0 + timedelta(minutes=25))
    slack.service.text, slack.service.emoji = "Lunch", ":pizza:"
    await keeper.stop()
    assert (slack.service.text, slack.service.emoji) == ("Lunch", ":pizza:")
    assert slack.service.dnd_until is None


async def test_calendar_focus_can_be_switched_off(world: World) -> None:
    world.events = [event("f", T0, 60, title="Focus")]
    world.settings = FocusSettings(enabled_from_calendar=False)
    assert not (await world.keeper().reconcile()).active
    assert all(f.service.calls == [] for f in world.focus)


def test_which_events_are_focus_blocks() -> None:
    s = FocusSettings()
    evs: Sequence[CalendarEvent] = [
        event("a", T0, title="Deep Work: parser"),
        event("b", T0, title="Head down"),
        event("c", T0, title="Standup"),
        event("d", T0, title="Planning", categories=["FOCUS"]),
        event("e", T0, title="Focus", status=EventStatus.CANCELLED),
        event("f", T0, title="Refocusing the roadmap"),
        event("g", T0, title="focus").model_copy(update={"all_day": True}),
    ]
    assert [e.uid for e in focus_blocks(evs, s)] == ["a", "b", "d"]
    custom = FocusSettings(title_pattern=r"^Maker", categories=[])
    assert [e.uid for e in focus_blocks([*evs, event("h", T0, title="Maker time")], custom)] == [
        "h"
    ]
    nxt = next_meeting_after([*evs, event("m", T0 + timedelta(hours=1))], T0, s)
    assert nxt is not None and nxt.uid == "m"


def test_a_title_pattern_that_is_no_regex_is_refused() -> None:
    with pytest.raises(ValueError, match="regular expression"):
        FocusSettings(title_pattern="(unclosed")


def test_the_hub_agenda_waits_for_a_calendar_read_in_this_process() -> None:
    """Before any calendar session has synced, "no focus block" would read as "cancelled":
    the keeper is given ``None`` then, and trusts the stored periods."""
    from types import SimpleNamespace

    from connectors.sdk.capabilities import Calendar
    from server.hub.focus import hub_agenda

    block = event("f", T0, 60, title="Focus")
    index = SimpleNamespace(events=(block,), events_at=None)
    session = SimpleNamespace(coordinator=SimpleNamespace(index=index))

    def sessions_with(cap: type) -> list[object]:
        return [session] if cap is Calendar else []

    hub = SimpleNamespace(sessions={"cal": session}, sessions_with=sessions_with)
    assert hub_agenda(hub) is None  # type: ignore[arg-type]
    index.events_at = T0
    assert hub_agenda(hub) == [block]  # type: ignore[arg-type]
