"""Slack Web API wire types: only the fields Tieline reads, everything else ignored.

Shapes follow the response types of Slack's Node SDK (@slack/web-api 8.2.0,
``dist/types/response/*.d.ts``) and the methods' reference pages where those types fall short
(dnd.info's ``snooze_*`` fields). Every field is optional there, so it is here: a field Slack
leaves out reads as its default, never as a failure to parse.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class ResponseMetadata(_Wire):
    next_cursor: str = ""


class AuthTest(_Wire):
    """auth.test: who the token is."""

    url: str = ""
    team: str = ""
    user: str = ""
    team_id: str = ""
    user_id: str = ""
    #: Set for a bot token (xoxb-): it acts as the app's bot, not as the person.
    bot_id: str = ""


class Conversation(_Wire):
    """One entry of conversations.list (a channel, private channel, DM or group DM)."""

    id: str
    name: str = ""
    is_channel: bool = False
    is_group: bool = False
    is_im: bool = False
    is_mpim: bool = False
    is_private: bool = False
    is_archived: bool = False
    is_member: bool = False
    #: A DM's other person.
    user: str = ""


class ConversationPage(_Wire):
    channels: tuple[Conversation, ...] = ()
    response_metadata: ResponseMetadata = ResponseMetadata()


class Profile(_Wire):
    """users.profile.get / users.profile.set: the status line and names."""

    display_name: str = ""
    real_name: str = ""
    email: str = ""
    status_text: str = ""
    status_emoji: str = ""
    #: Epoch seconds; 0: the status does not expire.
    status_expiration: int = 0


class SlackUser(_Wire):
    id: str
    name: str = ""
    real_name: str = ""
    deleted: bool = False
    profile: Profile = Profile()

    @property
    def label(self) -> str:
        """How Slack shows the person: display name, else real name, else handle."""
        return self.profile.display_name or self.real_name or self.profile.real_name or self.name


class DndInfo(_Wire):
    """dnd.info of the caller (snooze fields: docs.slack.dev/reference/methods/dnd.info)."""

    dnd_enabled: bool = False
    next_dnd_start_ts: int = 0
    next_dnd_end_ts: int = 0
    snooze_enabled: bool = False
    snooze_endtime: int = 0
    snooze_remaining: int = 0


class Presence(_Wire):
    """users.getPresence: ``active`` or ``away``."""

    presence: str = ""
    online: bool | None = None
    manual_away: bool | None = None


class PostedMessage(_Wire):
    ts: str = ""
    text: str = ""
    user: str = ""
    thread_ts: str | None = None


class PostAnswer(_Wire):
    """chat.postMessage."""

    channel: str
    ts: str
    message: PostedMessage = PostedMessage()


class MatchChannel(_Wire):
    id: str = ""
    name: str = ""
    is_im: bool = False
    is_mpim: bool = False
    is_private: bool = False


class Match(_Wire):
    """One search.messages match."""

    ts: str
    text: str = ""
    user: str = ""
    username: str = ""
    permalink: str = ""
    channel: MatchChannel = MatchChannel()


class Paging(_Wire):
    page: int = 1
    pages: int = 1


class SearchMessages(_Wire):
    matches: tuple[Match, ...] = ()
    paging: Paging = Paging()
    total: int = 0


class SearchAnswer(_Wire):
    messages: SearchMessages = Field(default_factory=SearchMessages)
