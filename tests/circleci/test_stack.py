"""CircleCI's failure modes through the hub's HTTP stack: its ``{"message"}`` error bodies as
clear messages, 429 with Retry-After (CircleCI documents no rate-limit headers), 5xx retried,
401 as ReauthRequired, a credential in a header of its own (``Circle-Token``) keying the cache
per account and kept out of the cache file, secrets kept out of every message and log record,
and a live contract check."""

from __future__ import annotations

import logging
import sqlite3
import time
from pathlib import Path

import pytest

from connectors.circleci.connector import CircleCIConnector
from connectors.sdk import (
    InvalidRequest,
    ItemKind,
    NotFound,
    RateLimited,
    ReauthRequired,
    ServiceUnavailable,
    TielineError,
)
from connectors.sdk.registry import Registry
from server.hub.auth.headers import SecretAuth
from tests.standin.circleci import CircleCIStandIn, State

from .conftest import SLUG, connect
from .test_connector import seed

CANARY = "CCIPAT_CANARYcanary0123_0123456789abcdef0123456789abcdef01234567"
LEGACY = "0123456789abcdef0123456789abcdef01234567"


def count(standin: CircleCIStandIn, fragment: str) -> int:
    return sum(1 for e in standin.log if fragment in e.path)


async def test_missing_project_says_so(circleci: CircleCIStandIn) -> None:
    cc, http = connect(circleci)
    async with http:
        with pytest.raises(NotFound) as err:
            await cc.list_pipelines("gh/no/such")
    assert "Project not found" in err.value.message and "CircleCI" in err.value.message


async def test_refusals_read_as_circleci_said_them(circleci: CircleCIStandIn, state: State) -> None:
    seeded = seed(state)
    cc, http = connect(circleci)
    async with http:
        (running,) = await cc.list_pipelines(SLUG, branch="feature")
        with pytest.raises(InvalidRequest) as err:
            await cc.act(running.ref, "rerun")
    assert "Workflow is still running" in err.value.message and err.value.status == 400
    assert seeded["w4"]["status"] == "running"


async def test_401_asks_to_sign_in_again_without_retrying(circleci: CircleCIStandIn) -> None:
    cc, http = connect(circleci, token="tok-revoked")
    async with http:
        with pytest.raises(ReauthRequired) as err:
            await cc.list_pipelines(SLUG)
        result = await cc.check()
    assert "You must log in first." in err.value.message
    assert not result.ok and "log in" in result.detail
    assert count(circleci, "/pipeline") == 1


async def test_a_lasting_outage_is_reported_after_the_retries(circleci: CircleCIStandIn) -> None:
    circleci.inject("500", count=10)
    cc, http = connect(circleci)
    async with http:
        with pytest.raises(ServiceUnavailable):
            await cc.list_pipelines(SLUG)
    assert count(circleci, "/pipeline") == 4  # FAST_RETRY's attempts


async def test_writes_are_not_resent_after_a_5xx(circleci: CircleCIStandIn, state: State) -> None:
    """A POST that failed may have happened: re-sending a re-run or a trigger could start two."""
    seed(state)
    cc, http = connect(circleci)
    circleci.inject("500", count=1, path="/rerun")
    async with http:
        build = (await cc.list_pipelines(SLUG, branch="main", limit=2))[1]
        with pytest.raises(ServiceUnavailable):
            await cc.act(build.ref, "rerun")
    assert count(circleci, "/rerun") == 1


async def test_short_429s_are_waited_out(circleci: CircleCIStandIn) -> None:
    circleci.inject("retry_after", count=1, seconds=1)
    cc, http = connect(circleci)
    started = time.monotonic()
    async with http:
        assert (await cc.check()).ok
    assert count(circleci, "/me") == 2 and time.monotonic() - started >= 0.9


async def test_a_429_storm_hands_back_control_without_hammering(circleci: CircleCIStandIn) -> None:
    """A long Retry-After is not slept through: RateLimited says when to come back, and
    nothing more is sent before then."""
    circleci.inject("ratelimit", count=50, seconds=120)
    cc, http = connect(circleci, max_rate_wait=2.0)
    async with http:
        with pytest.raises(RateLimited) as err:
            await cc.list_pipelines(SLUG)
        for _ in range(5):
            with pytest.raises(RateLimited):
                await cc.list_pipelines(SLUG, branch="main")
    assert err.value.retry_after > 100 and "Rate limit exceeded" in err.value.message
    assert len(circleci.log) == 1


async def test_accounts_do_not_share_cached_answers(
    circleci: CircleCIStandIn, tmp_path: Path
) -> None:
    """Circle-Token is not ``Authorization``: the cache must still key entries per account,
    and must not write the token into its file."""
    _, http_a = connect(circleci, cache_dir=tmp_path)
    _, http_b = connect(circleci, token="tok-bob", cache_dir=tmp_path)
    async with http_a, http_b:
        a = (await http_a.get("me")).json()["login"]
        again = (await http_a.get("me")).json()["login"]  # fresh in the cache: not sent
        b = (await http_b.get("me")).json()["login"]
    assert (a, again, b) == ("ada", "ada", "bob")
    assert count(circleci, "/me") == 2
    raw, entries = _cache_file(tmp_path)
    assert entries > 0 and b"tok-ada" not in raw and b"tok-bob" not in raw


def _cache_file(folder: Path) -> tuple[bytes, int]:
    """Every byte the cache wrote (database, WAL) and how many tables it holds."""
    raw = b"".join(p.read_bytes() for p in folder.rglob("*") if p.is_file())
    with sqlite3.connect(next(folder.glob("*.sqlite"))) as db:
        tables = int(db.execute("select count(*) from sqlite_master").fetchone()[0])
    return raw, tables


async def test_canary_token_never_reaches_a_message_or_a_log_record(
    circleci: CircleCIStandIn, state: State, caplog: pytest.LogCaptureFixture
) -> None:
    seed(state)
    circleci.tokens[CANARY] = "ada"
    caplog.set_level(logging.DEBUG)
    cc, http = connect(circleci, token=CANARY)
    errors: list[TielineError] = []
    async with http:
        assert (await cc.check()).ok
        (running,) = await cc.list_pipelines(SLUG, branch="feature")
        for action in (
            lambda: cc.list_pipelines("gh/no/such"),  # 404
            lambda: cc.act(running.ref, "rerun"),  # 400 still running
            lambda: cc.act(running.ref.model_copy(update={"kind": ItemKind.JOB}), "play"),
        ):
            try:
                await action()
            except TielineError as exc:
                errors.append(exc)
        circleci.inject("500", count=10)
        try:
            await cc.list_pipelines(SLUG)
        except TielineError as exc:
            errors.append(exc)
        circleci.inject("401")
        result = await cc.check()
    assert len(errors) == 4 and not result.ok
    texts = [e.message for e in errors] + [str(e) for e in errors] + [result.detail]
    texts += [r.getMessage() for r in caplog.records] + [repr(r.args) for r in caplog.records]
    texts += [repr(SecretAuth(CANARY))]
    assert not [t for t in texts if CANARY in t or CANARY[7:] in t]


def test_circleci_token_shapes_are_masked_anywhere() -> None:
    from connectors.sdk import redact

    Registry().add(CircleCIConnector)  # registers the manifest's token patterns
    modern = "CCIPAT_4ZkZ3bQ8e9Lx2WnRtYvA1c_9f8e7d6c5b4a39281706f5e4d3c2b1a0"
    for text in (
        f"token={CANARY} end",
        f"sent {modern} end",
        f"Circle-Token: {LEGACY} end",
        f"circle-token={LEGACY} end",
    ):
        out = redact(text)
        assert CANARY not in out and modern not in out and LEGACY not in out and "end" in out
    # a bare 40-hex string is a commit SHA as often as an old token: left alone
    assert LEGACY in redact(f"commit {LEGACY} failed")


async def test_requests_outside_the_contract_are_caught(circleci: CircleCIStandIn) -> None:
    """What CircleCI's description forbids fails: a workflow id that is not a UUID, a re-run
    body of the wrong type, a v1.1 build number that is not a number."""
    _, http = connect(circleci)
    async with http:
        with pytest.raises(InvalidRequest):
            await http.post("workflow/not-a-uuid/rerun", json={})
        with pytest.raises(InvalidRequest):
            await http.post(
                "workflow/5e957edd-5e8c-4985-9178-5d0d69561822/rerun", json={"from_failed": 1}
            )
        with pytest.raises(InvalidRequest):
            await http.get(f"{circleci.url}/api/v1.1/project/gh/o/r/latest")
    assert len(circleci.violations) == 3
    circleci.violations.clear()  # seen on purpose


async def test_every_answer_reports_the_budget(circleci: CircleCIStandIn) -> None:
    cc, http = connect(circleci)
    async with http:
        result = await cc.check()
        await cc.list_pipelines(SLUG)
    assert (result.rate_limit_limit, result.rate_limit_remaining) == (5000, 4999)
    info = http.stack.limiter.info
    assert (info.limit, info.remaining) == (5000, 4998)
    assert info.reset_at is not None and info.reset_at > time.time()


async def test_an_exhausted_budget_blocks_further_requests(circleci: CircleCIStandIn) -> None:
    circleci.used[("ada", "requests")] = 4999  # one request left in this hour
    cc, http = connect(circleci, max_rate_wait=0.5)
    async with http:
        await cc.list_pipelines(SLUG)  # answered with RateLimit-Remaining: 0
        with pytest.raises(RateLimited):
            await cc.list_pipelines(SLUG, branch="main")
    assert len(circleci.log) == 1


async def test_answers_are_checked_against_circleci_schemas(
    circleci: CircleCIStandIn, state: State
) -> None:
    """The stand-in's own answers must fit the description's response schemas: a workflow
    status CircleCI does not have is caught."""
    seeded = seed(state)
    seeded["w1"]["status"] = "exploded"
    _, http = connect(circleci)
    async with http:
        await http.get(f"workflow/{seeded['w1']['id']}")
    assert circleci.violations and "exploded" in circleci.violations[0]
    circleci.violations.clear()  # seen on purpose
