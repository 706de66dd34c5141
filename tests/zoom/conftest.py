"""Fixtures: a fresh Zoom stand-in per test (requests and documented answers validated against
Zoom's description), with one user, and her connector."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from connectors.zoom.connector import ZoomConnector
from server.hub.http import HubClient
from tests.standin.kit import standin_fixture
from tests.standin.zoom import ZoomStandIn

from .helpers import TOKEN, connect

zoom = standin_fixture(ZoomStandIn, name="zoom")


@pytest.fixture
def ada(zoom: ZoomStandIn) -> dict[str, Any]:
    return zoom.add_user("ada@acme.test", "Ada", "Lovelace", TOKEN)


@pytest.fixture
async def conn(
    zoom: ZoomStandIn, ada: dict[str, Any]
) -> AsyncIterator[tuple[ZoomConnector, HubClient]]:
    connector, http = connect(zoom.url)
    yield connector, http
    await http.aclose()
