"""Wire the Google connector through the hub's real HTTP stack to the stand-in, and the small
world the tests share: Ada's account with a primary calendar, a team calendar and an inbox."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.google.connector import GoogleConnector
from connectors.sdk.redact import register_shapes
from server.hub.http import HubClient
from tests.standin.google import GoogleStandIn
from tests.standin.harness import wire

__all__ = ["ADA", "CANARY", "MANIFEST", "TEAM", "World", "connect", "seed"]
ADA = "ada@example.com"
TEAM = "team@group.calendar.google.com"
#: An access token shaped as Google's (ya29. + URL-safe characters).
CANARY = "ya29.a0AfB_byCanary" + "Q7x_" * 16
MANIFEST = GoogleConnector.manifest()
# What the registry does when it reads the manifest: mask Google's token shapes everywhere.
register_shapes(MANIFEST.auth.token_patterns)


def connect(
    url: str,
    *,
    token: str = CANARY,
    settings: dict[str, Any] | None = None,
    max_rate_wait: float = 10.0,
) -> tuple[GoogleConnector, HubClient]:
    """The connector as a session holds it: an OAuth access token sent as Bearer."""
    return wire(
        GoogleConnector,
        url,
        token=token,
        method="pkce",
        web_url="https://calendar.google.com",
        host="google.com",
        account=ADA,
        settings={"timezone": "Europe/Berlin", **(settings or {})},
        max_rate_wait=max_rate_wait,
    )


@dataclass
class World:
    standin: GoogleStandIn

    @property
    def state(self) -> Any:
        return self.standin.state


def seed(standin: GoogleStandIn) -> World:
    st = standin.state
    st.add_calendar(ADA, ADA, primary=True)
    st.add_calendar(TEAM, "Team", summaryOverride="Team calendar")
    st.add_calendar("holidays@group.v.calendar.google.com", "Holidays", selected=False)
    standin.grant(CANARY, ADA)
    return World(standin)
