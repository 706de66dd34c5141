"""The event bus: glob subscriptions, isolation of failing subscribers, unsubscribe."""

from __future__ import annotations

import logging
import re

import pytest

from server.hub.events import Event, EventBus, EventKind


def _event(kind: str) -> Event:
    return Event(kind=kind, connector="github", account="octocat", subject="o/r#1")


async def test_glob_patterns_select_kinds() -> None:
    bus = EventBus()
    got: dict[str, list[str]] = {"pr": [], "failed": [], "all": [], "exact": []}

    async def on_pr(e: Event) -> None:
        got["pr"].append(e.kind)

    bus.subscribe("pull_request.*", on_pr)
    bus.subscribe("*.failed", lambda e: got["failed"].append(e.kind))
    bus.subscribe("*", lambda e: got["all"].append(e.kind))
    bus.subscribe(EventKind.ISSUE_CLOSED, lambda e: got["exact"].append(e.kind))
    for kind in (
        EventKind.PULL_REQUEST_REVIEW_REQUESTED,
        EventKind.CHECK_SUITE_FAILED,
        EventKind.ISSUE_CLOSED,
        "pull_requestX.opened",
    ):
        await bus.publish(_event(kind))
    assert got["pr"] == ["pull_request.review_requested"]
    assert got["failed"] == ["check_suite.failed"]
    assert got["exact"] == ["issue.closed"]
    assert len(got["all"]) == 4


async def test_failing_subscriber_is_isolated(caplog: pytest.LogCaptureFixture) -> None:
    bus = EventBus()
    received: list[Event] = []

    async def broken(e: Event) -> None:
        raise RuntimeError("subscriber bug")

    def also_broken(e: Event) -> None:
        raise KeyError("sync bug")

    bus.subscribe("ci.*", broken)
    bus.subscribe("ci.*", also_broken)
    bus.subscribe("ci.*", received.append)
    event = _event(EventKind.CI_FAILED)
    with caplog.at_level(logging.ERROR, logger="tieline.events"):
        delivered = await bus.publish(event)
    assert delivered == 1 and received == [event]
    assert "subscriber bug" in caplog.text and "ci.failed" in caplog.text


async def test_unsubscribe_and_emit() -> None:
    bus = EventBus()
    seen: list[str] = []
    sub = bus.subscribe("issue.*", lambda e: seen.append(e.subject))
    assert await bus.emit(_event(EventKind.ISSUE_OPENED)) == 1
    assert bus.unsubscribe(sub) and not bus.unsubscribe(sub)
    assert await bus.publish(_event(EventKind.ISSUE_OPENED)) == 0
    assert seen == ["o/r#1"]


def test_event_kinds_are_unique_and_well_formed() -> None:
    values = [k.value for k in EventKind]
    assert len(values) == len(set(values))
    assert all(re.fullmatch(r"[a-z_]+\.[a-z_]+", v) for v in values)


def test_events_carry_an_aware_time() -> None:
    assert _event("x.y").time.tzinfo is not None
