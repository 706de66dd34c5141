"""Microsoft Graph's wire types, as far as the connector reads them.

Field names are Graph's (camelCase, aliased); every model ignores what it does not name, so
Graph adding properties never breaks a read. Shapes follow Graph v1.0's description
(tests/contracts/microsoft/graph.json) and, where it predates them (presence's
``statusMessage``), the API reference on learn.microsoft.com.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class EmailAddress(_Wire):
    name: str | None = None
    address: str | None = None


class Recipient(_Wire):
    email_address: EmailAddress = Field(default_factory=EmailAddress, alias="emailAddress")


class DateTimeTimeZone(_Wire):
    """``{"dateTime": "2026-12-02T09:00:00.0000000", "timeZone": "UTC"}``: a wall-clock time
    and the zone it is in (an IANA or a Windows name)."""

    date_time: str = Field(alias="dateTime")
    time_zone: str = Field(default="UTC", alias="timeZone")


class ItemBody(_Wire):
    content_type: str = Field(default="text", alias="contentType")
    content: str = ""


class User(_Wire):
    id: str
    display_name: str | None = Field(default=None, alias="displayName")
    mail: str | None = None
    user_principal_name: str | None = Field(default=None, alias="userPrincipalName")

    @property
    def address(self) -> str:
        return self.mail or self.user_principal_name or self.id


class Calendar(_Wire):
    id: str
    name: str = ""
    hex_color: str | None = Field(default=None, alias="hexColor")
    can_edit: bool = Field(default=True, alias="canEdit")
    is_default: bool = Field(default=False, alias="isDefaultCalendar")


class Location(_Wire):
    display_name: str | None = Field(default=None, alias="displayName")


class ResponseStatus(_Wire):
    response: str | None = None


class Attendee(_Wire):
    type: str | None = None
    status: ResponseStatus = Field(default_factory=ResponseStatus)
    email_address: EmailAddress = Field(default_factory=EmailAddress, alias="emailAddress")


class OnlineMeetingInfo(_Wire):
    join_url: str | None = Field(default=None, alias="joinUrl")


class Removed(_Wire):
    reason: str = "deleted"


class Event(_Wire):
    """An event or one occurrence of a series, as calendarView (and its delta) answers it.
    A delta answer's deleted event carries only ``id`` and ``@removed``."""

    id: str
    removed: Removed | None = Field(default=None, alias="@removed")
    subject: str | None = None
    body: ItemBody | None = None
    body_preview: str | None = Field(default=None, alias="bodyPreview")
    start: DateTimeTimeZone | None = None
    end: DateTimeTimeZone | None = None
    original_start_time_zone: str | None = Field(default=None, alias="originalStartTimeZone")
    is_all_day: bool = Field(default=False, alias="isAllDay")
    is_cancelled: bool = Field(default=False, alias="isCancelled")
    show_as: str | None = Field(default=None, alias="showAs")
    categories: tuple[str, ...] = ()
    location: Location | None = None
    organizer: Recipient | None = None
    attendees: tuple[Attendee, ...] = ()
    response_status: ResponseStatus | None = Field(default=None, alias="responseStatus")
    online_meeting: OnlineMeetingInfo | None = Field(default=None, alias="onlineMeeting")
    online_meeting_url: str | None = Field(default=None, alias="onlineMeetingUrl")
    web_link: str | None = Field(default=None, alias="webLink")
    change_key: str | None = Field(default=None, alias="changeKey")
    series_master_id: str | None = Field(default=None, alias="seriesMasterId")
    original_start: str | None = Field(default=None, alias="originalStart")
    type: str | None = None


class Flag(_Wire):
    flag_status: str = Field(default="notFlagged", alias="flagStatus")


class Message(_Wire):
    id: str
    subject: str | None = None
    body_preview: str = Field(default="", alias="bodyPreview")
    body: ItemBody | None = None
    sender: Recipient | None = Field(default=None, alias="from")
    to_recipients: tuple[Recipient, ...] = Field(default=(), alias="toRecipients")
    cc_recipients: tuple[Recipient, ...] = Field(default=(), alias="ccRecipients")
    received_date_time: str | None = Field(default=None, alias="receivedDateTime")
    is_read: bool = Field(default=True, alias="isRead")
    flag: Flag = Field(default_factory=Flag)
    importance: str = "normal"
    has_attachments: bool = Field(default=False, alias="hasAttachments")
    conversation_id: str | None = Field(default=None, alias="conversationId")
    categories: tuple[str, ...] = ()
    web_link: str | None = Field(default=None, alias="webLink")


class StatusMessage(_Wire):
    """presence.statusMessage (presenceStatusMessage); ``expiryDateTime`` is left out of
    other people's presence."""

    message: ItemBody | None = None
    expiry_date_time: DateTimeTimeZone | None = Field(default=None, alias="expiryDateTime")


class Presence(_Wire):
    id: str = ""
    availability: str | None = None
    activity: str | None = None
    status_message: StatusMessage | None = Field(default=None, alias="statusMessage")


class ConversationMember(_Wire):
    display_name: str | None = Field(default=None, alias="displayName")
    user_id: str | None = Field(default=None, alias="userId")
    email: str | None = None


class Chat(_Wire):
    id: str
    topic: str | None = None
    chat_type: str = Field(default="group", alias="chatType")
    web_url: str | None = Field(default=None, alias="webUrl")
    members: tuple[ConversationMember, ...] = ()


class Team(_Wire):
    id: str
    display_name: str = Field(default="", alias="displayName")


class Channel(_Wire):
    id: str
    display_name: str = Field(default="", alias="displayName")
    membership_type: str | None = Field(default=None, alias="membershipType")
    web_url: str | None = Field(default=None, alias="webUrl")


class ChatMessage(_Wire):
    id: str
    reply_to_id: str | None = Field(default=None, alias="replyToId")
    created_date_time: str | None = Field(default=None, alias="createdDateTime")
    web_url: str | None = Field(default=None, alias="webUrl")
    body: ItemBody | None = None


class OnlineMeeting(_Wire):
    id: str
    join_web_url: str = Field(alias="joinWebUrl")
    subject: str | None = None


class Collection(_Wire):
    """A page of a collection: ``value`` and the links to go on with."""

    value: list[dict[str, Any]] = Field(default_factory=list)
    next_link: str | None = Field(default=None, alias="@odata.nextLink")
    delta_link: str | None = Field(default=None, alias="@odata.deltaLink")
    count: int | None = Field(default=None, alias="@odata.count")
