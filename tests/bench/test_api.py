"""``bench.api`` once on a tiny setting (20 issues, 10 requests), so the benchmark cannot
rot unnoticed: it serves, lists, walks every page and gets its 304s."""

from __future__ import annotations

import pytest

from bench import api


def test_api_bench_runs(capsys: pytest.CaptureFixture[str]) -> None:
    api.main(["20", "10"])
    out = capsys.readouterr().out
    assert "25 issues mirrored" in out and "a walk saw 25 issues" in out
    assert out.count("p99") == 3
