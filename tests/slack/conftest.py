"""Fixtures: a fresh Slack stand-in per test (its schemas are read once per session),
validating every request and answer against the Node SDK's types, seeded with a small
workspace; and Ada's connector on the hub's real HTTP stack."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.slack.connector import SlackConnector
from server.hub.http import HubClient
from tests.standin.kit import standin_fixture
from tests.standin.slack import SlackStandIn

from .helpers import World, connect, seed

slack = standin_fixture(SlackStandIn, name="slack")


@pytest.fixture
def world(slack: SlackStandIn) -> World:
    return seed(slack)


@pytest.fixture
async def conn(world: World) -> AsyncIterator[tuple[SlackConnector, HubClient]]:
    connector, http = connect(world.standin.url)
    yield connector, http
    await http.aclose()
