"""Fixtures: a fresh WordPress stand-in per test and the connector wired to it through the
hub's HTTP stack, signed in with a user name and an application password (HTTP Basic)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.wordpress.connector import WordPressConnector
from server.hub.http import HubClient
from tests.standin.harness import wire
from tests.standin.kit import standin_fixture
from tests.standin.wordpress import PASSWORDS, WordPressStandIn

USER = "ada"
APP_PASSWORD = PASSWORDS[USER]

wordpress = standin_fixture(WordPressStandIn, name="wordpress")


def connect(
    url: str, *, password: str = APP_PASSWORD, user: str = USER
) -> tuple[WordPressConnector, HubClient]:
    return wire(WordPressConnector, url, token=password, method="basic", username=user, web_url=url)


@pytest.fixture
async def conn(
    wordpress: WordPressStandIn,
) -> AsyncIterator[tuple[WordPressConnector, HubClient]]:
    connector, http = connect(wordpress.url)
    yield connector, http
    await http.aclose()
