"""The connector in the hub's HTTP stack against Slack's wire behaviour: ``ok: false`` codes
mapped to the sdk's errors, 429 storms with Retry-After waited out or handed up, per-method
tiers, revocation, the contract refusing what Slack would, and no token in any message or
log record."""

from __future__ import annotations

import logging
import re
import time
from typing import Any

import httpx
import pytest

from connectors.sdk import (
    ConsentRequired,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    Post,
    RateLimited,
    ReauthRequired,
    ServiceError,
    ServiceUnavailable,
    TielineError,
)
from connectors.slack.connector import SlackConnector
from connectors.slack.errors import slack_error
from server.hub.http import HubClient

from .helpers import CANARY, World, connect

Conn = tuple[SlackConnector, HubClient]
WRONG = "xoxp-9999999999-8888888888-7777777777777-deadbeefdeadbeefdeadbeefdeadbeef"


@pytest.mark.parametrize(
    ("body", "kind", "said"),
    [
        ({"ok": False, "error": "invalid_auth"}, ReauthRequired, "sign in to Slack again"),
        ({"ok": False, "error": "not_authed"}, ReauthRequired, "no token"),
        ({"ok": False, "error": "account_inactive"}, ReauthRequired, "deactivated"),
        ({"ok": False, "error": "token_revoked"}, ReauthRequired, "revoked"),
        ({"ok": False, "error": "token_expired"}, ReauthRequired, "expired"),
        (
            {"ok": False, "error": "missing_scope", "needed": "dnd:write", "provided": "dnd:read"},
            ConsentRequired,
            "needs the dnd:write scope.*it has dnd:read",
        ),
        ({"ok": False, "error": "channel_not_found"}, NotFound, "channel_not_found"),
        ({"ok": False, "error": "user_not_found"}, NotFound, "no such user"),
        ({"ok": False, "error": "users_not_found"}, NotFound, "e-mail"),
        ({"ok": False, "error": "not_in_channel"}, InvalidRequest, "join it in Slack first"),
        (
            {
                "ok": False,
                "error": "invalid_arguments",
                "response_metadata": {"messages": ["[ERROR] missing required field: channel"]},
            },
            InvalidRequest,
            "missing required field: channel",
        ),
        ({"ok": False, "error": "access_denied"}, PermissionDenied, "access_denied"),
        ({"ok": False, "error": "no_permission"}, PermissionDenied, "does not let this token"),
        ({"ok": False, "error": "not_allowed_token_type"}, PermissionDenied, "user token"),
        ({"ok": False, "error": "internal_error"}, ServiceUnavailable, "trouble"),
        ({"ok": False, "error": "something_new"}, ServiceError, "Slack: something_new"),
    ],
)
def test_error_codes_map_to_the_sdk_hierarchy(
    body: dict[str, Any], kind: type[TielineError], said: str
) -> None:
    err = slack_error(body)
    assert type(err) is kind
    assert err is not None and re.search(said, err.message), err
    assert str(body["error"]) in err.message  # the code is named, for a search


def test_ratelimited_carries_retry_after() -> None:
    err = slack_error(
        {"ok": False, "error": "ratelimited"}, status=429, headers={"retry-after": "7"}
    )
    assert isinstance(err, RateLimited) and 6 < err.retry_after <= 7
    assert slack_error({"ok": True}) is None


async def test_a_bad_or_revoked_token_asks_for_a_new_sign_in(world: World) -> None:
    c, http = connect(world.standin.url, token=WRONG)
    try:
        with pytest.raises(ReauthRequired, match="invalid_auth"):
            await c.channels()
        result = await c.check()
        assert not result.ok and "invalid_auth" in result.detail
    finally:
        await http.aclose()


async def test_revoke_ends_the_token_at_slack(world: World) -> None:
    c, http = connect(world.standin.url, method="pkce")
    try:
        assert await c.revoke(CANARY, None) is True
        (call,) = [r for r in world.standin.log if r.path == "/api/auth.revoke"]
        assert call.query == []  # the token went as the Bearer header, never in the URL
        with pytest.raises(ReauthRequired, match="token_revoked"):
            await c.my_status()
        assert await c.revoke(CANARY, None) is False  # already gone: Slack says invalid
    finally:
        await http.aclose()


async def test_a_short_429_storm_is_waited_out(world: World, conn: Conn) -> None:
    world.standin.inject("retry_after", count=2, seconds=1, path="conversations.list")
    c, _ = conn
    started = time.monotonic()
    assert {ch.name for ch in await c.channels()} >= {"#dev"}
    calls = [r for r in world.standin.log if r.path == "/api/conversations.list"]
    assert [r.status for r in calls] == [429, 429, 200]
    assert calls[1].time - calls[0].time >= 0.95 and calls[2].time - calls[1].time >= 0.95
    assert time.monotonic() - started >= 1.9


async def test_a_long_storm_is_handed_up_as_rate_limited(world: World, conn: Conn) -> None:
    world.standin.inject("retry_after", count=5, seconds=30)
    c, _ = conn
    with pytest.raises(RateLimited) as err:
        await c.channels()
    assert 25 < err.value.retry_after <= 30.5
    assert len(world.standin.log) == 1
    with pytest.raises(RateLimited):  # the limiter holds every call until then
        await c.my_status()
    assert len(world.standin.log) == 1


async def test_a_spent_tier_is_a_429_with_retry_after(world: World, conn: Conn) -> None:
    world.standin.budgets = {"tier2": 1, "tier3": 50, "tier4": 100}  # type: ignore[misc]
    c, _ = conn
    await c.mentions()
    with pytest.raises(RateLimited, match="ratelimited"):
        await c.mentions()
    last = world.standin.log[-1]
    assert last.path == "/api/search.messages" and last.status == 429


async def test_a_server_error_is_retried(world: World, conn: Conn) -> None:
    world.standin.inject("500", count=1, path="users.profile.get")
    c, _ = conn
    assert (await c.my_status()).text == ""


async def test_no_token_reaches_a_message_or_a_log_record(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    errors: list[BaseException] = []
    for token in (CANARY, WRONG):
        c, http = connect(world.standin.url, token=token)
        try:
            for call in (
                c.send_message(world.random["id"], Post(text=f"leak {CANARY} {WRONG}")),
                c.channels(),
                c.presence_of(["bob@example.com"]),
            ):
                try:
                    await call
                except TielineError as exc:
                    errors.append(exc)
        finally:
            await http.aclose()
    assert errors  # the wrong token and the not_in_channel post failed
    text = caplog.text + "".join(f"{e} {e!r}" for e in errors)
    assert CANARY not in text and WRONG not in text


async def test_the_contract_refuses_what_slack_would(world: World) -> None:
    """A misspelled argument, a wrong type and a token in the body are all refused (Slack
    would ignore the first silently, which is how such bugs hide)."""
    standin = world.standin
    bearer = {"authorization": f"Bearer {CANARY}"}
    async with httpx.AsyncClient(base_url=f"{standin.url}/api/") as h:
        for form in (
            {"channnel": world.dev["id"], "text": "hi"},
            {"types": "im", "limit": "many"},
            {"token": CANARY},
        ):
            method = "chat.postMessage" if "text" in form else "conversations.list"
            r = await h.post(method, data=form, headers=bearer)
            assert r.json()["ok"] is False and r.json()["error"] == "invalid_arguments"
    assert len(standin.violations) == 3
    assert any("channnel" in v for v in standin.violations)
    standin.violations.clear()
    # ... and an answer Slack could not give is a violation too.
    problems = standin.contract.answer_problems("dnd.info", {"ok": True, "dnd_enabled": "yes"})
    assert problems and "dnd_enabled" in problems[0]


async def test_a_bot_token_is_refused_with_what_to_use_instead(world: World) -> None:
    bot = "xoxb-1111111111-2222222222222-AbCdEfGhIjKlMnOpQrStUvWx"
    world.standin.grant(bot, world.ada, ("chat:write",), bot=True)
    c, http = connect(world.standin.url, token=bot)
    try:
        result = await c.check()
    finally:
        await http.aclose()
    assert not result.ok and "bot token" in result.detail and "xoxp-" in result.detail
    assert bot not in result.detail
