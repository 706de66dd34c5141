"""Trello's Workflow: a board's open lists are the moves, categories from list names."""

from __future__ import annotations

import pytest

from connectors.sdk import InvalidRequest, ItemState, StatusCategory
from connectors.trello.connector import TrelloConnector
from connectors.trello.mapping import ListCategories
from server.hub.http import HubClient

from .helpers import World, connect
from .test_cards import ref_from_url

Conn = tuple[TrelloConnector, HubClient]
TODO, DOING, DONE = StatusCategory.TODO, StatusCategory.IN_PROGRESS, StatusCategory.DONE


async def test_moves_are_the_other_open_lists_left_to_right(world: World, conn: Conn) -> None:
    c, _ = conn
    st = world.state
    st.add_list(world.board, "Old", pos=1e6, closed=True)
    card = st.add_card(world.board, "Work", creator=world.ada, members=(world.ada,))
    moves = await c.transitions(ref_from_url(card["shortUrl"]))
    assert [(t.name, t.to.category) for t in moves] == [
        ("Doing", DOING),
        ("Code Review", DOING),
        ("Done", DONE),
    ]
    assert all(t.id == st.list_named(world.board, t.name)["id"] for t in moves)


async def test_a_move_is_made_and_read_back(world: World, conn: Conn) -> None:
    c, _ = conn
    st = world.state
    card = st.add_card(world.board, "Work", creator=world.ada)
    ref = ref_from_url(card["shortUrl"])
    start = next(t for t in await c.transitions(ref) if t.to.category is DOING)
    moved = await c.transition(ref, start.id)  # what "start work" does
    assert moved.status is not None and moved.status.name == "Doing"
    assert st.cards[card["id"]]["idList"] == start.id
    put = [r for r in world.standin.log if r.method == "PUT"]
    assert len(put) == 1 and put[0].path == f"/1/cards/{card['id']}"
    done = next(t for t in await c.transitions(ref) if t.to.category is DONE)
    finished = await c.transition(ref, done.id)
    assert finished.state is ItemState.CLOSED


async def test_a_list_of_another_board_is_refused(world: World, conn: Conn) -> None:
    c, _ = conn
    st = world.state
    card = st.add_card(world.board, "Stay", creator=world.ada)
    elsewhere = st.list_named(world.other, "Backlog")["id"]
    with pytest.raises(InvalidRequest, match="not an open list"):
        await c.transition(ref_from_url(card["shortUrl"]), elsewhere)
    assert st.cards[card["id"]]["idBoard"] == world.board["id"]
    assert not [r for r in world.standin.log if r.method == "PUT"]


async def test_board_specific_words_replace_the_shared_ones(world: World) -> None:
    st = world.state
    short = world.board["shortLink"]
    c, http = connect(
        world.standin.url,
        settings={"started_lists": [f"{short}:code review"], "done_lists": ["done", "shipped"]},
    )
    try:
        card = st.add_card(world.board, "Work", creator=world.ada)
        moves = {t.name: t.to.category for t in await c.transitions(ref_from_url(card["url"]))}
        assert moves == {"Doing": TODO, "Code Review": DOING, "Done": DONE}
        ops = st.add_card(world.other, "Ops", creator=world.ada)
        ops_moves = {t.name: t.to.category for t in await c.transitions(ref_from_url(ops["url"]))}
        # No words of its own for "started" on Ops: the shared ones (none given: nothing).
        assert ops_moves == {"In Progress 🚧": TODO, "Shipped ✅": DONE}
    finally:
        await http.aclose()


@pytest.mark.parametrize(
    ("name", "category"),
    [
        ("To Do", TODO),
        ("Backlog", TODO),
        ("Doing", DOING),
        ("In-Progress 🚧", DOING),
        ("IN PROGRESS", DOING),
        ("Code Review", DOING),
        ("Done ✅", DONE),
        ("Done (in review)", DONE),
        ("Undone ideas", TODO),
        ("Shipped", DONE),
        ("", TODO),
    ],
)
def test_default_categories_of_list_names(name: str, category: StatusCategory) -> None:
    assert ListCategories.from_settings(None, None).category(name) is category


def test_the_manifest_defaults_are_the_mapping_defaults() -> None:
    from connectors.trello.mapping import DEFAULT_DONE, DEFAULT_STARTED

    from .helpers import MANIFEST

    own = {f.name: f.default for f in MANIFEST.config}
    assert tuple(own["started_lists"]) == DEFAULT_STARTED
    assert tuple(own["done_lists"]) == DEFAULT_DONE
