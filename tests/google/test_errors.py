"""Google's error bodies through the hub's HTTP stack: a refused token asks to sign in again,
a missing scope asks for consent naming it, a rate limit (403 or 429, with or without
Retry-After) waits, and no message ever carries the token."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import httpx
import pytest

from connectors.google.connector import GoogleConnector
from connectors.sdk import (
    ConsentRequired,
    NotFound,
    PermissionDenied,
    RateLimited,
    ReauthRequired,
    ServiceUnavailable,
)
from connectors.sdk.models import ItemKind, ItemRef
from server.hub.http import HubClient
from tests.standin.google import SCOPES

from .helpers import ADA, CANARY, World, connect

START = datetime(2026, 12, 1, tzinfo=UTC)
END = datetime(2026, 12, 8, tzinfo=UTC)
Conn = tuple[GoogleConnector, HubClient]


def _ref(key: str) -> ItemRef:
    return ItemRef(
        connector="google", host="google.com", scope="INBOX", key=key, kind=ItemKind.MESSAGE
    )


async def test_check_names_the_account(world: World) -> None:
    connector, http = connect(world.standin.url)
    try:
        result = await connector.check()
    finally:
        await http.aclose()
    assert result.ok and result.account == ADA
    assert [r.path for r in world.standin.log] == ["/gmail/v1/users/me/profile"]


async def test_a_refused_token_asks_to_sign_in_again_without_showing_it(world: World) -> None:
    stale = "ya29.a0Stale" + "Z9_-" * 15
    connector, http = connect(world.standin.url, token=stale)
    try:
        with pytest.raises(ReauthRequired) as raised:
            await connector.list_mail("inbox")
        result = await connector.check()
    finally:
        await http.aclose()
    text = str(raised.value)
    assert "401 UNAUTHENTICATED" in text and "invalid authentication credentials" in text
    assert stale not in text and CANARY not in text and "{'code'" not in text
    assert not result.ok and isinstance(result.error, ReauthRequired)
    assert stale not in result.detail


async def test_a_missing_scope_asks_for_consent_naming_it(world: World) -> None:
    narrow = "ya29.a0Narrow" + "k2" * 30
    world.standin.grant(narrow, ADA, ("openid", "email", SCOPES + "calendar.readonly"))
    connector, http = connect(world.standin.url, token=narrow)
    try:
        assert await connector.events(START, END) == []  # calendar is allowed
        with pytest.raises(
            ConsentRequired, match=r"allow https://www\.googleapis\.com/auth/gmail\.readonly"
        ):
            await connector.list_mail("inbox")
    finally:
        await http.aclose()


async def test_a_forbidden_calendar_is_permission_denied(world: World, conn: Conn) -> None:
    world.standin.plan(world.standin.error(403, "Forbidden", reason="forbidden"), path="/events")
    connector, _ = conn
    with pytest.raises(PermissionDenied) as raised:
        await connector.events(START, END, calendars=["primary"])
    assert not isinstance(raised.value, RateLimited)
    assert "Forbidden (forbidden)" in str(raised.value)


async def test_a_403_rate_limit_without_retry_after_waits(world: World, conn: Conn) -> None:
    limit = world.standin.error(
        403, "Rate Limit Exceeded", reason="rateLimitExceeded", domain="usageLimits"
    )
    world.standin.plan(limit, path="/messages")
    connector, _ = conn
    before = time.time()
    with pytest.raises(RateLimited) as raised:
        await connector.list_mail("inbox")
    assert raised.value.retry_at >= before + 20  # Google gave no time: back off
    sent = len(world.standin.log)
    with pytest.raises(RateLimited):  # the next call does not even reach Google
        await connector.list_mail("inbox")
    assert len(world.standin.log) == sent


@pytest.mark.parametrize("kind", ["retry_after", "secondary"])
async def test_a_rate_limit_with_retry_after_is_honoured(
    world: World, conn: tuple, kind: str
) -> None:  # type: ignore[type-arg]
    """429 rateLimitExceeded and 403 userRateLimitExceeded, each with Retry-After: 1."""
    world.standin.inject(kind, seconds=1, path="/profile")
    connector, _ = conn
    result = await connector.check()
    assert result.ok
    refused, served = world.standin.log
    assert refused.status == (429 if kind == "retry_after" else 403) and served.status == 200
    assert served.time - refused.time >= 0.9


async def test_a_gone_message_is_not_found(world: World, conn: Conn) -> None:
    connector, _ = conn
    with pytest.raises(NotFound, match=r"404 NOT_FOUND.*Requested entity was not found"):
        await connector.get_mail(_ref("nope"))


def test_the_stand_in_refuses_a_sync_token_beside_a_window(world: World) -> None:
    """Google's rule the connector must keep (the stand-in would answer 400)."""
    r = httpx.get(
        f"{world.standin.url}/calendar/v3/calendars/primary/events",
        params={"singleEvents": "true", "syncToken": "x", "timeMin": "2026-12-01T00:00:00Z"},
        headers={"authorization": f"Bearer {CANARY}"},
    )
    assert (
        r.status_code == 400 and "cannot be combined with timeMin" in r.json()["error"]["message"]
    )


async def test_a_server_error_is_retried_then_reported_in_googles_words(
    world: World, conn: Conn
) -> None:
    connector, _ = conn
    world.standin.inject("500", count=1, path="/profile")
    assert (await connector.check()).ok  # one 500, retried by the hub
    world.standin.inject("500", count=10, path="/profile")
    result = await connector.check()
    assert not result.ok and isinstance(result.error, ServiceUnavailable)
    assert "500 INTERNAL" in result.detail and "{'code'" not in result.detail
