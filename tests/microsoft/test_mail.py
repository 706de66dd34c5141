"""Mail on the Graph stand-in: the inbox, unread and flagged views (Outlook's rule that a
sorted property is filtered on first), search, nextLink cursors, a message's body as sent
(unsanitised HTML), and replies sent with the text escaped."""

from __future__ import annotations

from datetime import timedelta

import pytest

from connectors.microsoft.connector import MicrosoftConnector
from connectors.sdk import InvalidRequest, ItemKind, NotFound

from .helpers import NOW, World


def _inbox(world: World) -> list[dict[str, object]]:
    st, ada = world.state, world.ada
    return [
        st.add_message(ada, "Oldest", received=NOW - timedelta(hours=5), read=True),
        st.add_message(
            ada, "Flagged one", received=NOW - timedelta(hours=4), flagged=True, read=True
        ),
        st.add_message(ada, "Unread deploy", received=NOW - timedelta(hours=3)),
        st.add_message(
            ada,
            "Newest",
            received=NOW - timedelta(hours=1),
            body='<p>Hi <script>alert(1)</script><img src="https://x.test/p.gif"></p>',
            cc=[("Bob Builder", "bob@contoso.com")],
        ),
        st.add_message(ada, "Archived", received=NOW, folder="archive"),
    ]


async def test_views_list_the_inbox_newest_first(world: World, conn: MicrosoftConnector) -> None:
    _inbox(world)
    inbox = await conn.list_mail("inbox")
    assert [m.subject for m in inbox.items] == ["Newest", "Unread deploy", "Flagged one", "Oldest"]
    newest = inbox.items[0]
    assert newest.ref.kind is ItemKind.MESSAGE and newest.ref.scope == "inbox"
    assert newest.sender is not None and newest.sender.email == "bob@contoso.com"
    assert newest.unread and newest.body_html is None  # lists carry no body
    assert newest.preview.startswith("Hi")
    assert newest.url and newest.url.startswith("https://outlook.office365.com/owa/")
    unread = await conn.list_mail("unread")
    assert [m.subject for m in unread.items] == ["Newest", "Unread deploy"]
    flagged = await conn.list_mail("flagged")
    assert [m.subject for m in flagged.items] == ["Flagged one"]
    assert flagged.items[0].flagged


async def test_search_uses_graphs_search(world: World, conn: MicrosoftConnector) -> None:
    _inbox(world)
    page = await conn.list_mail("query", query="deploy")
    assert [m.subject for m in page.items] == ["Unread deploy"]
    asked = world.standin.log[-1]
    assert dict(asked.query)["$search"] == '"deploy"' and "$orderby" not in dict(asked.query)
    with pytest.raises(InvalidRequest):
        await conn.list_mail("query", query=" ")


async def test_the_cursor_is_graphs_next_link(world: World, conn: MicrosoftConnector) -> None:
    st = world.state
    for i in range(7):
        st.add_message(world.ada, f"m{i}", received=NOW - timedelta(minutes=i))
    world.standin.max_page = 3
    seen: list[str] = []
    cursor = None
    for _ in range(5):
        page = await conn.list_mail("unread", cursor=cursor)
        seen += [m.subject for m in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert seen == [f"m{i}" for i in range(7)]
    with pytest.raises(InvalidRequest, match="cursor does not belong"):
        await conn.list_mail("inbox", cursor="https://evil.test/v1.0/me/messages?$skip=3")


async def test_a_message_comes_with_its_body_unsanitised(
    world: World, conn: MicrosoftConnector
) -> None:
    newest = _inbox(world)[3]
    listed = (await conn.list_mail("inbox")).items[0]
    full = await conn.get_mail(listed.ref)
    assert full.body_html == newest["body"]["content"]  # type: ignore[index]
    assert "<script>" in (full.body_html or "")  # the hub sanitises, not the connector
    assert [a.email for a in full.cc] == ["bob@contoso.com"]
    gone = listed.ref.model_copy(update={"key": "AAMkMissing="})
    with pytest.raises(NotFound, match="ErrorItemNotFound"):
        await conn.get_mail(gone)


async def test_replies_go_to_reply_or_reply_all_with_the_text_escaped(
    world: World, conn: MicrosoftConnector
) -> None:
    msg = _inbox(world)[2]
    ref = (await conn.list_mail("unread")).items[1].ref
    await conn.reply_mail(ref, "Thanks <b>Bob</b> & all.\nShipping now.\n\nAda")
    await conn.reply_mail(ref, "Everyone: done.", all=True)
    one, every = world.state.replies
    assert one["to"] == msg["id"] and not one["all"] and every["all"]
    assert one["comment"] == (
        "<p>Thanks &lt;b&gt;Bob&lt;/b&gt; &amp; all.<br>Shipping now.</p><p>Ada</p>"
    )
    paths = [r.path for r in world.standin.log if r.method == "POST"]
    assert [p.rsplit("/", 1)[-1] for p in paths] == ["reply", "replyAll"]
    with pytest.raises(InvalidRequest):
        await conn.reply_mail(ref, "  ")
