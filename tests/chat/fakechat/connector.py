"""An in-memory chat service written only against ``connectors.sdk``, as a third-party
connector would be: channels, sending (a post is kept as sent, so a test reads what the hub
handed over), mentions, presence and instant meetings (joined at
``https://meet.example.test/<n>``). There is no wire here: no contract covers a fake, and
the hub code under test is the same whichever connector answers.

Its state is :data:`WORLD`, one per process: tests reset it and script it (a channel that is
gone, a rate limit, a slow presence answer). The server process of an end-to-end test gets
the default world: ``#general``, ``#dev`` and ``#random``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from connectors.sdk import CheckResult, Connector
from connectors.sdk.calendar import JoinLink, Provider
from connectors.sdk.chat import Channel, Post, PresenceStatus
from connectors.sdk.errors import NotFound, RateLimited, TielineError
from connectors.sdk.models import Message


def _channels() -> list[Channel]:
    return [
        Channel(id="C1", name="general", container="acme", url="https://chat.example.test/C1"),
        Channel(id="C2", name="dev", container="acme", url="https://chat.example.test/C2"),
        Channel(id="C3", name="random", container="acme", url="https://chat.example.test/C3"),
    ]


@dataclass
class World:
    channels: list[Channel] = field(default_factory=_channels)
    sent: list[tuple[str, Post, str | None]] = field(default_factory=list)
    mentions: list[Message] = field(default_factory=list)
    mention_calls: list[datetime | None] = field(default_factory=list)
    presence: dict[str, PresenceStatus] = field(default_factory=dict)
    presence_calls: list[tuple[str, ...]] = field(default_factory=list)
    presence_delay: float = 0.0
    #: The error the next send raises (then cleared).
    send_error: TielineError | None = None
    send_delay: float = 0.0
    meetings: list[tuple[str, int]] = field(default_factory=list)


WORLD = World()


def reset() -> World:
    global WORLD
    WORLD = World()
    return WORLD


class FakeChat(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    async def check(self) -> CheckResult:
        return CheckResult(ok=True, account="ada", name="Ada")

    # -- Messaging --------------------------------------------------------------------------
    async def channels(self, prefix: str = "") -> Sequence[Channel]:
        return [c for c in WORLD.channels if c.name.startswith(prefix.lower())]

    async def send_message(self, channel: str, post: Post, *, thread: str | None = None) -> Message:
        if WORLD.send_delay:
            await asyncio.sleep(WORLD.send_delay)
        if WORLD.send_error is not None:
            error, WORLD.send_error = WORLD.send_error, None
            raise error
        if channel not in {c.id for c in WORLD.channels}:
            raise NotFound("channel_not_found", status=404, service="fakechat")
        WORLD.sent.append((channel, post, thread))
        n = len(WORLD.sent)
        return Message(
            id=f"m{n}",
            channel=channel,
            text=post.text,
            url=f"https://chat.example.test/{channel}/p{n}",
            thread=thread,
        )

    # -- Mentions ---------------------------------------------------------------------------
    async def mentions(self, since: datetime | None = None) -> Sequence[Message]:
        WORLD.mention_calls.append(since)
        got = [m for m in WORLD.mentions if since is None or (m.sent_at and m.sent_at >= since)]
        return sorted(got, key=lambda m: m.sent_at or datetime.min)

    # -- Presence ---------------------------------------------------------------------------
    async def my_status(self) -> PresenceStatus:
        return PresenceStatus()

    async def set_status(self, status: PresenceStatus) -> PresenceStatus:
        return status

    async def presence_of(self, emails: Sequence[str]) -> Mapping[str, PresenceStatus]:
        WORLD.presence_calls.append(tuple(emails))
        if WORLD.presence_delay:
            await asyncio.sleep(WORLD.presence_delay)
        return {e: WORLD.presence[e] for e in emails if e in WORLD.presence}

    async def start_meeting(self, topic: str, *, minutes: int = 30) -> JoinLink:
        WORLD.meetings.append((topic, minutes))
        return JoinLink(
            url=f"https://meet.example.test/{len(WORLD.meetings)}", provider=Provider.OTHER
        )


def rate_limited(seconds: float) -> RateLimited:
    return RateLimited(
        "ratelimited", retry_at=time.time() + seconds, status=429, service="fakechat"
    )
