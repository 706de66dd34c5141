"""Fixtures: a fresh arXiv stand-in per test replaying arXiv's recorded answers, and the
connector wired to it through the hub's real HTTP stack (calls not spaced: the spacing is
tested on the client alone)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from connectors.arxiv.connector import ArxivConnector
from server.hub.http import HubClient
from tests.standin.arxiv import ArxivStandIn
from tests.standin.harness import wire
from tests.standin.kit import standin_fixture

arxiv = standin_fixture(ArxivStandIn, name="arxiv")


class NoAuth(httpx.Auth):
    """arXiv takes no credential: requests go out as they are."""


@pytest.fixture
async def conn(arxiv: ArxivStandIn) -> AsyncIterator[tuple[ArxivConnector, HubClient]]:
    connector, http = wire(
        ArxivConnector,
        f"{arxiv.url}/api",
        token="",
        auth=NoAuth(),
        web_url="https://arxiv.org",
        settings={"request_interval": 0},
    )
    yield connector, http
    await http.aclose()
