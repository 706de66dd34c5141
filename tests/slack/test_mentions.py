"""Mentions: search.messages for ``<@me>`` from the day before ``since`` (Slack's ``after:``
takes whole days), cut at ``since`` exactly, oldest first, each with its channel's name, its
thread and its permalink ("Open in Slack")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from connectors.sdk import ConsentRequired
from connectors.slack.connector import SlackConnector
from server.hub.http import HubClient

from .helpers import ALL_SCOPES, World, connect, seed

Conn = tuple[SlackConnector, HubClient]


def at(when: datetime) -> str:
    return f"{when.timestamp():.6f}"


async def test_mentions_since_oldest_first_with_channel_thread_and_link(
    world: World, conn: Conn
) -> None:
    st, ada, bob, cy = world.state, world.ada, world.bob, world.cy
    now = datetime.now(UTC).replace(microsecond=0)
    since = now - timedelta(hours=2)
    me = f"<@{ada['id']}>"
    st.post(world.dev, bob, f"{me} stale", ts=at(since - timedelta(minutes=5)))
    first = st.post(world.dev, bob, f"{me} can you review?", ts=at(since + timedelta(minutes=1)))
    parent = st.post(world.secret, cy, "plan", ts=at(since + timedelta(minutes=2)))
    reply = st.post(
        world.secret, bob, f"what do you think {me}", thread_ts=parent["ts"],
        ts=at(since + timedelta(minutes=3)),
    )  # fmt: skip
    dm = st.post(world.dm, bob, f"{me} lunch?", ts=at(since + timedelta(minutes=4)))
    st.post(world.dev, ada, f"note to self {me}", ts=at(since + timedelta(minutes=5)))
    st.post(world.hidden, bob, f"{me} not for you", ts=at(since + timedelta(minutes=6)))
    c, _ = conn
    got = await c.mentions(since)
    assert [m.text for m in got] == [first["text"], reply["text"], dm["text"]]
    a, b, d = got
    assert (a.channel, a.channel_name, a.thread) == (world.dev["id"], "#dev", None)
    assert a.url == st.permalink(world.dev["id"], first)
    assert a.author is not None and a.author.login == "bob" and a.author.name == "bob"
    assert a.sent_at == since + timedelta(minutes=1)
    assert (b.channel_name, b.thread) == ("#secret-plans", parent["ts"])
    assert d.channel == world.dm["id"] and d.channel_name == "bob"
    (search,) = [r for r in world.standin.log if r.path == "/api/search.messages"]
    assert search.query == []  # the query travels in the form body


async def test_the_query_asks_from_the_day_before(world: World, conn: Conn) -> None:
    c, _ = conn
    since = datetime(2026, 3, 1, 0, 30, tzinfo=UTC)
    world.state.post(
        world.dev, world.bob, f"<@{world.ada['id']}> late", ts=at(since + timedelta(minutes=1))
    )
    world.state.post(
        world.dev, world.bob, f"<@{world.ada['id']}> early", ts=at(since - timedelta(minutes=1))
    )
    got = await c.mentions(since)
    assert [m.text.split()[-1] for m in got] == ["late"]


async def test_every_page_up_to_since_is_read(world: World, conn: Conn) -> None:
    now = datetime.now(UTC)
    for i in range(150):
        world.state.post(
            world.dev, world.bob, f"<@{world.ada['id']}> #{i}",
            ts=at(now - timedelta(minutes=200 - i)),
        )  # fmt: skip
    c, _ = conn
    got = await c.mentions(now - timedelta(hours=4))
    assert [m.text.split()[-1] for m in got] == [f"#{i}" for i in range(150)]
    assert sum(r.path == "/api/search.messages" for r in world.standin.log) == 2
    world.standin.reset_log()
    recent = await c.mentions()  # no since: Slack's newest page only
    assert [m.text.split()[-1] for m in recent] == [f"#{i}" for i in range(50, 150)]
    assert sum(r.path == "/api/search.messages" for r in world.standin.log) == 1


async def test_without_search_read_the_scope_is_named(slack: object) -> None:
    from tests.standin.slack import SlackStandIn

    assert isinstance(slack, SlackStandIn)
    seed(slack, scopes=tuple(s for s in ALL_SCOPES if s != "search:read"))
    c, http = connect(slack.url)
    try:
        with pytest.raises(ConsentRequired, match="needs the search:read scope"):
            await c.mentions()
    finally:
        await http.aclose()
