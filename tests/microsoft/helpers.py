"""Wire the Microsoft 365 connector through the hub's real HTTP stack to the Graph
stand-in, and the small tenant the tests share."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from connectors.microsoft.connector import MicrosoftConnector
from connectors.sdk.redact import register_shapes
from server.hub.http import HubClient
from tests.standin.harness import wire
from tests.standin.microsoft import GraphState, MicrosoftStandIn

__all__ = ["CANARY", "CLIENT_ID", "MANIFEST", "NOW", "World", "connect", "seed"]
#: An access token shaped as Microsoft's (a JWT: header.payload.signature, base64url).
CANARY = (
    "eyJ0eXAiOiJKV1QiLCJub25jZSI6ImNhbmFyeSIsImFsZyI6IlJTMjU2In0"
    ".eyJhdWQiOiJodHRwczovL2dyYXBoLm1pY3Jvc29mdC5jb20iLCJzY3AiOiJVc2VyLlJlYWQifQ"
    ".Q0FOQVJZLXNpZ25hdHVyZS0wMTIzNDU2Nzg5YWJjZGVm"
)
CLIENT_ID = "3f6a1c2e-7d4b-4b8e-9a61-5c0d2e4f8a10"
MANIFEST = MicrosoftConnector.manifest()
# What the registry does when it reads the manifest: mask Microsoft's token shapes everywhere.
register_shapes(MANIFEST.auth.token_patterns)
#: A Wednesday morning, inside every seeded event's week.
NOW = datetime(2026, 12, 2, 8, 0, tzinfo=UTC)


def connect(
    url: str, *, token: str = CANARY, settings: dict[str, Any] | None = None
) -> tuple[MicrosoftConnector, HubClient]:
    """The connector as a session holds it: a browser (pkce) sign-in, the API at
    ``<stand-in>/v1.0``."""
    return wire(
        MicrosoftConnector,
        f"{url}/v1.0",
        token=token,
        method="pkce",
        host="outlook.office.com",
        account="ada@contoso.com",
        settings={"client_id": CLIENT_ID, "timezone": "Europe/Berlin", **(settings or {})},
        max_rate_wait=2.0,
    )


@dataclass
class World:
    standin: MicrosoftStandIn
    ada: dict[str, Any]
    bob: dict[str, Any]
    eve: dict[str, Any]  # a personal (consumer) account

    @property
    def state(self) -> GraphState:
        return self.standin.state


def seed(standin: MicrosoftStandIn) -> World:
    st = standin.state
    ada = st.add_user("Ada Lovelace", "ada@contoso.com")
    bob = st.add_user("Bob Builder", "bob@contoso.com")
    eve = st.add_user("Eve Outlook", "eve@outlook.com", personal=True)
    standin.grant(CANARY, ada)
    return World(standin, ada, bob, eve)
