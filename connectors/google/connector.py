"""Google connector: the account's Google Calendar, Gmail and Drive, as Tieline calendar, mail,
a synced drive folder and the comments of its Google Docs.

Glue only: requests live in :mod:`.client` and :mod:`.drive_client`, the mapping in
:mod:`.calendar`, :mod:`.mail` and :mod:`.drive`, the Drive capability's state and version
checks in :mod:`.drive_sync`, Google's error bodies in :mod:`.errors`. One instance serves one
Google account.

Calendar refresh costs what changed. Per calendar the instance keeps the events it read and
the ``nextSyncToken`` they are as of; each :meth:`GoogleConnector.events` call then sends:

1. for a calendar read before, ``events.list?syncToken=`` (with ``singleEvents=true``, so
   changed instances come expanded): an unchanged calendar answers an empty page -- one
   request -- and a changed one only its changed events (cancelled ones with status
   ``cancelled``, which are dropped). A 410 (the token expired) reads the calendar anew;
2. a calendar seen for the first time, or a window starting earlier than what was read, is
   read with ``timeMin``/``timeMax`` (a week past the window's end, so a window that slides
   with the clock seldom asks again), ``singleEvents=true&orderBy=startTime``, every page;
   a window reaching past what was read reads only the part beyond.

The calendar list itself (which calendars, their names) is read at most every
:data:`CALENDARS_TTL` seconds, and not at all when the call or the ``calendars`` setting names
calendar ids.

Mail: a view is one ``messages.list`` page (label ids ``INBOX``, ``UNREAD``, ``STARRED``, or
Gmail's own search syntax) and the ``messages.get?format=metadata`` of each message on it
that is not cached. :mod:`.gmail_sync` keeps the metadata and each view's first page as of
the mailbox's ``historyId``: an idle poll of any number of views is one ``history.list``, a
change the list plus the changed messages' metadata.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import httpx

from connectors.sdk import (
    CheckResult,
    Connector,
    ConnectorContext,
    InvalidRequest,
    ItemRef,
    NotFound,
    TielineError,
)
from connectors.sdk.calendar import CalendarEvent, CalendarInfo, viewer_zone
from connectors.sdk.drive import DriveFolder, DriveItem, DriveThrough
from connectors.sdk.mail import MailMessage, MailPage, MailView
from connectors.sdk.models import Comment

from . import calendar as cal
from . import comments, mail
from .client import GoogleClient
from .comments import DocComment
from .drive_client import DriveClient
from .drive_sync import GoogleDrive
from .errors import google_error
from .gmail_sync import MailSync
from .models import GCalendar, GEvent, GMessage, GMessageList

log = logging.getLogger("tieline.connector.google")

HOST = "google.com"
#: How far past the window's end a read goes, so a sliding window seldom re-reads.
SLACK = timedelta(days=7)
#: Seconds the calendar list is trusted before it is read again.
CALENDARS_TTL = 600.0
#: Messages per page of a mail view.
PAGE = 25
#: metadata reads in flight at once (Gmail allows ~50 a second per user).
PARALLEL = 5
_VIEWS: dict[str, tuple[str, ...]] = {
    "inbox": ("INBOX",),
    "unread": ("INBOX", "UNREAD"),
    "flagged": ("INBOX", "STARRED"),
}
REPLY_HEADERS = ("From", "Reply-To", "To", "Cc", "Subject", "Message-ID", "References")


@dataclass
class _Held:
    """What is known of one calendar: its events by ref key, as of ``token``, read for
    ``[start, end)`` (changes a sync reports outside it are kept too)."""

    token: str | None
    start: datetime
    end: datetime
    events: dict[str, GEvent] = field(default_factory=dict)


class GoogleConnector(DriveThrough, Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")
    drive: GoogleDrive  # the Drive capability's side (DriveThrough delegates to it)

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = GoogleClient(ctx.http)
        s = ctx.settings
        self._zone = viewer_zone(str(s.get("timezone") or ""), "connectors.google.timezone")
        self._focus_colors = tuple(str(c) for c in s.get("focus_colors") or ())
        self._held: dict[str, _Held] = {}
        self._calendars: list[GCalendar] = []
        self._calendars_at = 0.0
        self._labels: dict[str, str] | None = None
        self._me: str | None = ctx.account if "@" in ctx.account else None
        self.mail_sync = MailSync(self.client, parallel=PARALLEL)
        self.drive = GoogleDrive(
            DriveClient(ctx.http), delete=str(s.get("drive_delete") or "trash")
        )

    @property
    def host(self) -> str:
        return self.ctx.host or HOST

    @classmethod
    def body_error(cls, response: httpx.Response) -> TielineError | None:
        return google_error(response)

    # -- hooks ------------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        """Gmail's profile names the account (its address)."""
        try:
            profile = await self.client.profile()
        except TielineError as exc:
            return CheckResult.failed(exc)
        if not profile.email_address:
            return CheckResult(ok=False, detail="Google: the Gmail profile named no address")
        self._me = profile.email_address
        return CheckResult(
            ok=True,
            account=profile.email_address,
            name=profile.email_address,
            detail=f"signed in to Google as {profile.email_address}",
        )

    # -- Calendar ---------------------------------------------------------------------------
    async def list_calendars(self) -> Sequence[CalendarInfo]:
        return [cal.info(c) for c in await self._calendar_list(fresh=True)]

    async def events(
        self, start: datetime, end: datetime, *, calendars: Sequence[str] | None = None
    ) -> Sequence[CalendarEvent]:
        if end <= start:
            raise InvalidRequest("an agenda's end must come after its start")
        ids = await self._chosen(calendars)
        out: list[CalendarEvent] = []
        for calendar in ids:
            held = await self._refresh(calendar, start, end)
            for e in held.events.values():
                try:
                    out.append(self._event(e, calendar))
                except ValueError as exc:  # one odd event must not hide the agenda
                    log.warning("Google: cannot read event %s: %s", e.id, exc)
        out = [e for e in out if e.overlaps(start, end) and not e.cancelled]
        out.sort(key=lambda e: (e.start, e.end, e.title))
        return out

    async def get_event(self, ref: ItemRef) -> CalendarEvent:
        """An event from what :meth:`events` read, else from Google (``events.get``)."""
        held = self._held.get(ref.scope)
        if held is not None and ref.key in held.events:
            return self._event(held.events[ref.key], ref.scope)
        found = await self.client.event(ref.scope, cal.google_event_id(ref.key))
        return self._event(found, ref.scope)

    def _event(self, e: GEvent, calendar: str) -> CalendarEvent:
        return cal.event(
            e, host=self.host, calendar=calendar, zone=self._zone, focus_colors=self._focus_colors
        )

    async def _calendar_list(self, *, fresh: bool = False) -> list[GCalendar]:
        if fresh or time.monotonic() - self._calendars_at > CALENDARS_TTL or not self._calendars:
            self._calendars = [c for c in await self.client.calendars() if not c.deleted]
            self._calendars_at = time.monotonic()
            # Forget calendars the account no longer has ("primary" is a name, not in the list).
            for gone in set(self._held) - {c.id for c in self._calendars} - {"primary"}:
                del self._held[gone]
        return self._calendars

    async def _chosen(self, calendars: Sequence[str] | None) -> list[str]:
        """Calendar ids: the call's, else the ``calendars`` setting's (ids used as they are,
        names looked up), else those shown in Google Calendar (selected, not hidden)."""
        wanted = [w.strip() for w in (calendars or self.ctx.settings.get("calendars") or ()) if w]
        if wanted and all(_looks_like_id(w) for w in wanted):
            return list(dict.fromkeys(wanted))
        listed = await self._calendar_list()
        if not wanted:
            return [c.id for c in listed if (c.selected or c.primary) and not c.hidden]
        names = {w.lower() for w in wanted}
        return [
            c.id
            for c in listed
            if c.id.lower() in names
            or (c.summary_override or c.summary).lower() in names
            or (c.primary and "primary" in names)
        ]

    async def _refresh(self, calendar: str, start: datetime, end: datetime) -> _Held:
        held = self._held.get(calendar)
        if held is None or start < held.start:
            return await self._read(calendar, start, end)
        if held.token is None:
            return await self._read(calendar, held.start, max(end, held.end - SLACK))
        try:
            await self._sync(calendar, held)
        except NotFound as exc:
            if exc.status != 410:
                raise
            log.info("Google: sync token of %s expired: reading it anew", calendar)
            return await self._read(calendar, held.start, max(end, held.end - SLACK))
        if end > held.end:
            await self._extend(calendar, held, end)
        return held

    async def _read(self, calendar: str, start: datetime, end: datetime) -> _Held:
        held = _Held(None, start, end + SLACK)
        async for page in self.client.event_pages(calendar, start=start, end=held.end):
            self._put(held, page.items)
            held.token = page.next_sync_token or held.token
        self._held[calendar] = held
        return held

    async def _extend(self, calendar: str, held: _Held, end: datetime) -> None:
        async for page in self.client.event_pages(calendar, start=held.end, end=end + SLACK):
            self._put(held, page.items)
        held.end = end + SLACK

    async def _sync(self, calendar: str, held: _Held) -> None:
        token = held.token
        async for page in self.client.event_pages(calendar, sync_token=token):
            self._put(held, page.items)
            token = page.next_sync_token or token
        held.token = token

    def _put(self, held: _Held, events: Sequence[GEvent]) -> None:
        for e in events:
            key = cal.event_key(e, self._zone)
            if e.status == "cancelled":
                held.events.pop(key, None)
            else:
                held.events[key] = e

    # -- Mail -------------------------------------------------------------------------------
    async def list_mail(
        self, view: MailView, *, query: str | None = None, cursor: str | None = None
    ) -> MailPage:
        if view == "query":
            if not (query or "").strip():
                raise InvalidRequest("a mail query needs Gmail search words (from:ana is:unread)")
            labels: tuple[str, ...] = ()
            scope = "query"
        elif view in _VIEWS:
            labels = _VIEWS[view]
            scope = "INBOX"
        else:
            raise InvalidRequest(f"Gmail has no mail view {view!r}")
        q = query if view == "query" else None

        async def listing() -> GMessageList:
            return await self.client.messages(query=q, labels=labels, page_token=cursor, limit=PAGE)

        async def render(listed: GMessageList, read_ones: Sequence[GMessage]) -> MailPage:
            names = await self._label_names(read_ones)
            items = tuple(
                mail.message(m, host=self.host, scope=scope, label_names=names) for m in read_ones
            )
            return MailPage(
                items=items, next_cursor=listed.next_page_token, total=listed.result_size_estimate
            )

        key = (view, q)
        if cursor is None:
            return await self.mail_sync.first_page(key, listing, render)
        return await self.mail_sync.later_page((*key, cursor), listing, render)

    async def get_mail(self, ref: ItemRef) -> MailMessage:
        m = await self.client.message(ref.key, full=True)
        names = await self._label_names([m])
        return mail.message(m, host=self.host, scope=ref.scope, label_names=names, full=True)

    async def reply_mail(self, ref: ItemRef, body: str, *, all: bool = False) -> None:
        if not body.strip():
            raise InvalidRequest("a reply needs a body")
        original = await self.client.message(ref.key, headers=REPLY_HEADERS)
        me = await self._address()
        msg = mail.reply(original, body, me=me, all=all)
        await self.client.send(msg.as_bytes(), thread_id=original.thread_id)

    async def _address(self) -> str | None:
        if self._me is None:
            self._me = (await self.client.profile()).email_address
        return self._me

    async def _label_names(self, messages: Sequence[GMessage]) -> dict[str, str]:
        """Names of the user's own labels (``Label_12`` -> ``Work``), read once and only when
        a message carries one."""
        if self._labels is None and any(
            i not in mail.SYSTEM_NAMES for m in messages for i in m.label_ids
        ):
            self._labels = {lb.id: lb.name for lb in await self.client.labels()}
        return self._labels or {}

    # -- DocImport (Markdown into Google Docs, see .drive_sync) -------------------------------
    async def import_document(
        self,
        folder: DriveFolder,
        path: str,
        data: bytes,
        *,
        source: str = "text/markdown",
        replace: DriveItem | None = None,
        if_match: str | None = None,
    ) -> DriveItem:
        return await self.drive.import_document(
            folder, path, data, source=source, replace=replace, if_match=if_match
        )

    # -- DocComments (Drive's comments API) ---------------------------------------------------
    async def doc_comments(self, file_id: str, *, resolved: bool = True) -> list[DocComment]:
        """A file's comment threads, oldest first; ``resolved=False`` keeps the open ones."""
        found = [comments.comment(c) async for c in self.drive.client.comments(file_id)]
        return [c for c in found if resolved or not c.resolved]

    async def add_doc_comment(
        self, file_id: str, text: str, *, quoted: str | None = None
    ) -> DocComment:
        """A new comment on a file, about the ``quoted`` passage when given."""
        if not text.strip():
            raise InvalidRequest("a comment needs words")
        return comments.comment(
            await self.drive.client.create_comment(file_id, text, quoted=quoted)
        )

    async def reply_doc_comment(
        self, file_id: str, comment_id: str, text: str = "", *, resolve: bool = False
    ) -> Comment:
        """A reply in a comment's thread; ``resolve`` closes the thread with it (words are
        then optional)."""
        if not text.strip() and not resolve:
            raise InvalidRequest("a reply needs words")
        action = "resolve" if resolve else None
        return comments.reply(
            await self.drive.client.create_reply(file_id, comment_id, text, action=action)
        )


def _looks_like_id(value: str) -> bool:
    """A calendar id (``primary``, an address, ``...@group.calendar.google.com``), not a name."""
    return value == "primary" or ("@" in value and " " not in value)
