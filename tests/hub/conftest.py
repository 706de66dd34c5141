"""Fixtures for the hub's store and job queue: a fresh database per test, and a queue whose
clock the test moves by hand (jitter pinned to the middle of its range).

Every test that takes ``db_path`` (and so ``store`` and ``queue``) runs twice: on an SQLite
file, and on a fresh database of the session's throwaway PostgreSQL cluster (tests/pg.py;
skipped where PostgreSQL is not installed, failed in CI). A test about SQLite itself says
``@sqlite_only``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.hub.jobs import JobQueue
from server.hub.store import Store
from tests.hub.clock import FakeClock
from tests.pg import BACKENDS, backend_target, pg_cluster

__all__ = ["pg_cluster"]


@pytest.fixture(params=BACKENDS)
def db_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_path(db_backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> Path | str:
    """Where the test's database is: a file path (SQLite) or a URL (PostgreSQL)."""
    return backend_target(request, db_backend, tmp_path / "tieline.db")


@pytest.fixture
async def store(db_path: Path | str) -> AsyncIterator[Store]:
    async with Store.open(db_path) as s:
        yield s


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def queue(store: Store, clock: FakeClock) -> JobQueue:
    return JobQueue(store, clock=clock, rng=lambda: 0.5)
