"""Chat, presence and focus models: what Slack, Discord and Teams share.

A message the editor sends is a :class:`Post`: a line of text and, most often, a piece of
code with a link back to the file and line it came from on the code host. Each service
writes code its own way (Slack's mrkdwn fences, Discord's Markdown with a language, Teams'
HTML ``<pre><code>``) so the hub hands over the parts and the connector formats them;
the hub never writes a service's markup.

Presence is a person's availability and status line. Focus mode needs more than that: it
must put each service back *exactly* as it was (the status text and emoji, their expiry,
a do-not-disturb snooze already running, a preferred presence Teams was set to). Only the
connector knows what "exactly" covers, so :class:`~connectors.sdk.capabilities.Focus`
hands the hub an opaque, JSON-serialisable :class:`FocusSnapshot` the hub persists before
the first change and gives back on restore, even after a crash in between.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Literal

from pydantic import Field

from .models import _Model

ChannelKind = Literal["channel", "private", "dm", "group", "thread", "webhook"]


class Channel(_Model):
    """Somewhere a message can be sent: a channel, a direct message, a group chat."""

    #: The service's id for it (Slack ``C0123``, a Discord channel snowflake, a Teams
    #: ``teamId/channelId`` or chat id); what :meth:`Messaging.send_message` takes.
    id: str
    name: str
    kind: ChannelKind = "channel"
    #: Where it opens in the service's app or web client.
    url: str | None = None
    #: The workspace, server or team it belongs to, for a picker's description.
    container: str | None = None


class CodeBlock(_Model):
    """Code shared from the editor, with where it came from."""

    body: str
    #: An LSP language id (``python``), written as the fence's language where the service
    #: highlights one.
    language: str = ""
    #: The file's path in its repository (``src/app.py``) and the 1-based first line.
    path: str | None = None
    line: int | None = Field(default=None, ge=1)
    end_line: int | None = Field(default=None, ge=1)
    #: The file and lines on the code host (a permalink at the commit), when there is one.
    url: str | None = None


class Post(_Model):
    """A message to send: plain text (a service may render Markdown in it) and code."""

    text: str = ""
    code: CodeBlock | None = None

    @property
    def empty(self) -> bool:
        return not self.text.strip() and (self.code is None or not self.code.body.strip())


class Availability(enum.StrEnum):
    """A person's availability as every chat service can say it."""

    AVAILABLE = "available"
    AWAY = "away"
    BUSY = "busy"
    DND = "dnd"  # do not disturb: notifications held
    OFFLINE = "offline"
    UNKNOWN = "unknown"


class PresenceStatus(_Model):
    """A person's presence: availability, status line and until when it stands."""

    availability: Availability = Availability.UNKNOWN
    text: str = ""
    #: As the service writes it (Slack ``:calendar:``, a Unicode emoji elsewhere).
    emoji: str = ""
    #: When the status line clears itself, if it does.
    expires: datetime | None = None
    #: Notifications are held until then (Slack's snooze, Teams' DND expiry).
    dnd_until: datetime | None = None

    @property
    def label(self) -> str:
        """How a hover card or status bar says it: ``busy · In a meeting``."""
        line = " ".join(p for p in (self.emoji, self.text) if p)
        return f"{self.availability.value} · {line}" if line else self.availability.value


class FocusSnapshot(_Model):
    """What a connector needs to put a person's presence back as it was before focus.

    ``state`` is the connector's own, opaque to the hub, and must survive JSON: the hub
    keeps it in the store until the restore has succeeded.

    ``text`` is the hub's: the status line it asks :meth:`Focus.start_focus` to show, added
    when it stores the snapshot. After a restart the connector no longer remembers what it
    set, and a service that keeps no mark of who wrote a status (Teams) can only tell its
    own focus line from one the person wrote meanwhile by comparing with this.
    """

    connector: str
    account: str
    taken_at: datetime
    state: dict[str, Any] = Field(default_factory=dict)
    text: str | None = None


__all__ = [
    "Availability",
    "Channel",
    "ChannelKind",
    "CodeBlock",
    "FocusSnapshot",
    "Post",
    "PresenceStatus",
]
