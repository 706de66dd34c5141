"""Microsoft 365 connector: Outlook calendar and mail, Teams presence, focus, chats and
channels, and instant meetings, on Microsoft Graph v1.0.

Glue only: requests live in :mod:`.client`, wire types in :mod:`.models`, the mapping to
Tieline's models in :mod:`.mapping`, focus's save-and-restore in :mod:`.focus`, OneDrive and
SharePoint in :mod:`.drive` (on :mod:`.drive_client`, :mod:`.drive_models`,
:mod:`.drive_mapping`), OneNote in :mod:`.onenote`. One instance
serves one signed-in account (work or school, or personal: Graph offers personal accounts
calendar and mail but no Teams presence, chats or meetings, and says so with a 403 that the
client explains).

The agenda costs what changed. The primary calendar is read as a delta round
(``/me/calendarView/delta``): the first poll of a window reads it all and keeps the round's
``@odata.deltaLink``; each later poll of the same window asks only that link, one request
when nothing changed. Graph v1.0 offers delta only for the primary calendar's view, so other
calendars are read with ``calendarView`` on each poll (one request per calendar while it
holds fewer events than a page). The list of calendars is read once per instance.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from connectors.sdk import (
    CheckResult,
    Connector,
    ConnectorContext,
    InvalidRequest,
    ItemRef,
    Message,
    NotFound,
    TielineError,
)
from connectors.sdk.calendar import (
    CalendarEvent,
    CalendarInfo,
    JoinLink,
    Provider,
    viewer_zone,
)
from connectors.sdk.chat import Channel, FocusSnapshot, Post, PresenceStatus
from connectors.sdk.drive import DriveThrough
from connectors.sdk.mail import MailMessage, MailPage, MailView
from connectors.sdk.notes import NotePage, NoteSection, PageContent

from . import mapping
from . import models as w
from .client import GraphClient, graph_error
from .drive import OneDrive
from .drive_client import DriveClient
from .focus import FocusKeeper, iso_duration
from .onenote import OneNote

log = logging.getLogger("tieline.connector.microsoft")

#: Mail views -> the inbox filter each one adds (``query`` searches instead).
_VIEWS: dict[str, str | None] = {
    "inbox": None,
    "unread": "isRead eq false",
    "flagged": "flag/flagStatus eq 'flagged'",
}


@dataclass
class _Round:
    """The primary calendar's events in one window, as of ``link`` (a deltaLink)."""

    start: datetime
    end: datetime
    link: str
    events: dict[str, w.Event] = field(default_factory=dict)


class MicrosoftConnector(DriveThrough, Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")
    drive: OneDrive  # the Drive capability's side (DriveThrough delegates to it)

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = GraphClient(ctx.http)
        self._me: w.User | None = None
        self._calendars: list[w.Calendar] | None = None
        self._round: _Round | None = None
        self._zone = viewer_zone(
            str(ctx.settings.get("timezone") or ""), "connectors.microsoft.timezone"
        )
        self.focus = FocusKeeper(self.client, self._client_id(ctx.settings))
        self.drive = OneDrive(DriveClient(ctx.http), ctx.settings)
        self.notes = OneNote(self.client)

    @property
    def host(self) -> str:
        return self.ctx.host or self.manifest().default_host

    def _client_id(self, settings: Mapping[str, Any]) -> str:
        oauth = self.manifest().auth.oauth2
        return str(settings.get("client_id") or (oauth.client_id if oauth else "") or "")

    async def me(self) -> w.User:
        if self._me is None:
            self._me = await self.client.me()
        return self._me

    # -- hooks --------------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        """Who is signed in: ``/me``'s address names the account."""
        try:
            me = await self.me()
        except TielineError as exc:
            return CheckResult.failed(exc)
        return CheckResult(
            ok=True,
            account=me.address,
            name=me.display_name,
            detail=f"signed in to Microsoft 365 as {me.display_name or me.address}",
        )

    @classmethod
    def body_error(cls, response: httpx.Response) -> TielineError | None:
        return graph_error(response)

    # -- Calendar -----------------------------------------------------------------------------
    async def _calendar_list(self) -> list[w.Calendar]:
        if self._calendars is None:
            self._calendars = await self.client.calendars()
        return self._calendars

    async def list_calendars(self) -> Sequence[CalendarInfo]:
        self._calendars = await self.client.calendars()
        return [mapping.calendar(c) for c in self._calendars]

    def _chosen(self, cals: list[w.Calendar], ids: Sequence[str] | None) -> list[w.Calendar]:
        if ids is not None:
            return [c for c in cals if c.id in ids]
        wanted = [str(x).casefold() for x in self.ctx.settings.get("calendars") or ()]
        if not wanted:
            return cals
        return [c for c in cals if c.id.casefold() in wanted or c.name.casefold() in wanted]

    async def events(
        self, start: datetime, end: datetime, *, calendars: Sequence[str] | None = None
    ) -> Sequence[CalendarEvent]:
        out: list[CalendarEvent] = []
        for cal in self._chosen(await self._calendar_list(), calendars):
            found = (
                await self._primary(start, end)
                if cal.is_default
                else await self._view(cal.id, start, end)
            )
            out += [
                mapping.event(e, calendar=cal.id, host=self.host, viewer=self._zone)
                for e in found
                if e.start is not None and e.end is not None
            ]
        out = [e for e in out if e.overlaps(start, end)]
        return sorted(out, key=lambda e: (e.start, e.end, e.key))

    async def _primary(self, start: datetime, end: datetime) -> list[w.Event]:
        """The primary calendar's window: the held round's changes, or a new round."""
        held = self._round
        if held is not None and (held.start, held.end) == (start, end):
            try:
                await self._delta(held, held.link)
                return list(held.events.values())
            except (NotFound, InvalidRequest) as exc:
                # A state token Graph no longer honours (syncStateNotFound): start over.
                log.info("Microsoft 365: calendar delta restarts (%s)", exc.message)
        fresh = _Round(start, end, link="")
        await self._delta(fresh, None)
        self._round = fresh
        return list(fresh.events.values())

    async def _delta(self, held: _Round, link: str | None) -> None:
        page = await self.client.delta(held.start, held.end, link=link)
        for _ in range(200):
            for raw in page.value:
                e = w.Event.model_validate(raw)
                if e.removed is not None:
                    held.events.pop(e.id, None)
                else:
                    held.events[e.id] = e
            if page.delta_link:
                held.link = page.delta_link
                return
            if not page.next_link:
                raise InvalidRequest("Microsoft 365: a delta page had neither next nor delta link")
            page = await self.client.delta(held.start, held.end, link=page.next_link)

    async def _view(self, calendar: str, start: datetime, end: datetime) -> list[w.Event]:
        page = await self.client.calendar_view(calendar, start, end)
        found: list[w.Event] = []
        for _ in range(50):
            found += [w.Event.model_validate(v) for v in page.value]
            if not page.next_link:
                break
            page = await self.client.page(page.next_link)
        return found

    async def get_event(self, ref: ItemRef) -> CalendarEvent:
        e = await self.client.event(ref.key)
        return mapping.event(e, calendar=ref.scope, host=self.host, viewer=self._zone)

    # -- Mail ---------------------------------------------------------------------------------
    async def list_mail(
        self, view: MailView, *, query: str | None = None, cursor: str | None = None
    ) -> MailPage:
        folder = "inbox"
        if cursor:
            page = await self.client.messages(folder, link=cursor)
        elif view == "query":
            if not query or not query.strip():
                raise InvalidRequest("Microsoft 365: the query view needs search words")
            page = await self.client.messages(folder, search=query.strip())
        elif view in _VIEWS:
            page = await self.client.messages(folder, filter=_VIEWS[view])
        else:
            raise InvalidRequest(f"Microsoft 365: no mail view {view!r}")
        items = tuple(
            mapping.mail(w.Message.model_validate(v), folder=folder, host=self.host)
            for v in page.value
        )
        return MailPage(items=items, next_cursor=page.next_link, total=page.count)

    async def get_mail(self, ref: ItemRef) -> MailMessage:
        m = await self.client.message(ref.key)
        return mapping.mail(m, folder=ref.scope or "inbox", host=self.host, with_body=True)

    async def reply_mail(self, ref: ItemRef, body: str, *, all: bool = False) -> None:
        if not body.strip():
            raise InvalidRequest("Microsoft 365: a reply needs some text")
        await self.client.reply(ref.key, mapping.reply_html(body), all=all)

    # -- Presence -----------------------------------------------------------------------------
    async def my_status(self) -> PresenceStatus:
        return mapping.presence(await self.client.presence())

    async def set_status(self, status: PresenceStatus) -> PresenceStatus:
        """The availability as a preferred presence (``unknown``: clear the preference and
        let Teams decide), then the status message with its expiry."""
        pair = mapping.PREFERRED.get(status.availability)
        if pair is None:
            await self.client.clear_preferred()
        else:
            until = status.dnd_until or status.expires
            ttl = iso_duration(until - datetime.now(UTC)) if until else None
            await self.client.set_preferred(*pair, expiration=ttl)
        expiry = None
        if status.text and status.expires is not None:
            expiry = (status.expires.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S"), "UTC")
        await self.client.set_status_message(status.text, expiry)
        return await self.my_status()

    async def presence_of(self, emails: Sequence[str]) -> Mapping[str, PresenceStatus]:
        """Each address looked up as a user of the organisation (unknown ones left out),
        then everyone's presence in one request."""
        asked: dict[str, list[str]] = {}  # user id -> the addresses that named them
        for email in dict.fromkeys(e.strip() for e in emails if e.strip()):
            try:
                asked.setdefault((await self.client.user(email)).id, []).append(email)
            except NotFound:
                continue
        if not asked:
            return {}
        found = await self.client.presences(list(asked))
        return {email: mapping.presence(p) for p in found if p.id in asked for email in asked[p.id]}

    # -- Focus --------------------------------------------------------------------------------
    async def focus_snapshot(self) -> FocusSnapshot:
        state = await self.focus.snapshot()
        return FocusSnapshot(
            connector="microsoft", account=self.ctx.account, taken_at=datetime.now(UTC), state=state
        )

    async def start_focus(self, until: datetime, text: str) -> None:
        await self.focus.start(until, text)

    async def end_focus(self, snapshot: FocusSnapshot) -> None:
        await self.focus.end(snapshot.state, text=snapshot.text)

    # -- Messaging ----------------------------------------------------------------------------
    async def channels(self, prefix: str = "") -> Sequence[Channel]:
        """Chats first (named by topic or by the other members), then each team's channels;
        ``prefix`` as a picker is typed, any case, a leading ``#`` or ``@`` meaning nothing."""
        me = await self.me()
        out = [mapping.chat_channel(c, me.id) for c in await self.client.chats()]
        for team in await self.client.joined_teams():
            out += [mapping.team_channel(team, c) for c in await self.client.channels(team.id)]
        needle = prefix.strip().lstrip("#@").casefold()
        return [c for c in out if not needle or c.name.casefold().startswith(needle)]

    async def send_message(self, channel: str, post: Post, *, thread: str | None = None) -> Message:
        """A chat id, or ``teamId/channelId``; ``thread`` (a channel message's id) replies
        in that thread. Chats have no threads in Graph."""
        if post.empty:
            raise InvalidRequest("Microsoft 365: nothing to send")
        content = mapping.post_html(post)
        team, sep, chan = channel.partition("/")
        if sep:
            sent = await self.client.post_to_channel(team, chan, content, reply_to=thread)
        elif thread:
            raise InvalidRequest("Microsoft 365: Teams chats have no threads to reply in")
        else:
            sent = await self.client.post_to_chat(channel, content)
        return Message(
            id=sent.id,
            channel=channel,
            text=post.text,
            url=sent.web_url,
            sent_at=mapping.instant(sent.created_date_time),
            thread=sent.reply_to_id,
        )

    # -- OnlineMeetings -----------------------------------------------------------------------
    async def start_meeting(self, topic: str, *, minutes: int = 30) -> JoinLink:
        now = datetime.now(UTC)
        meeting = await self.client.create_meeting(
            topic or "Meeting", now, now + timedelta(minutes=max(1, minutes))
        )
        return JoinLink(url=meeting.join_web_url, provider=Provider.TEAMS, source="conference")

    # -- Notebooks ----------------------------------------------------------------------------
    async def list_sections(self) -> Sequence[NoteSection]:
        return await self.notes.list_sections()

    async def list_pages(self, section: NoteSection) -> Sequence[NotePage]:
        return await self.notes.list_pages(section)

    async def page_html(self, page: NotePage) -> PageContent:
        return await self.notes.page_html(page)

    async def page_resource(self, url: str) -> bytes:
        return await self.notes.page_resource(url)

    async def create_page(self, section: NoteSection, title: str, html: str) -> NotePage:
        return await self.notes.create_page(section, title, html)
