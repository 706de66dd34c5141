"""IssueTracker against the schema-executing Linear stand-in, through the hub's HTTP stack."""

from __future__ import annotations

import pytest

from connectors.linear.connector import LinearConnector
from connectors.sdk import (
    InvalidRequest,
    ItemKind,
    ItemRef,
    ItemState,
    NotFound,
    StatusCategory,
    collect,
)
from server.hub.http import HubClient

from .helpers import Workspace

Conn = tuple[LinearConnector, HubClient]


def ref(key: str) -> ItemRef:
    return ItemRef.keyed("linear", "linear.app", key)


async def test_check_names_the_account_by_workspace_and_email(ws: Workspace, conn: Conn) -> None:
    linear, _ = conn
    result = await linear.check()
    assert result.ok, result.detail
    assert result.account == "acme/ada@acme.test"
    assert result.name == "Ada Lovelace"
    assert result.rate_limit_limit == 2500 and result.rate_limit_remaining == 2499
    assert result.scopes is None
    assert "Acme" in result.detail
    assert linear.web_url(ref("ENG-3")) == "https://linear.app/acme/issue/ENG-3"


async def test_known_scopes_are_the_visible_teams_across_pages(ws: Workspace, conn: Conn) -> None:
    for n in range(150):  # more than one page of 100
        ws.state.add_team(f"T{n}", f"Team {n}")
    linear, _ = conn
    keys = await linear.known_scopes()
    assert keys is not None and len(keys) == 152
    assert {"ENG", "OPS", "T0", "T149"} <= set(keys)
    assert "SEC" not in keys  # a private team Ada is not in
    assert ws.graphql_requests() == 2


async def test_get_issue_maps_every_field(ws: Workspace, conn: Conn) -> None:
    s = ws.state
    bug = next(lid for lid, lb in s.labels.items() if lb["name"] == "bug")
    cycle = next(iter(s.cycles))
    issue = s.add_issue(
        "ENG",
        "Crash on save",
        creator=ws.grace["id"],
        assignee=ws.ada["id"],
        state="In Progress",
        description="Steps:\n\n1. **save**",
        priority=2,
        labels=[bug],
        cycle=cycle,
    )
    s.add_comment(issue["id"], "seen it too", user=ws.grace["id"])
    s.add_comment(issue["id"], "me too", user=ws.ada["id"])
    linear, _ = conn
    got = await linear.get_issue(ref("ENG-1"))
    assert got.ref == ItemRef(
        connector="linear",
        host="linear.app",
        scope="ENG",
        key="ENG-1",
        number=1,
        kind=ItemKind.ISSUE,
    )
    assert got.key == "linear:linear.app:ENG-1"
    assert got.title == "Crash on save" and got.body == "Steps:\n\n1. **save**"
    assert got.state is ItemState.OPEN and got.closed_at is None
    assert got.status is not None and got.status.name == "In Progress"
    assert got.status.category is StatusCategory.IN_PROGRESS
    assert got.priority == "High" and got.sprint == "Cycle 12"
    assert [(lb.name, lb.color) for lb in got.labels] == [("bug", "#eb5757")]
    assert [u.login for u in got.assignees] == ["ada"]
    assert got.author is not None and got.author.login == "grace"
    assert got.author.name == "Grace Hopper"
    assert got.comments == 2
    assert got.url == "https://linear.app/acme/issue/ENG-1/crash-on-save"
    assert got.created_at is not None and got.updated_at is not None


@pytest.mark.parametrize(
    ("state", "open_", "category"),
    [
        ("Backlog", True, StatusCategory.TODO),
        ("Todo", True, StatusCategory.TODO),
        ("In Review", True, StatusCategory.IN_PROGRESS),
        ("Done", False, StatusCategory.DONE),
        ("Canceled", False, StatusCategory.DONE),
    ],
)
async def test_state_types_map_to_categories_and_closed(
    ws: Workspace, conn: Conn, state: str, open_: bool, category: StatusCategory
) -> None:
    ws.state.add_issue("ENG", "x", creator=ws.ada["id"], state=state)
    linear, _ = conn
    got = await linear.get_issue(ref("ENG-1"))
    assert (got.state is ItemState.OPEN) is open_
    assert got.status is not None and got.status.category is category
    assert (got.closed_at is None) is open_
    assert got.priority is None and got.sprint is None and got.assignees == ()


async def test_missing_issue_is_not_found_with_linears_words(ws: Workspace, conn: Conn) -> None:
    linear, _ = conn
    with pytest.raises(NotFound) as err:
        await linear.get_issue(ref("ENG-404"))
    assert "Could not find referenced Issue" in err.value.message


async def test_issue_of_a_private_team_is_hidden(ws: Workspace, conn: Conn) -> None:
    ws.state.add_issue("SEC", "secret", creator=ws.grace["id"])
    linear, _ = conn
    with pytest.raises(NotFound):
        await linear.get_issue(ref("SEC-1"))


async def test_a_ref_that_is_not_a_linear_key_is_refused_locally(ws: Workspace, conn: Conn) -> None:
    linear, _ = conn
    with pytest.raises(InvalidRequest):
        await linear.get_issue(
            ItemRef(connector="linear", host="linear.app", scope="o/r", key="#7")
        )
    assert ws.graphql_requests() == 0


async def test_assigned_pages_through_open_issues_newest_first(ws: Workspace, conn: Conn) -> None:
    s = ws.state
    for n in range(60):
        s.add_issue("ENG", f"mine {n}", creator=ws.grace["id"], assignee=ws.ada["id"])
    s.add_issue("ENG", "done", creator=ws.grace["id"], assignee=ws.ada["id"], state="Done")
    s.add_issue("OPS", "cancelled", creator=ws.grace["id"], assignee=ws.ada["id"], state="Canceled")
    s.add_issue("ENG", "theirs", creator=ws.ada["id"], assignee=ws.grace["id"])
    linear, _ = conn

    first = await linear.list_issues("assigned")
    assert len(first.items) == 25 and first.next_cursor
    assert first.items[0].title == "mine 59"  # most recently updated first

    async def page(cursor: str | None) -> tuple[list[str], str | None]:
        p = await linear.list_issues("assigned", cursor=cursor)
        return [i.title for i in p.items], p.next_cursor

    titles = await collect(page)
    assert len(titles) == 60 == len(set(titles))
    assert "done" not in titles and "cancelled" not in titles and "theirs" not in titles
    assert ws.graphql_requests() == 1 + 3  # 25 + 25 + 10


async def test_a_foreign_cursor_is_refused(ws: Workspace, conn: Conn) -> None:
    linear, _ = conn
    with pytest.raises(InvalidRequest, match="cursor"):
        await linear.list_issues("assigned", cursor="not-a-cursor")


async def test_assigned_in_one_team(ws: Workspace, conn: Conn) -> None:
    s = ws.state
    s.add_issue("ENG", "eng", creator=ws.grace["id"], assignee=ws.ada["id"])
    s.add_issue("OPS", "ops", creator=ws.grace["id"], assignee=ws.ada["id"])
    linear, _ = conn
    page = await linear.list_issues("assigned", scope="OPS")
    assert [i.title for i in page.items] == ["ops"] and page.next_cursor is None


async def test_created_lists_what_the_viewer_opened(ws: Workspace, conn: Conn) -> None:
    s = ws.state
    s.add_issue("ENG", "by ada", creator=ws.ada["id"])
    s.add_issue("ENG", "by grace", creator=ws.grace["id"], assignee=ws.ada["id"])
    s.add_issue("ENG", "by ada, done", creator=ws.ada["id"], state="Done")
    linear, _ = conn
    page = await linear.list_issues("created")
    assert [i.title for i in page.items] == ["by ada"]


async def test_open_issues_of_a_team(ws: Workspace, conn: Conn) -> None:
    s = ws.state
    s.add_issue("ENG", "a", creator=ws.grace["id"])
    s.add_issue("ENG", "b", creator=ws.grace["id"], state="In Progress")
    s.add_issue("ENG", "c", creator=ws.grace["id"], state="Done")
    s.add_issue("OPS", "d", creator=ws.grace["id"])
    linear, _ = conn
    page = await linear.list_issues("open", scope="ENG")
    assert [i.title for i in page.items] == ["b", "a"]
    with pytest.raises(InvalidRequest):
        await linear.list_issues("open")


async def test_mentioned_comes_from_mention_notifications(ws: Workspace, conn: Conn) -> None:
    s = ws.state
    a = s.add_issue("ENG", "mentioned in the description", creator=ws.grace["id"])
    b = s.add_issue("OPS", "mentioned in a comment", creator=ws.grace["id"])
    c = s.add_issue("ENG", "mentioned, but done", creator=ws.grace["id"], state="Done")
    d = s.add_issue("ENG", "only assigned", creator=ws.grace["id"], assignee=ws.ada["id"])
    s.mention(ws.ada["id"], a["id"])
    s.mention(ws.ada["id"], b["id"], in_comment=True)
    s.mention(ws.ada["id"], a["id"], in_comment=True)  # twice: listed once
    s.mention(ws.ada["id"], c["id"])
    s.notify(ws.ada["id"], d["id"], "issueAssignedToYou")
    s.mention(ws.grace["id"], d["id"])  # someone else's notification
    linear, _ = conn
    page = await linear.list_issues("mentioned")
    assert sorted(i.title for i in page.items) == [
        "mentioned in a comment",
        "mentioned in the description",
    ]
    only_ops = await linear.list_issues("mentioned", scope="OPS")
    assert [i.title for i in only_ops.items] == ["mentioned in a comment"]


async def test_mentioned_pages_through_notifications(ws: Workspace, conn: Conn) -> None:
    s = ws.state
    for n in range(30):
        issue = s.add_issue("ENG", f"m{n}", creator=ws.grace["id"])
        s.mention(ws.ada["id"], issue["id"])
    linear, _ = conn
    first = await linear.list_issues("mentioned")
    assert len(first.items) == 25 and first.next_cursor
    second = await linear.list_issues("mentioned", cursor=first.next_cursor)
    assert len(second.items) == 5 and second.next_cursor is None
    assert not {i.title for i in first.items} & {i.title for i in second.items}


async def test_create_issue_with_team_and_workspace_labels(ws: Workspace, conn: Conn) -> None:
    linear, _ = conn
    created = await linear.create_issue(
        "ENG", "Crash on save", "It **crashes**.", labels=["bug", "customer"]
    )
    assert created.ref.key == "ENG-1" and created.ref.scope == "ENG"
    assert created.state is ItemState.OPEN
    assert created.author is not None and created.author.login == "ada"
    assert sorted(lb.name for lb in created.labels) == ["bug", "customer"]
    again = await linear.get_issue(created.ref)
    assert again.title == "Crash on save" and again.body == "It **crashes**."
    plain = await linear.create_issue("OPS", "No labels")
    assert plain.ref.key == "OPS-1" and plain.labels == () and plain.body is None


async def test_create_issue_refuses_unknown_labels_and_teams(ws: Workspace, conn: Conn) -> None:
    ws.state.add_label("ops-only", team="OPS")
    linear, _ = conn
    with pytest.raises(InvalidRequest, match="ops-only"):
        await linear.create_issue("ENG", "x", labels=["bug", "ops-only"])
    with pytest.raises(NotFound):
        await linear.create_issue("NOPE", "x")
    with pytest.raises(NotFound):
        await linear.create_issue("SEC", "x")  # private, Ada is not a member
    with pytest.raises(InvalidRequest):
        await linear.create_issue("eng/web", "x")
    assert not ws.state.issues


async def test_add_comment_then_count_it(ws: Workspace, conn: Conn) -> None:
    ws.state.add_issue("ENG", "x", creator=ws.grace["id"])
    linear, _ = conn
    comment = await linear.add_comment(ref("ENG-1"), "On it, see `save()`.")
    assert comment.body == "On it, see `save()`."
    assert comment.author is not None and comment.author.login == "ada"
    assert comment.url and comment.created_at is not None
    assert (await linear.get_issue(ref("ENG-1"))).comments == 1
    with pytest.raises(NotFound):
        await linear.add_comment(ref("ENG-99"), "lost")


async def test_search_users_in_the_workspace_and_in_a_team(ws: Workspace, conn: Conn) -> None:
    ws.state.add_user("Adam Smith", "adam@acme.test", display="adam")
    gone = ws.state.add_user("Adele Gone", "adele@acme.test", display="adele")
    gone["active"] = False
    linear, _ = conn
    everyone = await linear.search_users(None, "@ad")
    assert sorted(u.login for u in everyone) == ["ada", "adam"]
    by_email = await linear.search_users(None, "grace@")
    assert [u.login for u in by_email] == ["grace"]
    by_name = await linear.search_users(None, "hopper")
    assert by_name == []  # prefixes only: "Grace Hopper" does not start with "hopper"
    ops = await linear.search_users("OPS", "")
    assert [(u.login, u.name) for u in ops] == [("grace", "Grace Hopper")]
    with pytest.raises(NotFound):
        await linear.search_users("NOPE", "a")
