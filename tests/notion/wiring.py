"""Wire the Notion connector to a stand-in through the hub's real HTTP stack: ``build_client``
(cache, retries, rate limiter, error mapping, the connector's ``body_error``) and
``SecretAuth`` with the header the manifest names (Bearer) -- what a hub session hands it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.notion.connector import NotionConnector
from connectors.sdk.redact import register_shapes
from server.hub.http import HubClient
from tests.standin.harness import wire
from tests.standin.notion import NotionStandIn

register_shapes(NotionConnector.manifest().auth.token_patterns)  # as the registry does

#: Shaped like an internal integration secret, so the manifest's token pattern applies too.
CANARY = "ntn_" + "C4nAry7oKeN9xQ2wE5rT8yU1iO3pA6sD9fG2hJ5kL8zX1c"


def connect(
    standin: NotionStandIn, *, token: str = CANARY, max_rate_wait: float = 10.0
) -> tuple[NotionConnector, HubClient]:
    return wire(
        NotionConnector,
        standin.url,
        token=token,
        web_url="https://www.notion.so",
        max_rate_wait=max_rate_wait,
    )


@dataclass
class World:
    standin: NotionStandIn
    ada: dict[str, Any]
    bot: dict[str, Any]


def seed(standin: NotionStandIn) -> World:
    """A workspace with one person and the integration's bot, which ``CANARY`` signs in as."""
    ada = standin.state.add_user("Ada Lovelace", "ada@acme.test")
    bot = standin.state.add_bot("Tieline", "Acme")
    standin.tokens[CANARY] = bot["id"]
    return World(standin, ada, bot)
