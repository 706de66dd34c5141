"""The Inbox across mail sessions: views, newest-first merged pages that page by cursor,
polls that cost nothing while fresh and keep the rows an unchanged answer confirms, one
mailbox's failure beside the others' rows, messages read once, replies after the secret
check."""

from __future__ import annotations

import pytest

from connectors.sdk.errors import SecretFound, TielineError
from server.hub import mail as mail_mod
from server.hub.config import MailSettings
from server.hub.mail import Inbox, inbox_views
from server.hub.snippets import SecretScanner
from tests.mail.conftest import Setup, session
from tests.mail.fake import connector as fake


def _seed_interleaved(world: fake.World) -> None:
    for n in (1, 3, 5, 7, 9, 11, 13):
        world.add("ada", n)
    for n in (2, 4, 6, 8, 10, 12, 14, 15, 16):
        world.add("bob", n)


async def _all_pages(inbox: Inbox, view: str) -> list[list[str]]:
    pages: list[list[str]] = []
    cursor = None
    while True:
        page = await inbox.page(view, cursor)
        pages.append([r.message.subject for r in page.rows])
        cursor = page.cursor
        if cursor is None:
            return pages


def test_views_follow_the_settings() -> None:
    assert [v.id for v in inbox_views(MailSettings())] == ["unread", "flagged", "inbox"]
    team = inbox_views(MailSettings(team_query=" from:(@team.test) "))[-1]
    assert (team.id, team.label, team.view, team.query) == ("team", "Team", "query",
                                                           "from:(@team.test)")  # fmt: skip


async def test_pages_merge_newest_first_and_page_by_cursor(
    setup: Setup, world: fake.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    _seed_interleaved(world)
    monkeypatch.setattr(mail_mod, "PAGE_ROWS", 4)
    pages = await _all_pages(setup.inbox, "inbox")
    flat = [s for p in pages for s in p]
    # Every message once, in the order one mailbox of both would have: 16 down to 1.
    assert flat == [f"Message {n}" for n in range(16, 0, -1)]
    assert all(len(p) <= 4 for p in pages) and len(pages) >= 4
    first = await setup.inbox.page("inbox")
    assert first.total == 16  # 7 + 9, as the services counted


async def test_a_page_stops_where_a_dry_mailbox_might_hold_newer_mail(
    setup: Setup, world: fake.World
) -> None:
    """ada's page of three ends at 13 while bob's first page reaches 14: rows older than
    what ada may still hold wait for ada's next page, read on the same request at most once."""
    _seed_interleaved(world)
    page = await setup.inbox.page("inbox")
    subjects = [r.message.subject for r in page.rows]
    assert subjects == sorted(subjects, key=lambda s: -int(s.split()[1]))
    reads = [c for c in world.calls if c[0] == "list_mail"]
    assert len(reads) <= 2 * 4  # bounded, not one request per row
    assert page.cursor is not None


async def test_views_pass_what_the_service_filters_on(setup: Setup, world: fake.World) -> None:
    world.add("ada", 1, unread=True)
    world.add("ada", 2, flagged=True)
    world.add("bob", 3, sender={"email": "lee@team.test", "name": "Lee"})
    unread = await setup.inbox.page("unread")
    flagged = await setup.inbox.page("flagged")
    team = await setup.inbox.page("team")
    assert [r.message.subject for r in unread.rows] == ["Message 1"]
    assert [r.message.subject for r in flagged.rows] == ["Message 2"]
    assert [r.message.subject for r in team.rows] == ["Message 3"]
    assert ("list_mail", "bob", "query", "@team.test", "") in world.calls
    with pytest.raises(TielineError, match="no Inbox view"):
        await setup.inbox.page("spam")


async def test_polls_cost_nothing_while_fresh_and_unchanged_keeps_the_rows(
    setup: Setup, world: fake.World
) -> None:
    _seed_interleaved(world)
    first = await setup.inbox.page("inbox")
    calls = len(world.calls)
    again = await setup.inbox.page("inbox")
    assert len(world.calls) == calls, "a fresh first page is not asked again"
    assert [r.message.key for r in again.rows] == [r.message.key for r in first.rows]

    setup.clock.now += setup.settings.refresh_interval + 1
    polled = await setup.inbox.page("inbox")
    firsts = [c for c in world.calls[calls:] if c[0] == "list_mail" and c[4] == ""]
    assert len(firsts) == 2  # one conditional read per mailbox, answered "unchanged"
    assert [r.message.key for r in polled.rows] == [r.message.key for r in first.rows]

    setup.inbox.forget()  # Refresh: asked again at once, and "unchanged" keeps the rows
    refreshed = await setup.inbox.page("inbox")
    assert len(world.calls) == calls + 4
    assert [r.message.key for r in refreshed.rows] == [r.message.key for r in first.rows]

    world.add("bob", 99)  # new mail: a refresh on demand sees it at once
    forced = await setup.inbox.page("inbox", force=True)
    assert forced.rows[0].message.subject == "Message 99"


async def test_one_failing_mailbox_leaves_the_others(setup: Setup, world: fake.World) -> None:
    world.add("ada", 1)
    world.add("bob", 2)

    async def broken(*a: object, **kw: object) -> object:
        raise TielineError("bob's mailbox is down")

    setup.sessions[1].connector.list_mail = broken  # type: ignore[method-assign]
    page = await setup.inbox.page("inbox")
    assert [r.message.subject for r in page.rows] == ["Message 1"]
    assert list(page.errors.values()) == ["bob's mailbox is down"]


async def test_an_expired_cursor_says_so(setup: Setup) -> None:
    with pytest.raises(TielineError, match="expired"):
        await setup.inbox.page("inbox", "c999")


async def test_a_message_is_read_once_and_only_from_its_mailbox(
    setup: Setup, world: fake.World
) -> None:
    world.add("ada", 1, body_text="the body")
    row = (await setup.inbox.page("inbox")).rows[0]
    assert row.message.body_text is None  # lists carry no body
    full = await setup.inbox.message(row.message.key)
    assert full.body_text == "the body"
    await setup.inbox.message(row.message.key)
    assert [c for c in world.calls if c[0] == "get_mail"] == [("get_mail", "ada", "ada-1")]
    with pytest.raises(TielineError, match="refresh the Inbox"):
        await setup.inbox.message("fakemail:mail.example.test:nope")
    setup.sessions = [session("bob")]  # ada signed out: her message has no mailbox now
    with pytest.raises(TielineError, match="refresh the Inbox"):
        await setup.inbox.message(row.message.key, force=True)


async def test_a_reply_with_a_secret_is_refused_before_it_is_sent(
    setup: Setup, world: fake.World
) -> None:
    world.add("ada", 1)
    key = (await setup.inbox.page("inbox")).rows[0].message.key
    scan = SecretScanner([("a Fake Mail token", r"\btok-fakemail-[A-Za-z0-9]{8,}")])
    with pytest.raises(SecretFound) as got:
        await setup.inbox.reply(
            key, "```\nTOKEN=tok-fakemail-abcdefgh12\n```", all=False, check=scan.check
        )
    assert "tok-fakemail-abcdefgh12" not in str(got.value)
    assert got.value.findings == ("a Fake Mail token (line 2)",)
    assert world.replies == []
    await setup.inbox.reply(key, "```\nok()\n```", all=True, check=scan.check)
    assert world.replies == [("ada", "ada-1", "```\nok()\n```", True)]


async def test_a_page_asked_again_is_the_same_page_unasked(
    setup: Setup, world: fake.World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A shell re-expands "More…" whenever it redraws the tree: same rows, no request."""
    _seed_interleaved(world)
    monkeypatch.setattr(mail_mod, "PAGE_ROWS", 4)
    first = await setup.inbox.page("inbox")
    assert first.cursor is not None
    second = await setup.inbox.page("inbox", first.cursor)
    calls = len(world.calls)
    again = await setup.inbox.page("inbox", first.cursor)
    assert len(world.calls) == calls
    assert [r.message.key for r in again.rows] == [r.message.key for r in second.rows]
    assert again.cursor == second.cursor
    third = await setup.inbox.page("inbox", second.cursor)
    assert third.rows[0].when < second.rows[-1].when  # and it goes on from there


async def test_reads_at_once_ask_each_mailbox_once(setup: Setup, world: fake.World) -> None:
    import asyncio

    world.add("ada", 1)
    world.add("bob", 2)
    pages = await asyncio.gather(*(setup.inbox.page("inbox") for _ in range(5)))
    assert all([r.message.subject for r in p.rows] == ["Message 2", "Message 1"] for p in pages)
    assert len([c for c in world.calls if c[0] == "list_mail"]) == 2
