"""Wire the Confluence connector to a stand-in through the hub's real HTTP stack and secret
auth: ``build_client`` (cache, retries, rate limiter, error mapping, ``body_error``) and
``SecretAuth`` with the header the manifest names for the sign-in method."""

from __future__ import annotations

from typing import Any

from connectors.confluence.connector import ConfluenceConnector
from server.hub.http import HubClient
from tests.standin.confluence import ConfluenceStandIn
from tests.standin.harness import wire

#: Shaped like an Atlassian API token, so the manifest's token pattern applies too.
CANARY = "ATATT3xFfGF0canary-Wq8vJ3kT9wLmN2pR5sX7yB4cD6eF1gH0iJ=0AB12CD3"
EMAIL = "mia@example.com"


def connect(
    standin: ConfluenceStandIn,
    *,
    method: str = "basic",
    token: str = CANARY,
    username: str | None = EMAIL,
    settings: dict[str, Any] | None = None,
    max_rate_wait: float = 10.0,
) -> tuple[ConfluenceConnector, HubClient]:
    """A connector for ``standin`` signed in with ``method`` (``basic``: ``username`` +
    ``token``; ``token``/``pkce``: Bearer ``token``). The site and the OAuth gateway are both
    the stand-in's address (Data Center: under its context path)."""
    return wire(
        ConfluenceConnector,
        standin.site,
        token=token,
        method=method,
        username=username if method == "basic" else None,
        web_url=standin.site,
        host="127.0.0.1",
        account=username or "",
        max_rate_wait=max_rate_wait,
        settings={
            "site": standin.site,
            "deployment": standin.deployment,
            "gateway_url": standin.url,
            **(settings or {}),
        },
    )
