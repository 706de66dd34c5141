"""Fixtures: a fresh Discord stand-in per test, validating every request and answer against
Discord's OpenAPI description, seeded with a bot, a person, a server and a webhook."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.discord.connector import DiscordConnector
from server.hub.http import HubClient
from tests.standin.discord import DiscordStandIn
from tests.standin.kit import standin_fixture

from .helpers import World, connect, seed

discord = standin_fixture(DiscordStandIn, name="discord")


@pytest.fixture
def world(discord: DiscordStandIn) -> World:
    return seed(discord)


@pytest.fixture
async def conn(world: World) -> AsyncIterator[tuple[DiscordConnector, HubClient]]:
    """The bot's connector, with the channel webhook configured too."""
    connector, http = connect(world.standin.url, settings={"webhook_url": world.webhook_url})
    yield connector, http
    await http.aclose()
