"""Wire the real HTTP stack and GitHub connector to a stand-in (tests and benchmarks)."""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path

import httpx

from connectors.github.connector import GitHubConnector
from connectors.sdk import ConnectorContext, RepoRef
from server.hub.health import HealthTracker
from server.hub.http import HubClient, NetworkSettings, RetryPolicy, build_client

FAST_RETRY = RetryPolicy(attempts=4, wait_initial=0.01, wait_max=0.05, wait_jitter=0.01)


class Token(httpx.Auth):
    """A fixed personal token (the vault's refreshable auth replaces this in the hub)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["authorization"] = f"Bearer {self.token}"
        yield request


def connect(
    url: str,
    *,
    token: str = "tok-a",
    tracker: HealthTracker | None = None,
    cache_dir: Path | None = None,
    network: NetworkSettings | None = None,
    auth: httpx.Auth | None = None,
) -> tuple[GitHubConnector, HubClient]:
    http = build_client(
        GitHubConnector.manifest(),
        base_url=url,
        auth=auth or Token(token),
        cache_dir=cache_dir,
        metrics=tracker,
        network=network or NetworkSettings(trust_env=False),
        retry=FAST_RETRY,
    )
    ctx = ConnectorContext(http=http, account=token, api_url=url, web_url="https://github.com")
    return GitHubConnector(ctx), http


REPO = RepoRef(host="github.com", owner="o", name="r")
