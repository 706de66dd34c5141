"""Mentions: each told once, across polls and across a restart (the store's checkpoints),
the first poll of an account only remembers, and a burst is one summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from connectors.sdk.models import Message, User
from server.hub.chat import MentionWatch
from server.hub.chat.mentions import summary_text, where, who
from server.hub.hub import Hub
from tests.chat.conftest import Clone, open_hub
from tests.chat.fakechat import connector as fakechat

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _msg(n: int, *, at: datetime | None = None) -> Message:
    return Message(
        id=f"x{n}",
        channel="C2",
        channel_name="#dev",
        text=f"@ada look at {n}",
        url=f"https://chat.example.test/C2/x{n}",
        author=User(login="bob", name="Bob Ray"),
        sent_at=at or T0 + timedelta(minutes=n),
    )


async def test_the_first_poll_remembers_and_tells_nothing(hub: Hub, world: fakechat.World) -> None:
    world.mentions = [_msg(1), _msg(2)]
    watch = MentionWatch(hub)
    assert (await watch.poll(burst=3)).empty
    world.mentions.append(_msg(3))
    batch = await watch.poll(burst=3)
    assert [m.message.id for m in batch.mentions] == ["x3"]
    assert not batch.summary
    m = batch.mentions[0]
    assert (who(m), where(m)) == ("Bob Ray", "#dev on Fake Chat")
    assert world.mention_calls[-1] == T0 + timedelta(minutes=2)  # since the newest seen


async def test_never_the_same_mention_twice(hub: Hub, world: fakechat.World) -> None:
    watch = MentionWatch(hub)
    await watch.poll(burst=3)
    same_second = T0 + timedelta(minutes=5)
    world.mentions = [_msg(1, at=same_second)]
    assert [m.message.id for m in (await watch.poll(burst=3)).mentions] == ["x1"]
    # the service answers ">= since", so x1 comes again with a new one of the same second
    world.mentions.append(_msg(2, at=same_second))
    assert [m.message.id for m in (await watch.poll(burst=3)).mentions] == ["x2"]
    assert (await watch.poll(burst=3)).empty


async def test_what_was_shown_survives_a_restart(
    hub: Hub, world: fakechat.World, clone: Clone, tmp_path: Path
) -> None:
    await MentionWatch(hub).poll(burst=3)
    world.mentions = [_msg(1)]
    assert len((await MentionWatch(hub).poll(burst=3)).mentions) == 1
    await hub.close()
    again = await open_hub(clone.root, tmp_path / "tieline.db")
    try:
        world.mentions.append(_msg(2))
        got = await MentionWatch(again).poll(burst=3)
        assert [m.message.id for m in got.mentions] == ["x2"]
    finally:
        await again.close()


async def test_a_burst_is_one_summary(hub: Hub, world: fakechat.World) -> None:
    watch = MentionWatch(hub)
    await watch.poll(burst=3)
    world.mentions = [_msg(n) for n in range(1, 6)]
    batch = await watch.poll(burst=3)
    assert batch.summary and len(batch.mentions) == 5
    assert summary_text(batch.mentions) == "5 new mentions: 5 on Fake Chat"
    assert (await watch.poll(burst=3)).empty  # summarised ones were shown too


async def test_exactly_the_burst_is_told_one_by_one(hub: Hub, world: fakechat.World) -> None:
    watch = MentionWatch(hub)
    await watch.poll(burst=3)
    world.mentions = [_msg(n) for n in range(1, 4)]
    batch = await watch.poll(burst=3)
    assert not batch.summary and len(batch.mentions) == 3


async def test_each_new_mention_is_published_on_the_bus(hub: Hub, world: fakechat.World) -> None:
    from server.hub.events import Event, EventKind

    seen: list[Event] = []
    hub.bus.subscribe(EventKind.MESSAGE_MENTIONED, seen.append)
    watch = MentionWatch(hub)
    world.mentions = [_msg(1)]
    await watch.poll(burst=3)  # the first poll remembers: nothing is news
    world.mentions.append(_msg(2))
    await watch.poll(burst=3)
    await watch.poll(burst=3)
    [e] = seen
    assert (e.connector, e.account, e.subject) == ("fakechat", "ada@chat.example.test", "#dev")
    assert e.payload["url"] == "https://chat.example.test/C2/x2" and e.payload["author"] == "bob"
