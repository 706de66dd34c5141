"""Wire the Linear connector through the hub's real HTTP stack to the stand-in."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.linear.connector import LinearConnector
from connectors.sdk.redact import register_shapes
from server.hub.http import HubClient
from tests.standin.harness import wire
from tests.standin.linear import LinearStandIn

__all__ = ["API_KEY", "MANIFEST", "OAUTH_TOKEN", "Workspace", "connect"]
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
    return wire(
        LinearConnector,
        url,
        token=token,
        method=method,
        web_url="https://linear.app",
        host="linear.app",
        account="acme/ada@acme.test",
        max_rate_wait=max_rate_wait,
    )


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
