"""The Asana connector in the hub's HTTP stack: Bearer for PATs and OAuth alike, 429 with
Retry-After, 5xx retries, 401, Asana's ``{"errors": [...]}`` bodies, and the token kept out
of every message and log record."""

from __future__ import annotations

import asyncio
import logging
import re
import time
import tomllib
from pathlib import Path

import pytest

from connectors.asana.connector import AsanaConnector
from connectors.sdk import (
    InvalidRequest,
    IssueTracker,
    ItemRef,
    RateLimited,
    ReauthRequired,
    ServiceUnavailable,
    Workflow,
    provides,
)
from connectors.sdk.redact import redact
from connectors.sdk.registry import Registry, manifest_path
from server.hub.auth.headers import header_for
from server.hub.http import HubClient

from .helpers import CANARY, MANIFEST, World, connect

Conn = tuple[AsanaConnector, HubClient]


def _task_ref(world: World) -> ItemRef:
    t = world.state.add_task(world.project, "A task", creator=world.ada)
    return ItemRef(connector="asana", host="app.asana.com", scope="", key=t["gid"])


def test_pats_and_oauth_tokens_are_bearer() -> None:
    assert header_for(MANIFEST, "token") == ("Authorization", "Bearer {token}")
    assert header_for(MANIFEST, "pkce") == ("Authorization", "Bearer {token}")
    assert header_for(MANIFEST, "env") == ("Authorization", "Bearer {token}")
    oauth = MANIFEST.auth.oauth2
    assert oauth is not None and oauth.pkce
    assert oauth.authorize_url == "https://app.asana.com/-/oauth_authorize"
    assert oauth.token_url == "https://app.asana.com/-/oauth_token"
    assert oauth.revocation_url == "https://app.asana.com/-/oauth_revoke"


async def test_an_oauth_sign_in_reads_the_same_api(world: World) -> None:
    world.standin.tokens["oauth-access-token-1234"] = world.ada["gid"]
    c, http = connect(world.standin.url, token="oauth-access-token-1234", method="pkce")
    try:
        assert (await c.check()).account == "ada@acme.test"
    finally:
        await http.aclose()


@pytest.mark.parametrize(
    "secret",
    [
        CANARY,
        "1/1200000000000002:" + "ab" * 16,
        "0/" + "cd" * 16,
    ],
)
def test_token_shapes_are_masked(secret: str) -> None:
    assert secret not in redact(f"token {secret} leaked")


async def test_a_revoked_token_asks_for_a_new_sign_in(world: World) -> None:
    ref = _task_ref(world)
    c, http = connect(world.standin.url, token="2/1/2:" + "0" * 32)
    try:
        with pytest.raises(ReauthRequired, match="Not Authorized"):
            await c.get_issue(ref)
        assert not (await c.check()).ok
    finally:
        await http.aclose()


async def test_asanas_error_bodies_become_the_message(world: World, conn: Conn) -> None:
    c, _ = conn
    with pytest.raises(InvalidRequest, match="Not a recognized ID"):
        await c.client.task("abc")  # past the connector's own check, as Asana answers it
    world.standin.inject("500", count=10)
    with pytest.raises(ServiceUnavailable, match="Server Error"):
        await c.get_issue(_task_ref(world))


async def test_server_errors_are_retried(world: World, conn: Conn) -> None:
    c, _ = conn
    ref = _task_ref(world)
    world.standin.inject("502", count=2)
    assert (await c.get_issue(ref)).title == "A task"


async def test_429_with_retry_after_waits_then_goes_on(world: World, conn: Conn) -> None:
    c, _ = conn
    ref = _task_ref(world)
    world.standin.inject("retry_after", count=1, seconds=1)
    started = time.monotonic()
    assert (await c.get_issue(ref)).title == "A task"
    assert time.monotonic() - started >= 0.9


async def test_a_429_storm_is_one_rate_limited_error(world: World) -> None:
    ref = _task_ref(world)
    c, http = connect(world.standin.url, max_rate_wait=0.5)
    try:
        world.standin.inject("retry_after", count=50, seconds=30)
        results = await asyncio.gather(
            *(c.get_issue(ref) for _ in range(6)), return_exceptions=True
        )
        assert all(isinstance(r, RateLimited) for r in results), results
        err = results[0]
        assert isinstance(err, RateLimited) and 25 < err.retry_after <= 31
        assert "too many requests" in err.message
        sent = len(world.standin.log)
        with pytest.raises(RateLimited):
            await c.list_issues("assigned")
        assert len(world.standin.log) == sent
    finally:
        await http.aclose()


async def test_the_token_never_appears_in_messages_or_logs(
    world: World, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    ref = _task_ref(world)
    c, http = connect(world.standin.url, max_rate_wait=0.1)
    messages: list[str] = []
    try:
        for fault in ("401", "500", "retry_after", "garbage", "reset"):
            world.standin.inject(fault, count=10, seconds=30)
            try:
                await c.get_issue(ref)
            except Exception as exc:  # every kind of failure is inspected
                messages.append(str(exc))
            world.standin.faults.clear()
            http.stack.limiter.info = type(http.stack.limiter.info)()
        messages.append((await c.check()).detail)
    finally:
        await http.aclose()
    assert len(messages) >= 5
    for text in [*messages, caplog.text]:
        assert CANARY not in text and CANARY.split(":")[1] not in text


@pytest.mark.parametrize(
    ("path", "key", "scope"),
    [
        ("/0/1200000000000009/1200000000000123", "1200000000000123", "1200000000000009"),
        ("/0/1200000000000009/1200000000000123/f", "1200000000000123", "1200000000000009"),
        (
            "/1/1200000000000001/project/1200000000000009/task/1200000000000123",
            "1200000000000123",
            "1200000000000009",
        ),
        ("/1/1200000000000001/task/1200000000000123", "1200000000000123", ""),
        ("/1/1200000000000001/task/1200000000000123?focus=true", "1200000000000123", ""),
        ("/0/1200000000000009/1200000000000123/f#story", "1200000000000123", "1200000000000009"),
        ("/0/1200000000000009/list", None, None),
        ("/1/1200000000000001/project/1200000000000009/board", None, None),
    ],
)
def test_task_urls(path: str, key: str | None, scope: str | None) -> None:
    got = next((m for u in MANIFEST.urls if (m := re.match(u.path, path))), None)
    assert (got["key"] if got else None) == key
    assert (got["scope"] if got else None) == scope


def test_the_entry_point_loads_a_connector_that_implements_what_it_declares() -> None:
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    target = project["project"]["entry-points"]["tieline.connectors"]["asana"]
    path = manifest_path(target)
    assert path is not None and path.name == "manifest.toml"
    registry = Registry()
    registry.add_manifest(MANIFEST, target)
    cls = registry.get("asana")
    assert provides(cls, IssueTracker) and provides(cls, Workflow)
    assert MANIFEST.attach.kind == "account" and MANIFEST.api_url == "https://app.asana.com/api/1.0"
