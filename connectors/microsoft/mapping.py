"""Graph's wire types as Tieline's shared models: events, mail, presence and Teams channels,
and a :class:`~connectors.sdk.chat.Post` written as the HTML Teams renders.

Event times arrive in UTC (the client asks ``Prefer: outlook.timezone="UTC"``); an event
written in an IANA zone (``originalStartTimeZone``) is shown in it, one written in a Windows
zone name ("W. Europe Standard Time") stays in UTC, since no zone database here maps those.
An all-day event is a date, placed at midnight of the viewer's zone, as the sdk says.
Graph gives each occurrence of a series an id of its own, so an event's key is that id and
its uid the series' id; ``recurrence_id`` is the occurrence's ``originalStart``.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from connectors.sdk import ItemKind, ItemRef
from connectors.sdk.calendar import (
    Attendee,
    CalendarEvent,
    CalendarInfo,
    EventStatus,
    Response,
    ShowAs,
    find_join_link,
)
from connectors.sdk.chat import Availability, Channel, Post, PresenceStatus
from connectors.sdk.mail import MailAddress, MailMessage

from . import models as w

CONNECTOR = "microsoft"

_SHOW_AS = {
    "free": ShowAs.FREE,
    "tentative": ShowAs.TENTATIVE,
    "busy": ShowAs.BUSY,
    "oof": ShowAs.OOF,
    "workingElsewhere": ShowAs.WORKING_ELSEWHERE,
}
_RESPONSE = {
    "organizer": Response.ACCEPTED,
    "accepted": Response.ACCEPTED,
    "tentativelyAccepted": Response.TENTATIVE,
    "declined": Response.DECLINED,
    "notResponded": Response.NEEDS_ACTION,
    "none": Response.NEEDS_ACTION,
}
#: Graph's availability values (presence resource) -> the sdk's.
AVAILABILITY = {
    "Available": Availability.AVAILABLE,
    "AvailableIdle": Availability.AVAILABLE,
    "Away": Availability.AWAY,
    "BeRightBack": Availability.AWAY,
    "Busy": Availability.BUSY,
    "BusyIdle": Availability.BUSY,
    "DoNotDisturb": Availability.DND,
    "Offline": Availability.OFFLINE,
    "PresenceUnknown": Availability.UNKNOWN,
}
#: The sdk's availability -> what setUserPreferredPresence takes (availability, activity).
PREFERRED = {
    Availability.AVAILABLE: ("Available", "Available"),
    Availability.AWAY: ("Away", "Away"),
    Availability.BUSY: ("Busy", "Busy"),
    Availability.DND: ("DoNotDisturb", "DoNotDisturb"),
    Availability.OFFLINE: ("Offline", "OffWork"),
}


def zone(name: str | None) -> ZoneInfo | None:
    if not name or "/" not in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def wall_time(value: w.DateTimeTimeZone) -> datetime:
    """A dateTimeTimeZone as an aware datetime (UTC unless an IANA zone is named)."""
    text = value.date_time.rstrip("Z")
    if "." in text:  # Graph writes seven fractional digits; Python reads six
        head, frac = text.split(".", 1)
        text = f"{head}.{frac[:6]}"
    naive = datetime.fromisoformat(text)
    return naive.replace(tzinfo=zone(value.time_zone) or UTC)


def instant(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _address(r: w.Recipient | None) -> MailAddress | None:
    if r is None or not r.email_address.address:
        return None
    return MailAddress(email=r.email_address.address, name=r.email_address.name)


def event(e: w.Event, *, calendar: str, host: str, viewer: tzinfo) -> CalendarEvent:
    """One Graph event (or occurrence) as a :class:`CalendarEvent`."""
    assert e.start is not None and e.end is not None, "a removed event has no times"
    start, end = wall_time(e.start), wall_time(e.end)
    written = zone(e.original_start_time_zone)
    if e.is_all_day:
        start = datetime(start.year, start.month, start.day, tzinfo=viewer)
        end = datetime(end.year, end.month, end.day, tzinfo=viewer)
    elif written is not None:
        start, end = start.astimezone(written), end.astimezone(written)
    attendees = tuple(
        Attendee(
            email=a.email_address.address,
            name=a.email_address.name,
            response=_RESPONSE.get(a.status.response or "none", Response.NEEDS_ACTION),
            role="optional" if a.type == "optional" else "required",
            resource=a.type == "resource",
        )
        for a in e.attendees
    )
    org = e.organizer.email_address if e.organizer else None
    organizer = Attendee(email=org.address, name=org.name) if org and org.address else None
    body = html.unescape(e.body.content) if e.body and e.body.content else None
    conference = [u for u in (e.online_meeting and e.online_meeting.join_url,) if u]
    conference += [e.online_meeting_url] if e.online_meeting_url else []
    location = e.location.display_name if e.location and e.location.display_name else None
    mine = e.response_status.response if e.response_status else None
    return CalendarEvent(
        ref=ItemRef(connector=CONNECTOR, host=host, scope=calendar, key=e.id, kind=ItemKind.EVENT),
        uid=e.series_master_id or e.id,
        calendar=calendar,
        title=e.subject or "(no title)",
        start=start,
        end=end,
        all_day=e.is_all_day,
        timezone=None if e.is_all_day or written is None else e.original_start_time_zone,
        location=location,
        description=e.body_preview or None,
        url=e.web_link,
        organizer=organizer,
        attendees=attendees,
        my_response=_RESPONSE.get(mine) if mine else None,
        status=EventStatus.CANCELLED if e.is_cancelled else EventStatus.CONFIRMED,
        show_as=_SHOW_AS.get(e.show_as or "", ShowAs.BUSY),
        categories=e.categories,
        recurrence_id=instant(e.original_start) if e.series_master_id else None,
        join=find_join_link(conference, location, body),
        etag=e.change_key,
    )


def calendar(c: w.Calendar) -> CalendarInfo:
    return CalendarInfo(
        id=c.id, name=c.name or c.id, color=c.hex_color or None, read_only=not c.can_edit
    )


def mail(m: w.Message, *, folder: str, host: str, with_body: bool = False) -> MailMessage:
    body = m.body if with_body else None
    is_html = body is not None and body.content_type.lower() == "html"
    return MailMessage(
        ref=ItemRef(connector=CONNECTOR, host=host, scope=folder, key=m.id, kind=ItemKind.MESSAGE),
        subject=m.subject or "",
        sender=_address(m.sender),
        to=tuple(a for a in map(_address, m.to_recipients) if a),
        cc=tuple(a for a in map(_address, m.cc_recipients) if a),
        received_at=instant(m.received_date_time),
        unread=not m.is_read,
        flagged=m.flag.flag_status == "flagged",
        important=m.importance == "high",
        has_attachments=m.has_attachments,
        preview=m.body_preview,
        thread=m.conversation_id,
        labels=m.categories,
        url=m.web_link,
        body_html=body.content if body is not None and is_html else None,
        body_text=body.content if body is not None and not is_html else None,
    )


def presence(p: w.Presence, *, dnd_until: datetime | None = None) -> PresenceStatus:
    text = ""
    expires = None
    if p.status_message is not None and p.status_message.message is not None:
        text = p.status_message.message.content
        if p.status_message.expiry_date_time is not None:
            expires = wall_time(p.status_message.expiry_date_time)
    availability = AVAILABILITY.get(p.availability or "", Availability.UNKNOWN)
    return PresenceStatus(
        availability=availability,
        text=text,
        expires=expires,
        dnd_until=dnd_until if availability is Availability.DND else None,
    )


def chat_channel(c: w.Chat, me: str) -> Channel:
    others = [m.display_name for m in c.members if m.user_id != me and m.display_name]
    name = c.topic or ", ".join(others) or "Chat"
    kind = "dm" if c.chat_type == "oneOnOne" else "group"
    return Channel(id=c.id, name=name, kind=kind, url=c.web_url, container="Chats")


def team_channel(t: w.Team, c: w.Channel) -> Channel:
    kind = "private" if c.membership_type in ("private", "shared") else "channel"
    return Channel(
        id=f"{t.id}/{c.id}", name=c.display_name, kind=kind, url=c.web_url, container=t.display_name
    )


_LANG = re.compile(r"[^A-Za-z0-9_+#-]")


def post_html(post: Post) -> str:
    """A post as the HTML Teams renders: text as paragraphs, code in ``<pre><code>`` with a
    ``language-`` class, and a link back to the file and lines. Everything is escaped: the
    text and code are the person's own and may contain markup."""
    parts: list[str] = []
    for para in post.text.strip().split("\n\n") if post.text.strip() else []:
        parts.append("<p>" + html.escape(para).replace("\n", "<br>") + "</p>")
    code = post.code
    if code is not None and code.body.strip():
        lang = _LANG.sub("", code.language)
        cls = f' class="language-{lang}"' if lang else ""
        parts.append(f"<pre><code{cls}>{html.escape(code.body.rstrip())}</code></pre>")
        where = code.path or ""
        if where and code.line:
            where += f":{code.line}" + (
                f"-{code.end_line}" if code.end_line and code.end_line != code.line else ""
            )
        if code.url:
            label = html.escape(where or code.url)
            parts.append(f'<p><a href="{html.escape(code.url, quote=True)}">{label}</a></p>')
        elif where:
            parts.append(f"<p>{html.escape(where)}</p>")
    return "".join(parts)


def reply_html(body: str) -> str:
    """A plain-text (or Markdown) reply as the HTML comment Graph puts above the quote."""
    paras = [p for p in body.strip().split("\n\n") if p.strip()]
    return "".join("<p>" + html.escape(p).replace("\n", "<br>") + "</p>" for p in paras)
