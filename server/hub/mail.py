"""Mail across every Mail session: inbox views merged newest first, messages read as
sanitised Markdown, an issue made of a message, and replies that carry no secret.

Nothing here knows a mail service: it codes against :class:`~connectors.sdk.capabilities.Mail`
only. The Inbox is read on demand rather than by a syncer (a mailbox is not mirrored into the
store): each view's first page per session is kept for ``mail.refresh_interval`` seconds, so
the panel opening, collapsing and re-expanding costs nothing, and a poll the service answers
as unchanged (:attr:`~connectors.sdk.mail.MailPage.unchanged`, its 304 or delta) keeps the
rows already read.

Pages merge by time across sessions (k-way): a row is given out only once every session that
may still hold something newer has been read that far, so the order is the same as if every
mailbox were one. What a page read beyond that point is held for the next page, named by an
opaque cursor this module keeps (the services' own cursors never leave the hub).
"""

from __future__ import annotations

import asyncio
import itertools
import time
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Protocol

from connectors.sdk.capabilities import Mail
from connectors.sdk.connector import Connector
from connectors.sdk.errors import TielineError
from connectors.sdk.mail import MailMessage, MailPage, MailView

from .mail_markdown import html_to_markdown, text_to_markdown
from .sanitize import escape_inline, plain_text, sanitize_html, sanitize_markdown

if TYPE_CHECKING:
    from .config import MailSettings
    from .hub import Hub

#: Rows a merged page gives out at most (each session is read at most once per page).
PAGE_ROWS = 50
#: Messages read in full that are kept (re-opening a document does not ask again).
KEPT_MESSAGES = 64
#: Held merged cursors (older ones expire: the panel re-reads from the top).
KEPT_CURSORS = 128
_EPOCH = datetime.fromtimestamp(0, UTC)


class MailSession(Protocol):
    """What this module needs of a hub session."""

    @property
    def key(self) -> str: ...

    @property
    def connector_id(self) -> str: ...

    @property
    def host(self) -> str: ...

    @property
    def connector(self) -> Connector: ...


@dataclass(frozen=True)
class InboxView:
    """One view of the Inbox panel."""

    id: str
    label: str
    view: MailView
    query: str | None = None


def inbox_views(settings: MailSettings) -> list[InboxView]:
    """Unread, flagged, the inbox, and the saved ``team_query`` where one is set."""
    views = [
        InboxView("unread", "Unread", "unread"),
        InboxView("flagged", "Flagged", "flagged"),
        InboxView("inbox", "Inbox", "inbox"),
    ]
    if settings.team_query.strip():
        views.append(InboxView("team", "Team", "query", settings.team_query.strip()))
    return views


@dataclass(frozen=True)
class Row:
    """A message as the Inbox lists it, with the session it came from."""

    session: str
    message: MailMessage

    @property
    def when(self) -> datetime:
        return self.message.received_at or _EPOCH


@dataclass
class InboxPage:
    rows: list[Row]
    #: The next page's cursor (opaque, kept here), or ``None`` at the end.
    cursor: str | None
    #: What the services counted, summed where every session said.
    total: int | None = None
    #: Why a session could not be read (its key -> message), the others' rows still shown.
    errors: dict[str, str] = field(default_factory=dict)


@dataclass
class _Lane:
    """One session's place in a merged listing: rows read but not yet given out, and the
    service's cursor for what follows them (``None``: nothing more)."""

    held: list[Row]
    cursor: str | None
    done: bool = False


@dataclass
class _First:
    page: MailPage
    read_at: float


def _mail(session: MailSession) -> Mail:
    mail: Mail = session.connector.capability(Mail)
    return mail


class Inbox:
    """The Inbox of one hub (see the module docstring)."""

    def __init__(
        self,
        sessions: Callable[[], Sequence[MailSession]],
        settings: Callable[[], MailSettings],
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._sessions = sessions
        self._settings = settings
        self._clock = clock
        self._first: dict[tuple[str, str], _First] = {}
        #: What each cursor continues from, and the page it gave (asked for again when a
        #: shell re-expands "More…", it is the same page without asking the services).
        self._cursors: OrderedDict[str, dict[str, _Lane]] = OrderedDict()
        self._served: dict[str, InboxPage] = {}
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}
        self._reads: dict[tuple[str, str], int] = {}
        self._ids = itertools.count(1)
        self._messages: OrderedDict[str, tuple[str, MailMessage]] = OrderedDict()
        #: Every message listed or read: its id -> (session key, headers).
        self._known: dict[str, tuple[str, MailMessage]] = {}

    @classmethod
    def of(cls, hub: Hub) -> Inbox:
        """The hub's Inbox, made on first use."""
        inbox = _INBOXES.get(hub)
        if inbox is None:
            inbox = cls(lambda: hub.sessions_with(Mail), lambda: hub.config.mail)
            _INBOXES[hub] = inbox
        return inbox

    # -- views --------------------------------------------------------------------------

    def views(self) -> list[InboxView]:
        return inbox_views(self._settings())

    def view(self, view_id: str) -> InboxView:
        for v in self.views():
            if v.id == view_id:
                return v
        raise TielineError(f"no Inbox view {view_id!r}")

    def sessions(self) -> list[MailSession]:
        return list(self._sessions())

    async def _first_page(self, s: MailSession, v: InboxView, *, force: bool) -> MailPage:
        """A session's first page of a view: the one kept while fresh, else asked again
        (an answer the service says is unchanged keeps the kept rows)."""
        key = (s.key, f"{v.view}\n{v.query or ''}")
        reads = self._reads.get(key, 0)
        async with self._locks.setdefault(key, asyncio.Lock()):  # one read at a time
            kept = self._first.get(key)
            if kept is not None and not force:
                fresh = self._clock() - kept.read_at < self._settings().refresh_interval
                if fresh:
                    return kept.page
            if kept is not None and force and self._reads.get(key, 0) > reads:
                return kept.page  # read while this one waited: that read is the refresh
            now = self._clock()
            page = await _mail(s).list_mail(v.view, query=v.query, cursor=None)
            self._reads[key] = self._reads.get(key, 0) + 1
            if page.unchanged and kept is not None:
                page = kept.page
            self._first[key] = _First(page, now)
            return page

    async def page(
        self, view_id: str, cursor: str | None = None, *, force: bool = False
    ) -> InboxPage:
        """One merged page of a view, newest first; ``cursor`` from the previous page."""
        v = self.view(view_id)
        if cursor is None:
            lanes: dict[str, _Lane] = {}
            first = True
        else:
            served = self._served.get(cursor)
            if served is not None:  # a shell re-expanding "More…": the same page, unasked
                return served
            got = self._cursors.get(cursor)
            if got is None:
                raise TielineError("that page of the Inbox has expired: refresh the Inbox")
            lanes = {k: _Lane(list(ln.held), ln.cursor, ln.done) for k, ln in got.items()}
            first = False
        sessions = {s.key: s for s in self.sessions()}
        errors: dict[str, str] = {}
        totals: list[int | None] = []
        read: set[str] = set()

        async def fill(key: str) -> None:
            s = sessions[key]
            lane = lanes.get(key)
            try:
                if lane is None:
                    mp = await self._first_page(s, v, force=force)
                    totals.append(mp.total)
                else:
                    mp = await _mail(s).list_mail(v.view, query=v.query, cursor=lane.cursor)
            except TielineError as exc:
                errors[key] = exc.message
                lanes[key] = _Lane([], None, done=True)
                return
            rows = [Row(key, m) for m in mp.items]
            for r in rows:
                self._known[r.message.key] = (key, r.message)
            held = (lane.held if lane else []) + rows
            lanes[key] = _Lane(held, mp.next_cursor, done=mp.next_cursor is None)
            read.add(key)

        for key in sessions if first else list(lanes):
            if key in sessions and (first or (not lanes[key].held and not lanes[key].done)):
                await fill(key)
        out: list[Row] = []
        while len(out) < PAGE_ROWS:
            live = {k: ln for k, ln in lanes.items() if k in sessions}
            waiting = [k for k, ln in live.items() if not ln.held and not ln.done]
            if waiting:
                # A lane ran dry with more to read: read it once per page, else stop here
                # (it may hold something newer than every row still held).
                if all(k in read for k in waiting):
                    break
                for k in waiting:
                    await fill(k)
                continue
            heads = [(ln.held[0].when, k) for k, ln in live.items() if ln.held]
            if not heads:
                break
            _, k = max(heads)
            out.append(live[k].held.pop(0))
        more = any(ln.held or not ln.done for k, ln in lanes.items() if k in sessions)
        next_cursor = None
        if more:
            next_cursor = f"c{next(self._ids)}"
            self._cursors[next_cursor] = lanes
            while len(self._cursors) > KEPT_CURSORS:
                self._cursors.popitem(last=False)
        total = sum(t for t in totals if t is not None) if totals and None not in totals else None
        result = InboxPage(out, next_cursor, total if first else None, errors)
        if cursor is not None and not errors:
            self._served[cursor] = result
            while len(self._served) > KEPT_CURSORS:
                self._served.pop(next(iter(self._served)))
        return result

    def kept_total(self, view_id: str) -> int | None:
        """What the services last counted in a view, without asking them: the sum of every
        session's kept first page, or ``None`` until each has been read and said."""
        v = self.view(view_id)
        totals = [self._first.get((s.key, f"{v.view}\n{v.query or ''}")) for s in self.sessions()]
        if not totals or any(t is None or t.page.total is None for t in totals):
            return None
        return sum(t.page.total or 0 for t in totals if t is not None)

    def forget(self) -> None:
        """Make every kept first page stale and drop the cursors: the next read asks every
        service, and a service answering "unchanged" still has its rows kept."""
        for kept in self._first.values():
            kept.read_at = float("-inf")
        self._cursors.clear()
        self._served.clear()

    # -- messages -----------------------------------------------------------------------

    def known(self, message_id: str) -> MailMessage | None:
        """A message's headers as last listed or read, by its id."""
        got = self._known.get(message_id)
        return got[1] if got else None

    def _session_of(self, message_id: str) -> MailSession:
        got = self._known.get(message_id)
        for s in self.sessions():
            if got is not None and s.key == got[0]:
                return s
        raise TielineError(f"no mailbox holds {message_id!r} now: refresh the Inbox")

    async def message(self, message_id: str, *, force: bool = False) -> MailMessage:
        """One message with its body, read once and kept."""
        kept = self._messages.get(message_id)
        if kept is not None and not force:
            self._messages.move_to_end(message_id)
            return kept[1]
        s = self._session_of(message_id)
        headers = self._known[message_id][1]
        full = await _mail(s).get_mail(headers.ref)
        self._messages[message_id] = (s.key, full)
        self._known[message_id] = (s.key, full)
        while len(self._messages) > KEPT_MESSAGES:
            self._messages.popitem(last=False)
        return full

    async def reply(
        self, message_id: str, body: str, *, all: bool, check: Callable[[str], None]
    ) -> MailMessage:
        """Send ``body`` as a reply; ``check`` (the secret scan) runs first and may refuse."""
        check(body)
        s = self._session_of(message_id)
        headers = self._known[message_id][1]
        await _mail(s).reply_mail(headers.ref, body, all=all)
        return headers


_INBOXES: weakref.WeakKeyDictionary[Hub, Inbox] = weakref.WeakKeyDictionary()


# -- rendering ----------------------------------------------------------------------------


def _when(m: MailMessage) -> str:
    return f"{m.received_at.astimezone():%a %d %b %Y %H:%M}" if m.received_at else ""


def body_markdown(m: MailMessage) -> str:
    """The body as safe Markdown: sanitised HTML converted, else the text, else the preview."""
    if m.body_html and m.body_html.strip():
        md = html_to_markdown(sanitize_html(m.body_html))
    elif m.body_text:
        md = text_to_markdown(m.body_text)
    else:
        md = text_to_markdown(m.preview)
    return sanitize_markdown(md)


def message_markdown(m: MailMessage, *, service: str = "") -> str:
    """A message as a read-only Markdown document: the subject, headers, then the body."""
    lines = [f"# {escape_inline(m.subject or '(no subject)', 300)}", ""]
    header = [
        ("From", m.sender.label if m.sender else ""),
        ("To", ", ".join(a.label for a in m.to)),
        ("Cc", ", ".join(a.label for a in m.cc)),
        ("Date", _when(m)),
        ("Mailbox", service),
    ]
    for name, value in header:
        if value:
            lines.append(f"**{name}:** {escape_inline(value, 1000)}  ")
    flags = (
        ("unread", m.unread),
        ("flagged", m.flagged),
        ("important", m.important),
        ("attachments", m.has_attachments),
    )
    marks = [word for word, on in flags if on]
    if marks:
        lines.append(f"**Marks:** {', '.join(marks)}  ")
    if m.url and m.url.startswith(("https://", "http://")):
        lines.append(f"[Open in the mail client](<{m.url}>)")
    lines += ["", "---", "", body_markdown(m)]
    return "\n".join(lines).rstrip() + "\n"


def issue_from(m: MailMessage) -> tuple[str, str]:
    """An issue's title and body for a message: the subject, and the sanitised text under a
    quote header with a link back to the message."""
    title = plain_text(m.subject, 200) or "(no subject)"
    who = m.sender.label if m.sender else "someone"
    when = f"On {_when(m)}, " if m.received_at else ""
    quoted = "\n".join(f"> {line}" if line else ">" for line in body_markdown(m).split("\n"))
    link = (
        f"\n\n[The message in the mail client](<{m.url}>)"
        if m.url and m.url.startswith(("https://", "http://"))
        else ""
    )
    head = f"{when}{escape_inline(who, 300)} wrote:"
    return title, f"{head}\n\n{quoted}{link}\n"


def row_marks(m: MailMessage) -> str:
    """Unread and flagged as a row shows them."""
    return " ".join(w for w, on in (("●", m.unread), ("⚑", m.flagged)) if on)


__all__ = [
    "Inbox",
    "InboxPage",
    "InboxView",
    "Row",
    "body_markdown",
    "inbox_views",
    "issue_from",
    "message_markdown",
    "row_marks",
]
