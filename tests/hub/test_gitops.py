"""Start-work and check-out-PR against real git repositories."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from server.hub import gitops


def _repo(path: Path) -> git.Repo:
    repo = git.Repo.init(path, initial_branch="main")
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "T")
        cw.set_value("user", "email", "t@example.com")
    (path / "a.txt").write_text("a\n")
    repo.index.add(["a.txt"])
    repo.index.commit("init")
    return repo


def test_branch_names() -> None:
    assert gitops.slugify("Fix: crash on ünïcode paths!") == "fix-crash-on-unicode-paths"
    assert gitops.branch_name("{number}-{slug}", number=7, title="Add X") == "7-add-x"
    assert gitops.branch_name("{login}/{number}", number=7, title="t", login="al") == "al/7"
    assert gitops.branch_name("{nope}", number=7, title="Add X") == "7-add-x"
    assert gitops.branch_name("feat: {slug}?", number=1, title="a b") == "feat-a-b"


def test_start_branch_keeps_local_changes(tmp_path: Path) -> None:
    repo = _repo(tmp_path)
    (tmp_path / "a.txt").write_text("changed\n")
    assert gitops.start_branch(tmp_path, "7-add-x") == "7-add-x"
    assert repo.active_branch.name == "7-add-x"
    assert (tmp_path / "a.txt").read_text() == "changed\n"
    gitops.start_branch(tmp_path, "main")
    assert repo.active_branch.name == "main"


def test_checkout_pull_request_from_a_remote(tmp_path: Path) -> None:
    upstream = _repo(tmp_path / "up")
    upstream.git.checkout("-b", "feature")
    (tmp_path / "up" / "b.txt").write_text("b\n")
    upstream.index.add(["b.txt"])
    sha = upstream.index.commit("feature").hexsha
    upstream.git.update_ref("refs/pull/5/head", sha)
    upstream.git.checkout("main")
    clone = git.Repo.clone_from(tmp_path / "up", tmp_path / "clone")
    assert gitops.checkout_pull_request(tmp_path / "clone", "origin", 5, "feature") == "feature"
    assert clone.head.commit.hexsha == sha
    with pytest.raises(gitops.GitError, match="PR #6"):
        gitops.checkout_pull_request(tmp_path / "clone", "origin", 6, "nope")
    with pytest.raises(gitops.GitError, match="not a git checkout"):
        gitops.start_branch(tmp_path / "nowhere", "x")
