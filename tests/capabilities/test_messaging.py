"""The Messaging capability suite: what sharing code from the editor relies on, run on every
connector that declares Messaging.

The same story for each: the channel picker lists the seeded channels and narrows by a
prefix; a post with text and a code block (its language, path, 1-based lines and a link
back) reaches the service with every character of the code a reader would see (backticks,
``<``, ``&``, an entity written in the code, non-ASCII text, a line of 300 characters)
and the link; a reply lands in its thread; an unknown channel is NotFound; a 429 is
waited out by its Retry-After without the message arriving twice, or handed up as
RateLimited when the wait is too long, with nothing sent.
"""

from __future__ import annotations

import time

import pytest

from connectors.sdk import NotFound, RateLimited
from connectors.sdk.capabilities import Messaging
from connectors.sdk.chat import CodeBlock, Post

from .chat_subjects import BUILDERS, ChatSubject, chat_fixture
from .conftest import declaring

chat = chat_fixture("Messaging")

URL = "https://github.com/octo/app/blob/0123abc/src/ship.ts#L3-L7"
LONG = "const banner = '" + "=" * 282 + "';"
BODY = (
    "  const q = `${a} ``` ${b}`; // backticks\n"
    'if (a < b && c > "d") { s = "&amp; stays"; }\n'
    "const greeting = 'Grüße, 日本, naïve — ok ✓';\n"
    f"{LONG}\n"
    "\tdone();  \n"  # a tab, and spaces at the end of the last line
)
CODE = CodeBlock(body=BODY, language="typescript", path="src/ship.ts", line=3, end_line=7, url=URL)


def test_the_long_line_is_300_characters() -> None:
    assert len(LONG) == 300


def test_every_messaging_connector_is_in_the_suite() -> None:
    declared = set(declaring("Messaging"))
    assert declared and declared <= set(BUILDERS), declared - set(BUILDERS)


async def test_the_picker_lists_the_seeded_channels_and_narrows_by_prefix(
    chat: ChatSubject,
) -> None:
    c: Messaging = chat.connector
    names = {ch.name for ch in await c.channels()}
    assert chat.listed <= names, chat.listed - names
    narrowed = await c.channels(chat.prefix)
    assert {ch.name for ch in narrowed} == chat.prefixed
    assert all(ch.id for ch in narrowed)
    assert chat.channel in {ch.id for ch in narrowed}


async def test_the_prefix_ignores_case_and_a_leading_hash(chat: ChatSubject) -> None:
    """What a person types in the picker: ``#Dep`` finds the channel whatever the service
    writes before a channel's name."""
    c: Messaging = chat.connector
    assert {ch.name for ch in await c.channels(f"#{chat.prefix.upper()}")} == chat.prefixed


async def test_code_arrives_intact_with_its_link(chat: ChatSubject) -> None:
    c: Messaging = chat.connector
    sent = await c.send_message(chat.channel, Post(text="Is this <right> & safe?", code=CODE))
    (got,) = chat.arrived(chat.channel, None)
    assert "Is this <right> & safe?" in got
    assert BODY.rstrip("\n") in got  # every character, as a reader sees it
    assert URL in got
    assert "src/ship.ts:3" in got
    assert sent.channel == chat.channel and sent.id
    assert sent.thread is None
    assert sent.url and sent.url.startswith("https://")  # its permalink, to open it


async def test_a_reply_goes_to_its_thread(chat: ChatSubject) -> None:
    assert chat.open_thread is not None, f"{chat.name}: the builder opens no thread"
    channel, thread = chat.open_thread()
    c: Messaging = chat.connector
    before = chat.arrived(channel, None)
    sent = await c.send_message(channel, Post(text="Like this", code=CODE), thread=thread)
    (got,) = chat.arrived(channel, thread)
    assert BODY.rstrip("\n") in got and "Like this" in got
    assert sent.thread == thread
    assert chat.arrived(channel, None) == before  # not at the channel's top level too


async def test_an_unknown_channel_is_not_found(chat: ChatSubject) -> None:
    c: Messaging = chat.connector
    with pytest.raises(NotFound):
        await c.send_message(chat.unknown_channel, Post(text="anyone?"))


async def test_a_short_429_is_waited_out_and_the_message_arrives_once(chat: ChatSubject) -> None:
    c: Messaging = chat.connector
    chat.standin.reset_log()
    chat.standin.inject("retry_after", seconds=1)
    started = time.monotonic()
    await c.send_message(chat.channel, Post(text="after the wait"))
    assert time.monotonic() - started >= 0.9  # Retry-After was honoured
    assert [e.status for e in chat.standin.log][:1] == [429]
    assert chat.arrived(chat.channel, None) == ["after the wait"]


async def test_a_long_429_is_rate_limited_with_nothing_sent(chat: ChatSubject) -> None:
    c: Messaging = chat.connector
    chat.standin.reset_log()
    chat.standin.inject("retry_after", count=5, seconds=60)
    with pytest.raises(RateLimited) as err:
        await c.send_message(chat.channel, Post(text="too soon"))
    assert err.value.retry_after > 10
    sent = len(chat.standin.log)
    with pytest.raises(RateLimited):  # held here until Retry-After passes
        await c.send_message(chat.channel, Post(text="too soon"))
    assert len(chat.standin.log) == sent
    assert chat.arrived(chat.channel, None) == []
