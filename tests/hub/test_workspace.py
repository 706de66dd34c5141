"""Workspace detection on real (temporary) git repositories."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from server.hub.workspace import detect, parse_remote

GH = ["github.com"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://github.com/octo/hello.git", ("github.com", "octo", "hello")),
        ("https://github.com/octo/hello", ("github.com", "octo", "hello")),
        ("git@github.com:octo/hello.git", ("github.com", "octo", "hello")),
        ("ssh://git@github.com/octo/hello.git", ("github.com", "octo", "hello")),
        ("ssh://git@ghe.corp:2222/team/svc.git", ("ghe.corp", "team", "svc")),
        ("https://user@GHE.corp/team/svc", ("ghe.corp", "team", "svc")),
        ("/local/path", None),
    ],
)
def test_parse_remote(url: str, expected: tuple[str, str, str] | None) -> None:
    assert parse_remote(url) == expected


def _repo(path: Path, remotes: dict[str, str], branch: str = "main") -> git.Repo:
    repo = git.Repo.init(path, initial_branch=branch)
    (path / "f").write_text("x")
    repo.index.add(["f"])
    repo.index.commit("init", author=git.Actor("t", "t@example.com"))
    for name, url in remotes.items():
        repo.create_remote(name, url)
    return repo


def test_prefers_origin_and_reports_branch(tmp_path: Path) -> None:
    _repo(
        tmp_path,
        {"fork": "git@github.com:me/x.git", "origin": "https://github.com/octo/hello.git"},
        branch="feature/x",
    )
    (tmp_path / "sub").mkdir()
    ws = detect(tmp_path / "sub", hosts=GH)
    assert ws is not None
    assert (ws.repo.host, ws.repo.owner, ws.repo.name) == ("github.com", "octo", "hello")
    assert ws.remote == "origin" and ws.branch == "feature/x"


def test_upstream_then_enterprise_hosts(tmp_path: Path) -> None:
    _repo(
        tmp_path,
        {"origin": "git@gitlab.com:me/x.git", "upstream": "ssh://git@ghe.corp/team/svc.git"},
    )
    assert detect(tmp_path, hosts=GH) is None  # ghe.corp is not configured
    ws = detect(tmp_path, hosts=[*GH, "ghe.corp"])
    assert ws is not None and ws.remote == "upstream" and ws.repo.full_name == "team/svc"


def test_detached_head_and_not_a_repo(tmp_path: Path) -> None:
    repo = _repo(tmp_path / "r", {"origin": "https://github.com/o/r"})
    repo.git.checkout(repo.head.commit.hexsha)
    ws = detect(tmp_path / "r", hosts=GH)
    assert ws is not None and ws.branch is None
    plain = tmp_path / "plain"
    plain.mkdir()
    assert detect(plain, hosts=GH) is None
