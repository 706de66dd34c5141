"""Discord's error bodies and rate limits through the hub's real HTTP stack, and the webhook
URL kept secret: never in a log line, an error, a repr or the stand-in's own request log."""

from __future__ import annotations

import io
import logging
import time

import pytest

from connectors.discord.client import Webhook
from connectors.discord.connector import DiscordConnector
from connectors.sdk import (
    ConfigError,
    InvalidRequest,
    NotFound,
    PermissionDenied,
    RateLimited,
    ReauthRequired,
    ServiceUnavailable,
)
from connectors.sdk.chat import Post
from connectors.sdk.redact import redact
from server.hub.http import HubClient
from server.hub.logging import JsonFormatter, RedactingFilter
from tests.standin.discord import DiscordStandIn
from tests.standin.kit import standin_fixture

from .helpers import BOT_TOKEN, World, connect, seed

Conn = tuple[DiscordConnector, HubClient]


async def test_missing_access_is_permission_denied(world: World, conn: Conn) -> None:
    c, _ = conn
    world.state.hidden.add((world.bot["id"], world.general["id"]))
    with pytest.raises(PermissionDenied, match="Missing Access -- the bot cannot see"):
        await c.send_message(world.general["id"], Post(text="x"))


async def test_missing_permissions_is_permission_denied(world: World, conn: Conn) -> None:
    c, _ = conn
    world.state.mute.add((world.bot["id"], world.general["id"]))
    with pytest.raises(PermissionDenied, match="Missing Permissions -- the bot may not post"):
        await c.send_message(world.general["id"], Post(text="x"))


async def test_unknown_channel_is_not_found(conn: Conn) -> None:
    c, _ = conn
    with pytest.raises(NotFound, match="Unknown Channel"):
        await c.send_message("1199999999999999999", Post(text="x"))


async def test_a_voice_channel_is_an_invalid_request(world: World, conn: Conn) -> None:
    c, _ = conn
    with pytest.raises(InvalidRequest, match="non-text channel -- pick a text"):
        await c.send_message(world.voice["id"], Post(text="x"))


async def test_a_rejected_bot_token_asks_for_a_new_sign_in(world: World) -> None:
    c, http = connect(world.standin.url, token="MTIw.bad.token-that-discord-does-not-know")
    try:
        result = await c.check()
        assert not result.ok
        with pytest.raises(ReauthRequired, match="401"):
            await c.channels()
    finally:
        await http.aclose()


async def test_a_429_is_waited_out_by_its_retry_after(world: World, conn: Conn) -> None:
    c, _ = conn
    world.standin.inject("retry_after", seconds=1.0, path="/messages")
    started = time.monotonic()
    msg = await c.send_message(world.dev["id"], Post(text="after the wait"))
    assert time.monotonic() - started >= 0.9
    statuses = [e.status for e in world.standin.log if e.path.endswith("/messages")]
    assert statuses == [429, 200]
    assert msg.text == "after the wait"


async def test_a_long_limit_is_rate_limited_without_sending(world: World) -> None:
    c, http = connect(world.standin.url, max_rate_wait=0.5)
    try:
        world.standin.inject("ratelimit", seconds=30.0)
        with pytest.raises(RateLimited) as caught:
            await c.channels()
        assert 25 < caught.value.retry_after <= 31
        sent = len(world.standin.log)
        with pytest.raises(RateLimited):
            await c.channels()
        assert len(world.standin.log) == sent  # the next request waits for the reset
    finally:
        await http.aclose()


async def test_a_deleted_webhook_names_the_setting_not_the_url(world: World, conn: Conn) -> None:
    c, _ = conn
    del world.state.webhooks[world.webhook["id"]]
    with pytest.raises(ConfigError, match="webhook_url was deleted") as caught:
        await c.send_message(f"webhook:{world.webhook['id']}", Post(text="x"))
    assert world.webhook["token"] not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__context__ is not None


async def test_a_wrong_webhook_token_is_a_setting_to_fix_not_a_sign_in(world: World) -> None:
    bad = world.webhook_url[:-6] + "ZZZZZZ"
    c, http = connect(world.standin.url, settings={"webhook_url": bad})
    try:
        with pytest.raises(ConfigError, match="token is wrong"):
            await c.channels()
    finally:
        await http.aclose()


async def test_a_malformed_webhook_url_is_refused_without_quoting_it(world: World) -> None:
    url = "https://example.com/api/webhooks/123/" + "s3cr3t" * 5
    c, http = connect(world.standin.url, settings={"webhook_url": url})
    try:
        with pytest.raises(ConfigError, match="not a Discord webhook URL") as caught:
            await c.channels()
        assert "s3cr3t" not in str(caught.value) and "s3cr3t" not in repr(c)
    finally:
        await http.aclose()
    assert not world.standin.log


async def test_the_webhook_url_is_never_in_logs_errors_or_reprs(world: World, conn: Conn) -> None:
    """Through the hub's log handler (its redacting filter), with httpx logging every request
    URL at INFO and the webhook failing: the token appears nowhere."""
    c, _ = conn
    token = world.webhook["token"]
    hook = Webhook.parse(world.webhook_url)
    assert token not in repr(hook) and token not in repr(c) and token not in repr(c.ctx)
    assert token not in redact(f"posting to {world.webhook_url}")
    assert token not in redact(f"POST /api/v10/webhooks/{hook.id}/{token}?wait=true")
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    world.standin.inject("500", count=10, path="/webhooks/")
    try:
        with pytest.raises(ServiceUnavailable) as caught:
            await c.send_message(f"webhook:{hook.id}", Post(text="x"))
        logging.getLogger("tieline.test").exception("sharing failed: %s", world.webhook_url)
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert token not in str(caught.value) and token not in repr(caught.value)
    text = out.getvalue()
    assert f"webhooks/{hook.id}" in text or "[REDACTED]" in text  # the lines were written
    assert token not in text


def test_a_bot_token_is_masked_by_its_shape() -> None:
    assert BOT_TOKEN not in redact(f"token {BOT_TOKEN} leaked")
    assert BOT_TOKEN not in redact(f"Authorization: Bot {BOT_TOKEN}")


async def test_the_stand_in_rejects_what_discord_would(world: World) -> None:
    """The contract can fail a test: a content that is not a string breaks
    ``MessageCreateRequest``."""
    _, http = connect(world.standin.url)
    try:
        with pytest.raises(InvalidRequest, match="Invalid Form Body"):
            await http.post(f"channels/{world.dev['id']}/messages", json={"content": 7})
    finally:
        await http.aclose()
    assert any("content" in v or "messages" in v for v in world.standin.violations)
    world.standin.violations.clear()  # seen, and expected here


class _TightBucket(DiscordStandIn):
    """Two requests per two-second window: the third must wait for the bucket's reset."""

    budgets = {"requests": 2}
    window = 2.0


tight = standin_fixture(_TightBucket, name="tight")


async def test_a_spent_bucket_waits_for_reset_after_without_a_429(tight: _TightBucket) -> None:
    """``X-RateLimit-Remaining: 0`` on a success, with ``X-RateLimit-Reset-After`` in seconds
    (the manifest's reset header): the hub holds the next request until the bucket renews,
    so Discord never has to refuse one (repeated 429s get a bot banned for an hour).

    Judged by the stand-in's clock, not the test's: the third request must arrive after the
    reset the first two were told of (the window starts with the first request)."""
    world = seed(tight)
    c, http = connect(tight.url)
    tight.reset_at = 0  # a window opens with the first request, whenever it comes
    try:
        assert (await c.check()).ok
        assert (await c.check()).ok
        told = tight.reset_at  # when the spent bucket renews
        assert (await c.check()).ok
    finally:
        await http.aclose()
    assert [e.status for e in world.standin.log] == [200, 200, 200]
    assert world.standin.log[2].time >= told > world.standin.log[1].time


def test_a_username_after_bot_is_not_taken_for_a_token() -> None:
    said = "signed in to Discord as bot tieline-release-notes-announcer"
    assert redact(said) == said
