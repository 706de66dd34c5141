"""The Presence capability suite, run on every connector that declares Presence: the status
line set is the status read back (its text, its expiry, the emoji where the service keeps
one, and the availability), and colleagues are found by address -- an unknown address is
left out, not an error."""

from __future__ import annotations

from datetime import timedelta

from connectors.sdk.capabilities import Presence
from connectors.sdk.chat import Availability, PresenceStatus

from .chat_subjects import BUILDERS, ChatSubject, _later, chat_fixture
from .conftest import declaring

chat = chat_fixture("Presence")


def test_every_presence_connector_is_in_the_suite() -> None:
    declared = set(declaring("Presence"))
    assert declared and declared <= set(BUILDERS), declared - set(BUILDERS)


def same(a: PresenceStatus, b: PresenceStatus, chat: ChatSubject) -> None:
    """Equal as far as the service can say: expiries to the second, a snooze to the minute
    (Slack's dnd.setSnooze takes minutes)."""
    assert (a.availability, a.text) == (b.availability, b.text), (a, b)
    if chat.emoji:
        assert a.emoji == b.emoji, (a, b)
    if a.expires is None or b.expires is None:
        assert a.expires == b.expires, (a, b)
    else:
        assert abs(a.expires - b.expires) <= timedelta(seconds=1), (a, b)
    if chat.reads_dnd_until:
        if a.dnd_until is None or b.dnd_until is None:
            assert a.dnd_until == b.dnd_until, (a, b)
        else:
            assert abs(a.dnd_until - b.dnd_until) <= timedelta(seconds=60), (a, b)


async def test_my_status_round_trips_through_set_status(chat: ChatSubject) -> None:
    c: Presence = chat.connector
    wanted = PresenceStatus(
        availability=Availability.AVAILABLE,
        text="Reviewing #42",
        emoji=":eyes:" if chat.emoji else "",
        expires=_later(60),
    )
    answered = await c.set_status(wanted)
    same(answered, wanted, chat)
    same(await c.my_status(), wanted, chat)
    lasting = PresenceStatus(availability=Availability.AVAILABLE, text="Reviewing")
    same(await c.set_status(lasting), lasting, chat)  # no expiry: none read back


async def test_do_not_disturb_round_trips_and_clears(chat: ChatSubject) -> None:
    """Notifications held until an end, read back, then released with the line cleared (a
    test of its own: a Slack client paces its calls after a burst of 15)."""
    c: Presence = chat.connector
    until = _later(30)
    held = PresenceStatus(
        availability=Availability.DND, text="Heads down", expires=until, dnd_until=until
    )
    same(await c.set_status(held), held, chat)
    same(await c.my_status(), held, chat)
    cleared = await c.set_status(PresenceStatus(availability=Availability.AVAILABLE))
    assert (cleared.text, cleared.emoji, cleared.expires) == ("", "", None)
    assert cleared.availability is Availability.AVAILABLE and cleared.dnd_until is None


async def test_presence_of_a_known_and_an_unknown_address(chat: ChatSubject) -> None:
    c: Presence = chat.connector
    got = await c.presence_of([chat.known_email, chat.unknown_email])
    assert set(got) == {chat.known_email}
    assert got[chat.known_email].availability is not Availability.UNKNOWN
    assert await c.presence_of([chat.unknown_email]) == {}
    shouted = chat.known_email.upper()  # addresses match in any case, answered as asked
    assert set(await c.presence_of([shouted])) == {shouted}
