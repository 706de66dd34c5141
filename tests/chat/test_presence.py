"""Reviewers' presence: looked up by e-mail (a login that is one, else the setting), cached
for the TTL, and time-boxed: a slow service costs the hover nothing but the presence, and
the answer it brings later serves the next hover."""

from __future__ import annotations

import asyncio

import pytest

from connectors.sdk.chat import Availability, PresenceStatus
from connectors.sdk.models import User
from server.hub.chat import PresenceCache, email_of, reviewers_presence
from server.hub.config import ChatPerson
from server.hub.hub import Hub
from tests.chat.fakechat import connector as fakechat

BUSY = PresenceStatus(availability=Availability.BUSY, text="In a meeting")
AWAY = PresenceStatus(availability=Availability.AWAY)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_email_from_the_login_or_the_setting() -> None:
    known = {"Carol": "carol@acme.test"}
    assert email_of(User(login="Ana@Acme.test"), {}) == "ana@acme.test"
    assert email_of(User(login="carol"), known) == "carol@acme.test"
    assert email_of(User(login="dave"), known) is None


@pytest.fixture
def reviewers(hub: Hub, world: fakechat.World) -> list[User]:
    hub.config.chat.reviewer_emails = [ChatPerson(login="Carol", email="carol@acme.test")]
    world.presence = {"ana@acme.test": BUSY, "carol@acme.test": AWAY}
    return [User(login="ana@acme.test"), User(login="carol"), User(login="dave")]


async def test_each_known_reviewer_gets_presence(
    hub: Hub, world: fakechat.World, reviewers: list[User]
) -> None:
    got = await reviewers_presence(hub, PresenceCache(hub), reviewers)
    assert [(u.login, p.label) for u, p in got] == [
        ("ana@acme.test", "busy · In a meeting"),
        ("carol", "away"),
    ]
    assert world.presence_calls == [("ana@acme.test", "carol@acme.test")]


async def test_answers_are_reused_for_the_ttl(
    hub: Hub, world: fakechat.World, reviewers: list[User]
) -> None:
    clock = Clock()
    cache = PresenceCache(hub, clock=clock)
    await reviewers_presence(hub, cache, reviewers)
    clock.now += hub.config.chat.presence_ttl - 1
    await reviewers_presence(hub, cache, reviewers)
    assert len(world.presence_calls) == 1
    clock.now += 2
    world.presence["carol@acme.test"] = BUSY
    got = await reviewers_presence(hub, cache, reviewers)
    assert len(world.presence_calls) == 2
    assert dict((u.login, p) for u, p in got)["carol"] == BUSY


async def test_a_slow_service_is_time_boxed_and_fills_the_cache_later(
    hub: Hub, world: fakechat.World, reviewers: list[User]
) -> None:
    hub.config.chat.presence_timeout = 0.05
    world.presence_delay = 0.3
    cache = PresenceCache(hub)
    loop = asyncio.get_running_loop()
    start = loop.time()
    assert await reviewers_presence(hub, cache, reviewers) == []
    assert loop.time() - start < 0.25
    # a second hover meanwhile joins the lookup in flight rather than starting another
    assert await reviewers_presence(hub, cache, reviewers) == []
    await asyncio.sleep(0.4)
    assert len(world.presence_calls) == 1
    got = await reviewers_presence(hub, cache, reviewers)
    assert [u.login for u, _ in got] == ["ana@acme.test", "carol"]
    assert len(world.presence_calls) == 1


async def test_no_presence_session_asks_nobody(
    hub: Hub, world: fakechat.World, reviewers: list[User]
) -> None:
    await hub.drop_sessions("fakechat", "chat.example.test")
    assert await reviewers_presence(hub, PresenceCache(hub), reviewers) == []
    assert world.presence_calls == []


def test_the_setting_from_the_editor_keeps_logins_as_written(tmp_path: object) -> None:
    """Editor settings' keys are camelCase and mapped to snake_case: logins are values."""
    from server.hub.config import load

    loaded = load(
        workspace=None,
        editor={"chat": {"reviewerEmails": [{"login": "CarolX", "email": "c@acme.test"}]}},
        environ={},
        manifests=[],
    )
    assert not loaded.problems
    [p] = loaded.config.chat.reviewer_emails
    assert (p.login, p.email) == ("CarolX", "c@acme.test")
