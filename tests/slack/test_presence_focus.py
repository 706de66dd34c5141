"""Presence (my status, setting it, colleagues' availability by e-mail) and focus mode,
whose end puts back exactly what was there: the status text, emoji and expiry, and a
do-not-disturb snooze that was already running -- or none."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime

import pytest

from connectors.sdk import Availability, FocusSnapshot, InvalidRequest, PresenceStatus
from connectors.slack.connector import SlackConnector
from server.hub.http import HubClient

from .helpers import World, connect

Conn = tuple[SlackConnector, HubClient]


def soon(minutes: int) -> datetime:
    return datetime.fromtimestamp(int(time.time()) + 60 * minutes, tz=UTC)


def set_status(world: World, text: str, emoji: str, expiration: int = 0) -> None:
    world.ada["profile"].update(status_text=text, status_emoji=emoji, status_expiration=expiration)


async def test_my_status_reads_profile_snooze_and_presence(world: World, conn: Conn) -> None:
    exp = int(time.time()) + 3600
    set_status(world, "In a meeting", ":calendar:", exp)
    world.state.snoozes[world.ada["id"]] = exp - 600
    c, _ = conn
    got = await c.my_status()
    assert got.availability is Availability.DND
    assert (got.text, got.emoji) == ("In a meeting", ":calendar:")
    assert got.expires == datetime.fromtimestamp(exp, tz=UTC)
    assert got.dnd_until == datetime.fromtimestamp(exp - 600, tz=UTC)
    world.state.snoozes.clear()
    world.state.presence[world.ada["id"]] = "away"
    assert (await c.my_status()).availability is Availability.AWAY


async def test_set_status_writes_the_line_and_pauses_notifications(
    world: World, conn: Conn
) -> None:
    c, _ = conn
    until = soon(30)
    got = await c.set_status(
        PresenceStatus(text="Heads down", emoji=":headphones:", expires=until, dnd_until=until)
    )
    profile = world.ada["profile"]
    assert (profile["status_text"], profile["status_emoji"]) == ("Heads down", ":headphones:")
    assert profile["status_expiration"] == int(until.timestamp())
    assert abs(world.state.snoozes[world.ada["id"]] - until.timestamp()) < 60
    assert got.availability is Availability.DND and got.text == "Heads down"
    with pytest.raises(InvalidRequest, match="dnd_until"):
        await c.set_status(PresenceStatus(availability=Availability.DND, text="x"))
    back = await c.set_status(PresenceStatus(availability=Availability.AVAILABLE))
    assert back.availability is Availability.AVAILABLE and back.text == ""
    assert world.ada["id"] not in world.state.snoozes


async def test_presence_of_people_by_email_leaves_unknown_ones_out(
    world: World, conn: Conn
) -> None:
    world.state.presence[world.cy["id"]] = "away"
    world.cy["profile"].update(status_text="On leave", status_emoji=":palm_tree:")
    c, _ = conn
    got = await c.presence_of(["bob@example.com", "CY@example.com", "nobody@example.com"])
    assert set(got) == {"bob@example.com", "CY@example.com"}
    assert got["bob@example.com"].availability is Availability.AVAILABLE
    cy = got["CY@example.com"]
    assert (cy.availability, cy.text, cy.emoji) == (Availability.AWAY, "On leave", ":palm_tree:")


async def _focus_round(world: World, c: SlackConnector) -> tuple[FocusSnapshot, datetime]:
    snap = await c.focus_snapshot()
    # The hub keeps the snapshot as JSON until the restore has succeeded.
    snap = FocusSnapshot.model_validate(json.loads(snap.model_dump_json()))
    until = soon(45)
    await c.start_focus(until, "Focusing")
    profile = world.ada["profile"]
    assert (profile["status_text"], profile["status_emoji"]) == ("Focusing", ":no_bell:")
    assert profile["status_expiration"] == int(until.timestamp())
    assert abs(world.state.snoozes[world.ada["id"]] - until.timestamp()) < 60
    return snap, until


async def test_focus_ends_with_the_prior_status_and_no_snooze(world: World, conn: Conn) -> None:
    exp = int(time.time()) + 7200
    set_status(world, "Working remotely", ":house:", exp)
    c, _ = conn
    snap, _ = await _focus_round(world, c)
    assert snap.state["snooze"] == {"enabled": False, "endtime": 0}
    await c.end_focus(snap)
    profile = world.ada["profile"]
    assert (profile["status_text"], profile["status_emoji"]) == ("Working remotely", ":house:")
    assert profile["status_expiration"] == exp  # the prior expiry, not focus's
    assert world.ada["id"] not in world.state.snoozes


async def test_focus_puts_back_a_snooze_that_was_already_running(world: World, conn: Conn) -> None:
    prior_end = int(time.time()) + 3 * 3600
    world.state.snoozes[world.ada["id"]] = prior_end
    c, _ = conn
    snap, _ = await _focus_round(world, c)
    assert snap.state["snooze"] == {"enabled": True, "endtime": prior_end}
    assert snap.state["status"] == {"text": "", "emoji": "", "expiration": 0}
    await c.end_focus(snap)
    # dnd.setSnooze takes whole minutes: back to the prior end, at most a minute later.
    assert 0 <= world.state.snoozes[world.ada["id"]] - prior_end < 60
    assert world.ada["profile"]["status_text"] == "" and world.ada["profile"]["status_emoji"] == ""


async def test_a_restarted_hub_restores_from_the_stored_snapshot(world: World, conn: Conn) -> None:
    set_status(world, "Lunch", ":sandwich:")
    c, _ = conn
    snap, _ = await _focus_round(world, c)
    stored = snap.model_dump_json()
    fresh, http = connect(world.standin.url)  # a new process: nothing in memory
    try:
        await fresh.end_focus(FocusSnapshot.model_validate_json(stored))
    finally:
        await http.aclose()
    assert (world.ada["profile"]["status_text"], world.ada["profile"]["status_emoji"]) == (
        "Lunch",
        ":sandwich:",
    )
    assert world.ada["id"] not in world.state.snoozes


async def test_a_status_changed_during_focus_is_theirs_and_stays(world: World, conn: Conn) -> None:
    set_status(world, "Before", ":wave:")
    c, _ = conn
    snap, _ = await _focus_round(world, c)
    set_status(world, "Actually in a call", ":phone:")  # changed in Slack meanwhile
    await c.end_focus(snap)
    assert world.ada["profile"]["status_text"] == "Actually in a call"
    assert world.ada["id"] not in world.state.snoozes  # focus's snooze still ends


async def test_a_prior_status_that_expired_meanwhile_is_not_brought_back(
    world: World, conn: Conn
) -> None:
    set_status(world, "Brb", ":coffee:", int(time.time()) + 3600)
    c, _ = conn
    snap, _ = await _focus_round(world, c)
    state = dict(snap.state)
    state["status"] = {**state["status"], "expiration": int(time.time()) - 5}
    await c.end_focus(snap.model_copy(update={"state": state}))
    assert world.ada["profile"]["status_text"] == "" and world.ada["profile"]["status_emoji"] == ""


async def test_focus_moved_then_ended_by_the_clock_after_slack_cleared_it(
    world: World, conn: Conn
) -> None:
    """The hub moves focus's end while it is on (start_focus again) and ends it once the end
    has passed -- by when Slack has cleared the expired status and snooze itself."""
    prior_end = int(time.time()) + 5 * 3600
    set_status(world, "Out walking", ":walking:", prior_end)
    world.state.snoozes[world.ada["id"]] = prior_end
    c, _ = conn
    snap, _ = await _focus_round(world, c)
    later = soon(90)
    await c.start_focus(later, "Focusing")
    assert world.ada["profile"]["status_expiration"] == int(later.timestamp())
    assert abs(world.state.snoozes[world.ada["id"]] - later.timestamp()) < 60
    # The end passes: Slack clears the status whose expiry came, and the snooze runs out.
    world.ada["profile"]["status_expiration"] = int(time.time()) - 1
    world.state.snoozes[world.ada["id"]] = int(time.time()) - 1
    await c.end_focus(snap)
    profile = world.ada["profile"]
    assert (profile["status_text"], profile["status_emoji"]) == ("Out walking", ":walking:")
    assert profile["status_expiration"] == prior_end
    assert 0 <= world.state.snoozes[world.ada["id"]] - prior_end < 60
