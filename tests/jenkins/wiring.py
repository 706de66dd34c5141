"""Wire the Jenkins connector to a stand-in through the hub's real HTTP stack and secret auth
(``build_client``: cache, retries, rate limiter, error mapping; ``SecretAuth`` sending HTTP
Basic ``user:token`` as the manifest says)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from connectors.jenkins.connector import JenkinsConnector
from server.hub.health import HealthTracker
from server.hub.http import HubClient
from tests.standin.harness import wire
from tests.standin.jenkins import JenkinsStandIn

#: Shaped like a Jenkins API token ("11" + 32 hex digits), so the manifest's pattern applies.
CANARY = "11c0ffee5eed5ca1ab1e0ddba11facade0"
USER = "mia"


def connect(
    standin: JenkinsStandIn,
    *,
    token: str = CANARY,
    username: str = USER,
    settings: dict[str, Any] | None = None,
    tracker: HealthTracker | None = None,
    cache_dir: Path | None = None,
) -> tuple[JenkinsConnector, HubClient]:
    """A connector for ``standin`` signed in as ``username`` with an API token; the site is
    the stand-in's address (with its context path, if it has one)."""
    site = standin.url + standin.context
    return wire(
        JenkinsConnector,
        site,
        token=token,
        method="basic",
        username=username,
        web_url=site,
        host="127.0.0.1",
        account=username,
        tracker=tracker,
        cache_dir=cache_dir,
        settings={"site": site, **(settings or {})},
    )


def seeded(standin: JenkinsStandIn) -> JenkinsStandIn:
    """Mia with the canary token."""
    standin.state.add_user(USER, "Mia Krystof", CANARY)
    return standin
