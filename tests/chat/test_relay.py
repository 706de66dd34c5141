"""``chat.notify``: events routed to the configured channel as a formatted post, each once;
a rule that cannot post is logged and told once (without secrets), and works again once the
channel is back."""

from __future__ import annotations

import logging

import pytest

from server.hub.chat import Relay
from server.hub.config import ChatNotifyRule
from server.hub.events import Event, EventKind
from server.hub.hub import Hub
from tests.chat.fakechat import connector as fakechat


def _ci_failed(branch: str = "octo/app@feature", n: int = 12) -> Event:
    return Event(
        EventKind.CI_FAILED,
        "fakehost",
        "ada@code.example.test",
        branch,
        {"title": f"build #{n}", "url": f"https://ci.test/p/{n}", "pipeline": f"p{n}",
         "failed_job_name": "unit"},
    )  # fmt: skip


def _review() -> Event:
    return Event(
        EventKind.PULL_REQUEST_REVIEW_REQUESTED,
        "fakehost",
        "ada@code.example.test",
        "octo/app#7",
        {"title": "Faster start", "url": "https://code.example.test/octo/app/pull/7"},
    )


async def _publish(hub: Hub, relay: Relay, event: Event) -> None:
    await hub.bus.publish(event)
    await relay.drain()


@pytest.fixture
def relay(hub: Hub) -> Relay:
    hub.config.chat.notify = [
        ChatNotifyRule(event="ci.failed", channel="#dev"),
        ChatNotifyRule(event="pull_request.*", channel="general", service="fakechat"),
    ]
    told: list[str] = []
    r = Relay(hub, on_failure=told.append)
    r.told = told  # type: ignore[attr-defined]
    r.start()
    return r


async def test_each_event_goes_to_its_rules_channel(
    hub: Hub, relay: Relay, world: fakechat.World
) -> None:
    await _publish(hub, relay, _ci_failed())
    await _publish(hub, relay, _review())
    await _publish(hub, relay, Event(EventKind.ISSUE_ASSIGNED, "x", "a", "PROJ-1", {}))  # no rule
    assert [(c, p.text) for c, p, _ in world.sent] == [
        ("C2", "CI failed on octo/app@feature: build #12 (job unit)\nhttps://ci.test/p/12"),
        ("C1", "Review requested from me: octo/app#7 Faster start\n"
               "https://code.example.test/octo/app/pull/7"),
    ]  # fmt: skip


async def test_the_same_event_is_sent_once(hub: Hub, relay: Relay, world: fakechat.World) -> None:
    await _publish(hub, relay, _ci_failed())
    await _publish(hub, relay, _ci_failed())  # another account saw it too
    await _publish(hub, relay, _ci_failed(n=13))  # a new run is news
    assert len(world.sent) == 2


async def test_a_missing_channel_is_told_once_and_recovers(
    hub: Hub, relay: Relay, world: fakechat.World, caplog: pytest.LogCaptureFixture
) -> None:
    dev = world.channels.pop(1)
    with caplog.at_level(logging.WARNING, "tieline.chat"):
        await _publish(hub, relay, _ci_failed(n=1))
        await _publish(hub, relay, _ci_failed(n=2))
    told = relay.told  # type: ignore[attr-defined]
    assert told == ["chat.notify: could not post ci.failed to #dev: no channel #dev"]
    assert sum("could not post" in r.getMessage() for r in caplog.records) == 1
    world.channels.insert(1, dev)
    await _publish(hub, relay, _ci_failed(n=3))
    assert [c for c, _, _ in world.sent] == ["C2"]
    world.channels.pop(1)
    await _publish(hub, relay, _ci_failed(n=4))
    assert len(told) == 2  # failing again after working is news again


async def test_a_send_error_is_told_without_the_secret(
    hub: Hub, relay: Relay, world: fakechat.World
) -> None:
    from connectors.sdk.errors import ServiceUnavailable
    from connectors.sdk.redact import register_secret

    secret = "s3cr3t-value-xyz"
    register_secret(secret)
    world.send_error = ServiceUnavailable(f"upstream said {secret}", status=503)
    await _publish(hub, relay, _ci_failed())
    [said] = relay.told  # type: ignore[attr-defined]
    assert "could not post to #dev on Fake Chat" in said and secret not in said


async def test_without_a_chat_session_it_says_so(hub: Hub, relay: Relay) -> None:
    await hub.drop_sessions("fakechat", "chat.example.test")
    await _publish(hub, relay, _review())
    assert relay.told == [  # type: ignore[attr-defined]
        "chat.notify: could not post pull_request.* to general: no chat service is signed in"
    ]


async def test_stop_unsubscribes(hub: Hub, relay: Relay, world: fakechat.World) -> None:
    relay.stop()
    await _publish(hub, relay, _ci_failed())
    assert world.sent == []


async def test_publishing_does_not_wait_for_the_chat_service(
    hub: Hub, relay: Relay, world: fakechat.World
) -> None:
    import asyncio

    world.send_delay = 0.5
    loop = asyncio.get_running_loop()
    start = loop.time()
    await hub.bus.publish(_ci_failed())
    assert loop.time() - start < 0.3 and world.sent == []
    await relay.drain()
    assert len(world.sent) == 1
