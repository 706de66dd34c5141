"""Wire the Linear connector through the hub's real HTTP stack to the stand-in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.linear.connector import LinearConnector
from connectors.sdk import ConnectorContext
from connectors.sdk.redact import register_shapes
from server.hub.auth.headers import SecretAuth
from server.hub.http import HubClient, NetworkSettings, RetryPolicy, build_client
from tests.standin.linear import LinearStandIn

FAST_RETRY = RetryPolicy(attempts=4, wait_initial=0.01, wait_max=0.05, wait_jitter=0.01)
API_KEY = "lin_api_" + "a" * 40
OAUTH_TOKEN = "lin_oauth_" + "b" * 64
MANIFEST = LinearConnector.manifest()
# What the registry does when it reads the manifest: mask Linear's token shapes everywhere.
register_shapes(MANIFEST.auth.token_patterns)


def connect(
    url: str, *, token: str = API_KEY, method: str = "api_key", max_rate_wait: float = 10.0
) -> tuple[LinearConnector, HubClient]:
    """The connector as a session would hold it: ``build_client`` with the manifest's header
    template for ``method``, the connector's ``body_error`` hook, no cache directory."""
    http = build_client(
        MANIFEST,
        base_url=url,
        auth=SecretAuth(token, header=MANIFEST.auth.header_for(method)),
        cache_dir=None,
        network=NetworkSettings(trust_env=False),
        retry=FAST_RETRY,
        max_rate_wait=max_rate_wait,
        body_error=LinearConnector.body_error,
    )
    ctx = ConnectorContext(
        http=http,
        account="acme/ada@acme.test",
        api_url=url,
        web_url="https://linear.app",
        host="linear.app",
        method=method,
    )
    return LinearConnector(ctx), http


@dataclass
class Workspace:
    """The seeded workspace's people and the ids tests need."""

    standin: LinearStandIn
    ada: dict[str, Any]
    grace: dict[str, Any]

    @property
    def state(self) -> Any:
        return self.standin.state

    def graphql_requests(self) -> int:
        return sum(1 for e in self.standin.log if e.path == "/graphql")
