"""Messaging on the Discord stand-in: which channels a bot and a webhook offer, and what
reaches Discord when code is shared (each request and answer checked against Discord's
OpenAPI description)."""

from __future__ import annotations

import json

import pytest

from connectors.discord.connector import DiscordConnector
from connectors.sdk import InvalidRequest, Messaging, PermissionDenied
from connectors.sdk.chat import CodeBlock, Post
from server.hub.http import HubClient

from .helpers import World, connect

Conn = tuple[DiscordConnector, HubClient]
URL = "https://github.com/octo/app/blob/abc123/src/app.py#L3"


def _bodies(world: World, path: str) -> list[dict[str, object]]:
    return [m for ch in world.state.messages.values() for m in ch if path in m["channel_id"]]


async def test_the_bot_names_the_account(conn: Conn) -> None:
    c, _ = conn
    result = await c.check()
    assert result.ok and result.account == "tieline-bot"
    assert result.detail == "signed in to Discord as bot tieline-bot"
    assert result.rate_limit_limit == 50 and result.rate_limit_remaining == 49


async def test_channels_are_the_webhook_then_text_and_announcement_channels(
    world: World, conn: Conn
) -> None:
    c, _ = conn
    assert c.provides(Messaging)
    found = await c.channels()
    assert [(x.name, x.kind) for x in found] == [
        ("Tieline", "webhook"),
        ("general", "channel"),
        ("dev", "channel"),
        ("releases", "channel"),  # type 5, announcement; the voice channel is left out
    ]
    hook, general = found[0], found[1]
    assert hook.id == f"webhook:{world.webhook['id']}"
    assert hook.url == f"https://discord.com/channels/{world.guild['id']}/{world.dev['id']}"
    assert general.container == "Acme"
    assert world.webhook["token"] not in repr(found)
    assert [x.name for x in await c.channels("#DE")] == ["dev"]


async def test_the_servers_setting_narrows_the_channels(world: World) -> None:
    other = world.state.add_guild("Elsewhere", [world.bot])
    world.state.add_channel(other, "random")
    c, http = connect(world.standin.url, settings={"servers": ["elsewhere"]})
    try:
        assert [x.name for x in await c.channels()] == ["random"]
    finally:
        await http.aclose()


async def test_guilds_are_paged_by_after(world: World) -> None:
    for n in range(205):
        world.state.add_guild(f"g{n}", [world.bot])
    c, http = connect(world.standin.url)
    try:
        guilds = await c.client.guilds()
    finally:
        await http.aclose()
    assert len(guilds) == 206 and len({g.id for g in guilds}) == 206
    pages = [e for e in world.standin.log if e.path.endswith("/users/@me/guilds")]
    assert [dict(e.query).get("after") for e in pages] == [None, guilds[199].id]


async def test_code_is_posted_as_a_fenced_block_mentioning_no_one(world: World, conn: Conn) -> None:
    c, _ = conn
    code = CodeBlock(body="@everyone = 1", language="python", path="src/app.py", line=3, url=URL)
    msg = await c.send_message(world.dev["id"], Post(text="Have a look", code=code))
    (sent,) = world.state.messages[world.dev["id"]]
    assert sent["content"] == f"Have a look\n[src/app.py:3](<{URL}>)\n```python\n@everyone = 1\n```"
    post = next(e for e in world.standin.log if e.path.endswith("/messages"))
    assert post.method == "POST"
    assert msg.id == sent["id"] and msg.channel == world.dev["id"]
    assert (
        msg.url
        == f"https://discord.com/channels/{world.guild['id']}/{world.dev['id']}/{sent['id']}"
    )
    assert msg.author is not None and msg.author.login == "tieline-bot"
    assert msg.sent_at is not None


async def test_the_body_says_allowed_mentions_parse_nothing(world: World) -> None:
    seen: list[object] = []
    c, http = connect(world.standin.url)
    original = http.request

    async def spy(method: str, url: object, **kw: object) -> object:
        if method == "POST":
            seen.append(kw.get("json"))
        return await original(method, url, **kw)  # type: ignore[arg-type]

    http.request = spy  # type: ignore[method-assign]
    try:
        await c.send_message(world.general["id"], Post(text="hi"))
    finally:
        await http.aclose()
    assert seen == [{"content": "hi", "allowed_mentions": {"parse": []}}]


async def test_a_long_post_goes_as_several_messages_within_the_limit(
    world: World, conn: Conn
) -> None:
    c, _ = conn
    body = "\n".join(f"print({n})  # {'x' * 60}" for n in range(100))
    msg = await c.send_message(world.dev["id"], Post(code=CodeBlock(body=body, language="python")))
    sent = world.state.messages[world.dev["id"]]
    assert len(sent) == 4 and all(len(m["content"]) <= 2000 for m in sent)
    assert all(m["content"].startswith("```python\n") for m in sent)
    assert msg.id == sent[0]["id"]  # the first, so the link opens at the start


async def test_the_stand_in_refuses_more_than_2000_characters(world: World, conn: Conn) -> None:
    """The check that keeps the splitting honest: Discord's own 50035 for a long content."""
    c, _ = conn
    with pytest.raises(InvalidRequest, match="Invalid Form Body"):
        await c.client.create_message(world.dev["id"], "x" * 2001)


async def test_a_thread_is_posted_to_as_its_own_channel(world: World, conn: Conn) -> None:
    c, _ = conn
    thread = world.state.add_channel(world.guild, "a thread", type=11)
    msg = await c.send_message(world.dev["id"], Post(text="in the thread"), thread=thread["id"])
    assert [m["content"] for m in world.state.messages[thread["id"]]] == ["in the thread"]
    assert msg.thread == thread["id"]


async def test_the_webhook_is_executed_with_wait_and_without_credentials(
    world: World, conn: Conn
) -> None:
    c, _ = conn
    msg = await c.send_message(f"webhook:{world.webhook['id']}", Post(text="via the hook"))
    (sent,) = world.state.messages[world.dev["id"]]
    assert sent["webhook_id"] == world.webhook["id"] and sent["content"] == "via the hook"
    execute = next(e for e in world.standin.log if e.method == "POST")
    assert dict(execute.query) == {"wait": "true"}
    assert world.standin.webhook_auth and set(world.standin.webhook_auth) == {None}
    assert msg.channel == f"webhook:{world.webhook['id']}"
    assert (
        msg.url
        == f"https://discord.com/channels/{world.guild['id']}/{world.dev['id']}/{sent['id']}"
    )


async def test_the_webhook_posts_into_a_thread_by_thread_id(world: World, conn: Conn) -> None:
    c, _ = conn
    thread = world.state.add_channel(world.guild, "hook thread", type=11)
    await c.send_message(f"webhook:{world.webhook['id']}", Post(text="t"), thread=thread["id"])
    execute = next(e for e in world.standin.log if e.method == "POST")
    assert dict(execute.query) == {"wait": "true", "thread_id": thread["id"]}


async def test_another_webhook_id_or_a_bad_channel_is_refused(world: World, conn: Conn) -> None:
    c, _ = conn
    with pytest.raises(InvalidRequest, match="not the webhook"):
        await c.send_message("webhook:1", Post(text="x"))
    with pytest.raises(InvalidRequest, match="not a channel id"):
        await c.send_message("../users/@me", Post(text="x"))
    assert not [e for e in world.standin.log if e.method == "POST"]


async def test_a_person_signed_in_with_oauth_shares_through_the_webhook_only(
    world: World,
) -> None:
    world.standin.tokens["user-oauth-token-1234567"] = world.ada["id"]
    world.standin.scopes["user-oauth-token-1234567"] = ["identify", "guilds"]
    c, http = connect(
        world.standin.url,
        token="user-oauth-token-1234567",
        method="pkce",
        settings={"webhook_url": world.webhook_url},
    )
    try:
        assert (await c.check()).account == "ada"
        assert [x.kind for x in await c.channels()] == ["webhook"]
        with pytest.raises(PermissionDenied, match="only a bot"):
            await c.send_message(world.dev["id"], Post(text="x"))
        await c.send_message(f"webhook:{world.webhook['id']}", Post(text="ok"))
    finally:
        await http.aclose()
    assert not any("/guilds/" in e.path for e in world.standin.log)
    assert json.dumps([m["content"] for m in world.state.messages[world.dev["id"]]]) == '["ok"]'
