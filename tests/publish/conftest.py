"""Fixtures: the Ghost and dev.to stand-ins with their connectors wired through the hub's
HTTP stack, for the hub's publishing tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.devto.connector import DevtoConnector
from connectors.ghost.connector import GhostConnector
from tests.devto.conftest import connect as devto_connect
from tests.devto.conftest import devto
from tests.ghost.conftest import connect as ghost_connect
from tests.ghost.conftest import ghost
from tests.standin.devto import DevtoStandIn
from tests.standin.ghost import GhostStandIn

__all__ = ["devto", "ghost"]


@pytest.fixture
async def ghost_conn(ghost: GhostStandIn) -> AsyncIterator[GhostConnector]:
    connector, http = ghost_connect(ghost.url)
    yield connector
    await http.aclose()


@pytest.fixture
async def devto_conn(devto: DevtoStandIn) -> AsyncIterator[DevtoConnector]:
    connector, http = devto_connect(devto.url)
    yield connector
    await http.aclose()
