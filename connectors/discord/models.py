"""Discord wire types: the fields of users, guilds, channels, messages and webhooks that the
connector reads, as Discord's OpenAPI description (github.com/discord/discord-api-spec,
``specs/openapi.json``) names them. Ids are snowflakes, sent as strings. Unknown fields are
ignored, so a new field Discord adds breaks nothing.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

#: Channel types the connector can post to (``GuildChannelResponse.type``): 0 GUILD_TEXT and
#: 5 GUILD_ANNOUNCEMENT. Voice, category, forum and stage channels take no plain messages.
TEXT_CHANNEL_TYPES = frozenset({0, 5})


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class DUser(_Wire):
    """``UserPIIResponse`` / ``UserResponse``: ``username`` is unique; ``global_name`` is the
    display name a person chose (``None`` for bots and those who did not)."""

    id: str
    username: str
    global_name: str | None = None
    avatar: str | None = None
    bot: bool = False


class DGuild(_Wire):
    """``MyGuildResponse``: a server the account is in."""

    id: str
    name: str


class DChannel(_Wire):
    """``GuildChannelResponse``: one channel of a server."""

    id: str
    type: int
    name: str
    guild_id: str | None = None
    position: int = 0
    parent_id: str | None = None


class DMessage(_Wire):
    """``MessageResponse``: a message as sent."""

    id: str
    channel_id: str
    content: str = ""
    timestamp: datetime | None = None
    author: DUser | None = None
    webhook_id: str | None = None


class DWebhook(_Wire):
    """``GuildIncomingWebhookResponse`` read with the webhook's own token: its name and where
    it posts."""

    id: str
    name: str | None = None
    channel_id: str | None = None
    guild_id: str | None = None
