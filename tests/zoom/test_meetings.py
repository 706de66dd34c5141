"""OnlineMeetings on the Zoom stand-in: a meeting created for the signed-in user, its join link
answered (never the host's start link), Zoom's errors and rate limits, and the manifest."""

from __future__ import annotations

import calendar
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest

from connectors.sdk import (
    InvalidRequest,
    NotFound,
    OnlineMeetings,
    RateLimited,
    ReauthRequired,
    provides,
)
from connectors.sdk.calendar import Provider
from connectors.sdk.redact import redact
from connectors.sdk.registry import Registry, manifest_path
from connectors.zoom.connector import ZoomConnector
from server.hub.auth.headers import header_for
from server.hub.http import HubClient
from tests.standin.zoom import ZoomStandIn

from .helpers import MANIFEST, TOKEN, connect

Conn = tuple[ZoomConnector, HubClient]
MANIFEST_FILE = Path(__file__).parents[2] / "connectors" / "zoom" / "manifest.toml"


async def test_check_names_the_account_by_email(conn: Conn) -> None:
    c, _ = conn
    result = await c.check()
    assert result.ok and result.account == "ada@acme.test" and result.name == "Ada Lovelace"


async def test_start_meeting_answers_the_join_link(zoom: ZoomStandIn, conn: Conn) -> None:
    c, _ = conn
    assert c.provides(OnlineMeetings)
    started = time.time()
    link = await c.start_meeting("Pairing on #42", minutes=45)
    (meeting,) = zoom.meetings
    assert link.url == meeting["join_url"] and link.url.startswith("https://zoom.us/j/")
    assert link.provider is Provider.ZOOM and link.provider_name == "Zoom"
    assert "zak=" not in link.url and meeting["start_url"] not in repr(link)
    sent = meeting["_request"]
    assert sent["topic"] == "Pairing on #42" and sent["type"] == 2 and sent["duration"] == 45
    assert sent["timezone"] == "UTC" and sent["start_time"].endswith("Z")
    sent_at = calendar.timegm(time.strptime(sent["start_time"], "%Y-%m-%dT%H:%M:%SZ"))
    assert abs(sent_at - started) < 120
    (post,) = [e for e in zoom.log if e.method == "POST"]
    assert post.path == "/v2/users/me/meetings"


async def test_a_long_topic_is_cut_and_a_blank_one_named(zoom: ZoomStandIn, conn: Conn) -> None:
    c, _ = conn
    await c.start_meeting("x" * 500)
    await c.start_meeting("   ")
    assert [len(m["_request"]["topic"]) for m in zoom.meetings] == [200, 7]
    assert zoom.meetings[0]["_request"]["duration"] == 30


async def test_impossible_lengths_are_refused_before_calling(zoom: ZoomStandIn, conn: Conn) -> None:
    c, _ = conn
    for minutes in (0, 24 * 60 + 1):
        with pytest.raises(InvalidRequest, match="1 to 1440 minutes"):
            await c.start_meeting("x", minutes=minutes)
    assert not zoom.log


async def test_an_invalid_token_asks_for_a_new_sign_in(
    zoom: ZoomStandIn, ada: dict[str, Any]
) -> None:
    c, http = connect(zoom.url, token="eyJ0eXAiOiJKV1QifQ.eyJ1bmtub3duIjp0cnVlfQ.bm90LWEtdG9rZW4")
    try:
        with pytest.raises(ReauthRequired, match="Invalid access token"):
            await c.start_meeting("x")
        assert not (await c.check()).ok
    finally:
        await http.aclose()


async def test_a_429_is_waited_out_by_its_retry_after(zoom: ZoomStandIn, conn: Conn) -> None:
    c, _ = conn
    zoom.inject("retry_after", seconds=1.0, path="/meetings")
    started = time.monotonic()
    link = await c.start_meeting("after the wait")
    assert time.monotonic() - started >= 0.9 and link.url
    assert [e.status for e in zoom.log if e.method == "POST"] == [429, 201]


async def test_the_daily_limit_is_rate_limited_and_said_in_words(
    zoom: ZoomStandIn, conn: Conn
) -> None:
    c, _ = conn
    zoom.inject("ratelimit", seconds=3600.0, path="/meetings")
    with pytest.raises(RateLimited, match="100 new meetings a day") as caught:
        await c.start_meeting("one too many")
    assert caught.value.retry_after > 3000


def test_the_manifest() -> None:
    assert MANIFEST.capabilities == ("OnlineMeetings",)
    assert MANIFEST.auth.methods == ("pkce", "token")
    assert header_for(MANIFEST, "token") == ("Authorization", "Bearer {token}")
    o = MANIFEST.auth.oauth2
    assert o is not None and o.pkce
    assert (o.authorize_url, o.token_url) == (
        "https://zoom.us/oauth/authorize",
        "https://zoom.us/oauth/token",
    )
    text = " ".join(MANIFEST_FILE.read_text().replace("#", " ").split())
    assert "Server-to-Server OAuth (grant_type=account_credentials" in text
    assert "is not supported yet" in text
    assert TOKEN not in redact(f"Authorization: {TOKEN}") and TOKEN not in redact(TOKEN)


def test_the_entry_point_loads_a_connector_that_implements_what_it_declares() -> None:
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    target = project["project"]["entry-points"]["tieline.connectors"]["zoom"]
    assert target == "connectors.zoom.connector:ZoomConnector"
    path = manifest_path(target)
    assert path is not None and path.name == "manifest.toml"
    registry = Registry()
    registry.add_manifest(MANIFEST, target)
    assert provides(registry.get("zoom"), OnlineMeetings)
    assert MANIFEST.attach.kind == "account"


async def test_zoom_error_bodies_reach_the_sdk_errors(zoom: ZoomStandIn, conn: Conn) -> None:
    _, http = conn
    with pytest.raises(NotFound, match="User does not exist: nobody"):
        await http.get("users/nobody")
    with pytest.raises(InvalidRequest, match="Validation Failed"):
        await http.post("users/me/meetings", json={"type": "two"})
    assert zoom.violations  # the contract said no, as Zoom would
    zoom.violations.clear()
