"""``tieline doctor`` as a person runs it: a subprocess in a checkout, against the stand-in."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import git

from server.hub.store import load_migrations
from tests.standin.github import GitHubStandIn

TOKEN = "ghp_doctorCANARY0123456789abcdefghijkl"


def _doctor(cwd: Path, home: Path, api_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIELINE_")}
    env.update(
        TIELINE_HOME=str(home), TIELINE_GITHUB_TOKEN=TOKEN, TIELINE_VAULT_BACKEND="file",
        TIELINE_VAULT_PASSPHRASE="doctor", TIELINE_CONNECTORS__GITHUB__API_URL=api_url,
        PYTHONPATH=str(Path.cwd()),
    )  # fmt: skip
    return subprocess.run(
        [sys.executable, "-m", "server", "doctor"], cwd=cwd, env=env, capture_output=True,
        text=True, timeout=60,
    )  # fmt: skip


def test_doctor_reports_every_part(github: GitHubStandIn, tmp_path: Path) -> None:
    github.state.tokens[TOKEN] = "octocat"
    repo = git.Repo.init(tmp_path / "app", initial_branch="main")
    repo.create_remote("origin", "git@github.com:octo/app.git")
    (tmp_path / "app" / ".tieline.toml").write_text("[sync]\npoll_interval = 1\n")
    r = _doctor(tmp_path / "app", tmp_path / "home", github.url)
    assert r.returncode == 1, r.stdout + r.stderr  # the bad poll_interval is a problem
    out = r.stdout
    assert ".tieline.toml" in out and "sync.poll_interval" in out
    assert "encrypted file at" in out
    assert f"tieline.db (schema {len(load_migrations())}" in out
    assert "github.com/octo/app via origin, branch main" in out
    assert "octocat@github.com: healthy, rate limit left" in out
    assert TOKEN not in out + r.stderr


def test_doctor_says_what_is_failing(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    r = _doctor(tmp_path, tmp_path / "home", closed)
    assert r.returncode == 1
    assert "FAILING" in r.stdout and "problem(s) found" in r.stdout
    assert TOKEN not in r.stdout + r.stderr
