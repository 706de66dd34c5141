"""Bitbucket's failure modes through the hub's HTTP stack: its error bodies as clear messages,
its rate limit (a 429 without Retry-After, X-RateLimit-* headers with no remaining count),
5xx retried, 401 as ReauthRequired, ETag revalidation, ``next``-URL pagination over many
pages, secrets kept out of every message and log record, and a live contract check."""

from __future__ import annotations

import logging
import time

import httpx
import pytest

from connectors.sdk import (
    InvalidRequest,
    NotFound,
    RateLimited,
    ReauthRequired,
    ServiceUnavailable,
    TielineError,
)
from server.hub.http import revalidate
from tests.standin.bitbucket import BitbucketStandIn

from .conftest import ACCESS_TOKEN, API_TOKEN, APP_PASSWORD, EMAIL, connect
from .test_connector import REPO, issue_ref, pr_ref


def count(standin: BitbucketStandIn, suffix: str) -> int:
    return sum(1 for e in standin.log if e.path.endswith(suffix))


async def test_401_asks_to_sign_in_again_without_retrying(bitbucket: BitbucketStandIn) -> None:
    bitbucket.state.add_pr(REPO, "x", source="x")
    bitbucket.inject("401")
    bb, http = connect(bitbucket)
    async with http:
        with pytest.raises(ReauthRequired) as err:
            await bb.get_pull_request(pr_ref(1))
    assert "401 Unauthorized" in err.value.message and "Invalid credentials" in err.value.message
    assert len(bitbucket.log) == 1


async def test_a_revoked_token_is_reauth(bitbucket: BitbucketStandIn) -> None:
    bitbucket.state.add_pr(REPO, "x", source="x")
    bb, http = connect(bitbucket, method="token")
    del bitbucket.secrets[ACCESS_TOKEN]
    async with http:
        with pytest.raises(ReauthRequired):
            await bb.get_pull_request(pr_ref(1))


@pytest.mark.parametrize("kind", ["500", "502", "reset"])
async def test_transient_failures_are_retried(bitbucket: BitbucketStandIn, kind: str) -> None:
    bitbucket.state.add_pr(REPO, "x", source="x")
    bitbucket.inject(kind, count=2, path="/pullrequests/1")  # the statuses too: 2 in all
    bb, http = connect(bitbucket)
    async with http:
        pr = await bb.get_issue(pr_ref(1))
    assert pr.title == "x" and count(bitbucket, "/pullrequests/1") == 3


async def test_a_lasting_outage_is_reported_after_the_retries(bitbucket: BitbucketStandIn) -> None:
    bitbucket.state.add_pr(REPO, "x", source="x")
    bitbucket.inject("500", count=10)
    bb, http = connect(bitbucket)
    async with http:
        with pytest.raises(ServiceUnavailable) as err:
            await bb.get_issue(pr_ref(1))
    assert err.value.message.startswith("Bitbucket: 500")
    assert count(bitbucket, "/pullrequests/1") == 4


async def test_error_bodies_read_as_sentences(bitbucket: BitbucketStandIn) -> None:
    """``{"type": "error", "error": {"message", "detail"}}`` -> ``message (detail)``."""
    bitbucket.state.repo(REPO)
    bitbucket.state.repo("acme/off", has_issues=False)
    bb, http = connect(bitbucket)
    async with http:
        with pytest.raises(NotFound) as off:
            await bb.create_issue("acme/off", "x")
        with pytest.raises(InvalidRequest) as blank:
            await bb.create_issue(REPO, "  ")
    assert off.value.message.endswith(": Repository has no issue tracker.")
    assert blank.value.message.endswith(": Bad request (title: This field is required.)")
    assert "{" not in blank.value.message


async def test_every_answer_reports_the_limit(bitbucket: BitbucketStandIn) -> None:
    bb, http = connect(bitbucket)
    async with http:
        await bb.check()
    assert http.stack.limiter.info.limit == 1000
    entry = bitbucket.log[-1]
    assert entry.status == 200


async def test_near_the_limit_bitbucket_says_so(bitbucket: BitbucketStandIn) -> None:
    bitbucket.used[("ada", "api")] = 900
    async with httpx.AsyncClient(base_url=f"{bitbucket.url}/2.0") as raw:
        r = await raw.get("/user", auth=(EMAIL, API_TOKEN))
    assert r.headers["x-ratelimit-nearlimit"] == "true"
    assert r.headers["x-ratelimit-resource"] == "api"
    assert "x-ratelimit-remaining" not in r.headers


async def test_a_spent_budget_is_a_429_that_hands_back_control(
    bitbucket: BitbucketStandIn,
) -> None:
    """Bitbucket's 429 has no Retry-After: the stack backs off on its own and does not
    hammer the service meanwhile."""
    bitbucket.used[("ada", "api")] = 1000
    bb, http = connect(bitbucket, max_rate_wait=0.5)
    async with http:
        with pytest.raises(RateLimited) as err:
            await bb.list_pull_requests("branch", scope=REPO, branch="x")
        for _ in range(3):
            with pytest.raises(RateLimited):
                await bb.list_pipelines(REPO)
    assert "Rate limit for this resource has been exceeded" in err.value.message
    assert err.value.retry_after > 0
    assert len(bitbucket.log) == 1


async def test_short_429s_with_retry_after_are_waited_out(bitbucket: BitbucketStandIn) -> None:
    bitbucket.state.add_pr(REPO, "x", source="x")
    bitbucket.inject("retry_after", count=1, seconds=1)
    bb, http = connect(bitbucket)
    started = time.monotonic()
    async with http:
        pr = await bb.get_issue(pr_ref(1))
    assert pr.title == "x" and count(bitbucket, "/pullrequests/1") == 2
    assert time.monotonic() - started >= 0.9


async def test_many_pages_of_pull_requests_follow_next(bitbucket: BitbucketStandIn) -> None:
    for n in range(130):
        bitbucket.state.add_pr(REPO, f"Mine {n}", source=f"b{n}", author="ada")
    bb, http = connect(bitbucket)
    async with http:
        mine = await bb.list_pull_requests("mine")
    assert len(mine) == 130 == len({p.ref.id for p in mine})
    pages = [dict(e.query) for e in bitbucket.log if "/pullrequests/%7B" in e.path]
    assert [q.get("page") for q in pages] == [None, "2", "3"]
    assert all(q["pagelen"] == "50" and q["state"] == "OPEN" for q in pages)


async def test_an_unchanged_repoll_is_a_304(bitbucket: BitbucketStandIn) -> None:
    bitbucket.state.add_issue(REPO, "stable")
    bb, http = connect(bitbucket)
    async with http:
        first = await bb.list_issues("open", scope=REPO)
        with revalidate():
            again = await bb.list_issues("open", scope=REPO)
    assert not first.unchanged and again.unchanged and again.items == first.items
    assert [e.status for e in bitbucket.log if e.path.endswith("/issues")] == [200, 304]


async def test_secrets_never_reach_a_message_or_a_log_record(
    bitbucket: BitbucketStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    bitbucket.state.add_pr(REPO, "x", source="x")
    errors: list[TielineError] = []
    for method, token, user in (
        ("basic", API_TOKEN, EMAIL),
        ("basic", APP_PASSWORD, "ada"),
        ("token", ACCESS_TOKEN, None),
    ):
        bb, http = connect(bitbucket, method=method, token=token, username=user)
        async with http:
            assert (await bb.check()).ok
            for action in (
                bb.get_issue(issue_ref(404, scope="no/such")),
                bb.create_issue(REPO, " "),
                bb.list_issues("open", scope=REPO, cursor="https://evil.example/x"),
            ):
                try:
                    await action
                except TielineError as exc:
                    errors.append(exc)
            bitbucket.inject("500", count=10)
            try:
                await bb.get_issue(pr_ref(1))
            except TielineError as exc:
                errors.append(exc)
            bitbucket.faults.clear()
    assert len(errors) == 12
    text = "\n".join(e.message for e in errors) + "\n" + caplog.text
    for secret in (API_TOKEN, APP_PASSWORD, ACCESS_TOKEN, "CANARY"):
        assert secret not in text


async def test_the_contract_is_live(bitbucket: BitbucketStandIn) -> None:
    """A comment body without its ``type`` is refused, as Bitbucket's description requires
    one of every object: the stand-in would catch a connector that dropped it."""
    bitbucket.state.add_pr(REPO, "x", source="x")
    async with httpx.AsyncClient(base_url=f"{bitbucket.url}/2.0") as raw:
        r = await raw.post(
            f"/repositories/{REPO}/pullrequests/1/comments",
            json={"content": {"raw": "hi"}},
            auth=(EMAIL, API_TOKEN),
        )
        wrong = await raw.get(f"/repositories/{REPO}/pullrequests/one", auth=(EMAIL, API_TOKEN))
    assert r.status_code == 400 and r.json()["type"] == "error"
    assert wrong.status_code in (400, 404)
    assert bitbucket.violations
    bitbucket.violations.clear()  # expected here; any other test fails on one
