"""Asana as an IssueTracker and Workflow, every method through ``wire(...)`` against the
contract-checked stand-in."""

from __future__ import annotations

import re

import pytest

from connectors.asana.connector import AsanaConnector
from connectors.sdk import InvalidRequest, ItemRef, ItemState, NotFound, StatusCategory
from connectors.sdk.paging import collect
from server.hub.http import HubClient

from .helpers import MANIFEST, World, connect, seed

Conn = tuple[AsanaConnector, HubClient]


def ref_from_url(url: str) -> ItemRef:
    path = re.sub(r"^https://app\.asana\.com", "", url)
    for u in MANIFEST.urls:
        m = re.match(u.path, path)
        if m:
            return ItemRef(connector="asana", host="app.asana.com", scope=m["scope"], key=m["key"])
    raise AssertionError(f"no pattern matches {url}")


async def test_check_names_the_user(conn: Conn) -> None:
    c, _ = conn
    result = await c.check()
    assert result.ok, result.detail
    assert (result.account, result.name) == ("ada@acme.test", "Ada Lovelace")
    assert "Acme" in result.detail


@pytest.mark.parametrize("form", ["old", "old_f", "new", "new_no_project"])
async def test_task_links_read_the_task(world: World, conn: Conn, form: str) -> None:
    c, _ = conn
    st = world.state
    tag = st.add_tag(world.ws, "bug")
    t = st.add_task(
        world.project,
        "Fix login",
        creator=world.bob,
        assignee=world.ada,
        section="In progress",
        notes="It breaks.",
        tags=(tag["gid"],),
    )
    p, g, w = world.project["gid"], t["gid"], world.ws["gid"]
    url = {
        "old": f"https://app.asana.com/0/{p}/{g}",
        "old_f": f"https://app.asana.com/0/{p}/{g}/f",
        "new": f"https://app.asana.com/1/{w}/project/{p}/task/{g}",
        "new_no_project": f"https://app.asana.com/1/{w}/task/{g}",
    }[form]
    issue = await c.get_issue(ref_from_url(url))
    assert issue.key == f"asana:app.asana.com:{g}" and issue.ref.scope == p
    assert issue.title == "Fix login" and issue.body == "It breaks."
    assert issue.state is ItemState.OPEN and issue.url == t["permalink_url"]
    assert issue.status is not None
    assert (issue.status.name, issue.status.category) == ("In progress", StatusCategory.IN_PROGRESS)
    assert [u.login for u in issue.assignees] == ["ada@acme.test"]
    assert issue.assignees[0].avatar_url and not issue.assignees[0].handle
    assert [lb.name for lb in issue.labels] == ["bug"]
    get = [r for r in world.standin.log if r.path == f"/api/1.0/tasks/{g}"][-1]
    assert any(k == "opt_fields" for k, _ in get.query), "always opt_fields"


async def test_my_tasks_page_and_leave_out_completed(world: World, conn: Conn) -> None:
    c, _ = conn
    st = world.state
    other = st.add_project(world.ws, "Ops")
    mine = {
        st.add_task(world.project, f"Mine {n}", creator=world.bob, assignee=world.ada)["name"]
        for n in range(60)
    }
    st.add_task(other, "Mine in Ops", creator=world.bob, assignee=world.ada)
    st.add_task(world.project, "Done", creator=world.bob, assignee=world.ada, completed=True)
    st.add_task(world.project, "Bob's", creator=world.bob, assignee=world.bob)

    async def titles(scope: str | None) -> list[str]:
        async def page(cursor: str | None) -> tuple[tuple[object, ...], str | None]:
            got = await c.list_issues("assigned", scope=scope, cursor=cursor)
            return got.items, got.next_cursor

        return [i.title for i in await collect(page)]  # type: ignore[attr-defined]

    assert sorted(await titles(None)) == sorted([*mine, "Mine in Ops"])
    # A page holds the scope's part of one page of my tasks: it may be short.
    assert await titles(other["gid"]) == ["Mine in Ops"]


async def test_a_project_pages_its_open_tasks(world: World, conn: Conn) -> None:
    c, _ = conn
    st = world.state
    titles = {st.add_task(world.project, f"T{n}", creator=world.bob)["name"] for n in range(120)}
    st.add_task(world.project, "Closed", creator=world.bob, completed=True)
    pages = 0

    async def page(cursor: str | None) -> tuple[tuple[object, ...], str | None]:
        nonlocal pages
        pages += 1
        got = await c.list_issues("open", scope=world.project["gid"], cursor=cursor)
        return got.items, got.next_cursor

    items = await collect(page)
    assert pages == 3 and {i.title for i in items} == titles  # type: ignore[attr-defined]
    with pytest.raises(InvalidRequest):
        await c.list_issues("open")


async def test_created_by_me_comes_from_search(world: World, conn: Conn) -> None:
    c, _ = conn
    st = world.state
    made = {st.add_task(world.project, f"Made {n}", creator=world.ada)["name"] for n in range(55)}
    st.add_task(world.project, "Made, done", creator=world.ada, completed=True)
    st.add_task(world.project, "Bob made", creator=world.bob)

    async def page(cursor: str | None) -> tuple[tuple[object, ...], str | None]:
        got = await c.list_issues("created", cursor=cursor)
        return got.items, got.next_cursor

    got = [i.title for i in await collect(page)]  # type: ignore[attr-defined]
    assert sorted(got) == sorted(made) and len(got) == len(set(got))
    assert (await c.list_issues("mentioned")).items == ()


async def test_without_search_created_is_empty(asana: object) -> None:
    from tests.standin.asana import AsanaStandIn

    assert isinstance(asana, AsanaStandIn)
    w = seed(asana, premium=False)
    w.state.add_task(w.project, "Made", creator=w.ada)
    c, http = connect(asana.url)
    try:
        assert (await c.list_issues("created")).items == ()
    finally:
        await http.aclose()


async def test_create_comment_and_read_back(world: World, conn: Conn) -> None:
    c, _ = conn
    st = world.state
    st.add_tag(world.ws, "bug")
    made = await c.create_issue(world.project["gid"], "Crash on save", "steps", ["bug"])
    assert made.ref.scope == world.project["gid"] and made.state is ItemState.OPEN
    assert [lb.name for lb in made.labels] == ["bug"] and made.body == "steps"
    again = await c.get_issue(made.ref)
    assert (again.key, again.title) == (made.key, "Crash on save")
    comment = await c.add_comment(made.ref, "On it & more")
    assert comment.body == "On it & more" and comment.author is not None
    assert comment.author.login == "ada@acme.test"
    assert comment.url == f"https://app.asana.com/0/0/{made.ref.key}"
    story = world.state.stories[str(comment.id)]
    assert story["text"] == "On it & more" and story["target"]["gid"] == made.ref.key
    with pytest.raises(InvalidRequest, match="no tag named nope"):
        await c.create_issue(world.project["gid"], "x", labels=["nope"])
    with pytest.raises(InvalidRequest, match="project gid"):
        await c.create_issue("WEB", "x")


async def test_people_for_completion(world: World, conn: Conn) -> None:
    c, _ = conn
    found = await c.search_users(None, "@bo")
    assert [(u.login, u.name) for u in found] == [("bob@acme.test", "Bob Builder")]
    by_surname = await c.search_users(world.project["gid"], "love")
    assert [u.login for u in by_surname] == ["ada@acme.test"]


async def test_missing_tasks(world: World, conn: Conn) -> None:
    c, _ = conn
    with pytest.raises(NotFound, match="Unknown object"):
        await c.get_issue(ItemRef(connector="asana", host="app.asana.com", scope="", key="999"))
    sent = len(world.standin.log)
    with pytest.raises(InvalidRequest, match="gid"):
        await c.get_issue(ItemRef(connector="asana", host="app.asana.com", scope="", key="ENG-1"))
    assert len(world.standin.log) == sent


# -- Workflow -----------------------------------------------------------------------------------
async def test_start_assigns_to_me_and_moves_to_in_progress(world: World, conn: Conn) -> None:
    c, _ = conn
    st = world.state
    t = st.add_task(world.project, "Work", creator=world.bob)
    ref = ref_from_url(t["permalink_url"])
    moves = await c.transitions(ref)
    assert [m.id for m in moves] == ["start", "assign", "complete"]
    start = moves[0]
    assert start.to.category is StatusCategory.IN_PROGRESS and "In progress" in start.name
    moved = await c.transition(ref, start.id)  # what "start work" picks
    assert moved.assignees[0].login == "ada@acme.test"
    assert moved.status is not None and moved.status.name == "In progress"
    in_progress = st.section_named(world.project, "In progress")["gid"]
    assert st.tasks[t["gid"]]["membership_gids"][0]["section"] == in_progress
    assert [m.id for m in await c.transitions(ref)] == ["complete"]


async def test_start_only_assigns_without_a_start_section(world: World) -> None:
    st = world.state
    t = st.add_task(world.project, "Work", creator=world.bob)
    c, http = connect(world.standin.url, settings={"start_section": ""})
    try:
        moved = await c.transition(ref_from_url(t["permalink_url"]), "start")
        assert moved.assignees and moved.status is not None and moved.status.name == "To do"
        assert not [r for r in world.standin.log if r.path.endswith("/addTask")]
    finally:
        await http.aclose()


async def test_complete_and_reopen(world: World, conn: Conn) -> None:
    c, _ = conn
    t = world.state.add_task(world.project, "Work", creator=world.ada, assignee=world.ada)
    ref = ref_from_url(t["permalink_url"])
    done = await c.transition(ref, "complete")
    assert done.state is ItemState.CLOSED and done.closed_at is not None
    assert done.status is not None and done.status.category is StatusCategory.DONE
    moves = await c.transitions(ref)
    assert [(m.id, m.to.name) for m in moves] == [("reopen", "To do")]
    again = await c.transition(ref, "reopen")
    assert again.state is ItemState.OPEN
    with pytest.raises(InvalidRequest, match="none of"):
        await c.transition(ref, "teleport")


async def test_the_workspace_setting_picks_one(world: World) -> None:
    from connectors.sdk import ConfigError

    other = world.state.add_workspace("Side")
    world.ada["workspaces"].append(
        {"gid": other["gid"], "resource_type": "workspace", "name": "Side"}
    )
    p = world.state.add_project(other, "Side project")
    world.state.add_task(p, "Side task", creator=world.bob, assignee=world.ada)
    for wanted in ("Side", "side", other["gid"]):
        c, http = connect(world.standin.url, settings={"workspace": wanted})
        try:
            assert [i.title for i in (await c.list_issues("assigned")).items] == ["Side task"]
        finally:
            await http.aclose()
    c, http = connect(world.standin.url, settings={"workspace": "Nowhere"})
    try:
        with pytest.raises(ConfigError, match="Nowhere"):
            await c.list_issues("assigned")
    finally:
        await http.aclose()


async def test_known_scopes_are_the_workspaces_projects(world: World, conn: Conn) -> None:
    c, _ = conn
    ops = world.state.add_project(world.ws, "Ops")
    assert await c.known_scopes() == sorted([world.project["gid"], ops["gid"]])
