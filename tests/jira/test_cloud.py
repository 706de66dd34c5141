"""The Jira connector against a Jira Cloud stand-in, signed in with email + API token.

Every request is validated against Jira Cloud's platform v3 OpenAPI
(``tests/contracts/jira/platform-v3.json``; the ``jira`` fixture fails the test on any
violation), through the hub's real HTTP stack (``build_client``) and ``SecretAuth``.
"""

from __future__ import annotations

import base64
import logging
import time

import pytest

from connectors.sdk import (
    InvalidRequest,
    ItemKind,
    ItemRef,
    ItemState,
    NotFound,
    RateLimited,
    ReauthRequired,
    ServiceUnavailable,
    StatusCategory,
)
from tests.standin.jira import JiraStandIn, Sprint

from .wiring import CANARY, EMAIL, connect

ADF_DESCRIPTION = {
    "type": "doc",
    "version": 1,
    "content": [
        {"type": "paragraph", "content": [{"type": "text", "text": "Main order flow broken"}]},
        {
            "type": "bulletList",
            "content": [
                {
                    "type": "listItem",
                    "content": [
                        {"type": "paragraph", "content": [{"type": "text", "text": "on save"}]}
                    ],
                }
            ],
        },
    ],
}


def ref(key: str) -> ItemRef:
    return ItemRef.keyed("jira", "127.0.0.1", key)


@pytest.fixture
def signed_in(jira: JiraStandIn) -> JiraStandIn:
    jira.api_token(EMAIL, CANARY)
    return jira


async def test_check_names_the_account_by_email_with_rate_limit(signed_in: JiraStandIn) -> None:
    conn, http = connect(signed_in)
    result = await conn.check()
    assert result.ok, result.detail
    assert result.account == "mia@example.com" and result.name == "Mia Krystof"
    assert result.rate_limit_limit == 1000 and result.rate_limit_remaining == 999
    assert result.scopes is None  # API tokens carry the user's permissions, not scopes
    assert [e.path for e in signed_in.log] == ["/rest/api/3/myself"]
    await http.aclose()


async def test_basic_auth_header_is_email_and_token(signed_in: JiraStandIn) -> None:
    conn, http = connect(signed_in)
    assert (await conn.check()).ok
    expected = base64.b64encode(f"{EMAIL}:{CANARY}".encode()).decode()
    assert signed_in.auth_seen == [f"Basic {expected}"]
    await http.aclose()


async def test_account_id_names_the_account_when_the_email_is_hidden(
    signed_in: JiraStandIn,
) -> None:
    signed_in.state.hidden_emails.add(signed_in.me.account_id)
    conn, http = connect(signed_in)
    result = await conn.check()
    assert result.ok and result.account == "5b10a2844c20165700ede21g"
    await http.aclose()


async def test_a_personal_token_as_bearer_is_refused_by_a_cloud_site(jira: JiraStandIn) -> None:
    jira.oauth_token(CANARY)  # valid at the gateway only
    conn, http = connect(jira, method="token")
    result = await conn.check()
    assert not result.ok and "401" in result.detail
    assert "Client must be authenticated" in result.detail
    await http.aclose()


async def test_get_issue_maps_every_field(signed_in: JiraStandIn) -> None:
    s = signed_in.state
    bob = s.add_account("bob", display="Bob Brown")
    issue = s.add_issue(
        "PROJ",
        "Checkout crashes",
        reporter=bob,
        assignee=signed_in.me,
        status="In Review",
        issuetype="Bug",
        labels=["backend", "p1"],
        description=ADF_DESCRIPTION,
        priority="High",
        sprints=[Sprint(1, "Sprint 1", "closed"), Sprint(2, "Sprint 2", "active")],
    )
    issue.comments.append({"id": "1", "body": None, "author": bob.account_id, "created": s.tick()})
    conn, http = connect(signed_in)
    got = await conn.get_issue(ref(issue.key))
    assert got.ref == ItemRef(
        connector="jira",
        host="127.0.0.1",
        scope="PROJ",
        key="PROJ-1",
        number=1,
        kind=ItemKind.ISSUE,
    )
    assert got.title == "Checkout crashes" and got.state is ItemState.OPEN
    assert got.status is not None and got.status.name == "In Review"
    assert got.status.category is StatusCategory.IN_PROGRESS
    assert (got.type, got.priority, got.sprint) == ("Bug", "High", "Sprint 2")
    assert [lb.name for lb in got.labels] == ["backend", "p1"]
    assert got.author is not None and got.author.login == bob.account_id
    assert got.author.name == "Bob Brown"
    assert [a.login for a in got.assignees] == [signed_in.me.account_id]
    assert got.body == "Main order flow broken\n\n- on save"
    assert got.comments == 1
    assert got.url == f"{signed_in.url}/browse/PROJ-1"
    assert got.created_at is not None and got.updated_at is not None and got.closed_at is None
    await http.aclose()


async def test_done_is_closed_with_its_resolution_date(signed_in: JiraStandIn) -> None:
    issue = signed_in.state.add_issue("PROJ", "Shipped", status="Done")
    conn, http = connect(signed_in)
    got = await conn.get_issue(ref(issue.key))
    assert got.state is ItemState.CLOSED and got.closed_at is not None
    assert got.status is not None and got.status.category is StatusCategory.DONE
    assert got.body is None and got.sprint is None
    await http.aclose()


async def test_the_sprint_field_is_looked_up_once(signed_in: JiraStandIn) -> None:
    a = signed_in.state.add_issue("PROJ", "a", sprints=[Sprint(3, "Next", "future")])
    b = signed_in.state.add_issue("PROJ", "b")
    conn, http = connect(signed_in)
    assert (await conn.get_issue(ref(a.key))).sprint == "Next"
    assert (await conn.get_issue(ref(b.key))).sprint is None
    assert [e.path for e in signed_in.log].count("/rest/api/3/field") == 1
    await http.aclose()


async def test_a_site_without_jira_software_has_no_sprint(signed_in: JiraStandIn) -> None:
    signed_in.state.software = False
    issue = signed_in.state.add_issue("PROJ", "plain", sprints=[Sprint(1, "S", "active")])
    conn, http = connect(signed_in)
    got = await conn.get_issue(ref(issue.key))
    assert got.sprint is None
    fetched = next(e for e in signed_in.log if e.path.endswith("/PROJ-1"))
    assert "customfield_10020" not in dict(fetched.query)["fields"]
    await http.aclose()


async def test_my_issue_lists_use_their_jql(signed_in: JiraStandIn) -> None:
    s = signed_in.state
    me, bob = signed_in.me, s.add_account("bob")
    s.add_issue("PROJ", "assigned to me", assignee=me, reporter=bob)
    s.add_issue("PROJ", "reported by me", reporter=me, assignee=bob)
    s.add_issue("PROJ", "watched by me", reporter=bob, watchers=[me])
    s.add_issue("PROJ", "mine but done", assignee=me, status="Done")
    s.add_issue("OTHER", "elsewhere", assignee=bob)
    conn, http = connect(signed_in)
    assigned = await conn.list_issues("assigned")
    assert [i.title for i in assigned.items] == ["assigned to me"]
    created = await conn.list_issues("created")
    assert [i.title for i in created.items] == ["reported by me"]
    mentioned = await conn.list_issues("mentioned")
    assert [i.title for i in mentioned.items] == [
        "watched by me",
        "reported by me",
        "assigned to me",
    ]
    open_ = await conn.list_issues("open", scope="PROJ")
    assert [i.title for i in open_.items] == ["watched by me", "reported by me", "assigned to me"]
    assert all(i.ref.scope == "PROJ" and i.status is not None for i in open_.items)
    scoped = await conn.list_issues("assigned", scope="OTHER")
    assert scoped.items == ()
    searches = [e for e in signed_in.log if e.path == "/rest/api/3/search/jql"]
    assert searches and all(e.status == 200 for e in searches)
    await http.aclose()


async def test_search_pages_by_next_page_token(signed_in: JiraStandIn) -> None:
    for k in range(120):
        signed_in.state.add_issue("PROJ", f"issue {k}", assignee=signed_in.me)
    conn, http = connect(signed_in)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        page = await conn.list_issues("assigned", cursor=cursor)
        pages += 1
        seen += [i.ref.key for i in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 3 and len(seen) == 120 and len(set(seen)) == 120
    assert seen[0] == "PROJ-120"  # ORDER BY updated DESC
    await http.aclose()


async def test_a_foreign_cursor_is_jira_s_400(signed_in: JiraStandIn) -> None:
    conn, http = connect(signed_in)
    with pytest.raises(InvalidRequest):
        await conn.list_issues("assigned", cursor="not-a-token")
    await http.aclose()


async def test_create_issue_reads_back_with_an_adf_description(signed_in: JiraStandIn) -> None:
    signed_in.state.add_project("PROJ", "Project")
    conn, http = connect(signed_in)
    created = await conn.create_issue(
        "PROJ", "Crash on save", "Steps:\n\n```\nsave()\n```", labels=["from-editor"]
    )
    assert created.ref.key == "PROJ-1" and created.type == "Task"
    assert created.body == "Steps:\n\n```\nsave()\n```"
    assert created.author is not None and created.author.login == signed_in.me.account_id
    stored = signed_in.state.issues["PROJ-1"]
    assert stored.description["type"] == "doc"
    assert stored.description["content"][1]["type"] == "codeBlock"
    assert [i.title for i in (await conn.list_issues("created")).items] == ["Crash on save"]
    # The issue type is looked up once per project.
    await conn.create_issue("PROJ", "Second")
    paths = [e.path for e in signed_in.log]
    assert paths.count("/rest/api/3/issue/createmeta/PROJ/issuetypes") == 1
    await http.aclose()


async def test_create_issue_takes_the_configured_issue_type(signed_in: JiraStandIn) -> None:
    signed_in.state.add_project("PROJ")
    conn, http = connect(signed_in, settings={"issue_type": "bug"})
    assert (await conn.create_issue("PROJ", "Broken")).type == "Bug"
    await http.aclose()


async def test_jira_field_errors_reach_the_message(signed_in: JiraStandIn) -> None:
    signed_in.state.add_project("PROJ")
    conn, http = connect(signed_in)
    with pytest.raises(InvalidRequest) as caught:
        await conn.create_issue("PROJ", "x", labels=["has space"])
    assert caught.value.message == (
        "Jira: 400 Bad Request on POST /rest/api/3/issue: labels: The label can't contain spaces."
    )
    await http.aclose()


async def test_missing_issue_is_not_found_with_jira_s_message(signed_in: JiraStandIn) -> None:
    conn, http = connect(signed_in)
    with pytest.raises(NotFound) as caught:
        await conn.get_issue(ref("PROJ-404"))
    assert "Issue does not exist or you do not have permission to see it." in caught.value.message
    await http.aclose()


async def test_comments_are_written_as_adf_and_read_as_text(signed_in: JiraStandIn) -> None:
    issue = signed_in.state.add_issue("PROJ", "Discuss")
    conn, http = connect(signed_in)
    comment = await conn.add_comment(ref(issue.key), "Looks good\nsee https://example.com")
    assert comment.body == "Looks good  \nsee https://example.com"
    assert comment.author is not None and comment.author.name == "Mia Krystof"
    assert comment.url == f"{signed_in.url}/browse/PROJ-1?focusedCommentId={comment.id}"
    assert issue.comments[0]["body"]["type"] == "doc"
    assert (await conn.get_issue(ref(issue.key))).comments == 1
    await http.aclose()


async def test_user_search_in_a_project_and_site_wide(signed_in: JiraStandIn) -> None:
    s = signed_in.state
    s.add_project("PROJ")
    s.add_account("hugo", display="Hugo Hill")
    s.add_account("alice", display="Alice Ash")
    conn, http = connect(signed_in)
    in_project = await conn.search_users("PROJ", "@hu")
    assert [u.name for u in in_project] == ["Hugo Hill"]
    site_wide = await conn.search_users(None, "ali")
    assert [u.name for u in site_wide] == ["Alice Ash"]
    assert site_wide[0].url == f"{signed_in.url}/jira/people/{site_wide[0].login}"
    await http.aclose()


async def test_transitions_and_moving_an_issue(signed_in: JiraStandIn) -> None:
    issue = signed_in.state.add_issue("PROJ", "Work", assignee=signed_in.me)
    conn, http = connect(signed_in)
    moves = await conn.transitions(ref(issue.key))
    by_target = {t.to.name: t for t in moves}
    assert set(by_target) == {"In Progress", "In Review", "Done"}
    assert by_target["In Progress"].to.category is StatusCategory.IN_PROGRESS
    assert by_target["Done"].to.category is StatusCategory.DONE
    started = await conn.transition(ref(issue.key), by_target["In Progress"].id)
    assert started.status is not None and started.status.name == "In Progress"
    assert started.state is ItemState.OPEN
    done = await conn.transition(ref(issue.key), by_target["Done"].id)
    assert done.state is ItemState.CLOSED and done.closed_at is not None
    assert (await conn.list_issues("assigned")).items == ()
    with pytest.raises(InvalidRequest) as caught:
        await conn.transition(ref(issue.key), "99")
    assert "Transition id '99' is not valid for this issue." in caught.value.message
    await http.aclose()


async def test_known_scopes_walks_every_project_page(signed_in: JiraStandIn) -> None:
    keys = [f"P{n:03d}" for n in range(120)]
    for key in keys:
        signed_in.state.add_project(key)
    conn, http = connect(signed_in)
    assert await conn.known_scopes() == sorted(keys)
    assert [e.path for e in signed_in.log].count("/rest/api/3/project/search") == 3
    await http.aclose()


async def test_refs_that_are_not_issue_keys_never_reach_the_network(
    signed_in: JiraStandIn,
) -> None:
    conn, http = connect(signed_in)
    bad = ItemRef(connector="jira", host="127.0.0.1", scope="o/r", key="#7", number=7)
    with pytest.raises(InvalidRequest):
        await conn.get_issue(bad)
    with pytest.raises(InvalidRequest):
        await conn.list_issues("open", scope='PROJ" OR project != "X')
    with pytest.raises(InvalidRequest):
        await conn.list_issues("open")
    assert signed_in.log == []
    await http.aclose()


async def test_no_validators_so_every_read_goes_to_jira(signed_in: JiraStandIn) -> None:
    """Jira sends no ETag and says no-store: nothing is revalidated or served from cache, and
    each read spends budget (the connector must not expect 304s here)."""
    issue = signed_in.state.add_issue("PROJ", "stable", assignee=signed_in.me)
    conn, http = connect(signed_in)
    await conn.get_issue(ref(issue.key))
    sent = http.requests_sent
    spent = signed_in.spent()
    again = await conn.get_issue(ref(issue.key))
    assert http.requests_sent == sent + 1 and signed_in.spent() == spent + 1
    assert all("if-none-match" not in e.headers for e in signed_in.log)
    page = await conn.list_issues("assigned")
    assert not page.unchanged and again.title == "stable"
    await http.aclose()


async def test_a_429_storm_waits_for_retry_after(signed_in: JiraStandIn) -> None:
    issue = signed_in.state.add_issue("PROJ", "busy")
    conn, http = connect(signed_in)
    await conn.check()
    signed_in.inject("retry_after", count=2, seconds=1, path="/issue/")
    started = time.time()
    got = await conn.get_issue(ref(issue.key))
    assert got.title == "busy"
    statuses = [e.status for e in signed_in.log if e.path.endswith("/PROJ-1")]
    assert statuses == [429, 429, 200]
    assert time.time() - started >= 2
    # X-RateLimit-Reset ("yyyy-MM-ddTHH:mmZ") was read in the manifest's iso8601 format.
    assert http.stack.limiter.info.reset_at is not None
    assert abs(http.stack.limiter.info.reset_at - time.time()) < 120
    await http.aclose()


async def test_a_long_rate_limit_raises_and_sends_nothing_more(signed_in: JiraStandIn) -> None:
    issue = signed_in.state.add_issue("PROJ", "busy")
    conn, http = connect(signed_in)
    signed_in.inject("retry_after", seconds=300, path="/issue/")
    with pytest.raises(RateLimited) as caught:
        await conn.get_issue(ref(issue.key))
    assert caught.value.retry_after > 250 and "Rate limit exceeded." in caught.value.message
    sent = len(signed_in.log)
    with pytest.raises(RateLimited):
        await conn.get_issue(ref(issue.key))
    assert len(signed_in.log) == sent
    await http.aclose()


async def test_5xx_is_retried_for_reads_and_searches(signed_in: JiraStandIn) -> None:
    issue = signed_in.state.add_issue("PROJ", "flaky", assignee=signed_in.me)
    conn, http = connect(signed_in)
    await conn.get_issue(ref(issue.key))  # the sprint field is known now
    signed_in.inject("502", count=2, path="/issue/")
    assert (await conn.get_issue(ref(issue.key))).title == "flaky"
    signed_in.inject("500", count=1, path="/search/jql")
    assert len((await conn.list_issues("assigned")).items) == 1
    signed_in.inject("500", count=5, path="/issue/")
    with pytest.raises(ServiceUnavailable):
        await conn.get_issue(ref(issue.key))
    await http.aclose()


async def test_a_failed_write_is_not_repeated(signed_in: JiraStandIn) -> None:
    issue = signed_in.state.add_issue("PROJ", "once")
    conn, http = connect(signed_in)
    signed_in.inject("500", path="/comment")
    with pytest.raises(ServiceUnavailable):
        await conn.add_comment(ref(issue.key), "hello")
    assert [e.path for e in signed_in.log].count("/rest/api/3/issue/PROJ-1/comment") == 1
    await http.aclose()


async def test_401_is_reauth_required(jira: JiraStandIn) -> None:
    jira.api_token(EMAIL, "another-token")
    issue = jira.state.add_issue("PROJ", "locked")
    conn, http = connect(jira)
    with pytest.raises(ReauthRequired):
        await conn.get_issue(ref(issue.key))
    assert not (await conn.check()).ok
    await http.aclose()


async def test_the_token_never_appears_in_errors_or_logs(
    jira: JiraStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    jira.api_token(EMAIL, CANARY)
    jira.state.add_project("PROJ")
    conn, http = connect(jira)
    messages: list[str] = []
    jira.inject("401")
    messages.append((await conn.check()).detail)
    for kind in ("500", "retry_after"):
        jira.inject(kind, count=5, seconds=300)
        try:
            await conn.get_issue(ref("PROJ-1"))
        except Exception as exc:  # every failure's text is inspected
            messages.append(str(exc))
        jira.faults.clear()
    for call in (conn.get_issue(ref("PROJ-9")), conn.create_issue("PROJ", "x", labels=["a b"])):
        try:
            await call
        except Exception as exc:
            messages.append(str(exc))
    pair = base64.b64encode(f"{EMAIL}:{CANARY}".encode()).decode()
    text = "\n".join(messages + [r.getMessage() for r in caplog.records])
    assert len(messages) == 5
    assert CANARY not in text and pair not in text and CANARY[:20] not in text
    await http.aclose()
