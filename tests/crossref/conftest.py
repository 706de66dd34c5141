"""Fixtures: a fresh Crossref stand-in per test replaying Crossref's recorded sessions, and
the connector wired to it through the hub's real HTTP stack, anonymous."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from connectors.crossref.connector import CrossrefConnector
from server.hub.http import HubClient
from tests.standin.crossref import CrossrefStandIn
from tests.standin.harness import wire
from tests.standin.kit import standin_fixture

crossref = standin_fixture(CrossrefStandIn, name="crossref")


class NoAuth(httpx.Auth):
    """Crossref's public pool takes no credential."""


@pytest.fixture
async def conn(crossref: CrossrefStandIn) -> AsyncIterator[tuple[CrossrefConnector, HubClient]]:
    connector, http = wire(
        CrossrefConnector,
        crossref.url,
        token="",
        auth=NoAuth(),
        web_url="https://doi.org",
        settings={"mailto": "ada@example.org"},
    )
    yield connector, http
    await http.aclose()
