"""Where a post can go: the channels of every Messaging session, recent ones first.

A picker lists ``#general — Slack (acme)``: the channel, the service, and the workspace or
team it belongs to (the account when the service names none), so two workspaces' ``#general``
are told apart. The channels used last come first, then the rest in the services' order; a
typed prefix filters by name (and is handed to each service, which may search further than
its first page). Which channels were used is kept in memory: a picker's order is a
convenience, not data worth a migration.

Sending maps what can go wrong to words a person can act on: a channel that is gone or
hidden, a rate limit with the time to wait, a refused token.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from connectors.sdk.capabilities import Messaging
from connectors.sdk.chat import Channel, Post
from connectors.sdk.errors import (
    AuthError,
    NotFound,
    PermissionDenied,
    RateLimited,
    TielineError,
)
from connectors.sdk.models import Message

if TYPE_CHECKING:
    from ..hub import Hub
    from ..sessions import Session

log = logging.getLogger("tieline.chat")

#: Seconds a picker waits for one service's channel list before going on without it.
LIST_TIMEOUT = 5.0
RECENT = 20


@dataclass(frozen=True)
class Destination:
    """One channel of one Messaging session, named for a picker."""

    session: Session
    channel: Channel

    @property
    def service(self) -> str:
        return self.session.manifest.name

    @property
    def id(self) -> str:
        """Unique across sessions: ``<session key>/<channel id>``."""
        return f"{self.session.key}/{self.channel.id}"

    @property
    def name(self) -> str:
        """``#general`` for a channel, the person's name for a direct message."""
        n = self.channel.name
        return n if self.channel.kind in ("dm", "group") or n.startswith("#") else f"#{n}"

    @property
    def label(self) -> str:
        where = self.channel.container or self.session.login
        return f"{self.name} — {self.service} ({where})"


def _bare(name: str) -> str:
    return name.lstrip("#@").lower()


@dataclass
class Recent:
    """The destinations used last, newest first (by :attr:`Destination.id`)."""

    ids: list[str] = field(default_factory=list)
    size: int = RECENT

    def used(self, dest: Destination) -> None:
        if dest.id in self.ids:
            self.ids.remove(dest.id)
        self.ids.insert(0, dest.id)
        del self.ids[self.size :]

    def rank(self, dest: Destination) -> int:
        return self.ids.index(dest.id) if dest.id in self.ids else len(self.ids)


async def _listed(session: Session, prefix: str) -> list[Channel]:
    chat: Messaging = session.connector.capability(Messaging)
    try:
        return list(await asyncio.wait_for(chat.channels(prefix), LIST_TIMEOUT))
    except (TielineError, TimeoutError) as exc:
        said = exc.message if isinstance(exc, TielineError) else "no answer in time"
        log.warning("channels of %s: %s", session.key, said)
        return []


async def destinations(
    hub: Hub, prefix: str = "", recent: Recent | None = None
) -> list[Destination]:
    """Every Messaging session's channels whose name starts with ``prefix`` (``#`` and case
    ignored), recent ones first, then in the services' own order."""
    sessions = hub.sessions_with(Messaging)
    lists = await asyncio.gather(*(_listed(s, prefix.lstrip("#@")) for s in sessions))
    want = _bare(prefix)
    out: list[Destination] = []
    seen: set[str] = set()
    for s, channels in zip(sessions, lists, strict=True):
        for c in channels:
            d = Destination(s, c)
            if d.id in seen or not _bare(c.name).startswith(want):
                continue
            seen.add(d.id)
            out.append(d)
    if recent is not None:
        order = {d.id: i for i, d in enumerate(out)}
        out.sort(key=lambda d: (recent.rank(d), order[d.id]))
    return out


def find(dests: Sequence[Destination], channel: str, service: str = "") -> Destination | None:
    """The destination a setting or an argument names: by id or name (``#dev``, ``dev``),
    on the connector ``service`` when one is given."""
    for d in dests:
        if service and d.session.connector_id != service:
            continue
        if channel in (d.id, d.channel.id) or _bare(channel) == _bare(d.channel.name):
            return d
    return None


class SendFailed(TielineError):
    """A post could not be sent; the message says why in a person's words."""


async def send(dest: Destination, post: Post, *, thread: str | None = None) -> Message:
    """Send ``post`` to ``dest``; a failure is a :class:`SendFailed` naming the channel."""
    chat: Messaging = dest.session.connector.capability(Messaging)
    where = f"{dest.name} on {dest.service}"
    try:
        return await chat.send_message(dest.channel.id, post, thread=thread)
    except NotFound as exc:
        raise SendFailed(
            f"{where} does not exist or is hidden from this account"
            + (" (or the thread is gone)" if thread else "")
        ) from exc
    except RateLimited as exc:
        wait = max(1, round(exc.retry_after))
        raise SendFailed(f"{dest.service} is rate limiting: try {where} again in {wait} s") from exc
    except PermissionDenied as exc:
        raise SendFailed(f"this account may not post to {where}: {exc.message}") from exc
    except AuthError as exc:
        raise SendFailed(f"sign in to {dest.service} again to post to {where}") from exc
    except TielineError as exc:
        raise SendFailed(f"could not post to {where}: {exc.message}") from exc


__all__ = ["Destination", "Recent", "SendFailed", "destinations", "find", "send"]
