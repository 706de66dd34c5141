"""Trello as an IssueTracker, every method through ``wire(...)`` (the hub's real HTTP stack)
against the contract-checked stand-in."""

from __future__ import annotations

import re

import pytest

from connectors.sdk import InvalidRequest, ItemRef, ItemState, NotFound, StatusCategory
from connectors.sdk.paging import collect
from connectors.trello.connector import TrelloConnector
from server.hub.http import HubClient

from .helpers import MANIFEST, World

Conn = tuple[TrelloConnector, HubClient]


def ref_from_url(url: str) -> ItemRef:
    """What the hub builds from a pasted card URL with the manifest's pattern."""
    path = re.sub(r"^https://trello\.com", "", url)
    m = re.match(MANIFEST.urls[0].path, path)
    assert m, url
    g = m.groupdict()
    return ItemRef(
        connector="trello",
        host="trello.com",
        scope=g["scope"],
        key=g["key"],
        number=int(g["number"]) if g["number"] else None,
    )


async def test_check_names_the_member(conn: Conn) -> None:
    c, _ = conn
    result = await c.check()
    assert result.ok, result.detail
    assert (result.account, result.name) == ("ada", "Ada Lovelace")
    assert result.rate_limit_limit == 100 and result.rate_limit_remaining == 99


async def test_a_pasted_card_url_reads_the_card(world: World, conn: Conn) -> None:
    c, _ = conn
    st = world.state
    fix = st.add_label(world.board, "bug", "red")
    card = st.add_card(
        world.board,
        "Fix the login",
        creator=world.bob,
        lst="Doing",
        members=(world.ada,),
        desc="It *breaks*.",
        label_ids=(fix["id"],),
    )
    st.comment(world.bob, card, "seen it too")
    for url in (card["url"], card["shortUrl"], card["shortUrl"] + "/"):
        ref = ref_from_url(url)
        assert ref.scope == "" and ref.key == card["shortLink"]
        issue = await c.get_issue(ref)
        assert issue.key == f"trello:trello.com:{card['shortLink']}"
        assert issue.ref.scope == world.board["shortLink"] and issue.number == card["idShort"]
        assert issue.title == "Fix the login" and issue.body == "It *breaks*."
        assert issue.state is ItemState.OPEN and issue.url == card["url"]
        assert issue.status is not None and issue.status.name == "Doing"
        assert issue.status.category is StatusCategory.IN_PROGRESS
        assert [u.login for u in issue.assignees] == ["ada"]
        assert [(lb.name, lb.color) for lb in issue.labels] == [("bug", "red")]
        assert issue.comments == 1 and issue.created_at is not None


async def test_cards_in_done_lists_and_archived_cards_are_closed(world: World, conn: Conn) -> None:
    c, _ = conn
    st = world.state
    done = st.add_card(world.board, "Shipped", creator=world.ada, lst="Done")
    gone = st.add_card(world.board, "Archived", creator=world.ada, closed=True)
    ops = st.add_card(world.other, "Deployed", creator=world.ada, lst="Shipped ✅")
    for card in (done, gone, ops):
        issue = await c.get_issue(ref_from_url(card["shortUrl"]))
        assert issue.state is ItemState.CLOSED, card["name"]


async def test_my_cards_are_the_open_ones_i_am_on(world: World, conn: Conn) -> None:
    c, _ = conn
    st = world.state
    st.add_card(world.board, "Mine", creator=world.bob, members=(world.ada,))
    st.add_card(world.other, "Mine elsewhere", creator=world.bob, members=(world.ada,))
    st.add_card(world.board, "Mine but done", creator=world.bob, members=(world.ada,), lst="Done")
    st.add_card(world.board, "Bob's", creator=world.bob, members=(world.bob,))
    page = await c.list_issues("assigned")
    assert {i.title for i in page.items} == {"Mine", "Mine elsewhere"}
    assert page.next_cursor is None
    only = await c.list_issues("assigned", scope=world.other["shortLink"])
    assert [i.title for i in only.items] == ["Mine elsewhere"]


async def test_mentions_and_created_page_through_recent_activity(world: World, conn: Conn) -> None:
    c, _ = conn
    st = world.state
    mentioned = []
    for n in range(23):
        card = st.add_card(world.board, f"Mention {n}", creator=world.bob)
        st.mention(world.ada, card, world.bob)
        mentioned.append(card["name"])
    closed = st.add_card(world.board, "Mention done", creator=world.bob, lst="Done")
    st.mention(world.ada, closed, world.bob)
    for n in range(12):
        st.add_card(world.other, f"Made {n}", creator=world.ada)
    st.add_card(world.other, "Made by Bob", creator=world.bob)

    async def all_of(which: str) -> list[str]:
        async def page(cursor: str | None) -> tuple[tuple[object, ...], str | None]:
            got = await c.list_issues(which, cursor=cursor)  # type: ignore[arg-type]
            return got.items, got.next_cursor

        return [i.title for i in await collect(page)]  # type: ignore[attr-defined]

    got = await all_of("mentioned")
    assert sorted(got) == sorted(mentioned) and len(got) == len(set(got))
    made = await all_of("created")
    assert sorted(made) == sorted(f"Made {n}" for n in range(12))
    notes = [r for r in world.standin.log if r.path == "/1/members/me/notifications"]
    assert len(notes) == 3  # 10 + 10 + 4 notifications, paged by `before`
    assert all(("limit", "10") in r.query for r in notes)
    # The cards of a page are read in one batch, not one request each.
    assert not [r for r in world.standin.log if r.path.startswith("/1/cards/")]
    assert len([r for r in world.standin.log if r.path == "/1/batch"]) == 3 + 2


async def test_recent_activity_stops_at_its_horizon(world: World, conn: Conn) -> None:
    c, _ = conn
    st = world.state
    for n in range(70):
        st.mention(world.ada, st.add_card(world.board, f"M{n}", creator=world.bob), world.bob)
    pages, cursor = 0, None
    while True:
        got = await c.list_issues("mentioned", cursor=cursor)
        pages += 1
        cursor = got.next_cursor
        if cursor is None:
            break
    assert pages == 5  # the newest 50 notifications, 10 a page


async def test_a_board_pages_its_open_cards_newest_first(world: World, conn: Conn) -> None:
    c, _ = conn
    st = world.state
    titles = {st.add_card(world.board, f"Bulk {n}", creator=world.bob)["name"] for n in range(120)}
    st.add_card(world.board, "Done one", creator=world.bob, lst="Done")
    st.add_card(world.board, "Archived", creator=world.bob, closed=True)
    pages: list[int] = []

    async def page(cursor: str | None) -> tuple[tuple[object, ...], str | None]:
        got = await c.list_issues("open", scope=world.board["shortLink"], cursor=cursor)
        pages.append(len(got.items))
        return got.items, got.next_cursor

    items = await collect(page)
    keys = [i.key for i in items]  # type: ignore[attr-defined]
    assert len(keys) == len(set(keys)) and len(pages) == 3
    assert {i.title for i in items} == titles  # type: ignore[attr-defined]
    assert [i.title for i in items][:2] == ["Bulk 119", "Bulk 118"]  # type: ignore[attr-defined]
    with pytest.raises(InvalidRequest, match="board"):
        await c.list_issues("open")


async def test_a_new_card_goes_to_the_first_list_to_do(world: World, conn: Conn) -> None:
    c, _ = conn
    st = world.state
    st.add_label(world.board, "bug", "red")
    # The Ops board's first list is "Backlog"; the Web board's is "To Do".
    made = await c.create_issue(world.board["shortLink"], "Crash on save", "steps", ["bug"])
    card = st.find_card(made.ref.key)
    assert card is not None and st.lists[card["idList"]]["name"] == "To Do"
    assert made.ref.scope == world.board["shortLink"] and made.state is ItemState.OPEN
    assert made.status is not None and made.status.name == "To Do"
    assert [lb.name for lb in made.labels] == ["bug"] and card["desc"] == "steps"
    again = await c.get_issue(made.ref)
    assert (again.key, again.title) == (made.key, "Crash on save")
    # By board id too; the created card is among my created ones.
    made2 = await c.create_issue(world.other["id"], "Rotate keys")
    assert made2.ref.scope == world.other["shortLink"]
    assert {i.title for i in (await c.list_issues("created")).items} >= {"Rotate keys"}
    with pytest.raises(InvalidRequest, match="no label named nope"):
        await c.create_issue(world.board["shortLink"], "x", labels=["nope"])


async def test_the_default_list_setting_picks_where_cards_go(world: World) -> None:
    from .helpers import connect

    c, http = connect(world.standin.url, settings={"default_list": "doing"})
    try:
        made = await c.create_issue(world.board["shortLink"], "Straight to work")
        assert made.status is not None and made.status.name == "Doing"
        # A board without that list: its first list to do.
        other = await c.create_issue(world.other["shortLink"], "Ops thing")
        assert other.status is not None and other.status.name == "Backlog"
    finally:
        await http.aclose()


async def test_comments_come_back_with_their_link(world: World, conn: Conn) -> None:
    c, _ = conn
    card = world.state.add_card(world.board, "Talk", creator=world.bob)
    ref = ref_from_url(card["shortUrl"])
    comment = await c.add_comment(ref, "On it.\nWith a second line & symbols?")
    assert comment.body == "On it.\nWith a second line & symbols?"
    assert comment.author is not None and comment.author.login == "ada"
    assert comment.url == f"https://trello.com/c/{card['shortLink']}#comment-{comment.id}"
    post = [r for r in world.standin.log if r.method == "POST"][-1]
    assert post.query == [], "the comment's text travels in the body, not the URL"
    assert world.state.cards[card["id"]]["badges"]["comments"] == 1


async def test_people_for_completion(world: World, conn: Conn) -> None:
    c, _ = conn
    world.state.add_member("bobby", "Roberta Tables")  # on no board of ada's
    on_board = await c.search_users(world.board["shortLink"], "@b")
    assert [u.login for u in on_board] == ["bob"]
    assert on_board[0].name == "Bob Builder" and on_board[0].avatar_url
    by_name = await c.search_users(world.board["shortLink"], "love")
    assert [u.login for u in by_name] == ["ada"]
    anywhere = await c.search_users(None, "bob")
    assert {u.login for u in anywhere} == {"bob", "bobby"}
    assert await c.search_users(None, "") == []


async def test_missing_cards_and_bad_keys(world: World, conn: Conn) -> None:
    c, _ = conn
    sent = len(world.standin.log)
    with pytest.raises(InvalidRequest, match="short link"):
        await c.get_issue(ItemRef(connector="trello", host="trello.com", scope="", key="nope!"))
    assert len(world.standin.log) == sent, "a malformed key is refused before any request"
    with pytest.raises(NotFound, match="no such card"):
        await c.get_issue(ItemRef(connector="trello", host="trello.com", scope="", key="ZZZZZZZZ"))
    # A card on a board ada is not on is hidden from her, as Trello hides it.
    private = world.state.add_board("Private", [world.bob])
    card = world.state.add_card(private, "Secret", creator=world.bob)
    with pytest.raises(NotFound):
        await c.get_issue(ref_from_url(card["shortUrl"]))


async def test_known_scopes_are_my_boards(world: World, conn: Conn) -> None:
    c, _ = conn
    world.state.add_board("Not mine", [world.bob])
    assert await c.known_scopes() == sorted([world.board["shortLink"], world.other["shortLink"]])
