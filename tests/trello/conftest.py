"""Fixtures: a fresh Trello stand-in per test, validating every request against Trello's
(unofficial) OpenAPI description, seeded with two boards and two members."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.trello.connector import TrelloConnector
from server.hub.http import HubClient
from tests.standin.kit import standin_fixture
from tests.standin.trello import TrelloStandIn

from .helpers import World, connect, seed

trello = standin_fixture(TrelloStandIn, name="trello")


@pytest.fixture
def world(trello: TrelloStandIn) -> World:
    return seed(trello)


@pytest.fixture
async def conn(world: World) -> AsyncIterator[tuple[TrelloConnector, HubClient]]:
    """Ada's connector, signed in with the API key and her token."""
    connector, http = connect(world.standin.url)
    yield connector, http
    await http.aclose()
