"""Fixtures: a Google stand-in per test, validating every request (and its own answers)
against Google's discovery documents, seeded with Ada's calendars."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.google.connector import GoogleConnector
from server.hub.http import HubClient
from tests.standin.google import GoogleStandIn
from tests.standin.kit import standin_fixture

from .helpers import World, connect, seed

google = standin_fixture(GoogleStandIn, name="google")


@pytest.fixture
def world(google: GoogleStandIn) -> World:
    return seed(google)


@pytest.fixture
async def conn(world: World) -> AsyncIterator[tuple[GoogleConnector, HubClient]]:
    """Ada's connector, signed in with an OAuth access token carrying every manifest scope."""
    connector, http = connect(world.standin.url)
    yield connector, http
    await http.aclose()
