"""The polling fallback's view of a vault: the same files :func:`walk` lists, each with a
signature that changes when the file does, and a symlink cycle that does not trap it."""

from __future__ import annotations

import os
from pathlib import Path

from server.hub.mdnotes.vaults import changed, snapshot, walk


def test_snapshot_lists_what_walk_lists(tmp_path: Path) -> None:
    root = tmp_path / "v"
    (root / ".obsidian").mkdir(parents=True)
    (root / ".obsidian" / "app.json").write_text("{}")
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "Deep.md").write_text("x")
    (root / "Top.md").write_text("y")
    (root / ".hidden.md").write_text("z")
    (root / "node_modules").mkdir()
    (root / "node_modules" / "pkg.md").write_text("no")
    (root / "inner" / ".obsidian").mkdir(parents=True)
    (root / "inner" / "Own.md").write_text("own vault")
    os.symlink(root, root / "a" / "loop")  # a cycle: not followed, as os.walk does not
    got = snapshot(root, [root, root / "inner"])
    assert sorted(got) == sorted(walk(root, [root, root / "inner"])) == ["Top.md", "a/b/Deep.md"]


def test_changed_sees_created_changed_and_gone(tmp_path: Path) -> None:
    (tmp_path / "Keep.md").write_text("same")
    (tmp_path / "Edit.md").write_text("one")
    (tmp_path / "Gone.md").write_text("bye")
    before = snapshot(tmp_path)
    (tmp_path / "Edit.md").write_text("a longer text")
    (tmp_path / "Gone.md").unlink()
    (tmp_path / "New.md").write_text("hi")
    assert changed(before, snapshot(tmp_path)) == ["Edit.md", "Gone.md", "New.md"]
    assert changed(before, before) == []
