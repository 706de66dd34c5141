"""``bench.vault`` once on a tiny vault, so the benchmark cannot rot unnoticed: the
generated notes index, and completion, backlinks and rename plans find what they should.
No timing is asserted (the benchmark prints those)."""

from __future__ import annotations

from pathlib import Path

from bench import vault


def test_the_generated_vault_indexes_and_answers(tmp_path: Path) -> None:
    paths = vault.generate(tmp_path / "v", 200)
    got = vault.in_process(tmp_path / "v", paths)
    assert got["files"] == 200
    assert got["items"] > 0 and got["mean_backlinks"] > 0 and got["mean_edits"] > 0
