"""CalDAV connector: the account's calendars on any CalDAV server, as Tieline calendar events.

Glue only: the WebDAV requests live in :mod:`.dav`, the iCalendar mapping in :mod:`.mapping`.
One instance serves one server and one user (HTTP Basic with an app password).

Refresh costs what changed, not what the calendars hold. The instance keeps, per calendar,
the objects it read and the sync token they are as of; each :meth:`CalDAVConnector.events`
call then sends:

1. one PROPFIND (depth 1) of the calendar home: the calendars and each one's
   ``sync-token`` (RFC 6578) or CTag. A calendar whose token is unchanged costs nothing
   more -- an idle poll is this one request however many calendars and events there are;
2. for a calendar that changed, ``sync-collection`` from the held token (the hrefs changed
   and removed), then one ``calendar-multiget`` of the changed ones. A server without sync
   tokens is asked for the window's ETags instead (``calendar-query`` without data), and
   only objects whose ETag changed are read. A token the server no longer honours starts
   that calendar over;
3. a calendar seen for the first time, or a window reaching past what was read, is read with
   ``calendar-query`` over a time range (a week past the window's end, so a window that
   slides with the clock seldom asks again).

Recurring events are expanded here (``recurring-ical-events``), not by the server: RFC 4791's
``expand`` is optional and servers differ in it, and the objects held must be the masters for
a change of one instance to be applied. Refs name the calendar's path as scope and the UID
(``@`` the instance's start) as key.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from connectors.sdk import (
    CheckResult,
    Connector,
    ConnectorContext,
    InvalidRequest,
    ItemRef,
    NotFound,
    PermissionDenied,
    TielineError,
)
from connectors.sdk.calendar import CalendarEvent, CalendarInfo, viewer_zone

from . import mapping
from .dav import CalDAVClient, DavCalendar, DavObject, Principal

log = logging.getLogger("tieline.connector.caldav")

#: How far past the window's end a time-range read goes, so a sliding window seldom re-reads.
SLACK = timedelta(days=7)


@dataclass
class _Object:
    etag: str | None
    cal: Any  # icalendar.Calendar


@dataclass
class _Held:
    """What is known of one calendar: its objects, as of ``token`` / ``ctag``, read for
    ``[start, end)`` (changes reported by sync may lie outside: they are kept too)."""

    token: str | None
    ctag: str | None
    start: datetime
    end: datetime
    objects: dict[str, _Object] = field(default_factory=dict)


class CalDAVConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = CalDAVClient(ctx.http)
        self._principal: Principal | None = None
        self._held: dict[str, _Held] = {}
        self._calendars: list[DavCalendar] = []
        self._zone = viewer_zone(
            str(ctx.settings.get("timezone") or ""), "connectors.caldav.timezone"
        )
        #: The person's addresses (the principal's, and the account's when it is one).
        self._me: list[str] = []

    @property
    def host(self) -> str:
        return self.ctx.host or (urlsplit(str(self.ctx.http.base_url)).hostname or "")

    async def principal(self) -> Principal:
        if self._principal is None:
            self._principal = await self.client.principal()
        return self._principal

    # -- hooks --------------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        """Who are we? The current user's principal (found by discovery), and how many
        calendars its home holds."""
        try:
            p = await self.principal()
            cals = await self.client.calendars(p.home)
        except TielineError as exc:
            return CheckResult.failed(exc)
        login = unquote(p.href.rstrip("/").rsplit("/", 1)[-1]) or self.ctx.account
        return CheckResult(
            ok=True,
            account=login,
            name=p.name,
            detail=f"signed in to CalDAV at {self.host} as {p.name or login}: "
            f"{len(cals)} calendar{'s' if len(cals) != 1 else ''}",
        )

    # -- Calendar ------------------------------------------------------------------------------
    async def list_calendars(self) -> Sequence[CalendarInfo]:
        self._calendars = await self.client.calendars((await self.principal()).home)
        return [_info(c) for c in self._calendars]

    async def events(
        self, start: datetime, end: datetime, *, calendars: Sequence[str] | None = None
    ) -> Sequence[CalendarEvent]:
        if end <= start:
            raise InvalidRequest("an agenda's end must come after its start")
        p = await self.principal()
        self._calendars = await self.client.calendars(p.home)
        chosen = _chosen(self._calendars, calendars or self.ctx.settings.get("calendars") or ())
        for gone in set(self._held) - {c.href for c in self._calendars}:
            del self._held[gone]
        me = [a[7:] if a.lower().startswith("mailto:") else a for a in p.addresses]
        if "@" in self.ctx.account:
            me.append(self.ctx.account)
        self._me = me
        out: list[CalendarEvent] = []
        for c in chosen:
            held = await self._refresh(c, start, end)
            for href, obj in held.objects.items():
                try:
                    out += mapping.expand(
                        obj.cal,
                        start,
                        end,
                        host=self.host,
                        calendar=c.href,
                        zone=self._zone,
                        me=me,
                        etag=obj.etag,
                    )
                except Exception as exc:  # one broken object must not hide the agenda
                    log.warning("CalDAV: cannot read %s: %s", href, type(exc).__name__)
        out = [e for e in out if e.overlaps(start, end)]
        out.sort(key=lambda e: (e.start, e.end, e.title))
        return out

    async def get_event(self, ref: ItemRef) -> CalendarEvent:
        """An event from what the last :meth:`events` read (the agenda's window)."""
        held = self._held.get(ref.scope)
        if held is not None:
            uid = ref.key.split("@", 1)[0] if "@" in ref.key else ref.key
            for obj in held.objects.values():
                if not any(str(c.get("UID", "")) == uid for c in obj.cal.walk("VEVENT")):
                    continue
                for e in mapping.expand(
                    obj.cal,
                    held.start,
                    held.end,
                    host=self.host,
                    calendar=ref.scope,
                    zone=self._zone,
                    me=self._me,
                    etag=obj.etag,
                ):
                    if e.ref.key == ref.key:
                        return e
        raise NotFound(f"CalDAV: no event {ref.key} in {ref.scope}", service="CalDAV")

    # -- keeping a calendar fresh -----------------------------------------------------------------
    async def _refresh(self, c: DavCalendar, start: datetime, end: datetime) -> _Held:
        held = self._held.get(c.href)
        if held is None or start < held.start:
            return await self._read(c, start, end)
        if c.sync_token is not None and held.token is not None:
            if c.sync_token != held.token:
                try:
                    await self._sync(c, held)
                except (PermissionDenied, InvalidRequest, NotFound) as exc:
                    # RFC 6578 §3.2: a token the server no longer honours (403/409
                    # valid-sync-token): read the calendar anew.
                    log.info("CalDAV: sync of %s refused (%s): reading it anew", c.href, exc)
                    return await self._read(c, start, end)
        elif c.ctag is None or c.ctag != held.ctag:
            await self._by_etags(c, held)
        if end > held.end:
            await self._extend(c, held, end)
        return held

    async def _read(self, c: DavCalendar, start: datetime, end: datetime) -> _Held:
        held = _Held(c.sync_token, c.ctag, start, end + SLACK)
        self._put(held, await self.client.query(c.href, start, held.end))
        self._held[c.href] = held
        return held

    async def _extend(self, c: DavCalendar, held: _Held, end: datetime) -> None:
        self._put(held, await self.client.query(c.href, held.end, end + SLACK))
        held.end = end + SLACK

    async def _sync(self, c: DavCalendar, held: _Held) -> None:
        changes = await self.client.sync(c.href, held.token)
        for href in changes.removed:
            held.objects.pop(href, None)
        stale = [
            o.href
            for o in changes.changed
            if held.objects.get(o.href, _NONE).etag != o.etag or o.etag is None
        ]
        self._put(held, await self.client.multiget(c.href, stale))
        held.token = changes.token or c.sync_token
        held.ctag = c.ctag

    async def _by_etags(self, c: DavCalendar, held: _Held) -> None:
        """No sync tokens: the window's ETags, and only changed objects read."""
        listed = await self.client.query(c.href, held.start, held.end, etags_only=True)
        now = {o.href: o.etag for o in listed}
        for href in set(held.objects) - set(now):
            del held.objects[href]
        stale = [
            h
            for h, etag in now.items()
            if h not in held.objects or held.objects[h].etag != etag or etag is None
        ]
        self._put(held, await self.client.multiget(c.href, stale))
        held.ctag = c.ctag

    @staticmethod
    def _put(held: _Held, objects: Sequence[DavObject]) -> None:
        for o in objects:
            cal = mapping.parse(o.data) if o.data else None
            if cal is None:
                log.warning("CalDAV: %s is not iCalendar; skipped", o.href)
                held.objects.pop(o.href, None)
                continue
            held.objects[o.href] = _Object(o.etag, cal)


_NONE = _Object(None, None)


def _chosen(calendars: Sequence[DavCalendar], wanted: Sequence[str]) -> list[DavCalendar]:
    """The calendars named by ``wanted`` (names or paths, any case); all when empty."""
    if not wanted:
        return list(calendars)
    names = {w.strip().lower() for w in wanted if w.strip()}
    return [
        c
        for c in calendars
        if c.name.lower() in names or c.href.lower().rstrip("/") in {n.rstrip("/") for n in names}
    ]


def _info(c: DavCalendar) -> CalendarInfo:
    return CalendarInfo(id=c.href, name=c.name, color=c.color, description=c.description)
