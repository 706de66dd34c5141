"""Gmail messages as :class:`~connectors.sdk.mail.MailMessage`, and replies as RFC 2822.

A message's body is a tree of MIME parts (``payload``, ``parts``), each part's bytes in
``body.data`` as base64url. :func:`bodies` walks it depth-first and takes the first
``text/plain`` and the first ``text/html`` that are not attachments (``multipart/alternative``
holds both; a forwarded message's parts come after), decoded with the part's charset. The
HTML is passed on unsanitised, as the sdk asks: the hub cleans it.

A reply is an ``email.message.EmailMessage`` sent whole (``raw``) into the original's
thread: ``In-Reply-To`` its ``Message-ID``, ``References`` its references plus that id,
``Subject`` ``Re:`` once, to its ``Reply-To`` or sender (and, replying to all, everyone else
on it but the account itself). Gmail threads a reply only when ``threadId`` is given *and*
these headers agree (developers.google.com/workspace/gmail/api/guides/sending, "Sending
messages in threads").
"""

from __future__ import annotations

import base64
import binascii
import html
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import getaddresses, make_msgid

from connectors.sdk.mail import MailAddress, MailMessage
from connectors.sdk.models import ItemKind, ItemRef

from .models import GMessage, GPart

CONNECTOR = "google"
WEB = "https://mail.google.com/mail/u/0/#all"
#: Labels Gmail itself keeps: their ids are their names.
SYSTEM_NAMES = {
    "INBOX": "Inbox",
    "UNREAD": "Unread",
    "STARRED": "Starred",
    "IMPORTANT": "Important",
    "SENT": "Sent",
    "DRAFT": "Drafts",
    "SPAM": "Spam",
    "TRASH": "Trash",
    "CATEGORY_PERSONAL": "Personal",
    "CATEGORY_SOCIAL": "Social",
    "CATEGORY_PROMOTIONS": "Promotions",
    "CATEGORY_UPDATES": "Updates",
    "CATEGORY_FORUMS": "Forums",
}


def headers(part: GPart | None) -> dict[str, str]:
    """A part's headers by lower-cased name (the first of a repeated one)."""
    out: dict[str, str] = {}
    for h in part.headers if part else ():
        out.setdefault(h.name.lower(), h.value)
    return out


def addresses(value: str | None) -> tuple[MailAddress, ...]:
    return tuple(
        MailAddress(email=addr, name=name or None)
        for name, addr in getaddresses([value or ""])
        if addr and "@" in addr
    )


def _received(m: GMessage) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(m.internal_date or "") / 1000, tz=UTC)
    except ValueError:
        return None


def _parts(part: GPart) -> Iterator[GPart]:
    yield part
    for p in part.parts:
        yield from _parts(p)


def _attachment(part: GPart) -> bool:
    disposition = headers(part).get("content-disposition", "").lower()
    return bool(part.filename) or disposition.startswith("attachment")


def _charset(part: GPart) -> str:
    ctype = headers(part).get("content-type", "")
    for param in ctype.split(";")[1:]:
        name, _, value = param.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip('"')
    return "utf-8"


def _decode(part: GPart) -> str | None:
    data = part.body.data if part.body else None
    if not data:
        return None
    try:
        raw = base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))
    except (binascii.Error, ValueError):
        return None
    try:
        return raw.decode(_charset(part), errors="replace")
    except LookupError:  # a charset Python does not know
        return raw.decode("utf-8", errors="replace")


def bodies(payload: GPart | None) -> tuple[str | None, str | None]:
    """``(text, html)``: the first inline plain-text and HTML parts, decoded."""
    text: str | None = None
    markup: str | None = None
    for part in _parts(payload) if payload else ():
        if _attachment(part):
            continue
        mime = (part.mime_type or "").lower()
        if mime == "text/plain" and text is None:
            text = _decode(part)
        elif mime == "text/html" and markup is None:
            markup = _decode(part)
    return text, markup


def message(
    m: GMessage,
    *,
    host: str,
    scope: str,
    label_names: Mapping[str, str],
    full: bool = False,
) -> MailMessage:
    """A Gmail message; with ``full`` its body (an answer to ``format=full``)."""
    h = headers(m.payload)
    labels = m.label_ids
    text, markup = bodies(m.payload) if full else (None, None)
    parts = list(_parts(m.payload)) if m.payload else []
    attached = any(_attachment(p) for p in parts) or (
        not full and (m.payload is not None and (m.payload.mime_type or "") == "multipart/mixed")
    )
    senders = addresses(h.get("from"))
    return MailMessage(
        ref=ItemRef(connector=CONNECTOR, host=host, scope=scope, key=m.id, kind=ItemKind.MESSAGE),
        subject=h.get("subject", ""),
        sender=senders[0] if senders else None,
        to=addresses(h.get("to")),
        cc=addresses(h.get("cc")),
        received_at=_received(m),
        unread="UNREAD" in labels,
        flagged="STARRED" in labels,
        important="IMPORTANT" in labels,
        has_attachments=attached,
        # Gmail's snippet is HTML-escaped text (&#39;, &amp;).
        preview=html.unescape(m.snippet or ""),
        thread=m.thread_id,
        labels=tuple(SYSTEM_NAMES.get(i) or label_names.get(i) or i for i in labels),
        url=f"{WEB}/{m.id}",
        body_html=markup,
        body_text=text,
    )


def reply(original: GMessage, body: str, *, me: str | None, all: bool = False) -> EmailMessage:
    """The RFC 2822 reply to ``original`` (read with its ``Message-ID``, ``References``,
    ``Reply-To``, ``From``, ``To``, ``Cc`` and ``Subject``)."""
    h = headers(original.payload)
    mine = (me or "").lower()
    to = [a for a in addresses(h.get("reply-to") or h.get("from")) if a.email.lower() != mine]
    if not to:  # replying to one's own message: to whom it went
        to = list(addresses(h.get("to")))
    cc: list[MailAddress] = []
    if all:
        seen = {a.email.lower() for a in to} | {mine}
        for a in (*addresses(h.get("to")), *addresses(h.get("cc"))):
            if a.email.lower() not in seen:
                seen.add(a.email.lower())
                cc.append(a)
    subject = h.get("subject", "").strip()
    if not subject.lower().startswith("re:"):
        subject = f"Re: {subject}" if subject else "Re:"
    msg = EmailMessage()
    if me:
        msg["From"] = me
    msg["To"] = ", ".join(a.label for a in to)
    if cc:
        msg["Cc"] = ", ".join(a.label for a in cc)
    msg["Subject"] = subject
    msg["Message-ID"] = make_msgid(domain=me.rpartition("@")[2] if me and "@" in me else None)
    parent = h.get("message-id", "").strip()
    if parent:
        msg["In-Reply-To"] = parent
        refs = h.get("references", "").split()
        msg["References"] = " ".join([*refs, parent] if parent not in refs else refs)
    msg.set_content(body)
    return msg


__all__ = ["SYSTEM_NAMES", "addresses", "bodies", "headers", "message", "reply"]
