"""Wire a connector to a stand-in through the hub's real HTTP stack (tests and benchmarks).

:func:`wire` builds what a hub session builds for any connector: ``build_client`` (auth,
RFC 9111 cache, retries, the rate limiter reading the manifest's headers, error mapping, the
connector's ``body_error`` hook) with the secret sent the way the manifest says for the
sign-in method, and the :class:`ConnectorContext`. :func:`connect` is GitHub's shorthand.
"""

from __future__ import annotations

from collections.abc import Generator
from pathlib import Path
from typing import Any, TypeVar

import httpx

from connectors.github.connector import GitHubConnector
from connectors.sdk import Connector, ConnectorContext, RepoRef
from server.hub.auth.headers import SecretAuth, header_for
from server.hub.health import HealthTracker
from server.hub.http import HubClient, NetworkSettings, RetryPolicy, build_client

C = TypeVar("C", bound=Connector)

FAST_RETRY = RetryPolicy(attempts=4, wait_initial=0.01, wait_max=0.05, wait_jitter=0.01)


class Token(httpx.Auth):
    """A fixed personal token (the vault's refreshable auth replaces this in the hub)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["authorization"] = f"Bearer {self.token}"
        yield request


def wire(
    cls: type[C],
    url: str,
    *,
    token: str,
    method: str = "token",
    username: str | None = None,
    web_url: str | None = None,
    host: str = "",
    settings: dict[str, Any] | None = None,
    account: str | None = None,
    tracker: HealthTracker | None = None,
    cache_dir: Path | None = None,
    network: NetworkSettings | None = None,
    auth: httpx.Auth | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    max_rate_wait: float = 10.0,
) -> tuple[C, HubClient]:
    """``cls`` on the real HTTP stack against ``url``, signed in with ``method``."""
    manifest = cls.manifest()
    overrides = cls.body_error.__func__ is not Connector.body_error.__func__  # type: ignore[attr-defined]
    http = build_client(
        manifest,
        base_url=url,
        auth=auth or SecretAuth(token, header=header_for(manifest, method), username=username),
        cache_dir=cache_dir,
        metrics=tracker,
        network=network or NetworkSettings(trust_env=False),
        retry=FAST_RETRY,
        max_rate_wait=max_rate_wait,
        transport=transport,
        body_error=cls.body_error if overrides else None,
    )
    ctx = ConnectorContext(
        http=http,
        account=account if account is not None else (username or token),
        api_url=url,
        web_url=web_url,
        host=host,
        settings=settings or {},
        method=method,
    )
    return cls(ctx), http


def connect(
    url: str,
    *,
    token: str = "tok-a",
    tracker: HealthTracker | None = None,
    cache_dir: Path | None = None,
    network: NetworkSettings | None = None,
    auth: httpx.Auth | None = None,
) -> tuple[GitHubConnector, HubClient]:
    return wire(
        GitHubConnector,
        url,
        token=token,
        web_url="https://github.com",
        tracker=tracker,
        cache_dir=cache_dir,
        network=network,
        auth=auth or Token(token),
    )


REPO = RepoRef(host="github.com", owner="o", name="r")
