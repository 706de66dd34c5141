"""A fresh Qdrant stand-in per test (qdrant-client's local mode behind Qdrant's REST API) and
the connector wired to it through the hub's HTTP stack."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from connectors.qdrant.connector import QdrantConnector
from tests.standin.harness import wire
from tests.standin.kit import standin_fixture
from tests.standin.qdrant import QdrantStandIn

qdrant = standin_fixture(QdrantStandIn, name="qdrant")


@pytest.fixture
async def conn(qdrant: QdrantStandIn) -> AsyncIterator[QdrantConnector]:
    connector, http = wire(QdrantConnector, qdrant.url, token="qk-ada", method="api_key")
    yield connector
    await http.aclose()
