"""Slack connector: share code to a channel or DM, mentions, presence and focus mode.

Glue only: the Web API calls live in :mod:`.client`, Slack's error codes in :mod:`.errors`,
markup and naming in :mod:`.mapping`; retries, rate limits and token refresh in the client
the hub injects.

How Slack fits the shared models:

- The account is one person in one workspace (a user token, xoxp-): ``<workspace>/<user>``
  from auth.test, as Slack's own URLs name them.
- Channels are every conversation the person can post to (conversations.list with public
  and private channels, group DMs and DMs, archived ones left out); a DM is named after the
  other person (users.info), a group DM after its people.
- A message's id is ``<channel>:<ts>`` (a ``ts`` is unique within its channel), its url the
  permalink Slack gives (chat.getPermalink, or the search match's), its thread the parent's
  ``ts``.
- Mentions are found with search.messages for ``<@USERID>``, which needs the search:read
  user scope; Slack's ``after:`` takes whole days, so the query asks from the day before
  ``since`` and the answer is cut at ``since`` exactly.
- Focus snoozes notifications with dnd.setSnooze (whole minutes) and sets the status with
  an expiry at the end of focus; ending it puts back the status (text, emoji, expiry) and
  the snooze that were there before, or ends the snooze when there was none.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from connectors.sdk import (
    Availability,
    Channel,
    CheckResult,
    ConfigError,
    Connector,
    ConnectorContext,
    FocusSnapshot,
    InvalidRequest,
    Message,
    NotFound,
    Post,
    PresenceStatus,
    TielineError,
    User,
    collect,
)
from connectors.sdk.connector import OAuthApp

from .client import SlackClient
from .errors import slack_error
from .mapping import (
    format_post,
    match_message,
    minutes_until,
    snapshot_state,
    status_of,
    to_channel,
    ts_time,
)
from .models import AuthTest, Conversation, SlackUser

#: The conversations a picker offers (conversations.list ``types``).
TYPES = "public_channel,private_channel,mpim,im"
#: At most this many pages of search matches a poll reads (100 a page).
MENTION_PAGES = 5
#: users.info calls at once while naming DMs (Tier 4: 100 a minute).
LOOKUPS = 4


class SlackConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = SlackClient(ctx.http)
        self._me: AuthTest | None = None
        self._users: dict[str, SlackUser] = {}
        #: What start_focus set (status text, emoji, snooze end), while this process lives.
        self._focus: tuple[str, str, int] | None = None

    @classmethod
    def body_error(cls, response: httpx.Response) -> TielineError | None:
        """Slack's ``ok: false`` inside HTTP 200 answers (and its 429s), read before the
        stack maps the status."""
        try:
            body = response.json()
        except ValueError:
            return None
        return slack_error(body, status=response.status_code, headers=response.headers)

    # -- hooks -------------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        """Who the token is: the person and the workspace (auth.test)."""
        try:
            me, scopes = await self.client.auth_test()
        except TielineError as exc:
            return CheckResult.failed(exc)
        if me.bot_id:
            return CheckResult.failed(
                ConfigError(
                    "this is a bot token (xoxb-): it posts as the app and cannot search your "
                    "mentions or set your status; sign in with a user token (xoxp-, the "
                    "app's User OAuth Token) or in the browser"
                )
            )
        self._me = me
        return CheckResult(
            ok=True,
            account=self._account(me),
            name=me.user,
            detail=f"signed in to Slack workspace {me.team} as {me.user}",
            scopes=scopes,
        )

    async def revoke(self, token: str, app: OAuthApp | None) -> bool:
        """End a browser sign-in's token with auth.revoke (Slack has no RFC 7009 endpoint).
        The hub asks only for tokens it obtained by OAuth; a pasted one stays the person's."""
        try:
            return await self.client.revoke(token)
        except TielineError:
            return False

    @staticmethod
    def _account(me: AuthTest) -> str:
        host = me.url.split("//", 1)[-1].split(".", 1)[0] if me.url else me.team_id
        return f"{host or me.team_id}/{me.user}"

    async def _whoami(self) -> AuthTest:
        if self._me is None:
            self._me, _ = await self.client.auth_test()
        return self._me

    async def _users_named(self, ids: Sequence[str]) -> dict[str, SlackUser]:
        """The people behind ``ids`` (cached for the session): DMs are named after them."""
        wanted = [u for u in dict.fromkeys(ids) if u and u not in self._users]
        gate = asyncio.Semaphore(LOOKUPS)

        async def one(uid: str) -> None:
            async with gate:
                with contextlib.suppress(NotFound):  # a DM with a deleted user keeps the id
                    self._users[uid] = await self.client.user(uid)

        await asyncio.gather(*(one(u) for u in wanted))
        return self._users

    # -- Messaging ---------------------------------------------------------------------------
    async def channels(self, prefix: str = "") -> Sequence[Channel]:
        """Where the person can post. With no prefix: the channels they are in and their
        DMs; with one: every conversation whose name (or person) starts with it."""
        me = await self._whoami()

        async def page(cursor: str | None) -> tuple[Sequence[Conversation], str | None]:
            got = await self.client.conversations(TYPES, cursor=cursor)
            return got.channels, got.response_metadata.next_cursor or None

        found = await collect(page)
        users = await self._users_named([c.user for c in found if c.is_im])
        out = [to_channel(c, users, team_id=me.team_id, team=me.team) for c in found]
        want = prefix.strip().lstrip("#@").lower()
        if not want:
            member = {c.id for c in found if c.is_member or c.is_im or c.is_mpim or c.is_private}
            return [ch for ch in out if ch.id in member]
        return [ch for ch in out if _named(ch, want)]

    async def send_message(self, channel: str, post: Post, *, thread: str | None = None) -> Message:
        if post.empty:
            raise InvalidRequest("nothing to send: the message and the code are empty")
        text = format_post(post)
        sent = await self.client.post_message(channel, text, thread_ts=thread)
        link = await self.client.permalink(sent.channel, sent.ts)
        me = await self._whoami()
        return Message(
            id=f"{sent.channel}:{sent.ts}",
            channel=sent.channel,
            text=sent.message.text or text,
            url=link or None,
            author=User(login=me.user),
            sent_at=ts_time(sent.ts),
            thread=sent.message.thread_ts or thread,
        )

    # -- Mentions ----------------------------------------------------------------------------
    async def mentions(self, since: datetime | None = None) -> Sequence[Message]:
        """Messages naming me since ``since`` (without one: Slack's newest page), oldest
        first; my own messages are left out."""
        me = await self._whoami()
        query = f"<@{me.user_id}>"
        if since is not None:
            query += f" after:{(since - timedelta(days=1)).date().isoformat()}"
        floor = since.timestamp() if since is not None else None
        matches = []
        for page in range(1, MENTION_PAGES + 1):
            found = await self.client.search_messages(query, page=page)
            fresh = [m for m in found.matches if floor is None or float(m.ts) > floor]
            matches.extend(fresh)
            if floor is None or len(fresh) < len(found.matches) or page >= found.paging.pages:
                break  # newest first: an older match means the rest are older still
        matches = [m for m in matches if m.user != me.user_id]
        users = await self._users_named([m.user for m in matches])
        out = [match_message(m, me=me.user_id, users=users) for m in matches]
        return sorted(out, key=lambda m: m.sent_at.timestamp() if m.sent_at else 0.0)

    # -- Presence ----------------------------------------------------------------------------
    async def my_status(self) -> PresenceStatus:
        profile, dnd, presence = await asyncio.gather(
            self.client.profile(), self.client.dnd_info(), self.client.presence()
        )
        return status_of(profile, presence, dnd)

    async def set_status(self, status: PresenceStatus) -> PresenceStatus:
        """The status line and its expiry (users.profile.set); notifications paused until
        ``dnd_until`` when given (``dnd`` needs one), resumed when the availability is
        ``available``. Slack's own presence (active/away) follows the person's activity and
        is not set here (users.setPresence would need the users:write scope for little)."""
        await self.client.set_profile(
            {
                "status_text": status.text,
                "status_emoji": status.emoji,
                "status_expiration": int(status.expires.timestamp()) if status.expires else 0,
            }
        )
        if status.availability is Availability.DND and status.dnd_until is None:
            raise InvalidRequest(
                "Slack pauses notifications for a length of time: say until when (dnd_until)"
            )
        if status.dnd_until is not None:
            await self.client.set_snooze(minutes_until(status.dnd_until.timestamp(), time.time()))
        elif status.availability is Availability.AVAILABLE:
            dnd = await self.client.dnd_info()
            if dnd.snooze_enabled:
                await self.client.end_snooze()
        return await self.my_status()

    async def presence_of(self, emails: Sequence[str]) -> Mapping[str, PresenceStatus]:
        async def one(email: str) -> tuple[str, PresenceStatus] | None:
            try:
                user = await self.client.user_by_email(email)
            except NotFound:
                return None
            presence = await self.client.presence(user.id)
            return email, status_of(user.profile, presence, None)

        gate = asyncio.Semaphore(LOOKUPS)

        async def gated(email: str) -> tuple[str, PresenceStatus] | None:
            async with gate:
                return await one(email)

        found = await asyncio.gather(*(gated(e) for e in dict.fromkeys(emails) if e.strip()))
        return dict(f for f in found if f is not None)

    # -- Focus -------------------------------------------------------------------------------
    async def focus_snapshot(self) -> FocusSnapshot:
        me = await self._whoami()
        profile, dnd = await asyncio.gather(self.client.profile(), self.client.dnd_info())
        return FocusSnapshot(
            connector=self.manifest().id,
            account=self.ctx.account,
            taken_at=datetime.now().astimezone(),
            state=snapshot_state(me.user_id, profile, dnd),
        )

    async def start_focus(self, until: datetime, text: str) -> None:
        end = int(until.timestamp())
        if end <= time.time():
            raise InvalidRequest("focus must end in the future")
        emoji = self._focus_emoji()
        snooze = await self.client.set_snooze(minutes_until(end, time.time()))
        await self.client.set_profile(
            {"status_text": text, "status_emoji": emoji, "status_expiration": end}
        )
        self._focus = (text, emoji, snooze.snooze_endtime)

    async def end_focus(self, snapshot: FocusSnapshot) -> None:
        """Put back the status and the snooze of ``snapshot``, where focus is still what is
        set: a status the person changed meanwhile (another emoji than focus's, or other
        text than this process set) stays, as does a snooze they moved. A status or snooze
        that has run out (focus's own expiry) counts as focus's, and the prior one returns."""
        state: dict[str, Any] = snapshot.state
        prior = state.get("status") or {}
        snooze = state.get("snooze") or {}
        now = time.time()
        profile, dnd = await asyncio.gather(self.client.profile(), self.client.dnd_info())
        if self._status_is_focus(profile.status_text, profile.status_emoji):
            expiration = int(prior.get("expiration") or 0)
            if expiration and expiration <= now:  # it would have cleared itself by now
                fields: dict[str, str | int] = {
                    "status_text": "",
                    "status_emoji": "",
                    "status_expiration": 0,
                }
            else:
                fields = {
                    "status_text": str(prior.get("text") or ""),
                    "status_emoji": str(prior.get("emoji") or ""),
                    "status_expiration": expiration,
                }
            await self.client.set_profile(fields)
        if self._snooze_is_focus(dnd.snooze_enabled, dnd.snooze_endtime):
            prior_end = int(snooze.get("endtime") or 0)
            if snooze.get("enabled") and prior_end > now:
                await self.client.set_snooze(minutes_until(prior_end, now))
            elif dnd.snooze_enabled:
                await self.client.end_snooze()
        self._focus = None

    def _focus_emoji(self) -> str:
        return str(self.ctx.settings.get("focus_emoji") or ":no_bell:")

    def _status_is_focus(self, text: str, emoji: str) -> bool:
        if not text and not emoji:
            return True  # focus's status expired at its end (or was cleared): put back
        if self._focus is not None:
            return (text, emoji) == self._focus[:2]
        return emoji == self._focus_emoji()  # after a restart: focus's emoji is the sign

    def _snooze_is_focus(self, enabled: bool, endtime: int) -> bool:
        if not enabled or self._focus is None:
            return True  # focus's snooze ran out, or after a restart nothing says otherwise
        return abs(endtime - self._focus[2]) <= 60


def _named(ch: Channel, want: str) -> bool:
    name = ch.name.lstrip("#").lower()
    return name.startswith(want) or any(w.startswith(want) for w in name.replace(",", " ").split())
