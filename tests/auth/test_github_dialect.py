"""GitHub's token-endpoint dialect: form-encoded requests that must ask for JSON, errors sent
with HTTP 200, comma-separated scopes, slow_down carrying a new interval."""

from __future__ import annotations

import json
from urllib.parse import parse_qs

import httpx
import pytest

from connectors.github.connector import GitHubConnector
from connectors.sdk.errors import ConfigError
from connectors.sdk.settings import settings_model
from server.hub.auth import DeviceFlow, require_client_id, resolve_service


def _github() -> httpx.MockTransport:
    polls = iter(
        [
            {"error": "authorization_pending"},
            {"error": "slow_down", "interval": 12},
            {"access_token": "gho_" + "a" * 36, "token_type": "bearer", "scope": "repo,read:org"},
        ]
    )

    def handler(request: httpx.Request) -> httpx.Response:
        assert request.headers["accept"] == "application/json"
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        form = parse_qs(request.content.decode())
        assert form["client_id"] == ["Iv1.test"]
        if request.url.path == "/login/device/code":
            assert form["scope"] == ["repo read:org gist"]
            body = {
                "device_code": "dc",
                "user_code": "ABCD-1234",
                "expires_in": 900,
                "verification_uri": "https://github.com/login/device",
                "interval": 5,
            }
            return httpx.Response(200, json=body)
        assert request.url.path == "/login/oauth/access_token"
        return httpx.Response(200, content=json.dumps(next(polls)))

    return httpx.MockTransport(handler)


async def test_github_device_flow_dialect() -> None:
    manifest = GitHubConnector.manifest()
    service = resolve_service(
        manifest, settings=settings_model(manifest)(client_id="Iv1.test"), env={}
    )
    assert service.oauth is not None
    sleeps: list[float] = []

    async def sleep(s: float) -> None:
        sleeps.append(s)

    async with httpx.AsyncClient(transport=_github()) as http:
        tokens = await DeviceFlow(service.oauth, http, sleep=sleep).run(lambda code: None)
    assert sleeps == [5.0, 5.0, 12.0]  # GitHub's own interval wins when larger than +5
    assert tokens.scopes == ("repo", "read:org") and tokens.expires_at is None


def test_enterprise_host_and_missing_client_id() -> None:
    manifest = GitHubConnector.manifest()
    ghe = resolve_service(manifest, host="GHE.example.com", env={})
    assert ghe.host == "ghe.example.com" and ghe.api_url == "https://ghe.example.com/api/v3"
    assert ghe.oauth is not None
    assert ghe.oauth.device_authorization_url == "https://ghe.example.com/login/device/code"
    with pytest.raises(
        ConfigError, match=r"set client_id under \[connectors.github\].*--with-token"
    ):
        require_client_id(ghe.oauth, connector="github", service="GitHub")
