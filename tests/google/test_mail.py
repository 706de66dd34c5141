"""Gmail on the stand-in: inbox views by label and by search, pages, a message read in full
(MIME walked, bodies decoded, HTML passed on as sent), and replies threaded as Gmail wants."""

from __future__ import annotations

import pytest

from connectors.google.connector import PAGE, GoogleConnector
from connectors.sdk import InvalidRequest
from server.hub.http import HubClient

from .helpers import World

Conn = tuple[GoogleConnector, HubClient]
HOSTILE = '<p onclick="steal()">Hi <script>alert(1)</script><img src=x onerror=y></p>'


def _inbox(world: World) -> None:
    st = world.state
    st.add_label("Label_7", "Work")
    st.add_message("m1", sender="Bob <bob@example.com>", subject="Lunch?", text="Lunch at 12?")
    st.add_message(
        "m2",
        sender="Cleo <cleo@example.com>",
        subject="Plan",
        text="The plan, attached. It's final.",
        html="<p>The plan, <b>attached</b>.</p>",
        labels=("INBOX", "STARRED", "IMPORTANT", "Label_7"),
        attachment=True,
        cc="Dan <dan@example.com>, Ada Lovelace <ada@example.com>",
    )
    st.add_message("m3", sender="news@example.com", subject="Old news", labels=("INBOX",))
    st.add_message("m4", sender="Bob <bob@example.com>", subject="Archived", labels=("UNREAD",))


async def test_the_inbox_newest_first(world: World, conn: Conn) -> None:
    _inbox(world)
    connector, _ = conn
    page = await connector.list_mail("inbox")
    assert [m.subject for m in page.items] == ["Old news", "Plan", "Lunch?"]
    news, plan, lunch = page.items
    assert lunch.unread and not lunch.flagged and lunch.sender is not None
    assert lunch.sender.email == "bob@example.com" and lunch.sender.name == "Bob"
    assert plan.flagged and plan.important and plan.has_attachments and not plan.unread
    assert plan.labels == ("Inbox", "Starred", "Important", "Work")
    assert plan.preview == "The plan, attached. It's final."  # Gmail's snippet is escaped
    assert [a.email for a in plan.cc] == ["dan@example.com", "ada@example.com"]
    assert plan.thread == "m2" and plan.ref.scope == "INBOX" and plan.body_html is None
    assert page.total == 3 and page.next_cursor is None
    assert news.received_at is not None and lunch.received_at is not None
    assert news.received_at > lunch.received_at
    # The user's label names are read once, for the first message that carries one.
    await connector.list_mail("inbox")
    assert len([r for r in world.standin.log if r.path.endswith("/labels")]) == 1


async def test_a_message_gone_between_list_and_read_is_left_out(world: World, conn: Conn) -> None:
    _inbox(world)
    world.standin.plan(world.standin.error(404, "Requested entity was not found."), path="/m2")
    connector, _ = conn
    page = await connector.list_mail("inbox")
    assert [m.ref.key for m in page.items] == ["m3", "m1"]


async def test_views_are_label_ids_or_gmail_search(world: World, conn: Conn) -> None:
    _inbox(world)
    connector, _ = conn
    assert [m.ref.key for m in (await connector.list_mail("unread")).items] == ["m1"]
    assert [m.ref.key for m in (await connector.list_mail("flagged")).items] == ["m2"]
    found = await connector.list_mail("query", query="from:bob is:unread")
    assert [m.ref.key for m in found.items] == ["m4", "m1"]
    lists = [dict(r.query) for r in world.standin.log if r.path.endswith("/messages")]
    labels = [
        [v for k, v in r.query if k == "labelIds"]
        for r in world.standin.log
        if r.path.endswith("/messages")
    ]
    assert ["INBOX", "UNREAD"] in labels and ["INBOX", "STARRED"] in labels
    assert lists[-1]["q"] == "from:bob is:unread"
    with pytest.raises(InvalidRequest, match="needs Gmail search words"):
        await connector.list_mail("query", query="  ")


async def test_a_page_costs_one_request_per_message_plus_one(world: World, conn: Conn) -> None:
    for i in range(PAGE + 5):
        world.state.add_message(f"n{i:02}", sender="bot@example.com", subject=f"Build {i}")
    world.state.add_label("Label_1", "Bots")
    connector, _ = conn
    first = await connector.list_mail("inbox")
    assert len(first.items) == PAGE and first.next_cursor
    lists = [r for r in world.standin.log if r.path.endswith("/messages")]
    gets = [r for r in world.standin.log if "/messages/" in r.path]
    assert len(lists) == 1 and len(gets) == PAGE
    assert all(dict(r.query)["format"] == "metadata" for r in gets)
    assert dict(lists[0].query)["maxResults"] == str(PAGE)
    second = await connector.list_mail("inbox", cursor=first.next_cursor)
    assert len(second.items) == 5 and second.next_cursor is None
    assert {m.subject for m in first.items}.isdisjoint({m.subject for m in second.items})
    # Only system labels on these: the label names were never needed.
    assert not [r for r in world.standin.log if r.path.endswith("/labels")]


async def test_a_message_read_in_full(world: World, conn: Conn) -> None:
    _inbox(world)
    world.state.add_message(
        "m9", sender="eve@example.com", subject="Hostile", text=None, html=HOSTILE
    )
    world.state.add_message(
        "m10",
        sender="zoe@example.com",
        subject="Grüße",
        text="Grüße aus Köln",
        charset="iso-8859-1",
    )
    connector, _ = conn
    page = await connector.list_mail("inbox")
    plan = next(m for m in page.items if m.subject == "Plan")
    full = await connector.get_mail(plan.ref)
    assert full.body_text == "The plan, attached. It's final."
    assert full.body_html == "<p>The plan, <b>attached</b>.</p>"
    assert full.has_attachments
    hostile = next(m for m in page.items if m.subject == "Hostile")
    raw = await connector.get_mail(hostile.ref)
    assert raw.body_html == HOSTILE and raw.body_text is None  # unsanitised: the hub cleans it
    latin = await connector.get_mail(next(m for m in page.items if m.subject == "Grüße").ref)
    assert latin.body_text == "Grüße aus Köln"
    assert dict(world.standin.log[-1].query)["format"] == "full"


async def test_a_reply_goes_into_the_thread(world: World, conn: Conn) -> None:
    _inbox(world)
    world.state.add_message(
        "m5",
        sender="Bob <bob@example.com>",
        subject="Re: Release",
        thread="t-release",
        message_id="<r2@mail.example.com>",
        references="<r1@mail.example.com>",
        cc="Cleo <cleo@example.com>",
    )
    connector, _ = conn
    page = await connector.list_mail("inbox")
    m5 = next(m for m in page.items if m.ref.key == "m5")
    await connector.reply_mail(m5.ref, "Ship it.\n\n— Ada", all=True)
    (sent,) = world.state.sent
    assert sent["Subject"] == "Re: Release"  # no second "Re:"
    assert sent["In-Reply-To"] == "<r2@mail.example.com>"
    assert sent["References"] == "<r1@mail.example.com> <r2@mail.example.com>"
    assert sent["To"] == "Bob <bob@example.com>"
    assert sent["Cc"] == "Cleo <cleo@example.com>"  # everyone else, never Ada herself
    assert sent["From"] == "ada@example.com"
    assert sent.get_content().strip() == "Ship it.\n\n— Ada"
    send = world.standin.log[-1]
    assert send.method == "POST" and send.path.endswith("/messages/send")
    lunch = next(m for m in page.items if m.ref.key == "m1")
    await connector.reply_mail(lunch.ref, "Yes!")
    assert world.state.sent[1]["Subject"] == "Re: Lunch?" and world.state.sent[1]["Cc"] is None
