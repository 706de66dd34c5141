"""A fresh fake page service per test."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from connectors.sdk.connector import ConnectorContext
from tests.pages import connector as fake


@pytest.fixture
def site() -> Iterator[fake.Site]:
    saved = fake.WORLD
    fake.WORLD = fake.Site()
    yield fake.WORLD
    fake.WORLD = saved


@pytest.fixture
def pages(site: fake.Site) -> fake.PagesFake:
    ctx = ConnectorContext(http=httpx.AsyncClient(), account="ada", api_url=fake.HOST)
    return fake.PagesFake(ctx)
