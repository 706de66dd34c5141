"""Google wire types: the fields of Calendar API v3, Gmail API v1 and Drive API v3 answers the
connector reads.

Google's JSON is camelCase; Python reads ``event.hangout_link`` for ``hangoutLink`` through an
alias generator. Unknown fields are ignored. The shapes are the discovery documents'
(``tests/contracts/google/``: schemas ``CalendarListEntry``, ``Event``, ``Events``,
``Message``, ``MessagePart``, ``ListMessagesResponse``, ``Label``, ``Profile``, ``File``,
``FileList``, ``Change``, ``ChangeList``, ``StartPageToken``, ``Comment``, ``Reply``,
``CommentList``), which the stand-in's answers are
validated against. int64 values (Gmail's ``internalDate``, ``historyId``; Drive's ``size`` and
``version``) arrive as JSON strings.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class _Wire(BaseModel):
    model_config = ConfigDict(
        extra="ignore", frozen=True, alias_generator=to_camel, populate_by_name=True
    )


# -- Calendar -----------------------------------------------------------------------------------
class GCalendar(_Wire):
    """A calendar in the account's calendar list (``CalendarListEntry``)."""

    id: str
    summary: str = ""
    summary_override: str | None = None
    description: str | None = None
    time_zone: str | None = None
    background_color: str | None = None
    access_role: str | None = None
    primary: bool = False
    #: Shown in Google Calendar's own UI: the agenda's default.
    selected: bool = False
    hidden: bool = False
    deleted: bool = False


class GCalendarList(_Wire):
    items: tuple[GCalendar, ...] = ()
    next_page_token: str | None = None
    next_sync_token: str | None = None


class GWhen(_Wire):
    """``EventDateTime``: ``date`` for an all-day event, else ``dateTime`` (RFC 3339)."""

    date: str | None = None
    date_time: str | None = None
    time_zone: str | None = None


class GPerson(_Wire):
    email: str | None = None
    display_name: str | None = None
    self_: bool = Field(default=False, alias="self")


class GAttendee(GPerson):
    response_status: str | None = None
    optional: bool = False
    organizer: bool = False
    resource: bool = False


class GEntryPoint(_Wire):
    entry_point_type: str | None = None
    uri: str | None = None


class GConferenceData(_Wire):
    entry_points: tuple[GEntryPoint, ...] = ()


class GEvent(_Wire):
    """An event, or one instance of a recurring one (``singleEvents=true``). A sync answer
    may hold a cancelled one with only ``id`` and ``status``."""

    id: str
    status: str | None = None
    html_link: str | None = None
    summary: str | None = None
    description: str | None = None
    location: str | None = None
    color_id: str | None = None
    event_type: str | None = None
    transparency: str | None = None
    i_cal_uid: str | None = Field(default=None, alias="iCalUID")
    etag: str | None = None
    start: GWhen | None = None
    end: GWhen | None = None
    original_start_time: GWhen | None = None
    recurring_event_id: str | None = None
    organizer: GPerson | None = None
    attendees: tuple[GAttendee, ...] = ()
    hangout_link: str | None = None
    conference_data: GConferenceData | None = None


class GEvents(_Wire):
    items: tuple[GEvent, ...] = ()
    time_zone: str | None = None
    next_page_token: str | None = None
    next_sync_token: str | None = None


# -- Gmail --------------------------------------------------------------------------------------
class GMessageId(_Wire):
    id: str
    thread_id: str | None = None


class GMessageList(_Wire):
    messages: tuple[GMessageId, ...] = ()
    next_page_token: str | None = None
    result_size_estimate: int | None = None


class GHeader(_Wire):
    name: str = ""
    value: str = ""


class GBody(_Wire):
    size: int | None = None
    #: base64url of the part's bytes (absent when the part is an attachment kept apart).
    data: str | None = None
    attachment_id: str | None = None


class GPart(_Wire):
    """One MIME part (``MessagePart``); ``parts`` for a multipart."""

    part_id: str | None = None
    mime_type: str | None = None
    filename: str | None = None
    headers: tuple[GHeader, ...] = ()
    body: GBody | None = None
    parts: tuple[GPart, ...] = ()


class GMessage(_Wire):
    id: str
    thread_id: str | None = None
    label_ids: tuple[str, ...] = ()
    snippet: str | None = None
    #: Epoch milliseconds, as a string.
    internal_date: str | None = None
    #: The mailbox history record of the message's last change (uint64, as a string).
    history_id: str | None = None
    payload: GPart | None = None


class GLabel(_Wire):
    id: str
    name: str = ""
    type: str | None = None


class GLabels(_Wire):
    labels: tuple[GLabel, ...] = ()


class GMessageChange(_Wire):
    """One entry of a history record's ``messagesAdded`` / ``labelsRemoved`` / ...: the
    message it names (id and thread only, the reference says) and the labels it moved."""

    message: GMessageId
    label_ids: tuple[str, ...] = ()


class GHistory(_Wire):
    """A history record: the changes of one mailbox sequence id."""

    id: str
    messages_added: tuple[GMessageChange, ...] = ()
    messages_deleted: tuple[GMessageChange, ...] = ()
    labels_added: tuple[GMessageChange, ...] = ()
    labels_removed: tuple[GMessageChange, ...] = ()

    def message_ids(self) -> set[str]:
        return {
            c.message.id
            for changes in (
                self.messages_added,
                self.messages_deleted,
                self.labels_added,
                self.labels_removed,
            )
            for c in changes
        }


class GHistoryList(_Wire):
    """``users.history.list``: records after ``startHistoryId``, oldest first, and the
    mailbox's current ``historyId``."""

    history: tuple[GHistory, ...] = ()
    history_id: str | None = None
    next_page_token: str | None = None


class GProfile(_Wire):
    email_address: str | None = None
    messages_total: int | None = None
    #: The mailbox's current history record: where a later ``history.list`` starts.
    history_id: str | None = None


# -- Drive --------------------------------------------------------------------------------------
class GFile(_Wire):
    """A Drive file or folder (``File``), as far as the ``fields`` the client asks for go.

    ``version`` rises with every change to the file on the server, metadata included: it is
    what a write compares before replacing (Drive v3 has no ``etag`` and no If-Match)."""

    id: str
    name: str = ""
    mime_type: str = ""
    parents: tuple[str, ...] = ()
    trashed: bool = False
    size: str | None = None
    version: str | None = None
    md5_checksum: str | None = None
    sha256_checksum: str | None = None
    modified_time: str | None = None
    web_view_link: str | None = None
    #: The shared drive it is on (none: the account's own My Drive).
    drive_id: str | None = None


class GFileList(_Wire):
    files: tuple[GFile, ...] = ()
    next_page_token: str | None = None
    incomplete_search: bool = False


class GChange(_Wire):
    """One entry of ``changes.list``: the file's state now, or ``removed`` (deleted for good,
    or no longer shared with the account) with only its id."""

    file_id: str | None = None
    removed: bool = False
    change_type: str | None = None
    time: str | None = None
    file: GFile | None = None


class GChangeList(_Wire):
    changes: tuple[GChange, ...] = ()
    #: More of this listing.
    next_page_token: str | None = None
    #: On the last page: where the next listing starts.
    new_start_page_token: str | None = None


class GStartPageToken(_Wire):
    start_page_token: str


class GUser(_Wire):
    display_name: str | None = None
    email_address: str | None = None
    photo_link: str | None = None
    me: bool = False


class GQuoted(_Wire):
    mime_type: str | None = None
    value: str | None = None


class GReply(_Wire):
    """A reply in a comment's thread; ``action`` ``resolve``/``reopen`` when it did that."""

    id: str
    content: str = ""
    author: GUser | None = None
    created_time: str | None = None
    action: str | None = None
    deleted: bool = False


class GComment(_Wire):
    """A comment on a file (a Google Doc's margin comment), with its thread."""

    id: str
    content: str = ""
    author: GUser | None = None
    created_time: str | None = None
    modified_time: str | None = None
    resolved: bool = False
    deleted: bool = False
    quoted_file_content: GQuoted | None = None
    replies: tuple[GReply, ...] = ()


class GCommentList(_Wire):
    comments: tuple[GComment, ...] = ()
    next_page_token: str | None = None
