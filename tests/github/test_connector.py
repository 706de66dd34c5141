"""The GitHub connector against the contract-checked stand-in: every request it sends is
validated against GitHub's OpenAPI description (the ``github`` fixture fails the test
otherwise)."""

from __future__ import annotations

import pytest

from connectors.sdk import CheckConclusion, ItemState, ReviewState
from server.hub.http import revalidate
from tests.factories import numbered
from tests.standin.github import GitHubStandIn
from tests.standin.harness import REPO, Token, connect


async def test_check_reports_account_and_rate_limit(github: GitHubStandIn) -> None:
    gh, http = connect(github.url)
    result = await gh.check()
    assert result.ok and result.account == "octocat"
    assert result.rate_limit_limit == 5000 and result.rate_limit_remaining is not None
    await http.aclose()


async def test_issue_lifecycle_is_consistent(github: GitHubStandIn) -> None:
    gh, http = connect(github.url)
    github.state.repo("o/r")
    created = await gh.create_issue(REPO.full_name, "Crash on save", "details", labels=["bug"])
    assert created.number == 1 and created.labels[0].name == "bug"
    got = await gh.get_issue(numbered(REPO, created.number))
    assert got.title == "Crash on save" and got.state is ItemState.OPEN
    closed = await gh.set_issue_state(numbered(REPO, created.number), open=False)
    assert closed.state is ItemState.CLOSED
    reopened = await gh.set_issue_state(numbered(REPO, created.number), open=True)
    assert reopened.state is ItemState.OPEN
    comment = await gh.add_comment(numbered(REPO, created.number), "on it")
    assert comment.body == "on it" and comment.author and comment.author.login == "octocat"
    await http.aclose()


async def test_issue_filters_exclude_pull_requests(github: GitHubStandIn) -> None:
    s = github.state
    s.add_issue("o/r", "mine", assignees=["octocat"])
    s.add_issue("o/r", "theirs", assignees=["hubot"], author="hubot", mentions=["octocat"])
    s.add_pull("o/r", "a PR", head="feat", author="octocat")
    gh, http = connect(github.url)
    assigned = await gh.list_issues("assigned")
    assert [i.title for i in assigned.items] == ["mine"]
    mentioned = await gh.list_issues("mentioned")
    assert [i.title for i in mentioned.items] == ["theirs"]
    created = await gh.list_issues("created")
    assert [i.title for i in created.items] == ["mine"]  # the PR is excluded
    repo_open = await gh.list_issues("open", scope=REPO.full_name)
    assert {i.title for i in repo_open.items} == {"mine", "theirs"}
    assert all(i.repo == REPO for i in repo_open.items)
    await http.aclose()


async def test_pull_requests_reviews_mergeability_and_checks(github: GitHubStandIn) -> None:
    s = github.state
    pr = s.add_pull(
        "o/r",
        "Add feature",
        head="feature",
        author="octocat",
        head_sha="abc123",
        reviews=[{"user": "hubot", "state": "APPROVED"}],
    )
    s.add_pull("o/r", "Review me", head="other", author="hubot", requested_reviewers=["octocat"])
    s.add_check_run("o/r", "abc123", "build", "completed", "success")
    s.add_check_run("o/r", "abc123", "lint", "completed", "failure")
    s.add_check_run("o/r", "abc123", "e2e", "in_progress", None)
    s.add_status("o/r", "abc123", "ci/legacy", "success")
    gh, http = connect(github.url)

    full = await gh.get_pull_request(numbered(REPO, pr["number"], pull=True))
    assert full.review_state is ReviewState.APPROVED
    assert full.mergeable is True and full.head_ref == "feature" and full.head_sha == "abc123"
    assert full.checks is not None
    assert (full.checks.passed, full.checks.failed, full.checks.pending) == (2, 1, 1)
    assert full.checks.overall is CheckConclusion.FAILURE

    mine = await gh.list_pull_requests("mine")
    assert [p.title for p in mine] == ["Add feature"]
    review = await gh.list_pull_requests("review_requested")
    assert [p.title for p in review] == ["Review me"]
    on_branch = await gh.list_pull_requests("branch", scope=REPO.full_name, branch="feature")
    assert [p.number for p in on_branch] == [pr["number"]]
    await http.aclose()


async def test_reviewers_carry_their_public_email(github: GitHubStandIn) -> None:
    """GitHub's ``simple-user`` has ``email``: the public e-mail, ``null`` for those who keep
    it private. Reviewers with one are known to chat presence without any setting."""
    s = github.state
    s.emails["hubot"] = "hubot@example.com"
    pr = s.add_pull(
        "o/r", "Review me", head="f", author="hubot", requested_reviewers=["hubot", "alice"]
    )
    gh, http = connect(github.url)
    full = await gh.get_pull_request(numbered(REPO, pr["number"], pull=True))
    assert [(u.login, u.email) for u in full.requested_reviewers] == [
        ("hubot", "hubot@example.com"),
        ("alice", None),
    ]
    assert full.author is not None and full.author.email == "hubot@example.com"
    await http.aclose()


async def test_user_completion_filters_by_prefix(github: GitHubStandIn) -> None:
    s = github.state
    s.repo("o/r").collaborators += ["hubot", "hugo", "alice"]
    gh, http = connect(github.url)
    users = await gh.search_users(REPO.full_name, "@hu")
    assert [u.login for u in users] == ["hubot", "hugo"]
    await http.aclose()


async def test_link_pagination_walks_every_page_without_duplicates(github: GitHubStandIn) -> None:
    for k in range(250):
        github.state.add_issue("o/r", f"issue {k}")
    gh, http = connect(github.url)
    seen: list[int] = []
    cursor = None
    pages = 0
    while True:
        page = await gh.list_issues("open", scope=REPO.full_name, cursor=cursor)
        pages += 1
        seen += [i.number for i in page.items]
        cursor = page.next_cursor
        if cursor is None:
            break
    assert pages == 3 and sorted(seen) == list(range(1, 251))
    await http.aclose()


async def test_unchanged_repoll_is_304_and_costs_no_rate_limit(github: GitHubStandIn) -> None:
    github.state.add_issue("o/r", "stable")
    gh, http = connect(github.url)
    first = await gh.list_issues("open", scope=REPO.full_name)
    assert not first.unchanged
    spent = github.spent()
    github.reset_log()
    with revalidate():
        again = await gh.list_issues("open", scope=REPO.full_name)
    assert again.unchanged and again.items == first.items
    assert [e.status for e in github.log] == [304]
    assert github.log[0].headers.get("if-none-match")
    assert github.spent() == spent  # 304 is free
    await http.aclose()


async def test_cache_never_serves_one_account_to_another(github: GitHubStandIn) -> None:
    github.state.tokens.update({"tok-a": "octocat", "tok-b": "hubot"})
    a, http_a = connect(github.url, token="tok-a")
    # Same client, different credentials: share the cache store on purpose.
    first = await a.check()
    b, http_b = connect(github.url, token="tok-b")
    b.ctx.http = http_a
    http_a.auth = Token("tok-b")
    second = await b.check()
    assert (first.account, second.account) == ("octocat", "hubot")
    await http_a.aclose()
    await http_b.aclose()


@pytest.mark.parametrize("bad", ["https://evil.example/repos/o/r/issues?page=2"])
async def test_foreign_cursor_is_refused(github: GitHubStandIn, bad: str) -> None:
    from connectors.sdk import InvalidRequest

    gh, http = connect(github.url)
    with pytest.raises(InvalidRequest):
        await gh.list_issues("open", scope=REPO.full_name, cursor=bad)
    await http.aclose()


async def test_checks_for_a_branch_with_a_slash(github: GitHubStandIn) -> None:
    github.state.add_pull("o/r", "Slashed", head="feature/upload-retries", head_sha="c" * 40)
    github.state.add_check_run("o/r", "c" * 40, "build", conclusion="success")
    connector, http = connect(github.url)
    async with http:
        summary = await connector.get_checks(REPO.full_name, "feature/upload-retries")
    assert (summary.total, summary.passed) == (1, 1)


async def test_sign_out_ends_an_oauth_token_at_github(github: GitHubStandIn) -> None:
    """With the OAuth app's secret: ``DELETE /applications/{client_id}/token`` as the app;
    a public app without one: the credential revocation API. Either way the token is dead."""
    from connectors.sdk.connector import OAuthApp

    for token, app in (
        ("gho_withSecretCANARY0123456789abcdefXYZ", OAuthApp("Iv1.app", "s3cret-value")),
        ("gho_publicAppCANARY0123456789abcdefXYZ", None),
    ):
        github.state.tokens[token] = "octocat"
        github.state.apps["Iv1.app"] = "s3cret-value"
        gh, http = connect(github.url, token=token)
        assert (await gh.check()).ok
        assert await gh.revoke(token, app) is True
        await http.aclose()
        fresh, http = connect(github.url, token=token)  # no cached /user
        assert not (await fresh.check()).ok  # 401: the token no longer works
        await http.aclose()
    paths = [(e.method, e.path) for e in github.log]
    assert ("DELETE", "/applications/Iv1.app/token") in paths
    assert ("POST", "/credentials/revoke") in paths
