"""The Focus capability suite, run on every connector that declares Focus: after
``focus_snapshot`` -> ``start_focus`` -> ``end_focus`` the person's status reads exactly as
before (text, emoji, expiry, do-not-disturb or availability), whether nothing was set, a
status line of their own was, or notifications were already held; a status the person set
during focus is theirs and stays; and the snapshot works after a JSON round trip (as the
hub stores it) on a fresh connector instance (a restarted hub).

"Reads as before" is the connector's own ``my_status``, compared as far as the service can
say (see ``test_presence.same``); each builder's ``prior`` sets the status at the service as
the person would have.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from connectors.sdk import InvalidRequest
from connectors.sdk.capabilities import Focus, Presence
from connectors.sdk.chat import Availability, FocusSnapshot

from .chat_subjects import BUILDERS, PRIORS, ChatSubject, chat_fixture
from .conftest import declaring
from .test_presence import same

chat = chat_fixture("Focus")


def test_every_focus_connector_is_in_the_suite() -> None:
    declared = set(declaring("Focus"))
    assert declared and declared <= set(BUILDERS), declared - set(BUILDERS)


def test_focus_connectors_read_presence() -> None:
    """The suite reads the status back through Presence."""
    assert set(declaring("Focus")) <= set(declaring("Presence"))


def _stored(snap: FocusSnapshot) -> FocusSnapshot:
    """The snapshot as the hub keeps it: JSON, read back."""
    return FocusSnapshot.model_validate(json.loads(json.dumps(snap.model_dump(mode="json"))))


async def _start(chat: ChatSubject, kind: str) -> tuple[Any, FocusSnapshot]:
    assert chat.prior is not None, f"{chat.name}: the builder sets no prior status"
    chat.prior(kind)
    c: Presence = chat.connector
    before = await c.my_status()
    f: Focus = chat.connector
    # As the hub keeps it: with the line focus will show (FocusSnapshot.text), as JSON.
    snap = _stored((await f.focus_snapshot()).model_copy(update={"text": "Focusing"}))
    await f.start_focus(datetime.now(UTC) + timedelta(minutes=45), "Focusing")
    return before, snap


@pytest.mark.parametrize("kind", PRIORS)
async def test_focus_holds_notifications_and_says_so(chat: ChatSubject, kind: str) -> None:
    """While focus is on, notifications are held and the status line says so (read in a test
    of its own: a Slack client paces its calls after a burst of 15)."""
    await _start(chat, kind)
    during = await chat.connector.my_status()
    assert during.text == "Focusing" and during.availability is Availability.DND


@pytest.mark.parametrize("kind", PRIORS)
async def test_focus_ends_with_the_prior_status_exactly(chat: ChatSubject, kind: str) -> None:
    before, snap = await _start(chat, kind)
    await chat.connector.end_focus(snap)
    same(await chat.connector.my_status(), before, chat)


@pytest.mark.parametrize("kind", PRIORS)
async def test_a_fresh_instance_ends_focus_from_the_stored_snapshot(
    chat: ChatSubject, kind: str
) -> None:
    before, snap = await _start(chat, kind)
    fresh = chat.fresh()  # the hub restarted: nothing of focus in memory
    await fresh.end_focus(FocusSnapshot.model_validate_json(snap.model_dump_json()))
    same(await fresh.my_status(), before, chat)


async def test_a_status_set_during_focus_is_left_alone(chat: ChatSubject) -> None:
    assert chat.person_sets is not None, f"{chat.name}: the builder cannot change the status"
    _, snap = await _start(chat, "status")
    chat.person_sets("Actually in a call")
    await chat.connector.end_focus(snap)
    assert (await chat.connector.my_status()).text == "Actually in a call"


#: Connectors that cannot yet tell their focus status from the person's after a restart:
#: Teams shows no emoji to know it by, and the snapshot (taken before ``start_focus``) cannot
#: carry the text focus then sets, so a restarted hub takes any message under do not disturb
#: for focus's own. Strict: the case fails loudly once it is fixed.
async def test_a_status_set_during_focus_is_left_alone_after_a_restart(
    chat: ChatSubject,
) -> None:
    """A fresh connector remembers nothing it set; the stored snapshot's ``text`` tells it
    which status line was focus's (Teams keeps no mark of who wrote one)."""
    assert chat.person_sets is not None, f"{chat.name}: the builder cannot change the status"
    _, snap = await _start(chat, "status")
    chat.person_sets("Actually in a call")
    fresh = chat.fresh()
    await fresh.end_focus(FocusSnapshot.model_validate_json(snap.model_dump_json()))
    assert (await fresh.my_status()).text == "Actually in a call"


async def test_focus_that_would_end_in_the_past_is_refused_and_changes_nothing(
    chat: ChatSubject,
) -> None:
    assert chat.prior is not None
    chat.prior("status")
    before = await chat.connector.my_status()
    with pytest.raises(InvalidRequest):
        await chat.connector.start_focus(datetime.now(UTC) - timedelta(minutes=1), "Focusing")
    same(await chat.connector.my_status(), before, chat)
