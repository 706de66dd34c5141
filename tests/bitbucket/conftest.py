"""Wire the Bitbucket connector to its stand-in through the hub's real HTTP stack, signed in
each way Bitbucket allows: HTTP Basic with an Atlassian email and API token (or a username
and app password), and Bearer for repository/workspace access tokens and OAuth."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from connectors.bitbucket.connector import BitbucketConnector
from server.hub.http import HubClient
from tests.standin.bitbucket import BitbucketStandIn
from tests.standin.harness import wire
from tests.standin.kit import serving
from tests.standin.kit.fixtures import require_contract

#: Shaped like real secrets, so the redaction of token_patterns is exercised too.
API_TOKEN = "ATATT3xFfGF0" + "q" * 40 + "=CANARY01"
APP_PASSWORD = "ATBB" + "p" * 28 + "CANARY02"
ACCESS_TOKEN = "ATCTT3xFfGN0" + "r" * 40 + "=CANARY03"
EMAIL = "ada@example.com"


@pytest.fixture
def bitbucket() -> Iterator[BitbucketStandIn]:
    """A fresh, contract-checking Bitbucket stand-in with Ada's three kinds of secret."""
    require_contract(BitbucketStandIn)
    with serving(BitbucketStandIn()) as standin:
        standin.add_token(API_TOKEN, "ada", "basic")
        standin.add_token(APP_PASSWORD, "ada", "basic")
        standin.add_token(ACCESS_TOKEN, "ada", "bearer")
        yield standin


def connect(
    standin: BitbucketStandIn,
    *,
    method: str = "basic",
    token: str | None = None,
    username: str | None = EMAIL,
    cache_dir: Path | None = None,
    max_rate_wait: float = 10.0,
) -> tuple[BitbucketConnector, HubClient]:
    secret = token or (API_TOKEN if method == "basic" else ACCESS_TOKEN)
    return wire(
        BitbucketConnector,
        f"{standin.url}/2.0",
        token=secret,
        method=method,
        username=username if method == "basic" else None,
        web_url="https://bitbucket.org",
        host="bitbucket.org",
        cache_dir=cache_dir,
        max_rate_wait=max_rate_wait,
        account="ada",
    )
