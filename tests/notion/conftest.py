"""Fixtures: a fresh Notion stand-in per test, validating every request against Notion's
published OpenAPI description (its gaps filled from the documented shapes), seeded with a
person and the integration's bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.notion.connector import NotionConnector
from server.hub.http import HubClient
from tests.standin.kit import standin_fixture
from tests.standin.notion import NotionStandIn

from .wiring import World, connect, seed

notion = standin_fixture(NotionStandIn, name="notion")


@pytest.fixture
def world(notion: NotionStandIn) -> World:
    return seed(notion)


@pytest.fixture
async def conn(world: World) -> AsyncIterator[tuple[NotionConnector, HubClient]]:
    connector, http = connect(world.standin)
    yield connector, http
    await http.aclose()
