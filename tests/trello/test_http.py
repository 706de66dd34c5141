"""The connector in the hub's HTTP stack against Trello's wire behaviour: the key + token
header, rate-limit headers and 429s, 5xx retries, 401s, Trello's plain-text error bodies
explained, and secrets kept out of every message and log record."""

from __future__ import annotations

import asyncio
import logging
import time

import pytest

from connectors.sdk import (
    ItemRef,
    NotFound,
    RateLimited,
    ReauthRequired,
    ServiceUnavailable,
)
from connectors.trello.connector import TrelloConnector
from server.hub.auth.headers import header_for, render
from server.hub.credentials import env_auth
from server.hub.http import HubClient
from tests.standin.trello import TrelloStandIn, oauth_credentials

from .helpers import CANARY, KEY, MANIFEST, World, connect, seed
from .test_cards import ref_from_url

Conn = tuple[TrelloConnector, HubClient]


def _card_ref(world: World) -> ItemRef:
    card = world.state.add_card(world.board, "A card", creator=world.ada)
    return ref_from_url(card["shortUrl"])


# -- the credential ----------------------------------------------------------------------------
def test_key_and_token_travel_in_one_oauth_header() -> None:
    name, template = header_for(MANIFEST, "basic")
    value = render(template, CANARY, KEY)
    assert name == "Authorization"
    assert value == f'OAuth oauth_consumer_key="{KEY}", oauth_token="{CANARY}"'
    assert oauth_credentials(value) == (KEY, CANARY)


def test_environment_key_and_token_sign_in_as_basic() -> None:
    env = {"TIELINE_TRELLO_TOKEN": CANARY, "TIELINE_TRELLO_KEY": KEY}
    found = env_auth(MANIFEST, env, "trello.com", None)
    assert found is not None and found.method == "basic"
    assert env_auth(MANIFEST, {"TIELINE_TRELLO_TOKEN": CANARY}, "trello.com", None) is None


async def test_no_credential_goes_in_the_url(world: World, conn: Conn) -> None:
    c, _ = conn
    await c.get_issue(_card_ref(world))
    await c.list_issues("assigned")
    for r in world.standin.log:
        assert not {"key", "token"} & {k for k, _ in r.query}, r
        assert r.account == world.ada["id"]


async def test_a_bad_token_asks_for_a_new_sign_in(world: World) -> None:
    ref = _card_ref(world)
    c, http = connect(world.standin.url, token="ATTA" + "0" * 72)
    try:
        with pytest.raises(ReauthRequired, match="invalid token -- the token is not valid"):
            await c.get_issue(ref)
        result = await c.check()
        assert not result.ok and "invalid token" in result.detail
    finally:
        await http.aclose()
    c, http = connect(world.standin.url, key="f" * 32)
    try:
        with pytest.raises(ReauthRequired, match="invalid key -- the API key is not valid"):
            await c.get_issue(ref)
    finally:
        await http.aclose()


async def test_a_read_only_token_is_told_why_it_cannot_write(trello: TrelloStandIn) -> None:
    w = seed(trello)
    read_only = "ATTA" + "1" * 64 + "ABCDEF12"
    trello.grant(KEY, read_only, w.ada, write=False)
    ref = _card_ref(w)
    c, http = connect(trello.url, token=read_only)
    try:
        assert (await c.get_issue(ref)).title == "A card"
        with pytest.raises(ReauthRequired, match="read,write"):
            await c.add_comment(ref, "hello")
    finally:
        await http.aclose()


async def test_a_revoked_token_mid_session(world: World, conn: Conn) -> None:
    c, _ = conn
    ref = _card_ref(world)
    world.standin.inject("401")
    with pytest.raises(ReauthRequired, match="invalid token"):
        await c.get_issue(ref)
    assert (await c.get_issue(ref)).title == "A card"


# -- rate limits --------------------------------------------------------------------------------
async def test_both_windows_are_read_from_trellos_headers(world: World, conn: Conn) -> None:
    c, http = conn
    await c.get_issue(_card_ref(world))
    info = http.stack.limiter.info
    assert info.limit == 100 and info.remaining is not None and info.remaining < 100
    assert info.blocked_until is None


async def test_a_spent_window_waits_for_it_then_goes_on(trello: TrelloStandIn) -> None:
    """A 429 (no Retry-After, as Trello sends it) with the token window's headers: the
    limiter waits out one window (``interval-ms`` from now) and sends again."""
    short = TrelloStandIn(window=0.5)
    with short:
        w = seed(short)
        ref = _card_ref(w)
        c, http = connect(short.url)
        try:
            short.inject("ratelimit", count=1, seconds=0.5)
            started = time.monotonic()
            assert (await c.get_issue(ref)).title == "A card"
            assert time.monotonic() - started >= 0.4
            assert [r.status for r in short.log if r.path.startswith("/1/cards/")][:2] == [
                429,
                200,
            ]
        finally:
            await http.aclose()


async def test_a_429_storm_becomes_one_rate_limited_error(world: World) -> None:
    c, http = connect(world.standin.url, max_rate_wait=0.1)  # the 10 s window is too long
    ref = _card_ref(world)
    try:
        world.standin.inject("ratelimit", count=50)
        results = await asyncio.gather(
            *(c.get_issue(ref) for _ in range(8)), return_exceptions=True
        )
        assert all(isinstance(r, RateLimited) for r in results), results
        err = results[0]
        assert isinstance(err, RateLimited)
        assert "Rate limit exceeded" in err.message and "100 requests per 10 seconds" in err.message
        assert 8 < err.retry_after <= 10.5
        sent = len(world.standin.log)
        with pytest.raises(RateLimited):  # refused locally until the window renews
            await c.get_issue(ref)
        assert len(world.standin.log) == sent
    finally:
        await http.aclose()


async def test_a_spent_budget_in_the_stand_in_is_refused_the_same_way(world: World) -> None:
    c, http = connect(world.standin.url, max_rate_wait=0.1)
    ref = _card_ref(world)
    try:
        world.standin.used[(world.ada["id"], "api-token")] = 100
        with pytest.raises(RateLimited, match="Rate limit exceeded"):
            await c.get_issue(ref)
    finally:
        await http.aclose()


# -- server errors --------------------------------------------------------------------------------
async def test_server_errors_are_retried(world: World, conn: Conn) -> None:
    c, _ = conn
    ref = _card_ref(world)
    world.standin.inject("502", count=2)
    assert (await c.get_issue(ref)).title == "A card"
    world.standin.inject("500", count=10)
    with pytest.raises(ServiceUnavailable):
        await c.get_issue(ref)


async def test_not_found_is_explained(world: World, conn: Conn) -> None:
    c, _ = conn
    with pytest.raises(NotFound) as err:
        await c.get_issue(ItemRef(connector="trello", host="trello.com", scope="", key="a" * 24))
    assert "The requested resource was not found." in err.value.message
    assert "no such card" in err.value.message


# -- secrets --------------------------------------------------------------------------------------
async def test_the_token_never_appears_in_messages_or_logs(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ref = _card_ref(world)
    c, http = connect(world.standin.url, max_rate_wait=0.1)
    messages: list[str] = []
    try:
        for fault in ("401", "500", "ratelimit", "garbage", "reset"):
            world.standin.inject(fault, count=10)
            try:
                await c.get_issue(ref)
            except Exception as exc:  # every kind of failure is inspected
                messages.append(str(exc))
            world.standin.faults.clear()
            http.stack.limiter.info = type(http.stack.limiter.info)()
        result = await c.check()
        messages.append(result.detail)
    finally:
        await http.aclose()
    assert len(messages) >= 5
    for text in [*messages, caplog.text]:
        assert CANARY not in text
        assert CANARY[4:] not in text
