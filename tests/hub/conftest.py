"""Fixtures for the hub's store and job queue: a fresh database file per test, and a queue
whose clock the test moves by hand (jitter pinned to the middle of its range)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.hub.jobs import JobQueue
from server.hub.store import Store
from tests.hub.clock import FakeClock


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "tieline.db"


@pytest.fixture
async def store(db_path: Path) -> AsyncIterator[Store]:
    async with Store.open(db_path) as s:
        yield s


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def queue(store: Store, clock: FakeClock) -> JobQueue:
    return JobQueue(store, clock=clock, rng=lambda: 0.5)
