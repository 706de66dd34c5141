"""The Jira connector against a Jira Data Center / Server stand-in (REST v2).

Atlassian publishes no machine-readable contract for Data Center's REST v2, so the stand-in
checks each request against the documented shapes in ``tests/standin/jira_shapes.py``
(Jira Data Center REST API reference, developer.atlassian.com/server/jira/platform/rest/ and
docs.atlassian.com/software/jira/docs/api/REST/9.12.0/): only documented operations and
query parameters, documented bodies. Response bodies follow the same pages (users named by
``name``/``key``, ``/project`` unpaged, ``/search`` by ``startAt``/``total``, wiki markup
bodies, the sprint field's legacy ``toString`` form).
"""

from __future__ import annotations

import pytest

from connectors.sdk import ConfigError, ItemRef, ItemState, ServiceUnavailable, StatusCategory
from tests.standin.jira import JiraDCStandIn, Sprint

from .wiring import connect

PAT = "NjE2NzY2MzMxNjQzOkRDLWNhbmFyeS1wYXQtdmFsdWU="


def ref(key: str) -> ItemRef:
    return ItemRef.keyed("jira", "127.0.0.1", key)


@pytest.fixture
def dc(jira_dc: JiraDCStandIn) -> JiraDCStandIn:
    jira_dc.pat(PAT)
    return jira_dc


def pat(standin: JiraDCStandIn, **kw: object):  # type: ignore[no-untyped-def]
    return connect(standin, method="token", token=PAT, username=None, **kw)  # type: ignore[arg-type]


async def test_check_names_the_account_by_login_name(dc: JiraDCStandIn) -> None:
    conn, http = pat(dc)
    result = await conn.check()
    assert result.ok and result.account == "mia" and result.name == "Mia Krystof"
    assert dc.log[0].path == "/rest/api/2/myself"
    assert dc.auth_seen == [f"Bearer {PAT}"]
    await http.aclose()


async def test_basic_user_and_password_work_too(jira_dc: JiraDCStandIn) -> None:
    jira_dc.password("mia", "s3cret-password")
    conn, http = connect(jira_dc, method="basic", token="s3cret-password", username="mia")
    assert (await conn.check()).account == "mia"
    await http.aclose()


async def test_atlassian_sign_in_is_refused_for_data_center(dc: JiraDCStandIn) -> None:
    conn, http = connect(dc, method="pkce", token="x" * 20, username=None)
    with pytest.raises(ConfigError):
        await conn.get_issue(ref("PROJ-1"))
    assert "personal access token" in (await conn.check()).detail
    assert dc.log == []
    await http.aclose()


async def test_get_issue_reads_wiki_bodies_and_legacy_sprints(dc: JiraDCStandIn) -> None:
    s = dc.state
    issue = s.add_issue(
        "PROJ",
        "Old server bug",
        assignee=dc.me,
        status="In Progress",
        description="h2. Steps\n* save",
        sprints=[Sprint(7, "Sprint 7, the long one", "active")],
    )
    conn, http = pat(dc)
    got = await conn.get_issue(ref(issue.key))
    assert got.body == "h2. Steps\n* save"
    assert got.sprint == "Sprint 7, the long one"
    assert got.status is not None and got.status.category is StatusCategory.IN_PROGRESS
    assert [a.login for a in got.assignees] == ["mia"]
    assert got.assignees[0].url == f"{dc.url}/secure/ViewProfile.jspa?name=mia"
    assert all(e.path.startswith("/rest/api/2/") for e in dc.log)
    await http.aclose()


async def test_search_pages_by_start_at(dc: JiraDCStandIn) -> None:
    for k in range(120):
        dc.state.add_issue("PROJ", f"issue {k}", assignee=dc.me)
    dc.state.add_issue("PROJ", "done", assignee=dc.me, status="Done")
    conn, http = pat(dc)
    seen: list[str] = []
    cursors: list[str | None] = []
    cursor = None
    while True:
        page = await conn.list_issues("assigned", cursor=cursor)
        seen += [i.ref.key for i in page.items]
        cursor = page.next_cursor
        cursors.append(cursor)
        if cursor is None:
            break
    assert cursors == ["50", "100", None]
    assert len(seen) == 120 and len(set(seen)) == 120
    await http.aclose()


async def test_create_comment_and_transition_in_wiki_markup(dc: JiraDCStandIn) -> None:
    dc.state.add_project("PROJ")
    conn, http = pat(dc)
    created = await conn.create_issue("PROJ", "From the editor", "See:\n\n```py\nrun()\n```")
    assert created.type == "Task" and created.body == "See:\n\n{code:py}\nrun()\n{code}"
    comment = await conn.add_comment(created.ref, "On it")
    assert comment.body == "On it" and dc.state.issues["PROJ-1"].comments[0]["body"] == "On it"
    moves = {t.to.name: t.id for t in await conn.transitions(created.ref)}
    done = await conn.transition(created.ref, moves["Done"])
    assert done.state is ItemState.CLOSED
    assert [i.title for i in (await conn.list_issues("created")).items] == []
    await http.aclose()


async def test_known_scopes_and_users(dc: JiraDCStandIn) -> None:
    for key in ("ABC", "PROJ", "OPS"):
        dc.state.add_project(key)
    dc.state.add_account("hugo", display="Hugo Hill")
    conn, http = pat(dc)
    assert await conn.known_scopes() == ["ABC", "OPS", "PROJ"]
    assert [u.login for u in await conn.search_users("PROJ", "hu")] == ["hugo"]
    assert [u.login for u in await conn.search_users(None, "mi")] == ["mia"]
    await http.aclose()


async def test_the_pat_never_appears_in_errors(
    jira_dc: JiraDCStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    """A Data Center PAT has no fixed shape: it is masked as the exact secret SecretAuth
    registered when it was loaded."""
    conn, http = pat(jira_dc)  # not registered with the stand-in: every call is a 401
    messages = [(await conn.check()).detail]
    jira_dc.pat(PAT)
    jira_dc.inject("500", count=5)
    with pytest.raises(ServiceUnavailable) as caught:
        await conn.get_issue(ref("PROJ-1"))
    messages.append(str(caught.value))
    text = "\n".join(messages + [r.getMessage() for r in caplog.records])
    assert "401" in messages[0] and PAT not in text
    await http.aclose()
