"""Fixtures: a fresh Asana stand-in per test, validating every request against Asana's
published OpenAPI description, seeded with one workspace, two people and a project."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.asana.connector import AsanaConnector
from server.hub.http import HubClient
from tests.standin.asana import AsanaStandIn
from tests.standin.kit import standin_fixture

from .helpers import World, connect, seed

asana = standin_fixture(AsanaStandIn, name="asana")


@pytest.fixture
def world(asana: AsanaStandIn) -> World:
    return seed(asana)


@pytest.fixture
async def conn(world: World) -> AsyncIterator[tuple[AsanaConnector, HubClient]]:
    connector, http = connect(world.standin.url)
    yield connector, http
    await http.aclose()
