"""Fixtures: a fresh Linear stand-in per test (its schema built once per session), seeded
with a small workspace, failing the test on any request Linear's schema does not allow."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.linear.connector import LinearConnector
from server.hub.http import HubClient
from tests.standin.kit import standin_fixture
from tests.standin.linear import LinearStandIn

from .helpers import Workspace, connect

linear = standin_fixture(LinearStandIn, name="linear")


@pytest.fixture
def ws(linear: LinearStandIn) -> Workspace:
    seeded = linear.seed()
    return Workspace(linear, seeded["ada"], seeded["grace"])


@pytest.fixture
async def conn(ws: Workspace) -> AsyncIterator[tuple[LinearConnector, HubClient]]:
    """Ada's connector, signed in with her personal API key."""
    connector, http = connect(ws.standin.url)
    yield connector, http
    await http.aclose()
