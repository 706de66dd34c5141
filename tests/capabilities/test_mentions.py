"""The Mentions capability suite, run on every connector that declares Mentions: a message
naming the person after ``since`` is found, with a link to open it; one from before
``since`` is not (the hub notifies each mention once)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from connectors.sdk.capabilities import Mentions

from .chat_subjects import BUILDERS, ChatSubject, chat_fixture
from .conftest import declaring

chat = chat_fixture("Mentions")


def test_every_mentions_connector_is_in_the_suite() -> None:
    declared = set(declaring("Mentions"))
    assert declared and declared <= set(BUILDERS), declared - set(BUILDERS)


async def test_a_mention_after_since_is_found_and_one_before_is_not(chat: ChatSubject) -> None:
    assert chat.mention is not None, f"{chat.name}: the builder posts no mentions"
    since = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=2)
    before = chat.mention(since - timedelta(minutes=5))
    after = chat.mention(since + timedelta(minutes=1))
    c: Mentions = chat.connector
    got = await c.mentions(since)
    assert [m.text for m in got] == [after]
    assert before not in {m.text for m in got}
    (found,) = got
    assert found.url and found.url.startswith("https://")
    assert found.sent_at is not None and found.sent_at > since
