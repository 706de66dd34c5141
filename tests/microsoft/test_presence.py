"""Presence and focus on the Graph stand-in: my status, setting it, colleagues' presence by
address, and focus put back exactly as Graph lets it be read -- the status message with its
expiry, a preferred presence cleared when none was set and set again when one was -- and
never over what the person changed meanwhile.

``presence/setStatusMessage`` and presence's ``statusMessage`` are newer than the Graph
description the stand-in validates against; they follow the documented shapes
(learn.microsoft.com/graph/api/presence-setstatusmessage, resources/presencestatusmessage),
which the stand-in checks itself."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from connectors.microsoft.connector import MicrosoftConnector
from connectors.sdk import PermissionDenied
from connectors.sdk.chat import Availability, FocusSnapshot, PresenceStatus

from .helpers import CLIENT_ID, World, connect

LATER = datetime.now(UTC) + timedelta(hours=3)


def _status(world: World, text: str, expiry: datetime | None = None) -> None:
    p = world.state.presence[world.ada["id"]]
    p.status = {
        "message": {"content": text, "contentType": "text"},
        "expiryDateTime": (
            {"dateTime": expiry.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}
            if expiry
            else None
        ),
        "publishedDateTime": "2026-12-01T08:00:00Z",
    }


def _in_teams(world: World) -> None:
    """Ada's Teams client holds a presence session."""
    world.state.presence[world.ada["id"]].sessions["teams"] = (
        "Available",
        "Available",
        datetime.now(UTC) + timedelta(hours=8),
    )


async def test_my_status_and_setting_it(world: World, conn: MicrosoftConnector) -> None:
    _in_teams(world)
    _status(world, "Back at 2", LATER)
    mine = await conn.my_status()
    assert mine.availability is Availability.AVAILABLE and mine.text == "Back at 2"
    assert mine.expires is not None and abs(mine.expires - LATER) < timedelta(seconds=1)
    until = datetime.now(UTC) + timedelta(hours=1)
    got = await conn.set_status(
        PresenceStatus(availability=Availability.BUSY, text="Reviewing", expires=until)
    )
    assert got.availability is Availability.BUSY and got.text == "Reviewing"
    p = world.state.presence[world.ada["id"]]
    assert p.preferred is not None and p.preferred[:2] == ("Busy", "Busy")
    assert p.preferred[2] is not None and abs(p.preferred[2] - until) < timedelta(minutes=2)
    cleared = await conn.set_status(PresenceStatus(availability=Availability.UNKNOWN))
    assert cleared.availability is Availability.AVAILABLE and cleared.text == ""
    assert p.preferred is None and p.status is None


async def test_colleagues_presence_by_address(world: World, conn: MicrosoftConnector) -> None:
    bob = world.state.presence[world.bob["id"]]
    bob.preferred = ("DoNotDisturb", "DoNotDisturb", None)
    bob.status = {"message": {"content": "Heads down", "contentType": "text"}}
    got = await conn.presence_of(["bob@contoso.com", "nobody@contoso.com", "BOB@contoso.com"])
    assert set(got) == {"bob@contoso.com", "BOB@contoso.com"}  # as each was asked
    assert got["bob@contoso.com"].availability is Availability.DND
    assert got["bob@contoso.com"].text == "Heads down"
    posts = [r for r in world.standin.log if r.method == "POST"]
    assert [r.path for r in posts] == ["/v1.0/communications/getPresencesByUserId"]
    assert await conn.presence_of(["nobody@contoso.com"]) == {}


async def _focus_round(conn: MicrosoftConnector, minutes: int = 50) -> FocusSnapshot:
    snap = await conn.focus_snapshot()
    # The hub keeps the snapshot as JSON until the restore has succeeded.
    kept = FocusSnapshot.model_validate(json.loads(snap.model_dump_json()))
    await conn.start_focus(datetime.now(UTC) + timedelta(minutes=minutes), "Focusing")
    return kept


async def test_focus_holds_notifications_and_restores_a_status_with_its_expiry(
    world: World, conn: MicrosoftConnector
) -> None:
    _in_teams(world)
    _status(world, "Back at 2", LATER)
    p = world.state.presence[world.ada["id"]]
    before = dict(p.status or {})
    snap = await _focus_round(conn)
    during = await conn.my_status()
    assert during.availability is Availability.DND and during.text == "Focusing"
    assert p.preferred is not None and p.preferred[2] is not None  # DND ends by itself
    assert not p.sessions.keys() - {"teams"}  # Teams held a session: none of ours needed
    await conn.end_focus(snap)
    assert p.preferred is None  # none was set before: Teams derives presence again
    assert p.status is not None
    assert p.status["message"] == before["message"]
    assert p.status["expiryDateTime"]["dateTime"][:19] == before["expiryDateTime"]["dateTime"][:19]
    assert (await conn.my_status()).availability is Availability.AVAILABLE


async def test_focus_restores_a_preferred_presence_and_clears_its_own_message(
    world: World, conn: MicrosoftConnector
) -> None:
    _in_teams(world)
    p = world.state.presence[world.ada["id"]]
    p.preferred = ("Busy", "Busy", None)
    snap = await _focus_round(conn)
    await conn.end_focus(snap)
    assert p.preferred is not None and p.preferred[:2] == ("Busy", "Busy")
    assert p.preferred[2] is not None  # Graph's default for an undated Busy: a day
    assert p.preferred[2] - datetime.now(UTC) > timedelta(hours=23)
    assert p.status is None
    clears = [r for r in world.standin.log if r.path.endswith("clearUserPreferredPresence")]
    assert clears == []


async def test_focus_leaves_what_the_person_changed_meanwhile(
    world: World, conn: MicrosoftConnector
) -> None:
    _in_teams(world)
    _status(world, "Old words")
    p = world.state.presence[world.ada["id"]]
    snap = await _focus_round(conn)
    p.preferred = ("Away", "Away", None)  # the person chose Away in Teams
    _status(world, "Lunch")
    await conn.end_focus(snap)
    assert p.preferred == ("Away", "Away", None)
    assert p.status is not None and p.status["message"]["content"] == "Lunch"


async def test_focus_survives_a_restart_between_start_and_end(world: World) -> None:
    """A new connector instance (the server restarted) restores from the snapshot alone."""
    _in_teams(world)
    _status(world, "Old words")
    p = world.state.presence[world.ada["id"]]
    first, http = connect(world.standin.url)
    try:
        snap = await _focus_round(first)
    finally:
        await http.aclose()
    second, http = connect(world.standin.url)
    try:
        await second.end_focus(snap)
    finally:
        await http.aclose()
    assert p.preferred is None
    assert p.status is not None and p.status["message"]["content"] == "Old words"
    assert p.status["expiryDateTime"] is None


async def test_focus_opens_a_presence_session_when_teams_holds_none(
    world: World, conn: MicrosoftConnector
) -> None:
    p = world.state.presence[world.ada["id"]]
    snap = await _focus_round(conn, minutes=30)
    assert set(p.sessions) == {CLIENT_ID}  # setPresence's sessionId is the app's client id
    assert (await conn.my_status()).availability is Availability.DND
    await conn.end_focus(snap)
    assert p.preferred is None and p.status is None


async def test_personal_accounts_are_told_presence_is_for_work_accounts(
    world: World,
) -> None:
    from .helpers import CANARY

    token = CANARY[:-4] + "EVE0"
    world.standin.grant(token, world.eve)
    conn, http = connect(world.standin.url, token=token)
    try:
        with pytest.raises(PermissionDenied, match="work or school account"):
            await conn.my_status()
    finally:
        await http.aclose()
