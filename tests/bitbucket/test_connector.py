"""The Bitbucket connector's code host, issue tracker and build statuses, each method through
the hub's real HTTP stack against the contract-checked stand-in, signed in each way."""

from __future__ import annotations

import base64

import pytest

from connectors.bitbucket.connector import BitbucketConnector
from connectors.sdk import (
    CheckConclusion,
    CIProvider,
    CodeHost,
    InvalidRequest,
    IssueTracker,
    ItemKind,
    ItemRef,
    ItemState,
    NotFound,
    ReviewState,
    provides,
)
from tests.standin.bitbucket import BitbucketStandIn

from .conftest import ACCESS_TOKEN, API_TOKEN, APP_PASSWORD, EMAIL, connect

REPO = "acme/app"


def pr_ref(n: int, scope: str = REPO) -> ItemRef:
    return ItemRef(
        connector="bitbucket",
        host="bitbucket.org",
        scope=scope,
        key=f"#{n}",
        number=n,
        kind=ItemKind.PULL_REQUEST,
    )


def issue_ref(n: int, scope: str = REPO) -> ItemRef:
    return ItemRef(
        connector="bitbucket",
        host="bitbucket.org",
        scope=scope,
        key=f"#issue-{n}",
        number=n,
        kind=ItemKind.ISSUE,
    )


def test_it_declares_and_implements_its_capabilities() -> None:
    for proto in (IssueTracker, CodeHost, CIProvider):
        assert provides(BitbucketConnector, proto)
    BitbucketConnector.verify_capabilities()


@pytest.mark.parametrize(
    ("method", "token", "username", "scheme"),
    [
        ("basic", API_TOKEN, EMAIL, "Basic"),  # Atlassian API token + email
        ("basic", APP_PASSWORD, "ada", "Basic"),  # app password + username
        ("token", ACCESS_TOKEN, None, "Bearer"),  # repository/workspace access token
    ],
)
async def test_check_names_the_account_whichever_way_it_signed_in(
    bitbucket: BitbucketStandIn, method: str, token: str, username: str | None, scheme: str
) -> None:
    seen: list[str] = []
    original = bitbucket.authenticate

    def spy(req):  # type: ignore[no-untyped-def]
        seen.append(req.headers.get("authorization", ""))
        return original(req)

    bitbucket.authenticate = spy  # type: ignore[method-assign]
    bb, http = connect(bitbucket, method=method, token=token, username=username)
    async with http:
        result = await bb.check()
    assert result.ok, result.detail
    assert (result.account, result.name, result.rate_limit_limit) == ("ada", "Ada Lovelace", 1000)
    assert seen[0].startswith(f"{scheme} ")
    if scheme == "Basic":
        assert base64.b64decode(seen[0][6:]).decode() == f"{username}:{token}"
    else:
        assert seen[0] == f"Bearer {token}"


async def test_an_oauth_sign_in_reports_its_scopes(bitbucket: BitbucketStandIn) -> None:
    bitbucket.add_token("oauth-access", "ada", "bearer", scopes="pullrequest:write, account")
    bb, http = connect(bitbucket, method="pkce", token="oauth-access")
    async with http:
        result = await bb.check()
    assert result.ok and result.scopes == ("pullrequest:write", "account")
    bb, http = connect(bitbucket, method="token")
    async with http:
        assert (await bb.check()).scopes is None  # access tokens do not say


async def test_wrong_credentials_fail_check_without_raising(bitbucket: BitbucketStandIn) -> None:
    bb, http = connect(bitbucket, username="someone@else.example")
    async with http:
        result = await bb.check()
    assert not result.ok and "401" in result.detail


# -- CodeHost ------------------------------------------------------------------------------------
@pytest.mark.parametrize("method", ["basic", "token"])
async def test_pull_requests_mine_review_requested_and_for_a_branch(
    bitbucket: BitbucketStandIn, method: str
) -> None:
    st = bitbucket.state
    st.add_pr(REPO, "Review me", source="rv", reviewers=("ada",))
    st.add_pr(REPO, "Mine", source="mine", author="ada")
    st.add_pr(REPO, "Not for me", source="other", reviewers=("bob",))
    st.add_pr(REPO, "Old", source="old", author="ada", state="MERGED")
    st.add_pr("acme/lib", "Mine elsewhere", source="x", author="ada")
    bb, http = connect(bitbucket, method=method)
    async with http:
        review = await bb.list_pull_requests("review_requested")
        mine = await bb.list_pull_requests("mine")
        mine_here = await bb.list_pull_requests("mine", scope=REPO)
        branch = await bb.list_pull_requests("branch", scope=REPO, branch="mine")
        none = await bb.list_pull_requests("branch", scope=REPO, branch="nope")
    assert [p.title for p in review] == ["Review me"]
    assert sorted(p.title for p in mine) == ["Mine", "Mine elsewhere"]
    assert [p.title for p in mine_here] == ["Mine"]
    assert [(p.title, p.head_ref, p.ref.scope) for p in branch] == [("Mine", "mine", REPO)]
    assert none == []
    queries = [dict(e.query).get("q", "") for e in bitbucket.log if "pullrequests" in e.path]
    assert any('reviewers.uuid="' + st.me.uuid + '"' in q for q in queries)
    assert any('source.branch.name="mine"' in q for q in queries)


async def test_questions_without_a_repository_look_in_the_accounts_workspaces(
    bitbucket: BitbucketStandIn,
) -> None:
    """Bitbucket has no cross-workspace lists since 2026 (CHANGE-2770): "mine" and "review
    requested" ask each workspace -- the setting's, else the account's and those served."""
    st = bitbucket.state
    st.add_pr("acme/app", "Mine in acme", source="a", author="ada")
    st.add_pr("other/lib", "Mine in other", source="b", author="ada")
    st.add_pr("other/lib", "Review in other", source="c", reviewers=("ada",))
    bb, http = connect(bitbucket)
    async with http:
        mine = await bb.list_pull_requests("mine")
        review = await bb.list_pull_requests("review_requested")
    assert sorted(p.title for p in mine) == ["Mine in acme", "Mine in other"]
    assert [p.title for p in review] == ["Review in other"]
    assert sum(e.path == "/2.0/user/workspaces" for e in bitbucket.log) == 1  # asked once
    assert not any(e.path == "/2.0/repositories" for e in bitbucket.log)  # gone (410)

    bb, http = connect(bitbucket, settings={"workspaces": ["other"]})
    async with http:
        only = await bb.list_pull_requests("mine")
    assert [p.title for p in only] == ["Mine in other"]


async def test_an_access_token_that_cannot_list_workspaces_uses_those_served(
    bitbucket: BitbucketStandIn,
) -> None:
    st = bitbucket.state
    st.add_pr("acme/app", "Mine", source="a", author="ada")
    bitbucket.workspaces_gone = True
    bb, http = connect(bitbucket, method="token")
    async with http:
        assert await bb.list_pull_requests("mine") == []  # no workspace known yet
        await bb.list_pull_requests("branch", scope="acme/app", branch="a")
        mine = await bb.list_pull_requests("mine")
    assert [p.title for p in mine] == ["Mine"]


async def test_a_pull_request_with_reviews_and_build_statuses(bitbucket: BitbucketStandIn) -> None:
    st = bitbucket.state
    pr = st.add_pr(
        REPO,
        "Feature",
        source="feat",
        sha="d" * 40,
        reviewers=("bob", "cy"),
        approved_by=("bob",),
        description="Does *things*",
    )
    st.add_status(REPO, "d" * 40, "build", "SUCCESSFUL")
    st.add_status(REPO, "d" * 40, "lint", "FAILED")
    bb, http = connect(bitbucket)
    async with http:
        got = await bb.get_pull_request(pr_ref(pr["id"]))
    assert (got.title, got.state, got.body) == ("Feature", ItemState.OPEN, "Does *things*")
    assert (got.head_ref, got.base_ref, got.head_sha) == ("feat", "main", "d" * 12)
    assert got.url == f"https://bitbucket.org/{REPO}/pull-requests/{pr['id']}"
    assert got.review_state is ReviewState.APPROVED and got.approvals == 1
    assert [u.login for u in got.requested_reviewers] == ["bob", "cy"]
    assert got.checks is not None and (got.checks.passed, got.checks.failed) == (1, 1)
    assert got.ref.key == f"#{pr['id']}" and got.ref.kind is ItemKind.PULL_REQUEST


@pytest.mark.parametrize(
    ("kw", "state"),
    [
        ({"changes_requested_by": ("bob",), "approved_by": ("cy",)}, ReviewState.CHANGES_REQUESTED),
        ({"reviewers": ("bob",)}, ReviewState.REVIEW_REQUIRED),
        ({}, ReviewState.NONE),
    ],
)
async def test_review_state_from_participants(
    bitbucket: BitbucketStandIn, kw: dict[str, tuple[str, ...]], state: ReviewState
) -> None:
    pr = bitbucket.state.add_pr(REPO, "x", source="x", **kw)  # type: ignore[arg-type]
    bb, http = connect(bitbucket)
    async with http:
        got = await bb.get_pull_request(pr_ref(pr["id"]))
    assert got.review_state is state


async def test_merged_declined_and_draft(bitbucket: BitbucketStandIn) -> None:
    st = bitbucket.state
    merged = st.add_pr(REPO, "m", source="m", state="MERGED")
    declined = st.add_pr(REPO, "d", source="d", state="DECLINED")
    draft = st.add_pr(REPO, "w", source="w", draft=True)
    bb, http = connect(bitbucket)
    async with http:
        states = [(await bb.get_issue(pr_ref(p["id"]))).state for p in (merged, declined, draft)]
    assert states == [ItemState.MERGED, ItemState.CLOSED, ItemState.DRAFT]


async def test_approve_and_comment_on_a_pull_request(bitbucket: BitbucketStandIn) -> None:
    pr = bitbucket.state.add_pr(REPO, "Please look", source="p", reviewers=("ada",))
    bb, http = connect(bitbucket)
    async with http:
        assert await bb.approve(pr_ref(pr["id"]))
        comment = await bb.add_comment(pr_ref(pr["id"]), "LGTM **nice**")
        after = await bb.get_pull_request(pr_ref(pr["id"]))
    assert comment.body == "LGTM **nice**" and comment.author and comment.author.login == "ada"
    assert comment.url and comment.url.endswith(f"#comment-{comment.id}")
    assert after.review_state is ReviewState.APPROVED and after.comments == 1
    posted = [e for e in bitbucket.log if e.method == "POST"]
    assert [e.path.rsplit("/", 1)[1] for e in posted] == ["approve", "comments"]


async def test_approving_your_own_pull_request_says_why_not(bitbucket: BitbucketStandIn) -> None:
    pr = bitbucket.state.add_pr(REPO, "mine", source="m", author="ada")
    bb, http = connect(bitbucket)
    async with http:
        with pytest.raises(InvalidRequest) as err:
            await bb.approve(pr_ref(pr["id"]))
    assert err.value.message.endswith("You can't approve your own pull request.")


# -- IssueTracker --------------------------------------------------------------------------------
async def test_issues_mine_and_open_and_read_back(bitbucket: BitbucketStandIn) -> None:
    st = bitbucket.state
    me = st.me
    st.add_issue(REPO, "Assigned", assignee="ada")
    st.add_issue(REPO, "Reported", reporter="ada")
    st.add_issue(REPO, "Mentions", content=f"ping @{{{me.account_id}}} please")
    st.add_issue(REPO, "Closed one", assignee="ada", state="resolved")
    st.repo("acme/no-tracker", has_issues=False)
    bb, http = connect(bitbucket)
    async with http:
        assigned = await bb.list_issues("assigned")
        created = await bb.list_issues("created", scope=REPO)
        mentioned = await bb.list_issues("mentioned")
        open_ = await bb.list_issues("open", scope=REPO)
        made = await bb.create_issue(REPO, "Crash on save", "steps", labels=["ignored"])
        got = await bb.get_issue(made.ref)
        comment = await bb.add_comment(made.ref, "On it.")
    assert [i.title for i in assigned.items] == ["Assigned"]
    assert [i.title for i in created.items] == ["Reported"]
    assert [i.title for i in mentioned.items] == ["Mentions"]
    assert sorted(i.title for i in open_.items) == ["Assigned", "Mentions", "Reported"]
    assert made.ref.key == f"#issue-{made.number}" and made.ref.kind is ItemKind.ISSUE
    assert (got.title, got.body, got.state) == ("Crash on save", "steps", ItemState.OPEN)
    assert got.url == f"https://bitbucket.org/{REPO}/issues/{made.number}"
    assert comment.body == "On it."
    # Repositories without an issue tracker were never asked for issues.
    assert not any("no-tracker/issues" in e.path for e in bitbucket.log)


async def test_issue_lists_page_with_next_urls(bitbucket: BitbucketStandIn) -> None:
    for n in range(120):
        bitbucket.state.add_issue(REPO, f"Bulk {n}")
    bb, http = connect(bitbucket)
    titles: list[str] = []
    pages = 0
    async with http:
        cursor: str | None = None
        while True:
            page = await bb.list_issues("open", scope=REPO, cursor=cursor)
            pages += 1
            titles += [i.title for i in page.items]
            cursor = page.next_cursor
            if not cursor:
                break
    assert pages == 3 and len(titles) == 120 == len(set(titles))
    assert all(i.startswith("Bulk") for i in titles)
    paged = [dict(e.query) for e in bitbucket.log if e.path.endswith("/issues")]
    assert [q.get("page") for q in paged] == [None, "2", "3"]
    assert all(q["pagelen"] == "50" and q["sort"] == "-updated_on" for q in paged)


async def test_a_cursor_for_another_host_is_refused(bitbucket: BitbucketStandIn) -> None:
    bb, http = connect(bitbucket)
    async with http:
        with pytest.raises(InvalidRequest):
            await bb.list_issues("open", scope=REPO, cursor="https://evil.example/2.0/x?page=2")
    assert bitbucket.log == []


async def test_missing_items_are_not_found(bitbucket: BitbucketStandIn) -> None:
    bitbucket.state.add_issue(REPO, "exists")
    bb, http = connect(bitbucket)
    async with http:
        with pytest.raises(NotFound) as err:
            await bb.get_issue(issue_ref(99))
        with pytest.raises(NotFound):
            await bb.get_issue(pr_ref(99))
        with pytest.raises(NotFound):
            await bb.get_pull_request(pr_ref(1, scope="acme/missing"))
    assert err.value.message == (
        f"Bitbucket: 404 Not Found on GET /2.0/repositories/{REPO}/issues/99: "
        "Resource not found (There is no issue 99)"
    )


async def test_search_users_among_workspace_members(bitbucket: BitbucketStandIn) -> None:
    st = bitbucket.state
    st.account("bob", "Bob Builder")
    st.account("bobby", "Roberta Tables")
    st.account("cy", "Cy Bobson")
    bb, http = connect(bitbucket)
    async with http:
        users = await bb.search_users(REPO, "@bob")
        none = await bb.search_users(None, "bob")
    assert [u.login for u in users] == ["bob", "bobby", "cy"]
    assert none == []
    assert any(e.path == "/2.0/workspaces/acme/members" for e in bitbucket.log)


# -- CIProvider ------------------------------------------------------------------------------------
async def test_a_pull_request_looked_up_by_its_number_carries_its_checks(
    bitbucket: BitbucketStandIn,
) -> None:
    """``#N`` from a hover: the pull request with its build statuses, and the statuses by
    the 12-digit head hash Bitbucket gives a pull request (what the hub asks with)."""
    st = bitbucket.state
    pr = st.add_pr(REPO, "Feature", source="feat", sha="9" * 40)
    st.add_status(REPO, "9" * 40, "build", "FAILED")
    bb, http = connect(bitbucket)
    async with http:
        got = await bb.get_issue(pr_ref(pr["id"]))
        by_short = await bb.get_checks(REPO, "9" * 12)
    assert got.is_pull_request and got.checks is not None and got.checks.failed == 1
    assert by_short.failed == 1 and by_short.sha == "9" * 12


async def test_checks_of_a_branch_and_of_a_commit(bitbucket: BitbucketStandIn) -> None:
    st = bitbucket.state
    repo = st.repo(REPO)
    repo.branches["feature/x"] = "e" * 40
    st.add_status(REPO, "e" * 40, "build", "FAILED")
    st.add_status(REPO, "e" * 40, "build", "SUCCESSFUL")  # re-run, same key: the newest wins
    st.add_status(REPO, "e" * 40, "deploy", "INPROGRESS")
    bb, http = connect(bitbucket)
    async with http:
        branch = await bb.get_checks(REPO, "feature/x")
        commit = await bb.get_checks(REPO, "e" * 40)
        missing = await bb.get_checks(REPO, "no-such-branch")
    for summary in (branch, commit):
        assert (summary.total, summary.passed, summary.pending) == (2, 1, 1)
        assert summary.sha == "e" * 40
        assert summary.overall is CheckConclusion.PENDING
    assert missing.total == 0
    assert any(
        e.path == f"/2.0/repositories/{REPO}/refs/branches/feature%2Fx" for e in bitbucket.log
    )
