"""``tieline mcp --http``: the SDK client over streamable HTTP with the vault's bearer token,
and raw probes that must fail closed -- no token, a wrong token, a foreign ``Host`` (DNS
rebinding) or ``Origin`` -- without the token ever appearing in what the server says."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.mcp.conftest import REPO, http_server, http_session, no_secret, structured, tieline

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "probe", "version": "0"},
    },
}
ACCEPT = "application/json, text/event-stream"


@pytest.fixture
def token(app: Path, env: dict[str, str]) -> str:
    r = tieline(app, env, "mcp", "token")
    assert r.code == 0, r.err
    value = r.out.strip()
    assert len(value) >= 32 and tieline(app, env, "mcp", "token").out.strip() == value
    return value


@pytest.fixture
def url(app: Path, env: dict[str, str], token: str) -> Iterator[str]:
    with http_server(app, env) as u:
        yield u


async def test_the_sdk_client_lists_and_calls_tools_with_the_token(url: str, token: str) -> None:
    assert urlsplit(url).hostname == "127.0.0.1"
    async with http_session(url, token) as s:
        names = {t.name for t in (await s.list_tools()).tools}
        issues = structured(await s.call_tool("list_issues", {}))
        one = structured(await s.call_tool("get_issue", {"key": "#1"}))
    assert "list_issues" in names and "create_issue" not in names
    assert [i["ref"] for i in issues["issues"]] == [f"{REPO}#1"]
    assert one["item"]["title"] == "Crash on start"


def _post(url: str, headers: dict[str, str]) -> httpx.Response:
    base = {"Accept": ACCEPT, "Content-Type": "application/json"}
    return httpx.post(url, json=INIT, headers={**base, **headers}, timeout=30)


def test_probes_without_the_right_token_or_host_fail_closed(url: str, token: str) -> None:
    port = urlsplit(url).port
    bearer = {"Authorization": f"Bearer {token}"}
    missing = _post(url, {})
    wrong = _post(url, {"Authorization": "Bearer not-the-token"})
    basic = _post(url, {"Authorization": f"Basic {token}"})
    rebound = _post(url, {**bearer, "Host": f"evil.example:{port}"})
    other_port = _post(url, {**bearer, "Host": f"127.0.0.1:{(port or 0) + 1}"})
    origin = _post(url, {**bearer, "Origin": "http://evil.example"})
    ok = _post(url, bearer)
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    assert wrong.status_code == 401 and basic.status_code == 401
    assert rebound.status_code == 421 and other_port.status_code == 421
    assert origin.status_code == 403
    assert ok.status_code == 200, ok.text
    for r in (missing, wrong, basic, rebound, other_port, origin):
        assert token not in r.text
    no_secret(missing.text, ok.text)


def test_rotate_replaces_the_token(app: Path, env: dict[str, str], token: str) -> None:
    new = tieline(app, env, "mcp", "token", "--rotate").out.strip()
    assert new and new != token
    assert tieline(app, env, "mcp", "token").out.strip() == new
