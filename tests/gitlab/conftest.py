"""Wire the GitLab connector to its stand-in through the hub's real HTTP stack.

``connect()`` builds what a session builds: ``build_client`` (auth, cache, retries, rate
limiter reading the manifest's headers, error mapping, the connector's ``body_error``) with
``SecretAuth`` sending the secret as the manifest says for the sign-in method.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.gitlab.connector import GitLabConnector
from server.hub.http import HubClient
from tests.standin.gitlab import GitLabStandIn, State
from tests.standin.harness import wire
from tests.standin.kit import serving
from tests.standin.kit.fixtures import require_contract

SUBGROUP = "group/sub/project"


@pytest.fixture
def gitlab() -> Iterator[GitLabStandIn]:
    """A fresh, contract-checking GitLab stand-in; fails the test on any request GitLab's
    description (or the documented supplement) does not allow."""
    require_contract(GitLabStandIn)
    with serving(GitLabStandIn()) as standin:
        yield standin


@pytest.fixture
def self_managed() -> Iterator[GitLabStandIn]:
    """The stand-in as a self-managed instance at https://gitlab.example.test."""
    require_contract(GitLabStandIn)
    with serving(GitLabStandIn(State(web="https://gitlab.example.test"))) as standin:
        yield standin


class Loopback(httpx.AsyncBaseTransport):
    """Send every request to the stand-in on 127.0.0.1 whatever host its URL names, as a
    reverse proxy in front of an instance would (the Host header and ``X-Forwarded-Proto``
    keep what the client addressed): a self-managed base URL end to end, without DNS."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        request.headers["x-forwarded-proto"] = request.url.scheme
        request.url = request.url.copy_with(scheme="http", host="127.0.0.1", port=self.port)
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def connect(
    standin: GitLabStandIn,
    *,
    token: str = "tok-a",
    method: str = "token",
    api_url: str | None = None,
    web_url: str = "https://gitlab.com",
    host: str = "gitlab.com",
    cache_dir: Path | None = None,
    max_rate_wait: float = 10.0,
    settings: dict[str, Any] | None = None,
) -> tuple[GitLabConnector, HubClient]:
    url = api_url or f"{standin.url}/api/v4"
    transport = Loopback(int(standin.url.rsplit(":", 1)[1])) if api_url is not None else None
    return wire(
        GitLabConnector,
        url,
        token=token,
        method=method,
        web_url=web_url,
        host=host,
        cache_dir=cache_dir,
        max_rate_wait=max_rate_wait,
        transport=transport,
        settings=settings,
    )
