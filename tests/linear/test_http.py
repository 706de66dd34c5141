"""The connector in the hub's HTTP stack against Linear's wire behaviour: header shapes per
sign-in method, rate limits reported in headers and refused with HTTP 400 + RATELIMITED,
5xx retries, 401, Linear's error bodies, secrets kept out of messages, and revocation."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
import pytest

from connectors.linear.client import DEFAULT_WAIT, linear_error, retry_after
from connectors.linear.connector import LinearConnector
from connectors.sdk import (
    InvalidRequest,
    ItemRef,
    NotFound,
    PermissionDenied,
    RateLimited,
    ReauthRequired,
    ServiceUnavailable,
)
from server.hub.auth.headers import SecretAuth
from server.hub.http import HubClient
from tests.standin.linear import LinearStandIn

from .helpers import API_KEY, OAUTH_TOKEN, Workspace, connect

ENG_1 = ItemRef.keyed("linear", "linear.app", "ENG-1")
Conn = tuple[LinearConnector, HubClient]


# -- auth header shapes ----------------------------------------------------------------------------
async def test_api_key_goes_bare_and_oauth_token_as_bearer(ws: Workspace) -> None:
    """The stand-in refuses (and records a violation for) an API key sent as Bearer or an
    OAuth token sent bare, so both sign-ins succeeding proves the shapes."""
    ws.standin.add_token(OAUTH_TOKEN, ws.ada["id"], "oauth")
    for token, method in ((API_KEY, "api_key"), (OAUTH_TOKEN, "pkce")):
        linear, http = connect(ws.standin.url, token=token, method=method)
        result = await linear.check()
        assert result.ok and result.account == "acme/ada@acme.test", (method, result.detail)
        await http.aclose()


@pytest.mark.parametrize(
    ("token", "kind", "template", "violation"),
    [
        (API_KEY, "api_key", "Bearer {token}", "API key was sent as a Bearer token"),
        (OAUTH_TOKEN, "oauth", "{token}", "OAuth access token was sent without Bearer"),
    ],
)
async def test_the_wrong_shape_is_refused(
    token: str, kind: str, template: str, violation: str
) -> None:
    with LinearStandIn() as standin:
        seeded = standin.seed()
        standin.add_token(token, seeded["ada"]["id"], kind)
        linear, http = connect(standin.url, token=token, method="api_key")
        http.auth = SecretAuth(token, header=("Authorization", template))
        result = await linear.check()
        await http.aclose()
        assert not result.ok
        assert any(violation in v for v in standin.violations)


# -- rate limits -----------------------------------------------------------------------------------
async def test_budget_headers_are_read_as_linear_sends_them(ws: Workspace, conn: Conn) -> None:
    linear, http = conn
    ws.state.add_issue("ENG", "x", creator=ws.ada["id"])
    await linear.get_issue(ENG_1)
    info = http.stack.limiter.info
    assert info.limit == 2500 and info.remaining == 2499
    assert info.reset_at is not None and abs(info.reset_at - ws.standin.reset_at) < 1
    assert info.blocked_until is None


async def test_ratelimited_blocks_the_limiter_until_linears_reset(
    ws: Workspace, conn: Conn
) -> None:
    linear, http = conn
    ws.state.add_issue("ENG", "x", creator=ws.ada["id"])
    ws.standin.inject("ratelimit", count=1, seconds=120)
    with pytest.raises(RateLimited) as err:
        await linear.get_issue(ENG_1)
    assert "Rate limit exceeded" in err.value.message
    assert 110 < err.value.retry_after <= 121
    assert err.value.status == 400  # Linear refuses with 400, not 429
    blocked = http.stack.limiter.blocked_until
    assert blocked is not None and 110 < blocked - time.time() <= 121
    sent = ws.graphql_requests()
    with pytest.raises(RateLimited):  # refused locally: nothing more reaches Linear
        await linear.get_issue(ENG_1)
    assert ws.graphql_requests() == sent


async def test_spent_complexity_budget_is_a_rate_limit(ws: Workspace, conn: Conn) -> None:
    linear, http = conn
    ws.state.add_issue("ENG", "x", creator=ws.ada["id"])
    limit = ws.standin.budgets["complexity"]
    ws.standin.used[(ws.ada["id"], "complexity")] = limit - 10  # less than one issue costs
    with pytest.raises(RateLimited) as err:
        await linear.get_issue(ENG_1)
    assert "complexity" in err.value.message
    assert http.stack.limiter.blocked_until is not None
    assert err.value.retry_after > 3000  # the hour's window, from the epoch-ms reset header


async def test_a_storm_of_ratelimited_answers_stops_after_the_first(
    ws: Workspace, conn: Conn
) -> None:
    linear, _ = conn
    ws.state.add_issue("ENG", "x", creator=ws.ada["id"])
    ws.standin.inject("ratelimit", count=50, seconds=300)
    results = await asyncio.gather(
        *(linear.get_issue(ENG_1) for _ in range(10)), return_exceptions=True
    )
    assert all(isinstance(r, RateLimited) for r in results)
    sent = ws.graphql_requests()
    assert sent < 10  # the limiter blocked the rest (the token bucket let a few race out)
    for _ in range(5):
        with pytest.raises(RateLimited):
            await linear.list_issues("assigned")
    assert ws.graphql_requests() == sent


def test_retry_after_reads_epoch_milliseconds() -> None:
    now = 1_800_000_000.0
    spent = httpx.Headers(
        {
            "x-ratelimit-requests-remaining": "0",
            "x-ratelimit-requests-reset": str(int((now + 30) * 1000)),
            "x-ratelimit-complexity-remaining": "0",
            "x-ratelimit-complexity-reset": str(int((now + 90) * 1000)),
        }
    )
    assert retry_after(spent, now=now) == pytest.approx(90)
    endpoint = httpx.Headers(
        {
            "x-ratelimit-requests-remaining": "100",
            "x-ratelimit-requests-reset": str(int((now + 3000) * 1000)),
            "x-ratelimit-endpoint-requests-remaining": "0",
            "x-ratelimit-endpoint-requests-reset": str(int((now + 45) * 1000)),
        }
    )
    assert retry_after(endpoint, now=now) == pytest.approx(45)
    assert retry_after(httpx.Headers(), now=now) == DEFAULT_WAIT


# -- failures ----------------------------------------------------------------------------------
async def test_server_errors_are_retried(ws: Workspace, conn: Conn) -> None:
    linear, _ = conn
    ws.state.add_issue("ENG", "x", creator=ws.ada["id"])
    ws.standin.inject("500", count=2)
    assert (await linear.get_issue(ENG_1)).title == "x"
    assert ws.graphql_requests() == 3


async def test_a_mutation_is_not_repeated_after_a_server_error(ws: Workspace, conn: Conn) -> None:
    """Linear has no idempotency keys: a retried issueCreate could create the issue twice."""
    linear, _ = conn
    team = ws.state.team("OPS")["id"]
    ws.standin.inject("500", count=1)
    with pytest.raises(ServiceUnavailable):
        await linear.client.create_issue(team, "once", "", [])
    assert ws.graphql_requests() == 1
    created = await linear.client.create_issue(team, "once", "", [])
    assert created.identifier == "OPS-1" and len(ws.state.issues) == 1


async def test_persistent_server_errors_are_service_unavailable(ws: Workspace, conn: Conn) -> None:
    linear, _ = conn
    ws.standin.inject("502", count=10)
    with pytest.raises(ServiceUnavailable):
        await linear.get_issue(ENG_1)
    assert ws.graphql_requests() == 4  # the retry policy's attempts


async def test_a_rejected_token_asks_to_sign_in_again(ws: Workspace) -> None:
    linear, http = connect(ws.standin.url, token="lin_api_" + "x" * 40)
    with pytest.raises(ReauthRequired) as err:
        await linear.get_issue(ENG_1)
    assert "authenticate" in err.value.message
    result = await linear.check()
    assert not result.ok and "authenticate" in result.detail
    await http.aclose()


async def test_a_401_fault_is_reauth(ws: Workspace, conn: Conn) -> None:
    linear, _ = conn
    ws.standin.inject("401")
    with pytest.raises(ReauthRequired):
        await linear.list_issues("assigned")


async def test_a_query_the_schema_refuses_is_a_violation_and_invalid() -> None:
    with LinearStandIn() as standin:
        seeded = standin.seed()
        _, http = connect(standin.url)
        with pytest.raises(InvalidRequest, match="nope"):
            await http.post("/graphql", json={"query": "{ viewer { nope } }"})
        await http.aclose()
        assert seeded and any("nope" in v for v in standin.violations)


def _answer(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


@pytest.mark.parametrize(
    ("code", "message", "expected"),
    [
        ("FORBIDDEN", "Forbidden", PermissionDenied),
        ("FEATURE_NOT_ACCESSIBLE", "Not on this plan", PermissionDenied),
        ("INPUT_ERROR", "Argument Validation Error", InvalidRequest),
        ("INPUT_ERROR", "Entity not found: Team", NotFound),
        ("AUTHENTICATION_ERROR", "Authentication required", ReauthRequired),
        ("RATELIMITED", "Rate limit exceeded", RateLimited),
        ("LOCK_TIMEOUT", "Lock timeout", ServiceUnavailable),
        ("SOMETHING_NEW", "Odd", InvalidRequest),
    ],
)
def test_linear_error_codes(code: str, message: str, expected: type) -> None:
    body = {"errors": [{"message": message, "extensions": {"code": code}}], "data": None}
    assert isinstance(linear_error(_answer(200, body)), expected)


def test_answers_without_errors_are_not_errors() -> None:
    assert linear_error(_answer(200, {"data": {"viewer": {"id": "u"}}})) is None
    assert linear_error(httpx.Response(200, text="not json")) is None


# -- secrets -----------------------------------------------------------------------------------
async def test_a_canary_token_never_reaches_a_message_or_a_log(
    ws: Workspace, caplog: pytest.LogCaptureFixture
) -> None:
    canary = "lin_api_CANARY" + "c" * 34
    caplog.set_level(logging.DEBUG)
    linear, http = connect(ws.standin.url, token=canary)
    messages = []
    for call in (linear.get_issue(ENG_1), linear.list_issues("assigned")):
        with pytest.raises(ReauthRequired) as err:
            await call
        messages.append(str(err.value))
    messages.append((await linear.check()).detail)
    await http.aclose()
    assert all(canary not in m for m in messages)
    assert canary not in caplog.text
    assert canary not in repr(http.auth)


def test_a_token_echoed_by_linear_is_masked() -> None:
    echoed = "lin_oauth_" + "e" * 64
    body = {"errors": [{"message": f"Bad token {echoed}", "extensions": {"code": "FORBIDDEN"}}]}
    err = linear_error(_answer(200, body))
    assert err is not None and echoed not in err.message and "[REDACTED]" in err.message


# -- sign-out ----------------------------------------------------------------------------------
async def test_revoke_ends_an_oauth_token_at_linear(ws: Workspace) -> None:
    ws.standin.add_token(OAUTH_TOKEN, ws.ada["id"], "oauth")
    linear, http = connect(ws.standin.url, token=OAUTH_TOKEN, method="pkce")
    assert (await linear.check()).ok
    assert await linear.revoke(OAUTH_TOKEN, None) is True
    assert ws.standin.revoked == [OAUTH_TOKEN]
    assert not (await linear.check()).ok
    assert await linear.revoke(OAUTH_TOKEN, None) is False  # gone: Linear says 401
    await http.aclose()


async def test_revoke_leaves_a_personal_api_key_alone(ws: Workspace, conn: Conn) -> None:
    linear, _ = conn
    assert await linear.revoke("lin_api_personal", None) is False
    assert not [e for e in ws.standin.log if e.path == "/oauth/revoke"]


# -- caching -----------------------------------------------------------------------------------
async def test_graphql_posts_are_never_served_from_cache(ws: Workspace, conn: Conn) -> None:
    """Linear answers every query with a fresh POST (no ETag, no revalidation): each read
    reaches the service and sees changes at once."""
    linear, http = conn
    issue = ws.state.add_issue("ENG", "before", creator=ws.ada["id"])
    assert (await linear.get_issue(ENG_1)).title == "before"
    issue["title"] = "after"
    assert (await linear.get_issue(ENG_1)).title == "after"
    assert ws.graphql_requests() == 2 and http.requests_sent == 2
