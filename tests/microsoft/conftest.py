"""Fixtures: a fresh Graph stand-in per test (the description is built once per session),
validating every request and answer, seeded with a small tenant."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.microsoft.connector import MicrosoftConnector
from tests.standin.kit import standin_fixture
from tests.standin.microsoft import MicrosoftStandIn

from .helpers import World, connect, seed

graph = standin_fixture(MicrosoftStandIn, name="graph")


@pytest.fixture
def world(graph: MicrosoftStandIn) -> World:
    return seed(graph)


@pytest.fixture
async def conn(world: World) -> AsyncIterator[MicrosoftConnector]:
    """Ada's connector, signed in with her token."""
    connector, http = connect(world.standin.url)
    yield connector
    await http.aclose()
