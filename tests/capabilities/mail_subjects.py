"""The Mail suite's subjects: every connector declaring Mail, on its contract-checked
stand-in, seeded with the same inbox (:data:`STORY`, oldest first) on pages of
:data:`PAGE` messages, so every view spans several.

A builder seeds the story in its service's terms (Graph's ``isRead`` and ``flag``, Gmail's
``UNREAD`` and ``STARRED`` labels), says what the service's search words for "deploy" are,
and reads back the replies that reached the service as (the key of the message answered,
what a reader sees of the reply). ``test_mail.py`` names no service.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest

from tests.standin.kit import StandIn, serving
from tests.standin.kit.fixtures import require_contract

from .conftest import declaring
from .reading import html_text

#: HTML the hub must sanitise, not the connector: it comes back from get_mail as sent.
HOSTILE = '<p onclick="steal()">Hi <script>alert(1)</script><img src=x onerror=y> &amp; bye</p>'


@dataclass(frozen=True)
class Mail:
    subject: str
    unread: bool = False
    flagged: bool = False
    html: str = "<p>Hello</p>"
    inbox: bool = True


#: Every view holds more than a page: Graph's pages are cut to this by the stand-in (as Graph
#: may cut any page), Gmail's asked for at this size (the connector's ``PAGE``, lowered).
PAGE = 4
STORY: tuple[Mail, ...] = (
    *(Mail(f"Newsletter {n}") for n in range(6)),
    Mail("Deploy archived", unread=True, inbox=False),
    *(Mail(f"Deploy nightly {n}", unread=True) for n in range(3)),
    *(Mail(f"Review {n}", flagged=True) for n in range(4)),
    Mail("Lunch plans", flagged=True),
    Mail("Quarterly report", html=HOSTILE),
    Mail("Deploy finished", unread=True),
    Mail("Deploy failed", unread=True, flagged=True),
)
SEARCHED = "Deploy"  # the story's subjects the query view finds start with this


@dataclass
class MailSubject:
    name: str
    connector: Any
    standin: StandIn
    #: Subject -> the service's key of that message.
    keys: dict[str, str]
    #: The service's search words that find the story's "Deploy" mail.
    query: str
    #: A message key shaped as the service's that names no message.
    missing_key: str
    #: The replies that reached the service: (the key answered, what a reader sees).
    replies: Callable[[], list[tuple[str, str]]]


Builder = Callable[[contextlib.AsyncExitStack], MailSubject]


def _google(stack: contextlib.AsyncExitStack) -> MailSubject:
    """Gmail: a reply is threaded by its In-Reply-To (the answered message's Message-ID) and
    the threadId the stand-in checks names a thread it holds. Pages are asked for at
    :data:`PAGE` messages, so a small story spans pages as a real inbox does."""
    from tests.google.helpers import connect, seed
    from tests.standin.google import GoogleStandIn

    require_contract(GoogleStandIn)
    stack.enter_context(mock.patch("connectors.google.connector.PAGE", PAGE))
    standin = stack.enter_context(serving(GoogleStandIn()))
    seed(standin)
    st = standin.state
    keys: dict[str, str] = {}
    for n, m in enumerate(STORY):
        labels = ("INBOX",) if m.inbox else ()
        labels += ("UNREAD",) * m.unread + ("STARRED",) * m.flagged
        mid = f"m{n:03d}"
        st.add_message(
            mid,
            sender="Bob Builder <bob@example.com>",
            subject=m.subject,
            text=None,
            html=m.html,
            labels=labels,
        )
        keys[m.subject] = mid

    def replies() -> list[tuple[str, str]]:
        out = []
        for sent in st.sent:
            answered = str(sent["In-Reply-To"] or "").strip("<>").split("@", 1)[0]
            out.append((answered, sent.get_content().strip()))
        return out

    c, http = connect(standin.url)
    stack.push_async_callback(http.aclose)
    return MailSubject("google", c, standin, keys, "deploy", "m999", replies)


def _microsoft(stack: contextlib.AsyncExitStack) -> MailSubject:
    """Graph: a reply goes to the message's own ``reply`` action, its text as HTML."""
    from tests.microsoft.helpers import NOW, connect, seed
    from tests.standin.microsoft import MicrosoftStandIn

    require_contract(MicrosoftStandIn)
    standin = stack.enter_context(serving(MicrosoftStandIn()))
    standin.max_page = PAGE
    w = seed(standin)
    st = w.state
    keys: dict[str, str] = {}
    start = NOW - timedelta(days=1)
    for n, m in enumerate(STORY):
        msg = st.add_message(
            w.ada,
            m.subject,
            received=start + timedelta(minutes=n),
            body=m.html,
            read=not m.unread,
            flagged=m.flagged,
            folder="inbox" if m.inbox else "archive",
        )
        keys[m.subject] = msg["id"]

    def replies() -> list[tuple[str, str]]:
        return [(r["to"], html_text(r.get("comment", ""))) for r in st.replies]

    c, http = connect(standin.url)
    stack.push_async_callback(http.aclose)
    return MailSubject("microsoft", c, standin, keys, "deploy", "AAMkMissing=", replies)


#: connector id -> the builder serving the story from its stand-in.
BUILDERS: dict[str, Builder] = {"google": _google, "microsoft": _microsoft}


@pytest.fixture(params=declaring("Mail"))
async def mailbox(request: pytest.FixtureRequest) -> AsyncIterator[MailSubject]:
    builder = BUILDERS.get(request.param)
    if builder is None:
        pytest.fail(f"{request.param} declares Mail but the suite has no builder for it")
    async with contextlib.AsyncExitStack() as stack:
        yield builder(stack)


def newest_first(mails: tuple[Mail, ...]) -> list[str]:
    return [m.subject for m in reversed(mails)]


__all__ = ["BUILDERS", "HOSTILE", "STORY", "Mail", "MailSubject", "mailbox", "newest_first"]
