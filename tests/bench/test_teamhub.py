"""``bench.teamhub`` once on small counts, so the benchmark cannot rot unnoticed: every event
reaches every client on both nodes (it exits otherwise). No timing is asserted."""

from __future__ import annotations

import pytest

from bench import teamhub


def test_the_teamhub_benchmark_pushes_everything(capsys: pytest.CaptureFixture[str]) -> None:
    teamhub.main(["30", "--clients", "4", "--paced", "10"])
    out = capsys.readouterr().out
    assert "2 nodes over one SQLite file, 4 SSE clients" in out
    assert "latency, other node" in out
    assert "(20 pushes)" in out  # 10 paced deliveries x the 2 clients on each side
