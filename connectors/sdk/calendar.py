"""Calendar models: events, attendees, join links and how an event shows time as.

Every calendar service fits one shape, so one agenda merges them: a CalDAV ``VEVENT``, an
Outlook (Microsoft Graph) event and a Google Calendar event all become a
:class:`CalendarEvent`. A recurring event is never handed out as its rule: a connector
expands it into one :class:`CalendarEvent` per instance inside the window asked for, each
with its own :attr:`~CalendarEvent.recurrence_id`, so the hub compares, sorts and notifies
about instances without knowing RRULE, Graph's ``seriesMaster`` or Google's
``singleEvents``.

Events are named by :class:`~connectors.sdk.models.ItemRef` with kind ``event``: the
scope is the calendar's id (a CalDAV collection path, a Graph calendar id), the key the
event's UID, with ``@`` and the instance's start (UTC, ``YYYYMMDDTHHMMSSZ``) for an
instance of a recurring event, so each instance has an id of its own.

Times are timezone-aware. A timed event's :attr:`~CalendarEvent.start` keeps the zone it
was written in (``Europe/Berlin``, named in :attr:`~CalendarEvent.timezone`); an all-day
event has :attr:`~CalendarEvent.all_day` set and starts at midnight of its first day in the
zone the connector was given (the viewer's: an all-day event is a day wherever one is), its
end being midnight after its last day, as iCalendar's exclusive ``DTEND`` says.

The join link is found the same way for every service by :func:`find_join_link`: first the
service's conference data (Google's ``conferenceData``, Graph's ``onlineMeeting``, an
iCalendar ``CONFERENCE`` or ``X-GOOGLE-CONFERENCE`` property), then the location, then the
description, and the provider (Zoom, Google Meet, Teams, Webex) told from the URL's host.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta, tzinfo
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import ConfigError
from .models import ItemKind, ItemRef, _Model


class ShowAs(enum.StrEnum):
    """How the event shows the person's time to others (free/busy)."""

    FREE = "free"
    TENTATIVE = "tentative"
    BUSY = "busy"
    OOF = "oof"  # out of office
    WORKING_ELSEWHERE = "working_elsewhere"


class Response(enum.StrEnum):
    """An attendee's answer to the invitation (iCalendar ``PARTSTAT``, Graph's
    ``responseStatus``, Google's ``responseStatus``)."""

    ACCEPTED = "accepted"
    TENTATIVE = "tentative"
    DECLINED = "declined"
    NEEDS_ACTION = "needs_action"
    DELEGATED = "delegated"


class EventStatus(enum.StrEnum):
    CONFIRMED = "confirmed"
    TENTATIVE = "tentative"
    CANCELLED = "cancelled"


class Provider(enum.StrEnum):
    """The video conferencing service a join link opens."""

    ZOOM = "zoom"
    MEET = "meet"
    TEAMS = "teams"
    WEBEX = "webex"
    OTHER = "other"


#: Display names of :class:`Provider` members.
PROVIDER_NAMES = {
    Provider.ZOOM: "Zoom",
    Provider.MEET: "Google Meet",
    Provider.TEAMS: "Microsoft Teams",
    Provider.WEBEX: "Webex",
    Provider.OTHER: "the meeting",
}


class Attendee(_Model):
    """A person (or room) invited to an event. ``email`` is the address without ``mailto:``."""

    email: str | None = None
    name: str | None = None
    response: Response = Response.NEEDS_ACTION
    #: Required participants are ``required``; ``optional``, ``chair`` and
    #: ``non_participant`` (for information) as iCalendar's ``ROLE`` says.
    role: str = "required"
    #: A room or a resource rather than a person.
    resource: bool = False

    @property
    def label(self) -> str:
        return self.name or self.email or "someone"


class JoinLink(_Model):
    """Where to join an online meeting, which service it is, and where it was found."""

    url: str
    provider: Provider = Provider.OTHER
    #: ``conference`` (the service's conference data), ``location`` or ``description``.
    source: str = "conference"

    @property
    def provider_name(self) -> str:
        return PROVIDER_NAMES[self.provider]


class CalendarInfo(_Model):
    """One calendar of the account (a CalDAV calendar collection, a Graph calendar)."""

    id: str
    name: str
    color: str | None = None
    description: str | None = None
    #: An IANA zone the calendar is kept in, when the service says.
    timezone: str | None = None
    read_only: bool = False


class CalendarEvent(_Model):
    """One event, or one instance of a recurring event, in a window of time."""

    ref: ItemRef
    #: The event's own id at the service (iCalendar ``UID``); instances share it.
    uid: str
    #: :attr:`CalendarInfo.id` of the calendar it is in.
    calendar: str
    title: str
    start: datetime
    end: datetime
    all_day: bool = False
    #: The IANA zone ``start`` was written in, when it has one (``None``: UTC or floating).
    timezone: str | None = None
    location: str | None = None
    description: str | None = None
    url: str | None = None
    organizer: Attendee | None = None
    attendees: tuple[Attendee, ...] = ()
    #: The signed-in person's own answer, when they are an attendee.
    my_response: Response | None = None
    status: EventStatus = EventStatus.CONFIRMED
    show_as: ShowAs = ShowAs.BUSY
    categories: tuple[str, ...] = ()
    #: Set on instances of a recurring event: the start of the instance as the rule gave it.
    recurrence_id: datetime | None = None
    join: JoinLink | None = None
    #: The service's version of the event (a CalDAV ETag, a Graph ``changeKey``).
    etag: str | None = None

    @property
    def key(self) -> str:
        return self.ref.id

    @property
    def recurring(self) -> bool:
        return self.recurrence_id is not None

    @property
    def cancelled(self) -> bool:
        return self.status is EventStatus.CANCELLED

    @property
    def declined(self) -> bool:
        return self.my_response is Response.DECLINED

    @property
    def is_meeting(self) -> bool:
        """A timed event the person will attend: not all-day, not cancelled or declined,
        not shown as free (a reminder blocked as free is not a meeting)."""
        return not (self.all_day or self.cancelled or self.declined or self.show_as is ShowAs.FREE)

    def overlaps(self, start: datetime, end: datetime) -> bool:
        return self.start < end and self.end > start


def event_ref(
    connector: str, host: str, calendar: str, uid: str, instance: datetime | None = None
) -> ItemRef:
    """The ref of an event (or of one instance of a recurring event: ``uid@start``)."""
    key = uid if instance is None else f"{uid}@{instance_key(instance)}"
    return ItemRef(connector=connector, host=host, scope=calendar, key=key, kind=ItemKind.EVENT)


def instance_key(when: datetime | date) -> str:
    """An instance's start as iCalendar writes a ``RECURRENCE-ID`` in UTC (a date for an
    all-day instance)."""
    if isinstance(when, datetime):
        return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    return when.strftime("%Y%m%d")


def as_datetime(value: date | datetime, zone: tzinfo | None) -> datetime:
    """A datetime for an iCalendar value: a date is midnight in ``zone``; a floating time
    (no zone) is taken in ``zone``; a zoned time stays in its zone."""
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, tzinfo=zone or UTC)
    if value.tzinfo is None:
        return value.replace(tzinfo=zone or UTC)
    return value


def viewer_zone(name: str, setting: str) -> tzinfo:
    """The zone all-day and floating events are placed in: the IANA zone ``name`` (a
    connector's ``timezone`` setting, named ``setting`` in the error), else this computer's
    (a fixed offset when the system names no IANA zone)."""
    if name:
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ConfigError(f"{setting}: unknown time zone {name!r}") from exc
    local = datetime.now().astimezone().tzinfo
    assert local is not None
    return local


def zone_name(value: date | datetime) -> str | None:
    """The IANA name of a datetime's zone (``Europe/Berlin``), or ``None``."""
    tz = getattr(value, "tzinfo", None)
    key = getattr(tz, "key", None) or getattr(tz, "zone", None)
    return str(key) if key else None


# --- join links ---------------------------------------------------------------------------

#: Provider by host: a host ending in one of these names (``acme.zoom.us``).
_HOSTS: tuple[tuple[str, Provider], ...] = (
    ("zoom.us", Provider.ZOOM),
    ("zoom.com", Provider.ZOOM),
    ("zoomgov.com", Provider.ZOOM),
    ("meet.google.com", Provider.MEET),
    ("teams.microsoft.com", Provider.TEAMS),
    ("teams.live.com", Provider.TEAMS),
    ("teams.cloud.microsoft", Provider.TEAMS),
    ("webex.com", Provider.WEBEX),
)
#: Paths that join a meeting, per provider (a Zoom host's home page is no meeting).
_JOIN_PATHS: dict[Provider, re.Pattern[str]] = {
    Provider.ZOOM: re.compile(r"^/(j|w|my|s|wc/join)/", re.I),
    Provider.MEET: re.compile(r"^/[a-z]{3}-[a-z]{4}-[a-z]{3}\b|^/lookup/", re.I),
    Provider.TEAMS: re.compile(r"^/(l/meetup-join|meet|v2/\?meetingjoin)|^/l/meet", re.I),
    Provider.WEBEX: re.compile(r"^/(meet|join|[\w.-]+/j\.php|wbxmjs/joinservice)", re.I),
}
_URL = re.compile(r"https://[^\s<>\"'()\[\]{}]+", re.I)
# Teams writes its link into an HTML description as <https://...>; Outlook and Google
# quote URLs in many ways, and a sentence may end right after one.
_TRAILING = ".,;:!?"


def provider_of(url: str) -> Provider | None:
    """The provider a join URL opens, or ``None`` when it is no known meeting URL."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    host = (parts.hostname or "").lower()
    for suffix, provider in _HOSTS:
        if host == suffix or host.endswith("." + suffix):
            if _JOIN_PATHS[provider].search(parts.path or "/") or parts.query:
                return provider
            return None
    return None


def _urls(text: str) -> list[str]:
    return [m.group(0).rstrip(_TRAILING) for m in _URL.finditer(text)]


def find_join_link(
    conference: Iterable[str] = (), location: str | None = None, description: str | None = None
) -> JoinLink | None:
    """The link to join a meeting, looked for where services put it, in this order:

    1. ``conference``: URLs of the service's own conference data; any https URL there is a
       join link, of a known provider or ``other``;
    2. the location, then the description: the first URL of a known provider; in the
       location also a bare https URL (a room that is a link), as ``other``.

    A description's other links (an agenda document, a dial-in page) are never taken.
    """
    for url in conference:
        if url.lower().startswith("https://"):
            return JoinLink(url=url, provider=provider_of(url) or Provider.OTHER)
    for source, text in (("location", location), ("description", description)):
        if not text:
            continue
        urls = _urls(text)
        for url in urls:
            provider = provider_of(url)
            if provider is not None:
                return JoinLink(url=url, provider=provider, source=source)
        if source == "location" and urls and text.strip() == urls[0]:
            return JoinLink(url=urls[0], provider=Provider.OTHER, source=source)
    return None


def next_meeting(events: Iterable[CalendarEvent], now: datetime) -> CalendarEvent | None:
    """The meeting the person goes to next: the one running now or starting soonest
    (:attr:`CalendarEvent.is_meeting`), one with a join link first when two start together."""
    best: CalendarEvent | None = None
    for e in events:
        if not e.is_meeting or e.end <= now:
            continue
        if best is None or (e.start, e.join is None) < (best.start, best.join is None):
            best = e
    return best


def until(start: datetime, now: datetime) -> str:
    """How long until ``start``, the way a status bar says it: ``in 5 min``, ``in 1 h 20
    min``, ``now`` (started, or less than a minute away), ``tomorrow 09:00``."""
    delta = start - now
    if delta < timedelta(minutes=1):
        return "now"
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"in {minutes} min"
    if minutes < 12 * 60:
        h, m = divmod(minutes, 60)
        return f"in {h} h {m} min" if m else f"in {h} h"
    local = start.astimezone(now.tzinfo) if now.tzinfo else start
    day = (local.date() - now.date()).days
    when = local.strftime("%H:%M")
    if day == 0:
        return f"at {when}"
    if day == 1:
        return f"tomorrow {when}"
    return f"{local.strftime('%a')} {when}"


__all__ = [
    "PROVIDER_NAMES",
    "Attendee",
    "CalendarEvent",
    "CalendarInfo",
    "EventStatus",
    "JoinLink",
    "Provider",
    "Response",
    "ShowAs",
    "as_datetime",
    "event_ref",
    "find_join_link",
    "instance_key",
    "next_meeting",
    "provider_of",
    "until",
    "viewer_zone",
    "zone_name",
]
