"""New messages that mention me, from every Mentions session, each told once.

Each poll asks every session for mentions since the newest one it has seen and keeps what was
shown: the newest time and the ids at that time (two messages may share a second), in the
store's checkpoints under the session's account, so a restart neither repeats the last
hour's mentions nor loses the ones that came while the editor was closed. The first poll of
an account that has no checkpoint only remembers: a fresh install must not open with a
screenful of old mentions.

More new mentions at once than ``burst`` are one summary, not a flood of messages. Each new
mention is also published on the event bus as ``message.mentioned``.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from connectors.sdk.capabilities import Mentions
from connectors.sdk.errors import TielineError
from connectors.sdk.models import Message

from ..events import Event, EventKind

if TYPE_CHECKING:
    from ..hub import Hub
    from ..sessions import Session

log = logging.getLogger("tieline.chat")

STREAM = "chat.mentions"
#: Ids kept per account beside the newest time (the mentions that share it, and a margin).
KEEP = 200
POLL_TIMEOUT = 20.0


@dataclass(frozen=True)
class Mention:
    """A new mention, with the service it came through."""

    message: Message
    service: str
    connector: str


@dataclass(frozen=True)
class Batch:
    """What one poll found: each mention to tell, or (over the burst) a summary of them."""

    mentions: tuple[Mention, ...]
    summary: bool

    @property
    def empty(self) -> bool:
        return not self.mentions


@dataclass
class _Seen:
    since: datetime | None
    ids: list[str]

    def dump(self) -> str:
        return json.dumps(
            {"since": self.since.isoformat() if self.since else None, "ids": self.ids[-KEEP:]}
        )

    @classmethod
    def load(cls, text: str) -> _Seen:
        try:
            raw = json.loads(text)
            since = datetime.fromisoformat(raw["since"]) if raw.get("since") else None
            return cls(since, [str(i) for i in raw.get("ids", [])])
        except (ValueError, TypeError, KeyError):
            return cls(None, [])


class MentionWatch:
    """Polls Mentions sessions and answers only what was never told before."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self._lock = asyncio.Lock()

    async def _seen(self, s: Session) -> _Seen | None:
        cp = await self.hub.store.get_checkpoint(s.connector_id, s.account, STREAM)
        return _Seen.load(cp.cursor) if cp is not None else None

    async def _one(self, s: Session) -> list[Mention]:
        seen = await self._seen(s)
        first = seen is None
        state = seen or _Seen(None, [])
        source: Mentions = s.connector.capability(Mentions)
        try:
            got = await asyncio.wait_for(source.mentions(state.since), POLL_TIMEOUT)
        except (TielineError, TimeoutError) as exc:
            said = exc.message if isinstance(exc, TielineError) else "no answer in time"
            log.warning("mentions of %s: %s", s.key, said)
            return []
        known = set(state.ids)
        new = [m for m in got if m.id not in known]
        for m in new:
            state.ids.append(m.id)
            if m.sent_at is not None and (state.since is None or m.sent_at > state.since):
                state.since = m.sent_at
        if new or first:
            await self.hub.store.set_checkpoint(s.connector_id, s.account, STREAM, state.dump())
        if first:
            return []
        for m in new:  # for every other listener: outgoing webhooks, chat.notify rules
            await self.hub.bus.publish(
                Event(
                    EventKind.MESSAGE_MENTIONED,
                    s.connector_id,
                    s.account,
                    m.channel_name or m.channel,
                    {
                        "title": m.text[:200],
                        "url": m.url,
                        "author": m.author.login if m.author else None,
                        "id": m.id,
                    },
                )
            )
        return [Mention(m, s.manifest.name, s.connector_id) for m in new]

    async def poll(self, burst: int) -> Batch:
        """Every session's new mentions, oldest first; a summary when more than ``burst``."""
        async with self._lock:  # two polls at once would tell the same mention twice
            sessions = self.hub.sessions_with(Mentions)
            found = await asyncio.gather(*(self._one(s) for s in sessions))
        new = sorted(
            (m for ms in found for m in ms),
            key=lambda m: m.message.sent_at.timestamp() if m.message.sent_at else 0.0,
        )
        return Batch(tuple(new), summary=len(new) > burst)


def where(m: Mention) -> str:
    """``#dev on Slack``: the channel as a person reads it."""
    name = m.message.channel_name or m.message.channel
    return f"{name} on {m.service}"


def who(m: Mention) -> str:
    a = m.message.author
    return (a.name or a.login) if a else "Someone"


def summary_text(mentions: Sequence[Mention]) -> str:
    """``5 new mentions: 3 on Slack, 2 on Teams``."""
    by: dict[str, int] = {}
    for m in mentions:
        by[m.service] = by.get(m.service, 0) + 1
    parts = ", ".join(f"{n} on {svc}" for svc, n in by.items())
    return f"{len(mentions)} new mentions: {parts}"


__all__ = ["Batch", "Mention", "MentionWatch", "summary_text", "where", "who"]
