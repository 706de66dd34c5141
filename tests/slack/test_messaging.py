"""Messaging: the channel picker (every conversation type, cursor pages, DMs named after the
person) and sharing code as a Slack code block with a link back to the code host."""

from __future__ import annotations

import pytest

from connectors.sdk import CodeBlock, InvalidRequest, NotFound, Post
from connectors.slack.connector import SlackConnector
from connectors.slack.mapping import format_post
from server.hub.http import HubClient

from .helpers import World

Conn = tuple[SlackConnector, HubClient]
CODE = CodeBlock(
    body="def add(a, b):\n    return a + b\n",
    language="python",
    path="src/calc.py",
    line=3,
    end_line=4,
    url="https://github.com/octo/app/blob/0123abc/src/calc.py#L3-L4",
)


async def test_the_picker_starts_with_my_channels_and_dms(world: World, conn: Conn) -> None:
    c, _ = conn
    got = {ch.name: ch for ch in await c.channels()}
    assert set(got) == {"#dev", "#secret-plans", "bob", "ada, bob, cy"}
    assert got["#dev"].kind == "channel" and got["#secret-plans"].kind == "private"
    assert got["bob"].kind == "dm" and got["bob"].id == world.dm["id"]
    assert got["ada, bob, cy"].kind == "group"
    assert got["#dev"].url == f"https://app.slack.com/client/T0TIELINE/{world.dev['id']}"
    assert got["#dev"].container == "Tieline Test"


async def test_a_prefix_finds_channels_i_am_not_in_but_never_archived_or_hidden(
    world: World, conn: Conn
) -> None:
    c, _ = conn
    assert [ch.name for ch in await c.channels("ra")] == ["#random"]
    assert [ch.name for ch in await c.channels("#sec")] == ["#secret-plans"]
    assert {ch.name for ch in await c.channels("bo")} == {"bob", "ada, bob, cy"}
    assert await c.channels("old") == [] and await c.channels("hidden") == []
    (call,) = {tuple(sorted(r.query)) for r in world.standin.log if "conversations" in r.path}
    assert call == ()  # arguments travel in the form body, not the URL


async def test_every_cursor_page_is_read(world: World, conn: Conn) -> None:
    for i in range(450):
        world.state.add_channel(f"team-{i:03d}", [world.ada])
    c, _ = conn
    found = await c.channels("team-")
    assert len(found) == 450 and len({ch.id for ch in found}) == 450
    pages = [r for r in world.standin.log if r.path == "/api/conversations.list"]
    assert len(pages) == 3  # 200 a page


async def test_code_is_shared_as_a_code_block_with_a_link_back(world: World, conn: Conn) -> None:
    c, _ = conn
    sent = await c.send_message(world.dev["id"], Post(text="Is this right?", code=CODE))
    (stored,) = world.state.messages[world.dev["id"]]
    assert stored["user"] == world.ada["id"]
    assert stored["text"] == (
        "Is this right?\n"
        f"<{CODE.url}|src/calc.py:3-4> (python)\n"
        "```\ndef add(a, b):\n    return a + b\n```"
    )
    assert sent.channel == world.dev["id"] and sent.id == f"{world.dev['id']}:{stored['ts']}"
    assert sent.url == world.state.permalink(world.dev["id"], stored)
    assert sent.url.startswith("https://tieline-test.slack.com/archives/")
    assert sent.thread is None and sent.sent_at is not None


async def test_a_reply_goes_to_its_thread(world: World, conn: Conn) -> None:
    parent = world.state.post(world.dev, world.bob, "How do I add?")
    c, _ = conn
    sent = await c.send_message(world.dev["id"], Post(code=CODE), thread=parent["ts"])
    assert sent.thread == parent["ts"]
    assert sent.url is not None and f"thread_ts={parent['ts']}" in sent.url
    assert world.state.messages[world.dev["id"]][-1]["thread_ts"] == parent["ts"]


async def test_posting_where_i_am_not_a_member_says_so(world: World, conn: Conn) -> None:
    c, _ = conn
    with pytest.raises(InvalidRequest, match="not_in_channel: you are not a member"):
        await c.send_message(world.random["id"], Post(text="hi"))
    with pytest.raises(NotFound, match="channel_not_found"):
        await c.send_message(world.hidden["id"], Post(text="hi"))
    with pytest.raises(InvalidRequest, match="empty"):
        await c.send_message(world.dev["id"], Post(text="  "))


def test_slack_control_characters_and_fences_in_code_are_escaped() -> None:
    post = Post(
        text="a <b> & c",
        code=CodeBlock(body="x = '```'\nif a < b && c > d: pass", path="a|b.py", url="https://h/x"),
    )
    text = format_post(post)
    assert text.startswith("a &lt;b&gt; &amp; c\n<https://h/x|a¦b.py>\n```\n")
    assert "if a &lt; b &amp;&amp; c &gt; d: pass\n```" in text
    assert text.count("```") == 2  # the one in the code cannot close the block


def test_without_a_url_the_file_and_line_are_named_plainly() -> None:
    one = format_post(Post(code=CodeBlock(body="x", path="a.py", line=7)))
    assert one == "a.py:7\n```\nx\n```"
    assert format_post(Post(code=CodeBlock(body="x"))) == "```\nx\n```"
