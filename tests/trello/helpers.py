"""Wire the Trello connector through the hub's real HTTP stack to the stand-in, and the
small world the tests share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.sdk.redact import register_shapes
from connectors.trello.connector import TrelloConnector
from server.hub.http import HubClient
from tests.standin.harness import wire
from tests.standin.trello import TrelloStandIn

__all__ = ["CANARY", "KEY", "MANIFEST", "World", "connect", "seed"]
#: An API key (32 hex, public by design) and a token shaped as Trello's (ATTA + 64 hex + 8).
KEY = "25ad2e37570117c0bad72d0a711ba5af"
CANARY = "ATTA" + "c0ffee11" * 8 + "CA4A12E7"
MANIFEST = TrelloConnector.manifest()
# What the registry does when it reads the manifest: mask Trello's token shapes everywhere.
register_shapes(MANIFEST.auth.token_patterns)


def connect(
    url: str,
    *,
    token: str = CANARY,
    key: str = KEY,
    settings: dict[str, Any] | None = None,
    max_rate_wait: float = 10.0,
) -> tuple[TrelloConnector, HubClient]:
    """The connector as a session holds it: a ``basic`` sign-in whose user part is the API
    key, sent with the manifest's OAuth header template; the API at ``<stand-in>/1``."""
    return wire(
        TrelloConnector,
        f"{url}/1",
        token=token,
        method="basic",
        username=key,
        web_url="https://trello.com",
        host="trello.com",
        account="ada",
        settings=settings,
        max_rate_wait=max_rate_wait,
    )


@dataclass
class World:
    standin: TrelloStandIn
    ada: dict[str, Any]
    bob: dict[str, Any]
    board: dict[str, Any]  # "Web": To Do, Doing, Code Review, Done
    other: dict[str, Any]  # "Ops": Backlog, In Progress 🚧, Shipped ✅

    @property
    def state(self) -> Any:
        return self.standin.state


def seed(standin: TrelloStandIn) -> World:
    st = standin.state
    ada = st.add_member("ada", "Ada Lovelace")
    bob = st.add_member("bob", "Bob Builder")
    board = st.add_board("Web", [ada, bob], ("To Do", "Doing", "Code Review", "Done"))
    other = st.add_board("Ops", [ada, bob], ("Backlog", "In Progress 🚧", "Shipped ✅"))
    standin.grant(KEY, CANARY, ada)
    return World(standin, ada, bob, board, other)
