"""A fresh fake notebook service per test, behind the one session field
:mod:`server.hub.notes` reads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from connectors.sdk.connector import Connector, ConnectorContext
from tests.notes import connector as fake


@dataclass
class FakeSession:
    connector: Connector
    key: str = "notesfake:notesfake.example.test:ada"


@pytest.fixture
def notes() -> Iterator[fake.Notes]:
    saved = fake.WORLD
    fake.WORLD = fake.Notes()
    yield fake.WORLD
    fake.WORLD = saved


@pytest.fixture
def session(notes: fake.Notes) -> FakeSession:
    ctx = ConnectorContext(http=httpx.AsyncClient(), account="ada", api_url=fake.BASE)
    return FakeSession(fake.NotesFake(ctx))
