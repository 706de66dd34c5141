"""Fixtures for the hub's store and job queue: a fresh database file per test."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.hub.store import Store


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "tieline.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    async with Store.open(db_path) as s:
        yield s
