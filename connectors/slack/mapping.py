"""Slack's wire types to the sdk's chat models, and a Post to Slack's mrkdwn.

Pure functions, no I/O: what a message looks like in Slack and how a channel is named are
decided here, so they are tested without a server.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, urlsplit

from connectors.sdk import Availability, Channel, Message, Post, PresenceStatus, User
from connectors.sdk.chat import ChannelKind

from .models import Conversation, DndInfo, Match, Presence, Profile, SlackUser

#: Three backticks inside code would close Slack's fence early; a zero-width space between
#: the first and second keeps them visible as backticks without ending the block.
_FENCE = "```"
_FENCE_BROKEN = "`\u200b``"


def escape(text: str) -> str:
    """Slack's mrkdwn control characters as entities (docs.slack.dev/messaging/formatting-
    message-text, "Escaping text"): ``&``, ``<`` and ``>`` only."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def source_label(path: str | None, line: int | None, end_line: int | None) -> str:
    """``src/app.py:3-9`` (or ``:3``, or the path alone)."""
    if not path:
        return ""
    if line is None:
        return path
    if end_line is not None and end_line > line:
        return f"{path}:{line}-{end_line}"
    return f"{path}:{line}"


def format_post(post: Post) -> str:
    """A Post as Slack mrkdwn: the text, a line linking back to the file and lines on the code
    host, and the code in a ``` block. Slack's code blocks take no language (a word after
    the fence would show as code), so the language is named in the link line instead."""
    parts: list[str] = []
    if post.text.strip():
        parts.append(escape(post.text.strip()))
    code = post.code
    if code is not None and code.body.strip():
        label = source_label(code.path, code.line, code.end_line)
        lang = f" ({code.language})" if code.language else ""
        if code.url and label:
            # In a link's label Slack reads | as the end of the URL: it cannot appear there.
            parts.append(f"<{code.url}|{escape(label).replace('|', '¦')}>{escape(lang)}")
        elif code.url:
            parts.append(f"<{code.url}>{escape(lang)}")
        elif label:
            parts.append(f"{escape(label)}{escape(lang)}")
        body = escape(code.body.rstrip("\n")).replace(_FENCE, _FENCE_BROKEN)
        parts.append(f"{_FENCE}\n{body}\n{_FENCE}")
    return "\n".join(parts)


# -- channels ---------------------------------------------------------------------------------
def mpim_name(name: str) -> str:
    """``mpdm-ada--bob--cy-1`` -> ``ada, bob, cy`` (how Slack names a group DM)."""
    core = name.removeprefix("mpdm-")
    head, sep, tail = core.rpartition("-")
    if sep and tail.isdigit():
        core = head
    return ", ".join(p for p in core.split("--") if p)


def kind_of(c: Conversation) -> ChannelKind:
    if c.is_im:
        return "dm"
    if c.is_mpim:
        return "group"
    return "private" if c.is_private or c.is_group else "channel"


def channel_name(c: Conversation, users: dict[str, SlackUser]) -> str:
    """``#dev`` for a channel, the person for a DM, the people for a group DM."""
    if c.is_im:
        who = users.get(c.user)
        return who.label if who is not None else c.user
    if c.is_mpim:
        return mpim_name(c.name)
    return f"#{c.name}"


def to_channel(c: Conversation, users: dict[str, SlackUser], *, team_id: str, team: str) -> Channel:
    return Channel(
        id=c.id,
        name=channel_name(c, users),
        kind=kind_of(c),
        url=f"https://app.slack.com/client/{team_id}/{c.id}" if team_id else None,
        container=team or None,
    )


# -- messages ---------------------------------------------------------------------------------
def ts_time(ts: str) -> datetime | None:
    """A message ``ts`` (``1700000000.000100``: epoch seconds) as a time."""
    try:
        return datetime.fromtimestamp(float(ts), tz=UTC)
    except ValueError:
        return None


def thread_of(permalink: str) -> str | None:
    """A reply's thread: Slack's permalink of a reply carries ``?thread_ts=``."""
    values = parse_qs(urlsplit(permalink).query).get("thread_ts")
    return values[0] if values else None


def match_message(m: Match, *, me: str, users: dict[str, SlackUser]) -> Message:
    c = m.channel
    if c.is_im:
        name = m.username or m.user  # a DM that mentions me is from the other person
        who = users.get(m.user)
        name = who.label if who is not None else name
    elif c.is_mpim:
        name = mpim_name(c.name)
    else:
        name = f"#{c.name}" if c.name else c.id
    author = users.get(m.user)
    return Message(
        id=f"{c.id}:{m.ts}",
        channel=c.id,
        channel_name=name,
        text=m.text,
        url=m.permalink or None,
        author=User(login=m.username or m.user, name=author.label if author else None),
        sent_at=ts_time(m.ts),
        thread=thread_of(m.permalink),
    )


# -- presence ---------------------------------------------------------------------------------
def epoch(value: int) -> datetime | None:
    return datetime.fromtimestamp(value, tz=UTC) if value > 0 else None


def availability(presence: Presence, dnd: DndInfo | None) -> Availability:
    if dnd is not None and dnd.snooze_enabled:
        return Availability.DND
    return {"active": Availability.AVAILABLE, "away": Availability.AWAY}.get(
        presence.presence, Availability.UNKNOWN
    )


def status_of(profile: Profile, presence: Presence, dnd: DndInfo | None) -> PresenceStatus:
    return PresenceStatus(
        availability=availability(presence, dnd),
        text=profile.status_text,
        emoji=profile.status_emoji,
        expires=epoch(profile.status_expiration),
        dnd_until=epoch(dnd.snooze_endtime) if dnd is not None and dnd.snooze_enabled else None,
    )


def minutes_until(until: float, now: float) -> int:
    """Whole minutes from ``now`` to ``until``, rounded up, at least one: dnd.setSnooze
    takes minutes, so a snooze ends at most a minute after the time asked for."""
    return max(1, math.ceil((until - now) / 60))


# -- focus snapshot ---------------------------------------------------------------------------
def snapshot_state(user: str, profile: Profile, dnd: DndInfo) -> dict[str, Any]:
    """What :meth:`SlackConnector.end_focus` puts back, as JSON the hub stores."""
    return {
        "user": user,
        "status": {
            "text": profile.status_text,
            "emoji": profile.status_emoji,
            "expiration": profile.status_expiration,
        },
        "snooze": {
            "enabled": dnd.snooze_enabled,
            "endtime": dnd.snooze_endtime if dnd.snooze_enabled else 0,
        },
    }
