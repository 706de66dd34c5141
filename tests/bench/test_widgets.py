"""``bench.widgets`` once on a tiny setting, so it cannot rot unnoticed: every kind renders
and is read back from the mirror. No timing is asserted (the benchmark prints those)."""

from __future__ import annotations

import pytest

from bench import widgets


def test_every_kind_is_measured(capsys: pytest.CaptureFixture[str]) -> None:
    widgets.main(["--samples", "3", "--items", "40"])
    out = capsys.readouterr().out
    for kind in ("pr", "issue", "agenda", "presence", "ci"):
        assert f"  {kind} " in out
    assert out.count("read+render") == 4
