"""The Mail capability suite, run on every connector that declares Mail: each view (inbox,
unread, flagged, a search) read by cursor to its end gives the story's messages newest
first, without bodies and each once; ``get_mail`` gives the body exactly as sent (hostile
HTML included: the hub sanitises it); a reply reaches the service answering that message;
an unknown message is NotFound.

Where the services differ the suite says so rather than pick one: Gmail's search covers the
whole mailbox (archived mail too), Graph's the inbox it lists, so the search view must find
the inbox's matches and nothing that does not match.
"""

from __future__ import annotations

import pytest

from connectors.sdk import InvalidRequest, NotFound
from connectors.sdk.capabilities import Mail as MailCapability
from connectors.sdk.mail import MailMessage, MailView

from .conftest import declaring
from .mail_subjects import BUILDERS, HOSTILE, SEARCHED, STORY, MailSubject, mailbox, newest_first

__all__ = ["mailbox"]
INBOX = tuple(m for m in STORY if m.inbox)


def test_every_mail_connector_is_in_the_suite() -> None:
    declared = set(declaring("Mail"))
    assert declared and declared <= set(BUILDERS), declared - set(BUILDERS)


async def _read_all(
    c: MailCapability, view: MailView, query: str | None = None
) -> tuple[list[MailMessage], int]:
    """Every page of ``view`` by its cursor, and how many pages that took."""
    items: list[MailMessage] = []
    page = await c.list_mail(view, query=query)
    pages = 1
    items += page.items
    while page.next_cursor is not None:
        assert pages < 50, "the cursor never ends"
        page = await c.list_mail(view, query=query, cursor=page.next_cursor)
        pages += 1
        items += page.items
    return items, pages


@pytest.mark.parametrize(
    "view",
    ["inbox", "unread", "flagged"],
)
async def test_each_view_pages_to_its_end_newest_first(mailbox: MailSubject, view: str) -> None:
    c: MailCapability = mailbox.connector
    want = {
        "inbox": INBOX,
        "unread": tuple(m for m in INBOX if m.unread),
        "flagged": tuple(m for m in INBOX if m.flagged),
    }[view]
    got, pages = await _read_all(c, view)  # type: ignore[arg-type]
    assert [m.subject for m in got] == newest_first(want)
    assert len({m.key for m in got}) == len(got)
    assert all(m.body_html is None and m.body_text is None for m in got)  # lists carry none
    by_subject = {m.subject: m for m in want}
    for m in got:
        assert m.unread == by_subject[m.subject].unread, m.subject
        assert m.flagged == by_subject[m.subject].flagged, m.subject
        assert m.ref.key == mailbox.keys[m.subject]
    assert pages > 1  # more than a page: the cursor was followed


async def test_the_search_view_finds_the_inbox_matches_by_cursor(mailbox: MailSubject) -> None:
    c: MailCapability = mailbox.connector
    got, pages = await _read_all(c, "query", mailbox.query)
    assert pages > 1
    subjects = [m.subject for m in got]
    inbox = newest_first(tuple(m for m in INBOX if m.subject.startswith(SEARCHED)))
    assert [s for s in subjects if s in inbox] == inbox
    assert all(s.startswith(SEARCHED) for s in subjects), subjects
    with pytest.raises(InvalidRequest):  # no words: not the whole mailbox
        await c.list_mail("query", query="  ")


async def test_a_message_comes_with_its_body_as_sent(mailbox: MailSubject) -> None:
    c: MailCapability = mailbox.connector
    listed, _ = await _read_all(c, "inbox")
    report = next(m for m in listed if m.subject == "Quarterly report")
    full = await c.get_mail(report.ref)
    assert full.body_html == HOSTILE  # untouched: the hub sanitises, not the connector
    assert full.subject == "Quarterly report" and full.key == report.key


async def test_a_reply_reaches_the_service_answering_its_message(mailbox: MailSubject) -> None:
    c: MailCapability = mailbox.connector
    unread, _ = await _read_all(c, "unread")
    failed = next(m for m in unread if m.subject == "Deploy failed")
    body = "Thanks <b>Bob</b> & all — rolling back.\n\nAda"
    await c.reply_mail(failed.ref, body)
    assert mailbox.replies() == [(mailbox.keys["Deploy failed"], body)]
    await c.reply_mail(failed.ref, "Everyone: rolled back.", all=True)
    assert mailbox.replies()[1:] == [(mailbox.keys["Deploy failed"], "Everyone: rolled back.")]


async def test_an_unknown_message_is_not_found(mailbox: MailSubject) -> None:
    c: MailCapability = mailbox.connector
    listed = await c.list_mail("inbox")
    gone = listed.items[0].ref.model_copy(update={"key": mailbox.missing_key})
    with pytest.raises(NotFound):
        await c.get_mail(gone)
