"""``bench.jobs_postgres`` once on a small count, so the benchmark cannot rot unnoticed: every
queued job is claimed and acked on each backend. No timing is asserted (the benchmark prints
those)."""

from __future__ import annotations

import pytest

from bench import jobs_postgres
from tests.pg import find_pg_bin


def test_the_queue_benchmark_drains_both_backends(capsys: pytest.CaptureFixture[str]) -> None:
    jobs_postgres.main(["200"])
    out = capsys.readouterr().out
    assert "SQLite, 1 process" in out and "(200 in" in out
    if find_pg_bin() is not None:
        assert "PostgreSQL, 1 worker process" in out
        assert "PostgreSQL, 4 worker processes" in out
