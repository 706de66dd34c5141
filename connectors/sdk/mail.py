"""Mail models: one inbox shape for Outlook (Microsoft Graph), Gmail and any other source.

A message is named by an :class:`~connectors.sdk.models.ItemRef` of kind ``message``: the
scope is the mailbox's folder or label it was listed from (Graph's ``inbox``, Gmail's
``INBOX``), the key the service's message id, which stays the message's name wherever it
moves.

The body comes as the service sends it. HTML mail is *never* trusted: the hub sanitises
:attr:`MailMessage.body_html` before an editor or a webview sees it, and a connector must
not try to clean it itself (one sanitiser, one corpus of hostile HTML that tests it).
Lists carry no body, only :attr:`MailMessage.preview`, so an inbox poll stays small.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from .models import ItemRef, _Model

#: ``inbox``: the newest of the inbox; ``unread``, ``flagged``: those of the inbox (Gmail:
#: ``is:unread``, ``is:starred``); ``query``: the service's own search syntax in ``query``.
MailView = Literal["inbox", "unread", "flagged", "query"]


class MailAddress(_Model):
    email: str
    name: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name} <{self.email}>" if self.name else self.email


class MailMessage(_Model):
    """One message: headers always, the body only from :meth:`Mail.get_mail`."""

    ref: ItemRef
    subject: str = ""
    sender: MailAddress | None = None
    to: tuple[MailAddress, ...] = ()
    cc: tuple[MailAddress, ...] = ()
    received_at: datetime | None = None
    unread: bool = False
    flagged: bool = False
    important: bool = False
    has_attachments: bool = False
    #: The service's plain-text excerpt (Graph ``bodyPreview``, Gmail ``snippet``).
    preview: str = ""
    #: The conversation it belongs to (Graph ``conversationId``, Gmail ``threadId``).
    thread: str | None = None
    #: Folder names or labels (Gmail ``labelIds`` by name, Graph categories).
    labels: tuple[str, ...] = ()
    #: Where it opens in the service's web client.
    url: str | None = None
    #: The body as sent: unsafe HTML (sanitised by the hub), or plain text, or neither.
    body_html: str | None = None
    body_text: str | None = None

    @property
    def key(self) -> str:
        return self.ref.id


class MailPage(_Model):
    """A page of an inbox view, newest first, with an opaque cursor for the next."""

    items: tuple[MailMessage, ...] = ()
    next_cursor: str | None = None
    #: The service's own count of what the view holds, when it says (Graph's ``@odata.count``,
    #: Gmail's ``resultSizeEstimate``).
    total: int | None = Field(default=None, ge=0)
    unchanged: bool = False


__all__ = ["MailAddress", "MailMessage", "MailPage", "MailView"]
