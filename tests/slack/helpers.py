"""Wire the Slack connector through the hub's real HTTP stack to the stand-in, and the small
workspace the tests share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.sdk.redact import register_shapes
from connectors.slack.connector import SlackConnector
from server.hub.http import HubClient
from tests.standin.harness import wire
from tests.standin.slack import SlackStandIn

__all__ = ["ALL_SCOPES", "CANARY", "MANIFEST", "World", "connect", "seed"]
#: A user token shaped as Slack's (xoxp-<team>-<user>-<id>-<32 hex>).
CANARY = "xoxp-1111111111-2222222222-3333333333333-c0ffee11c0ffee11c0ffee11c0ffee11"
MANIFEST = SlackConnector.manifest()
ALL_SCOPES = tuple(s.name for s in MANIFEST.auth.oauth2.scopes)  # type: ignore[union-attr]
# What the registry does when it reads the manifest: mask Slack's token shapes everywhere.
register_shapes(MANIFEST.auth.token_patterns)


def connect(
    url: str,
    *,
    token: str = CANARY,
    method: str = "token",
    settings: dict[str, Any] | None = None,
    max_rate_wait: float = 10.0,
) -> tuple[SlackConnector, HubClient]:
    """The connector as a session holds it: a user token as Bearer, the API at
    ``<stand-in>/api``."""
    return wire(
        SlackConnector,
        f"{url}/api",
        token=token,
        method=method,
        web_url="https://app.slack.com",
        host="slack.com",
        account="tieline-test/ada",
        settings=settings,
        max_rate_wait=max_rate_wait,
    )


@dataclass
class World:
    standin: SlackStandIn
    ada: dict[str, Any]  # the signed-in person
    bob: dict[str, Any]
    cy: dict[str, Any]
    dev: dict[str, Any]  # public, ada and bob
    random: dict[str, Any]  # public, bob only
    secret: dict[str, Any]  # private, ada and bob
    hidden: dict[str, Any]  # private, bob only
    old: dict[str, Any]  # public, archived
    dm: dict[str, Any]  # ada <-> bob
    group: dict[str, Any]  # ada, bob, cy

    @property
    def state(self) -> Any:
        return self.standin.state


def seed(standin: SlackStandIn, *, scopes: tuple[str, ...] = ALL_SCOPES) -> World:
    st = standin.state
    ada = st.add_user("ada", "Ada Lovelace", "ada@example.com")
    bob = st.add_user("bob", "Bob Builder", "bob@example.com")
    cy = st.add_user("cy", "Cy Young", "cy@example.com")
    world = World(
        standin,
        ada,
        bob,
        cy,
        dev=st.add_channel("dev", [ada, bob]),
        random=st.add_channel("random", [bob]),
        secret=st.add_channel("secret-plans", [ada, bob], private=True),
        hidden=st.add_channel("hidden", [bob], private=True),
        old=st.add_channel("old-project", [ada], archived=True),
        dm=st.add_dm(ada, bob),
        group=st.add_mpim([ada, bob, cy]),
    )
    standin.grant(CANARY, ada, scopes)
    return world
