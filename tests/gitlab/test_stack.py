"""GitLab's failure modes through the hub's HTTP stack: its error bodies as clear messages, its
rate limits (Rack::Attack headers, 429 + Retry-After), 5xx retried, 401 as ReauthRequired,
ETag revalidation (a 304 GitLab still counts), secrets kept out of every message and log
record, how each sign-in method's secret is sent, and a live contract check."""

from __future__ import annotations

import logging
import time

import httpx
import pytest

from connectors.gitlab.connector import GitLabConnector
from connectors.sdk import (
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ReauthRequired,
    ServiceUnavailable,
    TielineError,
)
from server.hub.auth.headers import SecretAuth, header_for
from server.hub.http import revalidate
from tests.standin.gitlab import GitLabStandIn, Token

from .conftest import SUBGROUP, connect
from .test_connector import ref

CANARY = "glpat-CANARYcanary0123456789xyz"


def count(standin: GitLabStandIn, fragment: str) -> int:
    return sum(1 for e in standin.log if fragment in e.path)


# -- GitLab's error bodies ------------------------------------------------------------------------
async def test_missing_project_says_so(gitlab: GitLabStandIn) -> None:
    gl, http = connect(gitlab)
    async with http:
        with pytest.raises(NotFound) as err:
            await gl.get_issue(ref(7, scope="nobody/nothing"))
    assert "404 Project Not Found" in err.value.message
    assert err.value.message.startswith("GitLab: 404")


async def test_validation_errors_read_as_sentences(gitlab: GitLabStandIn) -> None:
    """``{"message": {"title": ["can't be blank"]}}`` -> ``title can't be blank``."""
    gitlab.state.project(SUBGROUP)
    gl, http = connect(gitlab)
    async with http:
        with pytest.raises(InvalidRequest) as err:
            await gl.create_issue(SUBGROUP, "   ")
    assert err.value.status == 400
    assert err.value.message.endswith(": title can't be blank")
    assert "{" not in err.value.message


async def test_read_only_token_cannot_write(gitlab: GitLabStandIn) -> None:
    gitlab.state.project(SUBGROUP)
    gitlab.gl_tokens["ro"] = Token("alice", scopes=("read_api",))
    gl, http = connect(gitlab, token="ro")
    async with http:
        with pytest.raises(PermissionDenied) as err:
            await gl.create_issue(SUBGROUP, "needs api")
    assert "requires higher privileges" in err.value.message


async def test_401_asks_to_sign_in_again_without_retrying(gitlab: GitLabStandIn) -> None:
    gitlab.state.add_issue(SUBGROUP, "x")
    gitlab.inject("401")
    gl, http = connect(gitlab)
    async with http:
        with pytest.raises(ReauthRequired) as err:
            await gl.get_issue(ref(1))
    assert "401 Unauthorized" in err.value.message
    assert len(gitlab.log) == 1


# -- transient failures ------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["500", "502", "reset"])
async def test_transient_failures_are_retried(gitlab: GitLabStandIn, kind: str) -> None:
    gitlab.state.add_issue(SUBGROUP, "x")
    gitlab.inject(kind, count=2)
    gl, http = connect(gitlab)
    async with http:
        issue = await gl.get_issue(ref(1))
    assert issue.title == "x" and count(gitlab, "/issues/1") == 3


async def test_a_lasting_outage_is_reported_after_the_retries(gitlab: GitLabStandIn) -> None:
    gitlab.state.add_issue(SUBGROUP, "x")
    gitlab.inject("500", count=10)
    gl, http = connect(gitlab)
    async with http:
        with pytest.raises(ServiceUnavailable) as err:
            await gl.get_issue(ref(1))
    assert "500 Internal Server Error" in err.value.message
    assert count(gitlab, "/issues/1") == 4  # the policy's attempts, then no more


# -- rate limits ---------------------------------------------------------------------------------
async def test_every_answer_reports_the_budget(gitlab: GitLabStandIn) -> None:
    gitlab.state.add_issue(SUBGROUP, "x")
    gl, http = connect(gitlab)
    async with http:
        await gl.get_issue(ref(1))
        await gl.get_issue(ref(1))
    info = http.stack.limiter.info
    assert (info.limit, info.remaining) == (2000, 1998)
    assert info.reset_at is not None and info.reset_at > time.time()


async def test_short_429s_are_waited_out(gitlab: GitLabStandIn) -> None:
    gitlab.state.add_issue(SUBGROUP, "x")
    gitlab.inject("retry_after", count=1, seconds=1)
    gl, http = connect(gitlab)
    started = time.monotonic()
    async with http:
        issue = await gl.get_issue(ref(1))
    assert issue.title == "x" and count(gitlab, "/issues/1") == 2
    assert time.monotonic() - started >= 0.9  # Retry-After was honoured


async def test_a_429_storm_hands_back_control_without_hammering(gitlab: GitLabStandIn) -> None:
    """A long Retry-After is not slept through: RateLimited carries when to come back, and
    nothing more is sent before then."""
    gitlab.state.add_issue(SUBGROUP, "x")
    gitlab.inject("ratelimit", count=50, seconds=120)
    gl, http = connect(gitlab, max_rate_wait=2.0)
    async with http:
        with pytest.raises(RateLimited) as err:
            await gl.get_issue(ref(1))
        for _ in range(5):
            with pytest.raises(RateLimited):
                await gl.list_issues("assigned")
    assert err.value.retry_after > 100
    assert "Retry later" in err.value.message
    assert len(gitlab.log) == 1


async def test_exhausted_budget_blocks_further_requests(gitlab: GitLabStandIn) -> None:
    gitlab.state.add_issue(SUBGROUP, "x")
    gitlab.used[("alice", "requests")] = 1999  # one request left in this minute
    gl, http = connect(gitlab, max_rate_wait=0.5)
    async with http:
        await gl.get_issue(ref(1))  # answered with RateLimit-Remaining: 0
        with pytest.raises(RateLimited):
            await gl.get_issue(ref(1))
    assert len(gitlab.log) == 1


# -- ETag revalidation ----------------------------------------------------------------------------
async def test_unchanged_repoll_is_a_304_that_still_costs_budget(gitlab: GitLabStandIn) -> None:
    """GitLab answers ``max-age=0, private, must-revalidate`` with a weak ETag: every poll
    asks, an unchanged list costs a 304 -- which Rack::Attack counts like any request."""
    gitlab.state.add_issue(SUBGROUP, "stable")
    gl, http = connect(gitlab)
    async with http:
        first = await gl.list_issues("open", scope=SUBGROUP)
        spent = gitlab.spent()
        gitlab.reset_log()
        again = await gl.list_issues("open", scope=SUBGROUP)
        with revalidate():
            forced = await gl.list_issues("open", scope=SUBGROUP)
        gitlab.state.add_issue(SUBGROUP, "new")
        changed = await gl.list_issues("open", scope=SUBGROUP)
    assert not first.unchanged
    assert again.unchanged and forced.unchanged and again.items == first.items
    assert [e.status for e in gitlab.log] == [304, 304, 200]
    assert all(e.headers.get("if-none-match", "").startswith('W/"') for e in gitlab.log)
    assert gitlab.spent() == spent + 3
    assert not changed.unchanged and len(changed.items) == 2


# -- secrets ------------------------------------------------------------------------------------
async def test_canary_token_never_reaches_a_message_or_a_log_record(
    gitlab: GitLabStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    gitlab.gl_tokens[CANARY] = Token("alice", scopes=("read_api",))
    gitlab.state.add_issue(SUBGROUP, "x")
    caplog.set_level(logging.DEBUG)
    gl, http = connect(gitlab, token=CANARY)
    errors: list[TielineError] = []
    async with http:
        assert (await gl.check()).ok
        for action in (
            lambda: gl.get_issue(ref(1, scope="no/such")),  # 404
            lambda: gl.create_issue(SUBGROUP, "x"),  # 403 insufficient scope
            lambda: gl.list_issues("assigned", cursor="https://evil.example/x"),  # refused
        ):
            try:
                await action()
            except TielineError as exc:
                errors.append(exc)
        gitlab.inject("500", count=10)
        try:
            await gl.get_issue(ref(1))
        except TielineError as exc:
            errors.append(exc)
        gitlab.inject("401")
        result = await gl.check()
    assert len(errors) == 4 and not result.ok
    texts = [e.message for e in errors] + [str(e) for e in errors] + [result.detail]
    texts += [r.getMessage() for r in caplog.records] + [repr(r.args) for r in caplog.records]
    texts += [repr(SecretAuth(CANARY))]
    assert not [t for t in texts if CANARY in t or CANARY[6:] in t]


def test_gitlab_token_shapes_are_masked_anywhere() -> None:
    from connectors.sdk import redact
    from connectors.sdk.registry import Registry

    Registry().add(GitLabConnector)  # registers the manifest's token patterns
    for secret in (
        "glpat-abcdefghijklmnopqrst",
        "glpat-abcdefghijklmnopqrstuvwxyz0.01.1a2b3c4d5",  # routable token format
        "gloas-0123456789abcdef0123456789abcdef",
        "glptt-0123456789abcdef0123456789",
        "gldt-ABCDEFGHIJKLMNOPQRSTUV",
        "glrt-t1_ABCDEFGHIJKLMNOPQRSTUV",
        "SIE-glpat-abcdefghijklmnopqrst",  # behind an instance prefix
        "GR1348941abcdefghijklmnopqrst",
    ):
        out = redact(f"token={secret} end")
        assert secret not in out and "end" in out, secret


@pytest.mark.parametrize("method", ["token", "env", "pkce", "device"])
async def test_every_sign_in_method_sends_a_bearer_header(
    gitlab: GitLabStandIn, method: str
) -> None:
    """Personal, project and group access tokens and OAuth tokens all go as
    ``Authorization: Bearer`` (GitLab also takes PRIVATE-TOKEN, which Tieline does not use)."""
    header = header_for(GitLabConnector.manifest(), method)
    assert header == ("Authorization", "Bearer {token}")
    request = httpx.Request("GET", "https://gitlab.com/api/v4/user")
    sent = next(SecretAuth("tok-a", header=header).auth_flow(request))
    assert sent.headers["authorization"] == "Bearer tok-a"
    assert "private-token" not in sent.headers
    gl, http = connect(gitlab, method=method)
    async with http:
        assert (await gl.check()).ok


# -- the contract check is live ----------------------------------------------------------------
async def test_requests_outside_the_contract_are_caught(gitlab: GitLabStandIn) -> None:
    """What the contract forbids fails: the approvals endpoint's ``:id`` is an integer in
    GitLab's description, and a note takes only the documented attributes."""
    gitlab.state.add_mr(SUBGROUP, "x", source_branch="x")
    _, http = connect(gitlab)
    async with http:
        with pytest.raises(InvalidRequest):
            await http.get("/projects/group%2Fsub%2Fproject/merge_requests/1/approvals")
        with pytest.raises(InvalidRequest):
            await http.post(
                "/projects/1/merge_requests/1/notes", json={"body": "x", "resolvable": True}
            )
        with pytest.raises(InvalidRequest):
            await http.get("/issues", params={"scope": "mentioned_me"})
    assert len(gitlab.violations) == 3
    assert "Path parameter error: id" in gitlab.violations[0]
    assert "resolvable" in gitlab.violations[1] and "scope" in gitlab.violations[2]
    gitlab.violations.clear()  # seen on purpose
