"""Wire the Jira connector to a stand-in through the hub's real HTTP stack and secret auth.

``build_client`` (cache, retries, rate limiter, error mapping) and ``SecretAuth`` with the
header the manifest names for the sign-in method -- what a hub session hands the connector.
"""

from __future__ import annotations

from typing import Any

from connectors.jira.connector import JiraConnector
from server.hub.health import HealthTracker
from server.hub.http import HubClient
from tests.standin.harness import wire
from tests.standin.jira import JiraStandIn

#: Shaped like an Atlassian API token, so the manifest's token pattern applies too.
CANARY = "ATATT3xFfGF0canary-Zq8vJ3kT9wLmN2pR5sX7yB4cD6eF1gH0iJ=0AB12CD3"
EMAIL = "mia@example.com"


def connect(
    standin: JiraStandIn,
    *,
    method: str = "basic",
    token: str = CANARY,
    username: str | None = EMAIL,
    settings: dict[str, Any] | None = None,
    tracker: HealthTracker | None = None,
    max_rate_wait: float = 10.0,
) -> tuple[JiraConnector, HubClient]:
    """A connector for ``standin`` signed in with ``method`` (``basic``: ``username`` +
    ``token``; ``token``/``pkce``: Bearer ``token``). The site and the OAuth gateway are both
    the stand-in's address."""
    return wire(
        JiraConnector,
        standin.url,
        token=token,
        method=method,
        username=username if method == "basic" else None,
        web_url=standin.url,
        host="127.0.0.1",
        account=username or "",
        tracker=tracker,
        max_rate_wait=max_rate_wait,
        settings={
            "site": standin.url,
            "deployment": standin.deployment,
            "gateway_url": standin.url,
            **(settings or {}),
        },
    )
