"""Wire the Asana connector through the hub's real HTTP stack to the stand-in, and the small
world the tests share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.asana.connector import AsanaConnector
from connectors.sdk.redact import register_shapes
from server.hub.http import HubClient
from tests.standin.asana import AsanaStandIn
from tests.standin.harness import wire

__all__ = ["CANARY", "MANIFEST", "World", "connect", "seed"]
#: Shaped like an Asana personal access token (2/<user gid>/<app gid>:<32 hex>).
CANARY = "2/1200000000000002/1209999999999999:" + "c0ffee" * 5 + "ab"
MANIFEST = AsanaConnector.manifest()
register_shapes(MANIFEST.auth.token_patterns)


def connect(
    url: str,
    *,
    token: str = CANARY,
    method: str = "token",
    settings: dict[str, Any] | None = None,
    max_rate_wait: float = 10.0,
) -> tuple[AsanaConnector, HubClient]:
    return wire(
        AsanaConnector,
        f"{url}/api/1.0",
        token=token,
        method=method,
        web_url="https://app.asana.com",
        host="app.asana.com",
        account="ada@acme.test",
        settings=settings,
        max_rate_wait=max_rate_wait,
    )


@dataclass
class World:
    standin: AsanaStandIn
    ws: dict[str, Any]
    ada: dict[str, Any]
    bob: dict[str, Any]
    project: dict[str, Any]  # "Web": To do, In progress, Done

    @property
    def state(self) -> Any:
        return self.standin.state


def seed(standin: AsanaStandIn, *, premium: bool = True) -> World:
    st = standin.state
    ws = st.add_workspace("Acme", premium=premium)
    ada = st.add_user("Ada Lovelace", "ada@acme.test", [ws])
    bob = st.add_user("Bob Builder", "bob@acme.test", [ws])
    project = st.add_project(ws, "Web", ("To do", "In progress", "Done"))
    standin.tokens[CANARY] = ada["gid"]
    return World(standin, ws, ada, bob, project)
