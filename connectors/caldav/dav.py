"""A small async CalDAV client (RFC 4791, RFC 6578, RFC 6764) over the ``httpx.AsyncClient``
it is given.

Why not the ``caldav`` library: its clients (sync and ``caldav.aio``) build their own HTTP
session (niquests, or an httpx client of their own) from a URL and credentials, so the
hub's stack -- the auth that keeps the password in the vault, the rate limiter, retries,
error mapping and the health counters -- would be bypassed. The few requests a reader of
calendars needs are written out here instead: PROPFIND for discovery and the calendar
list, REPORT ``calendar-query`` (a time range), ``calendar-multiget`` and
``sync-collection``. iCalendar itself is parsed by ``icalendar`` (in :mod:`.mapping`).

Discovery (RFC 6764 §6, RFC 5397, RFC 4791 §6.2.1): ``PROPFIND /.well-known/caldav`` for
``current-user-principal`` (a server without the well-known path is asked at the site's
own address), then the principal's ``calendar-home-set`` and ``calendar-user-address-set``,
then the home's children (depth 1) that are calendar collections holding events.

A PROPFIND or REPORT only reads, so each is marked idempotent: the hub's retry layer may
repeat it after a transient failure like a GET. Every href a server answers is resolved
against the site's origin (servers answer absolute paths, some full URLs), so a site with a
path (``/remote.php/dav``) works. Answers are parsed with ``defusedxml`` (a server's XML is
untrusted input).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import unquote, urljoin, urlsplit
from xml.etree.ElementTree import Element  # only the type; parsing is defusedxml's
from xml.sax.saxutils import escape

import httpx
from defusedxml.ElementTree import fromstring

from connectors.sdk import NotFound, ServiceUnavailable

DAV = "DAV:"
CALDAV = "urn:ietf:params:xml:ns:caldav"
CS = "http://calendarserver.org/ns/"
ICAL = "http://apple.com/ns/ical/"
_XMLNS = f'xmlns:d="{DAV}" xmlns:c="{CALDAV}" xmlns:cs="{CS}" xmlns:x="{ICAL}"'
_HEADERS = {"content-type": 'application/xml; charset="utf-8"'}
#: PROPFIND and REPORT change nothing: the retry layer may repeat them.
_READ = {"idempotent": True}


def _q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


@dataclass(frozen=True)
class DavResource:
    """One ``<d:response>`` of a multistatus: its href, status and the props found (200)."""

    href: str
    status: int = 200
    props: dict[str, Element] = field(default_factory=dict)

    def text(self, ns: str, name: str) -> str | None:
        el = self.props.get(_q(ns, name))
        if el is None or el.text is None:
            return None
        return el.text.strip() or None

    def hrefs(self, ns: str, name: str) -> list[str]:
        el = self.props.get(_q(ns, name))
        if el is None:
            return []
        return [h.text.strip() for h in el.iter(_q(DAV, "href")) if h.text and h.text.strip()]


@dataclass(frozen=True)
class Multistatus:
    responses: tuple[DavResource, ...]
    sync_token: str | None = None


@dataclass(frozen=True)
class DavCalendar:
    """A calendar collection: its path, name and what says it changed."""

    href: str
    name: str
    color: str | None = None
    description: str | None = None
    timezone: str | None = None  # a VTIMEZONE, as the server keeps it
    sync_token: str | None = None
    ctag: str | None = None


@dataclass(frozen=True)
class DavObject:
    """A calendar object resource (one ``.ics``): its path, ETag and iCalendar text."""

    href: str
    etag: str | None
    data: str | None = None


@dataclass(frozen=True)
class SyncChanges:
    """What ``sync-collection`` reported since a token: members changed (with their new
    ETags) and members removed, and the token to pass next time."""

    token: str | None
    changed: tuple[DavObject, ...] = ()
    removed: tuple[str, ...] = ()


@dataclass(frozen=True)
class Principal:
    href: str
    name: str | None
    home: str
    addresses: tuple[str, ...] = ()


def _status(text: str | None) -> int:
    """``HTTP/1.1 404 Not Found`` -> 404."""
    parts = (text or "").split()
    return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 200


def parse_multistatus(body: bytes) -> Multistatus:
    """A 207 Multi-Status body (RFC 4918 §14.16, with RFC 6578's ``sync-token``)."""
    try:
        root = fromstring(body)
    except Exception as exc:  # any XML error: not a WebDAV answer
        raise ServiceUnavailable(
            f"CalDAV: the server's answer is not WebDAV XML ({type(exc).__name__})",
            service="CalDAV",
        ) from exc
    if root.tag != _q(DAV, "multistatus"):
        raise ServiceUnavailable(
            f"CalDAV: expected a multistatus answer, got <{root.tag}>", service="CalDAV"
        )
    out: list[DavResource] = []
    for resp in root.findall(_q(DAV, "response")):
        href_el = resp.find(_q(DAV, "href"))
        if href_el is None or not href_el.text:
            continue
        props: dict[str, Element] = {}
        for ps in resp.findall(_q(DAV, "propstat")):
            if _status(ps.findtext(_q(DAV, "status"))) != 200:
                continue
            prop = ps.find(_q(DAV, "prop"))
            for el in prop if prop is not None else ():
                props[el.tag] = el
        status = resp.findtext(_q(DAV, "status"))
        out.append(DavResource(href_el.text.strip(), _status(status) if status else 200, props))
    token = root.findtext(_q(DAV, "sync-token"))
    return Multistatus(tuple(out), token.strip() if token else None)


def _time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


class CalDAVClient:
    """CalDAV at the http client's base URL (the configured site)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    def url(self, href: str) -> str:
        """An href the server answered (a path, or a full URL) as a URL to request."""
        return urljoin(str(self.http.base_url), href)

    @staticmethod
    def path(href: str) -> str:
        """An href's path, the same however the server wrote it (full URL or path)."""
        return urlsplit(href).path or "/"

    async def _dav(self, method: str, href: str, body: str, depth: str) -> Multistatus:
        r = await self.http.request(
            method,
            self.url(href),
            content=body.encode(),
            headers={**_HEADERS, "depth": depth},
            extensions=_READ,
        )
        if r.status_code != 207:
            raise ServiceUnavailable(
                f"CalDAV: {method} {self.path(href)} answered {r.status_code}, not 207 "
                "Multi-Status (is the site a CalDAV server?)",
                status=r.status_code,
                service="CalDAV",
            )
        return parse_multistatus(r.content)

    async def propfind(
        self, href: str, props: Iterable[tuple[str, str]], depth: str = "0"
    ) -> Multistatus:
        prefixes = {DAV: "d", CALDAV: "c", CS: "cs", ICAL: "x"}
        names = "".join(f"<{prefixes[ns]}:{n}/>" for ns, n in props)
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><d:propfind {_XMLNS}>'
            f"<d:prop>{names}</d:prop></d:propfind>"
        )
        return await self._dav("PROPFIND", href, body, depth)

    # -- discovery --------------------------------------------------------------------------
    async def principal(self) -> Principal:
        """The signed-in user's principal, calendar home and addresses."""
        wanted = ((DAV, "current-user-principal"),)
        href: str | None = None
        for start in ("/.well-known/caldav", str(self.http.base_url)):
            try:
                got = await self.propfind(start, wanted)
            except (NotFound, ServiceUnavailable):
                continue  # no well-known path here: ask the site itself
            found = [h for r in got.responses for h in r.hrefs(DAV, "current-user-principal")]
            if found:
                href = found[0]
                break
        if href is None:
            raise NotFound(
                "CalDAV: the server names no current-user-principal at "
                f"{self.path(str(self.http.base_url))} or /.well-known/caldav",
                service="CalDAV",
            )
        props = await self.propfind(
            href,
            (
                (DAV, "displayname"),
                (CALDAV, "calendar-home-set"),
                (CALDAV, "calendar-user-address-set"),
            ),
        )
        res = props.responses[0] if props.responses else DavResource(href)
        homes = res.hrefs(CALDAV, "calendar-home-set")
        if not homes:
            raise NotFound("CalDAV: the principal has no calendar-home-set", service="CalDAV")
        return Principal(
            href=href,
            name=res.text(DAV, "displayname"),
            home=homes[0],
            addresses=tuple(res.hrefs(CALDAV, "calendar-user-address-set")),
        )

    async def calendars(self, home: str) -> list[DavCalendar]:
        """The calendar collections in ``home`` that hold events (one PROPFIND, depth 1),
        each with the sync token and CTag that say whether it changed."""
        got = await self.propfind(
            home,
            (
                (DAV, "resourcetype"),
                (DAV, "displayname"),
                (DAV, "sync-token"),
                (CS, "getctag"),
                (ICAL, "calendar-color"),
                (CALDAV, "calendar-description"),
                (CALDAV, "calendar-timezone"),
                (CALDAV, "supported-calendar-component-set"),
            ),
            depth="1",
        )
        out = []
        for r in got.responses:
            kinds = r.props.get(_q(DAV, "resourcetype"))
            if kinds is None or kinds.find(_q(CALDAV, "calendar")) is None:
                continue
            comps = r.props.get(_q(CALDAV, "supported-calendar-component-set"))
            if comps is not None and len(comps):
                names = {c.get("name", "").upper() for c in comps}
                if "VEVENT" not in names:
                    continue  # a task list
            path = self.path(r.href)
            out.append(
                DavCalendar(
                    href=path,
                    name=r.text(DAV, "displayname") or unquote(path.rstrip("/").rsplit("/")[-1]),
                    color=r.text(ICAL, "calendar-color"),
                    description=r.text(CALDAV, "calendar-description"),
                    timezone=r.text(CALDAV, "calendar-timezone"),
                    sync_token=r.text(DAV, "sync-token"),
                    ctag=r.text(CS, "getctag"),
                )
            )
        return out

    # -- reading events ---------------------------------------------------------------------
    async def query(
        self, calendar: str, start: datetime, end: datetime, *, etags_only: bool = False
    ) -> list[DavObject]:
        """Objects with an event overlapping ``[start, end)`` (RFC 4791 §7.8: the server
        tests every instance of a recurring event), with their data unless ``etags_only``."""
        data = "" if etags_only else "<c:calendar-data/>"
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><c:calendar-query {_XMLNS}>'
            f"<d:prop><d:getetag/>{data}</d:prop>"
            '<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT">'
            f'<c:time-range start="{_time(start)}" end="{_time(end)}"/>'
            "</c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"
        )
        return self._objects(await self._dav("REPORT", calendar, body, "1"))

    async def multiget(self, calendar: str, hrefs: Sequence[str]) -> list[DavObject]:
        """These objects of ``calendar``, with their data, in one request."""
        if not hrefs:
            return []
        listed = "".join(f"<d:href>{escape(h)}</d:href>" for h in hrefs)
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget {_XMLNS}>'
            f"<d:prop><d:getetag/><c:calendar-data/></d:prop>{listed}</c:calendar-multiget>"
        )
        return self._objects(await self._dav("REPORT", calendar, body, "1"))

    async def sync(self, calendar: str, token: str | None) -> SyncChanges:
        """RFC 6578 ``sync-collection``: what changed in ``calendar`` since ``token`` (every
        member for ``None``). A token the server no longer honours fails with its error
        (403/409 ``valid-sync-token``); the caller starts over."""
        body = (
            f'<?xml version="1.0" encoding="utf-8"?><d:sync-collection {_XMLNS}>'
            f"<d:sync-token>{escape(token or '')}</d:sync-token><d:sync-level>1</d:sync-level>"
            "<d:prop><d:getetag/></d:prop></d:sync-collection>"
        )
        got = await self._dav("REPORT", calendar, body, "0")
        changed, removed = [], []
        own = self.path(calendar).rstrip("/")
        for r in got.responses:
            path = self.path(r.href)
            if path.rstrip("/") == own:
                continue
            if r.status == 404:
                removed.append(path)
            elif path.lower().endswith(".ics") or r.text(DAV, "getetag"):
                changed.append(DavObject(path, r.text(DAV, "getetag")))
        return SyncChanges(got.sync_token, tuple(changed), tuple(removed))

    def _objects(self, got: Multistatus) -> list[DavObject]:
        return [
            DavObject(self.path(r.href), r.text(DAV, "getetag"), r.text(CALDAV, "calendar-data"))
            for r in got.responses
            if r.status == 200
        ]


__all__ = [
    "CalDAVClient",
    "DavCalendar",
    "DavObject",
    "Multistatus",
    "Principal",
    "SyncChanges",
    "parse_multistatus",
]
