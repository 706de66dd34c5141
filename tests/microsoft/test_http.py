"""The connector in the hub's HTTP stack against Graph's wire behaviour: Bearer tokens,
Graph's error bodies mapped to the sdk's errors with their codes explained, 429 with
Retry-After waited out or handed up, 5xx retried, 401 asking for a new sign-in, and the
token kept out of every message and log record."""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta

import pytest

from connectors.microsoft.connector import MicrosoftConnector
from connectors.sdk import (
    InvalidRequest,
    ItemKind,
    ItemRef,
    NotFound,
    RateLimited,
    ReauthRequired,
    ServiceUnavailable,
)

from .helpers import CANARY, World, connect

REF = ItemRef(connector="microsoft", host="outlook.office.com", scope="inbox", key="AAMkNone=")


async def test_check_names_the_account(world: World, conn: MicrosoftConnector) -> None:
    result = await conn.check()
    assert result.ok and result.account == "ada@contoso.com" and result.name == "Ada Lovelace"
    sent = world.standin.log[-1]
    assert sent.account == world.ada["id"] and "authorization" not in sent.headers


async def test_a_refused_token_asks_for_a_new_sign_in(world: World) -> None:
    conn, http = connect(world.standin.url, token=CANARY[:-6] + "XXXXXX")
    try:
        with pytest.raises(ReauthRequired, match=r"InvalidAuthenticationToken.*sign in again"):
            await conn.my_status()
        result = await conn.check()
        assert not result.ok and "InvalidAuthenticationToken" in result.detail
    finally:
        await http.aclose()


async def test_graph_error_bodies_map_to_the_sdk_errors(
    world: World, conn: MicrosoftConnector
) -> None:
    with pytest.raises(NotFound) as missing:
        await conn.get_mail(REF.model_copy(update={"kind": ItemKind.MESSAGE}))
    assert missing.value.status == 404 and missing.value.service == "Microsoft 365"
    assert "ErrorItemNotFound" in missing.value.message
    assert "The specified object was not found in the store." in missing.value.message
    assert "{'code'" not in missing.value.message  # Graph's words, not a dict's repr
    event = REF.model_copy(update={"scope": "cal", "kind": ItemKind.EVENT})
    with pytest.raises(NotFound, match="ErrorItemNotFound"):
        await conn.get_event(event)


async def test_a_throttled_request_waits_for_retry_after_then_goes_on(
    world: World, conn: MicrosoftConnector
) -> None:
    world.standin.inject("retry_after", seconds=1)
    started = time.monotonic()
    assert (await conn.check()).ok
    assert time.monotonic() - started >= 0.9
    assert [r.status for r in world.standin.log][:2] == [429, 200]


async def test_a_long_retry_after_is_handed_up_and_honoured(world: World) -> None:
    conn, http = connect(world.standin.url)  # max_rate_wait=2 s: 30 s is too long to wait
    try:
        world.standin.inject("retry_after", seconds=30, count=5)
        results = await asyncio.gather(
            *(conn.my_status() for _ in range(3)), return_exceptions=True
        )
        assert all(isinstance(r, RateLimited) for r in results), results
        err = results[0]
        assert isinstance(err, RateLimited)
        assert 25 < err.retry_after <= 31
        assert "throttling" in err.message and "{'code'" not in err.message
        sent = len(world.standin.log)
        with pytest.raises(RateLimited):  # refused here, not sent, until Retry-After passes
            await conn.my_status()
        assert len(world.standin.log) == sent
    finally:
        await http.aclose()


async def test_a_spent_budget_is_429_with_retry_after(world: World) -> None:
    conn, http = connect(world.standin.url)
    try:
        world.standin.used[(world.ada["id"], "requests")] = 10_000
        with pytest.raises(RateLimited, match="throttling") as err:
            await conn.my_status()
        assert err.value.retry_after > 2
    finally:
        await http.aclose()


async def test_server_errors_are_retried(world: World, conn: MicrosoftConnector) -> None:
    world.standin.inject("502", count=2)
    assert (await conn.check()).ok
    world.standin.inject("500", count=10)
    with pytest.raises(ServiceUnavailable, match="InternalServerError"):
        await conn.my_status()


async def test_a_bad_request_is_not_retried(world: World, conn: MicrosoftConnector) -> None:
    """An Outlook query it refuses (InefficientFilter) reads as a wrong request."""
    world.standin.reset_log()
    with pytest.raises(InvalidRequest, match=r"InefficientFilter.*does not filter on first"):
        await conn.client.page(
            "me/mailFolders/inbox/messages",
            {"$filter": "isRead eq false", "$orderby": "receivedDateTime desc"},
        )
    assert len(world.standin.log) == 1


async def test_the_token_never_appears_in_messages_or_logs(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    conn, http = connect(world.standin.url)
    messages: list[str] = []
    start = datetime.now(UTC)
    try:
        for fault in ("401", "500", "retry_after", "garbage", "reset"):
            world.standin.inject(fault, count=10, seconds=30)
            for call in (conn.my_status(), conn.events(start, start + timedelta(days=1))):
                try:
                    await call
                except Exception as exc:  # every kind of failure is inspected
                    messages.append(str(exc))
            world.standin.faults.clear()
            http.stack.limiter.info = type(http.stack.limiter.info)()
        messages.append((await conn.check()).detail)
    finally:
        await http.aclose()
    assert len(messages) >= 9
    for text in [*messages, caplog.text]:
        assert CANARY not in text
        for part in CANARY.split("."):
            assert part not in text
