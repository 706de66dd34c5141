"""The GitLab connector through the hub's HTTP stack against the contract-checked stand-in.

Every request is validated against GitLab's OpenAPI description, or for to-do items and notes
(which that file lacks) against ``tests/contracts/gitlab/documented.yaml``, written from
https://docs.gitlab.com/api/todos/ and https://docs.gitlab.com/api/notes/; the ``gitlab``
fixture fails a test on any request neither allows. Projects live in a subgroup
(``group/sub/project``) unless a test says otherwise.
"""

from __future__ import annotations

import pytest

from connectors.sdk import (
    CheckConclusion,
    InvalidRequest,
    ItemKind,
    ItemRef,
    ItemState,
    PullRequest,
    RepoRef,
    ReviewState,
)
from tests.standin.gitlab import GitLabStandIn

from .conftest import SUBGROUP, connect


def ref(number: int, *, mr: bool = False, scope: str = SUBGROUP) -> ItemRef:
    return ItemRef(
        connector="gitlab",
        host="gitlab.com",
        scope=scope,
        key=f"{'!' if mr else '#'}{number}",
        number=number,
        kind=ItemKind.PULL_REQUEST if mr else ItemKind.ISSUE,
    )


def paths(standin: GitLabStandIn) -> list[str]:
    return [f"{e.method} {e.path}" for e in standin.log]


# -- identity ----------------------------------------------------------------------------------
async def test_check_names_the_account_with_scopes_and_budget(gitlab: GitLabStandIn) -> None:
    gl, http = connect(gitlab)
    async with http:
        result = await gl.check()
    assert result.ok and result.account == "alice" and result.name == "Alice"
    assert result.scopes == ("api",)
    assert result.rate_limit_limit == 2000 and result.rate_limit_remaining == 1999
    assert paths(gitlab) == ["GET /api/v4/user", "GET /api/v4/personal_access_tokens/self"]
    assert await gl.known_scopes() is None  # `#N` / `!N` need no project-key check


@pytest.mark.parametrize("method", ["pkce", "device"])
async def test_oauth_check_does_not_ask_for_token_scopes(
    gitlab: GitLabStandIn, method: str
) -> None:
    """GitLab's API does not report an OAuth token's scopes; they are what sign-in asked."""
    from tests.standin.gitlab import Token

    gitlab.gl_tokens["oauth-1"] = Token("alice", kind="oauth")
    gl, http = connect(gitlab, token="oauth-1", method=method)
    async with http:
        result = await gl.check()
    assert result.ok and result.account == "alice" and result.scopes is None
    assert paths(gitlab) == ["GET /api/v4/user"]


async def test_read_api_token_reports_its_scopes(gitlab: GitLabStandIn) -> None:
    from tests.standin.gitlab import Token

    gitlab.gl_tokens["ro"] = Token("alice", scopes=("read_api",))
    gl, http = connect(gitlab, token="ro", method="env")
    async with http:
        result = await gl.check()
    assert result.ok and result.scopes == ("read_api",)


async def test_check_with_a_rejected_token_is_not_ok_and_never_raises(
    gitlab: GitLabStandIn,
) -> None:
    gl, http = connect(gitlab, token="glpat-wrongwrongwrongwrong1")
    async with http:
        result = await gl.check()
    assert not result.ok and result.account is None
    assert "401 Unauthorized" in result.detail
    assert "glpat-wrongwrong" not in result.detail


# -- issues ------------------------------------------------------------------------------------
async def test_issue_lifecycle_in_a_subgroup_project(gitlab: GitLabStandIn) -> None:
    gitlab.state.project(SUBGROUP)
    gl, http = connect(gitlab)
    async with http:
        created = await gl.create_issue(SUBGROUP, "Crash on save", "details", labels=["bug"])
        assert created.ref == ref(1) and created.ref.label == "group/sub/project#1"
        assert created.repo == RepoRef(host="gitlab.com", owner="group/sub", name="project")
        assert [lb.name for lb in created.labels] == ["bug"]
        got = await gl.get_issue(created.ref)
        assert (got.title, got.body, got.state) == ("Crash on save", "details", ItemState.OPEN)
        assert got.url == "https://gitlab.com/group/sub/project/-/issues/1"
        listed = await gl.list_issues("open", scope=SUBGROUP)
        assert listed.items[0].labels[0].color  # lists ask with_labels_details
        comment = await gl.add_comment(got.ref, "on it")
        again = await gl.get_issue(got.ref)
    assert comment.body == "on it" and comment.author and comment.author.login == "alice"
    assert comment.url == f"{got.url}#note_{comment.id}"
    assert again.comments == 1
    # The project is one URL-encoded path segment on every call.
    assert all(
        p.startswith("/api/v4/projects/group%2Fsub%2Fproject/")
        for p in [e.path for e in gitlab.log if "/projects/" in e.path]
    )
    assert "POST /api/v4/projects/group%2Fsub%2Fproject/issues/1/notes" in paths(gitlab)


async def test_issue_filters(gitlab: GitLabStandIn) -> None:
    s = gitlab.state
    s.add_issue(SUBGROUP, "mine", assignees=["alice"])
    theirs = s.add_issue("other/proj", "theirs", author="bob", assignees=["bob"])
    addressed = s.add_issue(SUBGROUP, "addressed", author="bob")
    assigned_todo = s.add_issue(SUBGROUP, "assigned todo", author="bob")
    s.add_issue(SUBGROUP, "closed one", assignees=["alice"], state="closed")
    s.mention("alice", theirs)
    s.mention("alice", addressed, action="directly_addressed")
    s.mention("alice", assigned_todo, action="assigned")  # not a mention
    s.mention("bob", addressed)  # someone else's to-do
    gl, http = connect(gitlab)
    async with http:
        assigned = await gl.list_issues("assigned")
        created = await gl.list_issues("created")
        mentioned = await gl.list_issues("mentioned")
        mentioned_here = await gl.list_issues("mentioned", scope=SUBGROUP)
        open_here = await gl.list_issues("open", scope=SUBGROUP)
    assert [i.title for i in assigned.items] == ["mine"]
    assert [i.title for i in created.items] == ["mine"]
    assert {i.title for i in mentioned.items} == {"theirs", "addressed"}
    assert [i.title for i in mentioned_here.items] == ["addressed"]
    assert {i.ref.scope for i in mentioned.items} == {"other/proj", SUBGROUP}
    assert [i.title for i in open_here.items] == ["assigned todo", "addressed", "mine"]
    assert all(i.repo and i.repo.full_name == SUBGROUP for i in open_here.items)


async def test_issue_from_an_older_instance_is_placed_by_its_web_url(gitlab: GitLabStandIn) -> None:
    """Before 12.7 issues had no ``references``, and web URLs had no ``/-/``."""
    gitlab.state.add_issue(SUBGROUP, "old", assignees=["alice"], legacy=True)
    gl, http = connect(gitlab)
    async with http:
        page = await gl.list_issues("assigned")
    assert page.items[0].ref == ref(1)
    assert page.items[0].url == "https://gitlab.com/group/sub/project/issues/1"


async def test_keyset_pagination_walks_every_page(gitlab: GitLabStandIn) -> None:
    for k in range(250):
        gitlab.state.add_issue(SUBGROUP, f"issue {k}")
    gl, http = connect(gitlab)
    seen: list[int] = []
    cursor = None
    async with http:
        while True:
            page = await gl.list_issues("open", scope=SUBGROUP, cursor=cursor)
            seen += [i.number or 0 for i in page.items]
            cursor = page.next_cursor
            if cursor is None:
                break
    assert sorted(seen) == list(range(1, 251)) and len(seen) == 250
    queries = [dict(e.query) for e in gitlab.log]
    assert len(queries) == 3 and all(q["pagination"] == "keyset" for q in queries)
    assert "cursor" not in queries[0] and all("cursor" in q for q in queries[1:])
    assert "page" not in queries[-1]  # no offsets anywhere


async def test_offset_pagination_follows_link_headers(gitlab: GitLabStandIn) -> None:
    for k in range(130):
        gitlab.state.add_issue(f"g{k % 3}/p", f"issue {k}", assignees=["alice"])
    gl, http = connect(gitlab)
    titles: list[str] = []
    cursor = None
    async with http:
        while True:
            page = await gl.list_issues("assigned", cursor=cursor)
            titles += [i.title for i in page.items]
            if (cursor := page.next_cursor) is None:
                break
    assert len(titles) == 130 == len(set(titles))
    assert [dict(e.query).get("page") for e in gitlab.log] == [None, "2"]


async def test_foreign_cursor_is_refused(gitlab: GitLabStandIn) -> None:
    gl, http = connect(gitlab)
    async with http:
        with pytest.raises(InvalidRequest):
            await gl.list_issues("assigned", cursor="https://evil.example/api/v4/issues?page=2")
    assert gitlab.log == []


async def test_user_completion_from_project_members(gitlab: GitLabStandIn) -> None:
    s = gitlab.state
    for login, name in [("hubot", "Hu Bot"), ("hugo", "Hugo B"), ("zed", "Hugh Z"), ("ann", "Ann")]:
        s.add_member(SUBGROUP, login, name=name)
    s.add_member(SUBGROUP, "hungry", state="awaiting")  # invited, no seat yet
    gl, http = connect(gitlab)
    async with http:
        users = await gl.search_users(SUBGROUP, "@hu")
        nobody = await gl.search_users(None, "hu")
    assert [u.login for u in users] == ["hubot", "hugo", "zed"]  # usernames first, then names
    assert nobody == []
    assert dict(gitlab.log[0].query)["query"] == "hu"


async def test_users_carry_their_public_email(gitlab: GitLabStandIn) -> None:
    """``UserBasic`` (authors, reviewers, members) has ``public_email``, an empty string where
    its owner shows none (the description's type; newer instances send ``null``, read alike).
    Reviewers with one are known to chat presence without any setting."""
    s = gitlab.state
    s.emails.update(bob="bob@example.com", hugo="hugo@example.com")
    s.add_mr(SUBGROUP, "Add upload", source_branch="f", author="bob", reviewers=["bob", "carol"])
    s.add_member(SUBGROUP, "hugo")
    s.add_member(SUBGROUP, "hubot")
    gl, http = connect(gitlab)
    async with http:
        mr = await gl.get_pull_request(ref(1, mr=True))
        members = await gl.search_users(SUBGROUP, "hu")
    assert [(u.login, u.email) for u in mr.requested_reviewers] == [
        ("bob", "bob@example.com"),
        ("carol", None),
    ]
    assert mr.author is not None and mr.author.email == "bob@example.com"
    assert sorted((u.login, u.email) for u in members) == [
        ("hubot", None),
        ("hugo", "hugo@example.com"),
    ]


# -- merge requests ----------------------------------------------------------------------------
async def test_merge_request_with_approvals_pipeline_and_stages(gitlab: GitLabStandIn) -> None:
    s = gitlab.state
    sha = "a" * 40
    pl = s.add_pipeline(
        SUBGROUP,
        ref="feature/upload",
        sha=sha,
        status="running",
        jobs=[
            ("build", "build", "success", False),
            ("lint", "test", "failed", True),
            ("rspec", "test", "running", False),
        ],
    )
    s.add_mr(
        SUBGROUP,
        "Add upload",
        source_branch="feature/upload",
        sha=sha,
        reviewers=["bob"],
        approved_by=["carol"],
        approvals_required=2,
        pipeline=pl["id"],
    )
    gl, http = connect(gitlab)
    async with http:
        mr = await gl.get_pull_request(ref(1, mr=True))
    assert mr.ref.label == "group/sub/project!1" and mr.is_pull_request
    assert (mr.head_ref, mr.base_ref, mr.head_sha) == ("feature/upload", "main", sha)
    assert (mr.approvals, mr.approvals_required) == (1, 2)
    assert mr.review_state is ReviewState.REVIEW_REQUIRED
    assert [u.login for u in mr.requested_reviewers] == ["bob"]
    assert mr.mergeable is True and mr.mergeable_state == "mergeable"
    assert mr.state is ItemState.OPEN and not mr.draft
    assert mr.checks is not None and mr.checks.url == pl["web_url"]
    assert [(r.name, r.group, r.conclusion) for r in mr.checks.runs] == [
        ("build", "build", CheckConclusion.SUCCESS),
        ("lint", "test", CheckConclusion.NEUTRAL),  # allowed to fail: a warning
        ("rspec", "test", CheckConclusion.PENDING),
    ]
    assert mr.checks.overall is CheckConclusion.PENDING
    # Approvals are asked with the numeric project id (GitLab's description types it so).
    assert f"GET /api/v4/projects/{pl['project_id']}/merge_requests/1/approvals" in paths(gitlab)


@pytest.mark.parametrize(
    ("kwargs", "review", "mergeable", "state"),
    [
        ({"approved_by": ["bob"]}, ReviewState.APPROVED, True, ItemState.OPEN),  # Free tier
        (
            {"approved_by": ["bob", "carol"], "approvals_required": 2},
            ReviewState.APPROVED,
            True,
            ItemState.OPEN,
        ),
        (
            {"reviewers": ["bob"], "detailed_merge_status": "requested_changes"},
            ReviewState.CHANGES_REQUESTED,
            False,
            ItemState.OPEN,
        ),
        ({"detailed_merge_status": "conflict"}, ReviewState.NONE, False, ItemState.OPEN),
        ({"detailed_merge_status": "checking"}, ReviewState.NONE, None, ItemState.OPEN),
        (
            {"draft": True, "detailed_merge_status": "draft_status"},
            ReviewState.NONE,
            False,
            ItemState.DRAFT,
        ),
        ({"state": "merged"}, ReviewState.NONE, True, ItemState.MERGED),
        ({"state": "closed"}, ReviewState.NONE, True, ItemState.CLOSED),
        ({"state": "locked"}, ReviewState.NONE, True, ItemState.OPEN),
        ({"legacy": True}, ReviewState.NONE, True, ItemState.OPEN),  # merge_status only
    ],
)
async def test_merge_request_states(
    gitlab: GitLabStandIn,
    kwargs: dict[str, object],
    review: ReviewState,
    mergeable: bool | None,
    state: ItemState,
) -> None:
    gitlab.state.add_mr(SUBGROUP, "MR", source_branch="x", **kwargs)  # type: ignore[arg-type]
    gl, http = connect(gitlab)
    async with http:
        mr = await gl.get_pull_request(ref(1, mr=True))
    assert (mr.review_state, mr.mergeable, mr.state) == (review, mergeable, state)
    assert mr.merged is (state is ItemState.MERGED)
    assert mr.checks is None  # no pipeline


async def test_merge_request_lists(gitlab: GitLabStandIn) -> None:
    s = gitlab.state
    s.add_mr(SUBGROUP, "mine", source_branch="feature/a")
    s.add_mr(SUBGROUP, "review me", source_branch="feature/b", author="bob", reviewers=["alice"])
    s.add_mr("other/proj", "elsewhere", source_branch="feature/a", author="bob")
    s.add_mr(SUBGROUP, "merged mine", source_branch="old", state="merged")
    gl, http = connect(gitlab)
    async with http:
        mine = await gl.list_pull_requests("mine")
        mine_here = await gl.list_pull_requests("mine", scope=SUBGROUP)
        review = await gl.list_pull_requests("review_requested")
        branch = await gl.list_pull_requests("branch", scope=SUBGROUP, branch="feature/a")
        with pytest.raises(InvalidRequest):
            await gl.list_pull_requests("branch", branch="feature/a")
    assert [p.title for p in mine] == [p.title for p in mine_here] == ["mine"]
    assert [p.title for p in review] == ["review me"]
    assert [(p.title, p.ref.label) for p in branch] == [("mine", "group/sub/project!1")]
    assert all(isinstance(p, PullRequest) and p.checks is None for p in [*mine, *review])
    asked = [dict(e.query) for e in gitlab.log if e.path.endswith("merge_requests")]
    assert {"scope": "all", "reviewer_username": "alice"}.items() <= asked[2].items()


async def test_bang_reference_is_a_merge_request(gitlab: GitLabStandIn) -> None:
    """``#1`` and ``!1`` are different items: GitLab numbers issues and MRs apart."""
    gitlab.state.add_issue(SUBGROUP, "an issue")
    gitlab.state.add_mr(SUBGROUP, "a merge request", source_branch="x")
    gl, http = connect(gitlab)
    async with http:
        issue = await gl.get_issue(ref(1))
        mr = await gl.get_issue(ref(1, mr=True))
        note = await gl.add_comment(ref(1, mr=True), "LGTM")
    assert issue.title == "an issue" and not issue.is_pull_request
    assert isinstance(mr, PullRequest) and mr.title == "a merge request"
    assert note.url and "/-/merge_requests/1#note_" in note.url
    assert "POST /api/v4/projects/group%2Fsub%2Fproject/merge_requests/1/notes" in paths(gitlab)


# -- CI ----------------------------------------------------------------------------------------
async def test_checks_of_a_branch_jobs_and_bridges_by_stage(gitlab: GitLabStandIn) -> None:
    s = gitlab.state
    s.add_pipeline(
        SUBGROUP,
        ref="feature/x",
        sha="b" * 40,
        status="failed",
        jobs=[("old", "build", "success", False)],
    )
    newest = s.add_pipeline(
        SUBGROUP,
        ref="feature/x",
        sha="c" * 40,
        status="manual",
        jobs=[
            ("compile", "build", "success", False),
            ("unit", "test", "failed", False),
            ("flaky", "test", "failed", True),
            ("deploy", "deploy", "manual", False),
            ("docs", "deploy", "manual", True),
            ("cleanup", ".post", "skipped", False),
            ("nightly", "test", "canceled", False),
        ],
        bridges=[("downstream", "deploy", "running")],
    )
    gl, http = connect(gitlab)
    async with http:
        summary = await gl.get_checks(SUBGROUP, "feature/x")
    assert summary.sha == "c" * 40 and summary.url == newest["web_url"]
    got = {r.name: (r.group, r.conclusion, r.status) for r in summary.runs}
    assert got == {
        "compile": ("build", CheckConclusion.SUCCESS, "completed"),
        "unit": ("test", CheckConclusion.FAILURE, "completed"),
        "flaky": ("test", CheckConclusion.NEUTRAL, "completed"),
        "deploy": ("deploy", CheckConclusion.ACTION_REQUIRED, "waiting"),
        "docs": ("deploy", CheckConclusion.SKIPPED, "waiting"),
        "cleanup": (".post", CheckConclusion.SKIPPED, "completed"),
        "nightly": ("test", CheckConclusion.CANCELLED, "completed"),
        "downstream": ("deploy", CheckConclusion.PENDING, "in_progress"),
    }
    assert (summary.total, summary.passed, summary.failed, summary.pending) == (8, 4, 3, 1)
    assert summary.overall is CheckConclusion.FAILURE
    q = dict(gitlab.log[0].query)
    assert (q["ref"], q["per_page"], q["order_by"], q["sort"]) == ("feature/x", "1", "id", "desc")


async def test_checks_of_a_commit_use_its_sha(gitlab: GitLabStandIn) -> None:
    sha = "d" * 40
    gitlab.state.add_pipeline(
        SUBGROUP, ref="main", sha=sha, status="success", jobs=[("build", "build", "success", False)]
    )
    gl, http = connect(gitlab)
    async with http:
        summary = await gl.get_checks(SUBGROUP, sha)
    assert summary.overall is CheckConclusion.SUCCESS and summary.ref == sha
    assert dict(gitlab.log[0].query)["sha"] == sha


async def test_checks_without_pipeline_or_without_jobs(gitlab: GitLabStandIn) -> None:
    broken = gitlab.state.add_pipeline(SUBGROUP, ref="broken", sha="e" * 40, status="failed")
    gl, http = connect(gitlab)
    async with http:
        none = await gl.get_checks(SUBGROUP, "no-such-branch")
        yaml_error = await gl.get_checks(SUBGROUP, "broken")
    assert none.total == 0 and none.overall is CheckConclusion.NEUTRAL
    assert [(r.name, r.conclusion) for r in yaml_error.runs] == [
        (f"pipeline #{broken['id']}", CheckConclusion.FAILURE)
    ]
    assert yaml_error.overall is CheckConclusion.FAILURE


# -- a self-managed instance -------------------------------------------------------------------
async def test_self_managed_instance_end_to_end(self_managed: GitLabStandIn) -> None:
    s = self_managed.state
    for k in range(120):
        s.add_issue(SUBGROUP, f"issue {k}", assignees=["alice"])
    gl, http = connect(
        self_managed,
        api_url="https://gitlab.example.test/api/v4",
        web_url="https://gitlab.example.test",
        host="gitlab.example.test",
    )
    async with http:
        who = await gl.check()
        first = await gl.list_issues("open", scope=SUBGROUP)
        assert first.next_cursor and first.next_cursor.startswith(
            "https://gitlab.example.test/api/v4/projects/group%2Fsub%2Fproject/issues?"
        )
        second = await gl.list_issues("open", scope=SUBGROUP, cursor=first.next_cursor)
        one = await gl.get_issue(first.items[0].ref)
    assert who.ok and who.detail == "signed in to gitlab.example.test as alice"
    assert len(first.items) + len(second.items) == 120 and second.next_cursor is None
    assert one.ref.host == "gitlab.example.test" and one.ref.id.startswith(
        "gitlab:gitlab.example.test:group/sub/project#"
    )
    assert one.url.startswith("https://gitlab.example.test/group/sub/project/-/issues/")
    assert one.repo == RepoRef(host="gitlab.example.test", owner="group/sub", name="project")
    assert {e.headers.get("host") for e in self_managed.log} == {"gitlab.example.test"}
    assert all(e.path.startswith("/api/v4/") for e in self_managed.log)
