"""Fixtures: a fresh OpenAI stand-in per test (requests checked against the ``openai`` SDK's
parameter types, answers against its models), and the connector wired to it through the
hub's real HTTP stack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from connectors.openai.connector import OpenAIConnector
from server.hub.http import HubClient
from tests.standin.harness import wire
from tests.standin.kit import standin_fixture
from tests.standin.openai import OpenAIStandIn

KEY = "sk-test-ada-0123456789abcdefghij"

openai = standin_fixture(OpenAIStandIn, name="openai")


def connect(
    standin: OpenAIStandIn,
    *,
    token: str = KEY,
    method: str = "token",
    settings: dict[str, Any] | None = None,
    base: str = "/v1",
    max_rate_wait: float = 10.0,
) -> tuple[OpenAIConnector, HubClient]:
    return wire(
        OpenAIConnector,
        standin.url + base,
        token=token,
        method=method,
        account="ada",
        settings=settings,
        max_rate_wait=max_rate_wait,
    )


@pytest.fixture
async def conn(openai: OpenAIStandIn) -> AsyncIterator[OpenAIConnector]:
    connector, http = connect(openai)
    yield connector
    await http.aclose()
