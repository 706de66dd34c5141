"""The verbs as new processes: on a real terminal (a pty 60 columns wide) tables fit and are
coloured, ``NO_COLOR`` and pipes get none, ``ci --watch`` redraws in place; and no verb
imports the LSP layer (pygls, lsprotocol, ``server.lsp``), nor does the parser import any
verb for another command."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import base_env, clone, spawn
from tests.standin.github import GitHubStandIn
from tests.standin.kit import serving
from tests.standin.kit.fixtures import require_contract

COLUMNS = 60
LONG = "The uploader drops the last chunk of every file larger than two gigabytes"
_SGR = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


@dataclass
class World:
    root: Path
    env: dict[str, str]
    finish_running: Any


@pytest.fixture
def world(tmp_path: Path, tieline_home: Path) -> Iterator[World]:
    from tests.standin.github_actions import seed_ci_story

    require_contract(GitHubStandIn)
    with contextlib.ExitStack() as stack:
        gh = stack.enter_context(serving(GitHubStandIn()))
        st = gh.state
        st.login = "octocat"
        st.tokens["tok-a"] = "octocat"
        st.add_issue("octo/app", LONG, assignees=["octocat"], author="hubot", labels=["bug"])
        st.add_pull("octo/app", "Refactor config", head="rf", author="hubot",
                    requested_reviewers=["octocat"])  # fmt: skip
        story = seed_ci_story(st, "octo/app")
        root = clone(tmp_path / "app", "https://github.com/octo/app.git",
                     files={".github/workflows/build.yml": "on: push\n"})  # fmt: skip
        env = base_env(
            tieline_home, TIELINE_GITHUB_TOKEN="tok-a", TIELINE_CONNECTORS__GITHUB__API_URL=gh.url
        )
        yield World(root, env, story["finish_running"])


def on_pty(cwd: Path, env: dict[str, str], *args: str, during: Any = None) -> tuple[int, str]:
    """``tieline ARGS`` with stdout on a pty of :data:`COLUMNS` x 24; what it wrote, raw.
    ``during(text_so_far)`` is called as output arrives (to change a stand-in mid-run)."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, COLUMNS, 0, 0))
    p = subprocess.Popen(
        [sys.executable, "-m", "server", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=subprocess.PIPE,
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed its end
                break
            if not data:
                break
            chunks.append(data)
            if during is not None:
                during(b"".join(chunks).decode(errors="replace"))
        elif p.poll() is not None:
            break
    os.close(master)
    code = p.wait(timeout=30)
    return code, b"".join(chunks).decode(errors="replace").replace("\r\n", "\n")


def visible(line: str) -> str:
    return _SGR.sub("", line)


def test_tables_fit_the_terminal_and_are_coloured(world: World) -> None:
    code, out = on_pty(world.root, world.env, "issues", "--assigned")
    assert code == 0, out
    lines = out.splitlines()
    assert "\x1b[1m" in out  # bold headings on a terminal
    assert all(len(visible(line)) <= COLUMNS for line in lines), lines
    row = next(visible(line) for line in lines if "octo/app#1" in line)
    assert "…" in row and LONG not in out  # the title was cut to fit, not the columns

    code, plain = on_pty(world.root, {**world.env, "NO_COLOR": "1"}, "issues", "--assigned")
    assert code == 0 and "\x1b[" not in plain
    assert all(len(line) <= COLUMNS for line in plain.splitlines())

    piped = spawn(world.root, world.env, "issues", "--assigned")
    assert piped.code == 0 and "\x1b[" not in piped.out and LONG in piped.out  # no terminal: no cut

    code, doc = on_pty(world.root, world.env, "prs", "--json")
    assert code == 0 and "\x1b[" not in doc
    assert json.loads(doc)["pull_requests"][0]["title"] == "Refactor config"


def test_ci_watch_redraws_in_place_on_a_terminal(world: World) -> None:
    fired = threading.Event()

    def during(text: str) -> None:
        if "deploy" in text and not fired.is_set():
            fired.set()
            threading.Timer(1.0, world.finish_running).start()

    code, out = on_pty(world.root, world.env, "ci", "--watch", "--interval", "0.3",
                       "--timeout", "60", during=during)  # fmt: skip
    assert code == 1, out  # the build pipeline failed
    assert re.search(r"\x1b\[\d+F\x1b\[J", out), "the second drawing goes back over the first"
    drawings = re.split(r"\x1b\[\d+F\x1b\[J", out)
    assert "running" in visible(drawings[0]) or "queued" in visible(drawings[0])
    last = visible(drawings[-1])
    assert "deploy" in last and "running" not in last


def test_log_keeps_colours_only_when_asked_on_a_terminal(world: World) -> None:
    code, out = on_pty(world.root, world.env, "log", "unit")
    assert code == 0 and out.startswith("=== Failing step: ")
    assert "\x1b[" not in out and "pytest -q" in out  # the job's colour codes, stripped
    code, coloured = on_pty(world.root, world.env, "log", "unit", "--ansi")
    assert code == 0 and coloured.startswith("=== Failing step: ")
    assert "\x1b[36;1mpytest -q\x1b[0m" in coloured  # kept as the runner wrote them
    piped = spawn(world.root, world.env, "log", "unit", "--ansi")
    assert piped.code == 0 and "\x1b[" not in piped.out  # not a terminal: stripped anyway


#: One run of every verb (``test_no_verb_imports_the_lsp_layer`` checks none is missing), and
#: the exit code each gives in that test's world.
CALLS: list[tuple[list[str], int]] = [
    (["prs", "--json"], 0),
    (["issues", "--json"], 0),
    (["issue", "#1", "--json"], 0),
    (["ci", "--json"], 1),  # the build pipeline failed
    (["log", "unit"], 0),
    (["log", "unit", "--json"], 0),
    (["snippets", "add", "--title", "t", "--file", "README.md", "--json"], 0),
    (["snippets", "search", "app", "--json"], 0),
    (["snippets", "search", "app"], 0),
    (["snippets", "show", "nope", "--json"], 5),
    (["docs", "path.join", "--json"], 0),
    (["docs", "path.join"], 0),
    (["webhooks", "list", "--json"], 0),
]
SCRIPT = """
import json, sys
from server.cli import main
codes = [main(a) for a in json.loads(sys.argv[2])]
lsp = sorted(m for m in sys.modules if m.split(".")[0] in ("pygls", "lsprotocol")
             or m == "server.lsp" or m.startswith("server.lsp."))
open(sys.argv[1], "w").write(json.dumps({"codes": codes, "lsp": lsp}))
"""


def test_no_verb_imports_the_lsp_layer(world: World, tmp_path: Path) -> None:
    from server.verbs import VERBS
    from tests.cli.test_snippets_docs import NODE, TOML, devdocs

    assert {args[0] for args, _ in CALLS} == {v.name for v in VERBS}  # a new verb is run too
    devdocs(world.root, "node", NODE)  # a documentation set for ``docs``
    (world.root / ".tieline.toml").write_text(TOML)
    report = tmp_path / "report.json"
    calls = json.dumps([args for args, _ in CALLS])
    p = subprocess.run([sys.executable, "-c", SCRIPT, str(report), calls], cwd=world.root,
                       env=world.env, capture_output=True, text=True, timeout=180)  # fmt: skip
    assert p.returncode == 0, p.stderr
    got = json.loads(report.read_text())
    assert got["codes"] == [code for _, code in CALLS]
    assert got["lsp"] == []


def test_the_parser_imports_no_verb_for_other_commands(tmp_path: Path) -> None:
    code = (
        "import sys\nfrom server.cli import build_parser\n"
        "build_parser(['serve']); build_parser(['doctor'])\n"
        "print(sorted(m for m in sys.modules if m.startswith(('server.verbs.', 'server.hub.hub'))))"
    )
    p = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=base_env(tmp_path),
                       capture_output=True, text=True, timeout=60)  # fmt: skip
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "[]"


def test_ci_watch_off_a_terminal_prints_each_change(world: World) -> None:
    p = subprocess.Popen(
        [sys.executable, "-m", "server", "ci", "--watch", "--interval", "0.3", "--timeout", "60"],
        cwd=world.root, env=world.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert p.stdout is not None
    first = []
    for line in p.stdout:  # the first drawing, with deploy still running
        first.append(line)
        if "deploy" in line:
            break
    world.finish_running()
    rest, err = p.communicate(timeout=90)
    out = "".join(first) + rest
    assert p.returncode == 1, err
    assert "\x1b" not in out  # no colour and no cursor moves into a pipe or a file
    drawings = out.split("\n\nocto/app @ feature")
    assert len(drawings) >= 2 and out.startswith("octo/app @ feature  failure")
    assert "running" in drawings[0] and "running" not in drawings[-1]
