"""The Discord connector: Messaging through a bot, or through a channel webhook.

A bot (the ``token`` sign-in, ``Authorization: Bot <token>``) lists the text and announcement
channels of the servers it is in and posts to them. A channel webhook (the ``webhook_url``
setting) is one more channel, posted to with its own token; it is all a person signed in
with OAuth (``pkce``: identify, guilds) can post through, since Discord lets no user token
post messages over the API. Presence and Focus are not offered: see the manifest.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from connectors.sdk import (
    CheckResult,
    ConfigError,
    Connector,
    ConnectorContext,
    InvalidRequest,
    Message,
    PermissionDenied,
    TielineError,
    User,
)
from connectors.sdk.chat import Channel, Post
from connectors.sdk.redact import register_secret

from .client import SERVICE, DiscordClient, Webhook
from .format import render
from .models import TEXT_CHANNEL_TYPES, DChannel, DGuild, DMessage, DUser

WEBHOOK_PREFIX = "webhook:"
_SNOWFLAKE = re.compile(r"^\d{15,25}$")
#: Sign-ins whose secret is a bot token (an environment token stands for ``token``).
BOT_METHODS = frozenset({"token", "env"})


class DiscordConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = DiscordClient(ctx.http)
        url = str(ctx.settings.get("webhook_url") or "").strip()
        register_secret(url)  # even one that does not parse is masked
        self._webhook_url = url
        self._webhook: Webhook | None = None
        self._channels: dict[str, Channel] = {}
        self._guild_of: dict[str, str] = {}  # channel id -> server id, for permalinks

    def __repr__(self) -> str:
        return f"DiscordConnector(account={self.ctx.account!r}, webhook={self.webhook_id!r})"

    @property
    def bot(self) -> bool:
        """Signed in with a bot token (only a bot posts to channels through the API)."""
        return self.ctx.method in BOT_METHODS

    @property
    def webhook(self) -> Webhook | None:
        """The configured channel webhook; a URL that is not one is a :class:`ConfigError`."""
        if self._webhook is None and self._webhook_url:
            self._webhook = Webhook.parse(self._webhook_url)
        return self._webhook

    @property
    def webhook_id(self) -> str | None:
        """The webhook's id (never its token) when one is configured and valid."""
        try:
            hook = self.webhook
        except ConfigError:
            return None
        return hook.id if hook else None

    # -- hooks ------------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        """``GET /users/@me``: the bot's or person's user name names the account."""
        try:
            me, response = await self.client.me()
            scopes = None if self.bot else await self.client.oauth_scopes()
        except TielineError as exc:
            return CheckResult.failed(exc)
        who = f"bot {me.username}" if me.bot else (me.global_name or me.username)
        h = response.headers
        return CheckResult(
            ok=True,
            account=me.username,
            name=me.global_name or me.username,
            detail=f"signed in to Discord as {who}",
            rate_limit_remaining=_int(h.get("x-ratelimit-remaining")),
            rate_limit_limit=_int(h.get("x-ratelimit-limit")),
            # An OAuth token's scopes, from /oauth2/@me; a bot's rights are its permissions
            # in each server, which no scope list says.
            scopes=scopes,
        )

    # -- Messaging --------------------------------------------------------------------------
    async def channels(self, prefix: str = "") -> Sequence[Channel]:
        """The webhook's channel (when configured), then the text and announcement channels of
        each server the bot is in (the ``servers`` setting narrows them), by server and
        position, whose name starts with ``prefix`` (``#`` optional, any case)."""
        found: list[Channel] = []
        hook = self.webhook
        if hook is not None:
            found.append(await self._webhook_channel(hook))
        if self.bot:
            for guild in await self._guilds():
                chans = [c for c in await self.client.channels(guild.id) if _text(c)]
                for c in sorted(chans, key=lambda c: (c.position, c.name)):
                    found.append(self._remember(c, guild))
        want = prefix.strip().lstrip("#").casefold()
        return [c for c in found if c.name.lstrip("#").casefold().startswith(want)]

    async def send_message(self, channel: str, post: Post, *, thread: str | None = None) -> Message:
        """Send ``post`` (split into several messages when it is longer than Discord's 2,000
        characters; see :mod:`.format`) to a channel, a thread (``thread``: its id), or the
        webhook's channel (``webhook:<id>``). Answers the first message, with its permalink.
        Parts go one by one, in order; a failure stops the rest (those sent stay sent)."""
        parts = render(post)
        if thread is not None and not _SNOWFLAKE.match(thread):
            raise InvalidRequest(f"Discord: {thread!r} is not a thread id", service=SERVICE)
        if channel.startswith(WEBHOOK_PREFIX):
            hook = self.webhook
            if hook is None or channel != WEBHOOK_PREFIX + hook.id:
                raise InvalidRequest(
                    f"Discord: {channel} is not the webhook in connectors.discord.webhook_url",
                    service=SERVICE,
                )
            sent = [await self.client.execute_webhook(hook, p, thread_id=thread) for p in parts]
            return await self._message(sent, "\n".join(parts), thread, parent=channel)
        if not _SNOWFLAKE.match(channel):
            raise InvalidRequest(f"Discord: {channel!r} is not a channel id", service=SERVICE)
        if not self.bot:
            raise PermissionDenied(
                "Discord lets only a bot post to a channel through the API: sign in with a "
                "bot token, or share through a channel webhook (connectors.discord.webhook_url)",
                service=SERVICE,
            )
        target = thread or channel
        sent = [await self.client.create_message(target, p) for p in parts]
        return await self._message(sent, "\n".join(parts), thread, parent=channel)

    # -- helpers ----------------------------------------------------------------------------
    async def _guilds(self) -> list[DGuild]:
        guilds = await self.client.guilds()
        wanted = {str(s).strip().casefold() for s in self.ctx.settings.get("servers") or ()}
        wanted.discard("")
        if not wanted:
            return guilds
        return [g for g in guilds if g.id in wanted or g.name.casefold() in wanted]

    async def _webhook_channel(self, hook: Webhook) -> Channel:
        info = await self.client.webhook(hook)
        if info.channel_id and info.guild_id:
            self._guild_of[info.channel_id] = info.guild_id
        url = (
            f"{self.web}/channels/{info.guild_id}/{info.channel_id}"
            if info.channel_id and info.guild_id
            else None
        )
        found = Channel(
            id=WEBHOOK_PREFIX + hook.id, name=info.name or "webhook", kind="webhook", url=url
        )
        if info.guild_id:
            self._guild_of[found.id] = info.guild_id
        self._channels[found.id] = found
        return found

    def _remember(self, c: DChannel, guild: DGuild) -> Channel:
        self._guild_of[c.id] = guild.id
        found = Channel(
            id=c.id,
            name=c.name,
            kind="channel",
            url=f"{self.web}/channels/{guild.id}/{c.id}",
            container=guild.name,
        )
        self._channels[c.id] = found
        return found

    async def _message(
        self, sent: list[DMessage], text: str, thread: str | None, *, parent: str
    ) -> Message:
        """The first of the messages sent, as the sdk's :class:`Message`. Its permalink needs
        the server's id, which a message does not carry: it comes from the channels already
        listed, else from the webhook or the channel (one request)."""
        first = sent[0]
        webhook = parent if parent.startswith(WEBHOOK_PREFIX) else None
        guild = self._guild_of.get(first.channel_id) or self._guild_of.get(parent)
        if guild is None and webhook is not None and self.webhook is not None:
            await self._webhook_channel(self.webhook)
            guild = self._guild_of.get(parent) or self._guild_of.get(first.channel_id)
        if guild is None and webhook is None and self.bot:
            info = await self.client.channel(parent)
            if info.guild_id:
                guild = self._guild_of[parent] = info.guild_id
        known = self._channels.get(parent)
        return Message(
            id=first.id,
            channel=parent,
            text=text,
            url=f"{self.web}/channels/{guild}/{first.channel_id}/{first.id}" if guild else None,
            author=_user(first.author),
            sent_at=first.timestamp,
            thread=thread,
            channel_name=f"#{known.name}" if known and known.kind == "channel" else None,
        )


def _text(c: DChannel) -> bool:
    return c.type in TEXT_CHANNEL_TYPES


def _user(u: DUser | None) -> User | None:
    """A Discord user: ``@username`` does not mention anyone on Discord (mentions are by
    id), so the login is no handle."""
    if u is None:
        return None
    avatar = f"https://cdn.discordapp.com/avatars/{u.id}/{u.avatar}.png" if u.avatar else None
    return User(login=u.username, name=u.global_name, avatar_url=avatar, handle=False)


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None
