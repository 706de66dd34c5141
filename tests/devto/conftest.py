"""Fixtures: a fresh dev.to stand-in per test, validating every request against Forem's own
OpenAPI description, and the connector wired to it through the hub's HTTP stack."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.devto.connector import DevtoConnector
from server.hub.http import HubClient
from tests.standin.devto import DevtoStandIn
from tests.standin.harness import wire
from tests.standin.kit import standin_fixture

KEY = "devkey-ada"

devto = standin_fixture(DevtoStandIn, name="devto")


def connect(url: str, *, token: str = KEY) -> tuple[DevtoConnector, HubClient]:
    return wire(DevtoConnector, f"{url}/api", token=token, web_url="https://dev.to", account="ada")


@pytest.fixture
async def conn(devto: DevtoStandIn) -> AsyncIterator[tuple[DevtoConnector, HubClient]]:
    connector, http = connect(devto.url)
    yield connector, http
    await http.aclose()
