"""``bench.webhooks`` once on a small count, so the benchmark cannot rot unnoticed: every
event reaches the receiver under its own id. No timing is asserted (the benchmark prints
those)."""

from __future__ import annotations

import pytest

from bench import webhooks


def test_the_webhooks_benchmark_delivers_everything(capsys: pytest.CaptureFixture[str]) -> None:
    webhooks.main(["200"])
    out = capsys.readouterr().out
    assert "receiver saw 700 requests (700 ids)" in out  # 200 + the 500-event latency run
