"""Fixtures: a fresh Ghost stand-in per test, validating request bodies with Ghost's own JSON
schemas, and the connector wired to it through the hub's HTTP stack (the Admin API key
signing a JWT per the manifest's header template)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.ghost.connector import GhostConnector
from server.hub.http import HubClient
from tests.standin.ghost import KEYS, GhostStandIn
from tests.standin.harness import wire
from tests.standin.kit import standin_fixture

KEY_ID = next(iter(KEYS))
ADMIN_KEY = f"{KEY_ID}:{KEYS[KEY_ID][0]}"

ghost = standin_fixture(GhostStandIn, name="ghost")


def connect(url: str, *, token: str = ADMIN_KEY) -> tuple[GhostConnector, HubClient]:
    return wire(GhostConnector, url, token=token, web_url=url, account="ada")


@pytest.fixture
async def conn(ghost: GhostStandIn) -> AsyncIterator[tuple[GhostConnector, HubClient]]:
    connector, http = connect(ghost.url)
    yield connector, http
    await http.aclose()
