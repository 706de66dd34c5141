"""The verbs end to end: a git checkout, services configured and signed in through the
environment (as CI does: ``TIELINE_<SERVICE>_TOKEN`` and ``TIELINE_CONNECTORS__...``), the
contract-checked stand-ins on 127.0.0.1, and ``tieline VERB`` run either in this process
(:func:`run`: ``server.cli.main``, stdout captured) or as a new process (:func:`spawn`),
which is what a script does."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import git
import pytest

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def json(self) -> Any:
        return json.loads(self.out)

    def lines(self) -> list[Any]:
        """Every JSON document of a ``--watch --json`` run, one a line."""
        return [json.loads(line) for line in self.out.splitlines() if line.strip()]


def clone(
    root: Path, remote: str, *, branch: str = "feature", files: Mapping[str, str] = {}
) -> Path:
    """A clone with one commit on ``branch`` and ``origin`` at ``remote``."""
    repo = git.Repo.init(root, initial_branch=branch)
    with repo.config_writer() as cw:
        cw.set_value("user", "name", "T")
        cw.set_value("user", "email", "t@example.com")
    (root / "README.md").write_text("# app\n")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    repo.index.add(["README.md", *files])
    repo.index.commit("init")
    repo.create_remote("origin", remote)
    return root


def base_env(home: Path, **extra: str) -> dict[str, str]:
    """What every run sees: its own home, a file vault, no colour settings of the caller's."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("TIELINE_") and k not in ("NO_COLOR", "COLUMNS", "LINES")
    }
    env.update(
        TIELINE_HOME=str(home),
        TIELINE_VAULT_BACKEND="file",
        TIELINE_VAULT_PASSPHRASE="cli-passphrase",
        PYTHONPATH=str(ROOT),
    )
    env.update(extra)
    return env


@pytest.fixture
def run(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """``run(cwd, env, *args)``: ``tieline ARGS`` in this process, in ``cwd`` with exactly
    ``env``'s ``TIELINE_*`` variables."""

    def call(
        cwd: Path, env: Mapping[str, str], *args: str, on_output: Callable[[], None] | None = None
    ) -> Result:
        """``on_output``: called once, when the verb first writes to stdout (to change a
        stand-in while the verb watches or follows)."""
        from server.cli import main

        for k in list(os.environ):
            if k.startswith("TIELINE_") or k == "NO_COLOR":
                monkeypatch.delenv(k)
        for k, v in env.items():
            if k.startswith("TIELINE_") or k == "NO_COLOR":
                monkeypatch.setenv(k, v)
        monkeypatch.chdir(cwd)
        out, err = _Once(on_output), io.StringIO()
        with redirect_stdout(out), redirect_stderr(err):
            code = main(list(args))
        return Result(code, out.getvalue(), err.getvalue())

    yield call


class _Once(io.StringIO):
    def __init__(self, hook: Callable[[], None] | None) -> None:
        super().__init__()
        self._hook = hook

    def write(self, text: str) -> int:
        n = super().write(text)
        if self._hook is not None and text.strip():
            hook, self._hook = self._hook, None
            hook()
        return n


def spawn(cwd: Path, env: Mapping[str, str], *args: str, timeout: float = 120) -> Result:
    """``tieline ARGS`` as a new process, as a script runs it."""
    p = subprocess.run(
        [sys.executable, "-m", "server", *args],
        cwd=cwd,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return Result(p.returncode, p.stdout, p.stderr)
