"""Workspace tasks in the hub: each source's discovery, variables, the runner's process
group, the output document and the board's failures. The editor side, over stdio, is
``tests/lsp/test_tasks.py``."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
from pathlib import Path

import pytest

from server.hub.ci.failures import find_failures
from server.hub.tasks import just, make, npm, runner, vscode
from server.hub.tasks.board import Board
from server.hub.tasks.discover import Cache, discover
from server.hub.tasks.ids import (
    BadTaskRequest,
    output_uri,
    parse_output_uri,
    parse_task_item_id,
    task_item_id,
)
from server.hub.tasks.models import Discovered
from server.hub.tasks.output import TaskOutput
from server.hub.tasks.variables import Context, UnsupportedVariable, resolve

# -- tasks.json ------------------------------------------------------------------------------

TASKS = """{
  // comments, /* block */ and trailing commas: JSONC as VS Code writes it
  "version": "2.0.0",
  "options": {"cwd": "${workspaceFolder}/web", "env": {"A": "1", "B": "top"}},
  "linux": {"options": {"env": {"B": "linux"}}},
  "tasks": [
    {"label": "shell", "type": "shell", "command": "echo $HOME",
     "args": ["two words", "*.py", {"value": "it's", "quoting": "strong"},
              {"value": "$X y", "quoting": "weak"}, {"value": "a b", "quoting": "escape"}],
     "group": {"kind": "build", "isDefault": true}, },
    {"label": "proc", "command": "node", "args": ["-e", "console.log(1)"],
     "options": {"cwd": "sub", "env": {"C": "3"}}, "dependsOn": ["shell"],
     "linux": {"args": ["--version"]}},
    {"label": "deps only", "dependsOn": ["shell", "proc"]},
    {"label": "npm one", "type": "npm", "script": "build"},
    {"type": "shell", "command": "no label"},
    {"label": "shell", "type": "shell", "command": "a second task of that label"},
  ],
}"""


def _vscode(root: Path, text: str) -> Discovered:
    (root / ".vscode").mkdir(exist_ok=True)
    (root / ".vscode" / "tasks.json").write_text(text)
    out = Discovered(folder=root)
    vscode.discover(root, out)
    return out


def test_tasks_json_with_comments_and_trailing_commas(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHELL", "/bin/bash")
    out = _vscode(tmp_path, TASKS)
    shell, proc = out.tasks
    assert shell.id == "vscode:shell" and shell.templated and shell.group == "build"
    assert shell.argv == (
        "/bin/bash",
        "-c",
        "echo $HOME 'two words' *.py 'it'\"'\"'s' \"$X y\" a\\ b",
    )  # the command as written; arguments quoted as each says, else only with whitespace
    assert shell.cwd == "${workspaceFolder}/web" and shell.env == {"A": "1", "B": "linux"}
    assert proc.argv == ("node", "--version")  # the linux section wins
    assert proc.cwd == "sub" and proc.env == {"A": "1", "B": "linux", "C": "3"}
    assert proc.unsupported == ("dependsOn",)
    assert out.problems == [
        ".vscode/tasks.json: 'deps only' only runs other tasks (dependsOn), which Tieline does "
        "not; skipped",
        ".vscode/tasks.json: 'npm one': tasks of type 'npm' need their VS Code extension; skipped",
        ".vscode/tasks.json: a task without a label was skipped",
    ]


def test_a_broken_tasks_json_is_a_problem_not_an_error(tmp_path: Path) -> None:
    out = _vscode(tmp_path, '{"tasks": [ {"label": "x", ')
    assert out.tasks == [] and out.problems[0].startswith(
        ".vscode/tasks.json is not valid JSON with comments"
    )
    assert _vscode(tmp_path, "[1, 2]").problems == [
        ".vscode/tasks.json: expected an object with a list of tasks"
    ]


def test_a_shell_task_runs_what_its_author_wrote(tmp_path: Path) -> None:
    """Arguments with a quote or a dollar in them reach the program as one argument each,
    quoted (strong quoting) -- the shell sees no command in them."""
    sentinel = tmp_path / "pwned"
    out = _vscode(
        tmp_path,
        json.dumps(
            {
                "tasks": [
                    {
                        "label": "t",
                        "type": "shell",
                        "command": "printf '%s|'",
                        "args": [
                            {"value": f"x'; touch {sentinel}; '", "quoting": "strong"},
                            "$(touch pwned) y",
                        ],
                    }
                ]
            }
        ),
    )
    (task,) = out.tasks
    got = asyncio.run(_run_argv(task.argv, tmp_path))
    assert got == f"x'; touch {sentinel}; '|$(touch pwned) y|"
    assert not sentinel.exists()


async def _run_argv(argv: tuple[str, ...], cwd: Path) -> str:
    proc = await runner.start(argv, cwd, {})
    parts: list[str] = []
    exit_ = await proc.pump(parts.append)
    assert exit_.ok
    return "".join(parts)


# -- variables -------------------------------------------------------------------------------


def test_variables(tmp_path: Path) -> None:
    f = tmp_path / "src" / "pkg" / "mod.py"
    ctx = Context(
        folder=tmp_path,
        file=f,
        line=7,
        folders={"other": Path("/srv/other")},
        env={"NAME": "ada"},
    )
    text = (
        "${workspaceFolder}|${workspaceFolderBasename}|${file}|${fileBasename}|"
        "${fileBasenameNoExtension}|${fileExtname}|${fileDirname}|${fileDirnameBasename}|"
        "${relativeFile}|${relativeFileDirname}|${env:NAME}|${env:NONE}|${lineNumber}|"
        "${workspaceFolder:other}|${pathSeparator}"
    )
    assert resolve(text, ctx).split("|") == [
        str(tmp_path), tmp_path.name, str(f), "mod.py", "mod", ".py", str(f.parent), "pkg",
        "src/pkg/mod.py", "src/pkg", "ada", "", "7", "/srv/other", "/",
    ]  # fmt: skip
    assert resolve("no variables", ctx) == "no variables"
    for bad, why in [
        ("${input:pick}", "not supported"),
        ("${config:editor.tabSize}", "not supported"),
        ("${command:foo}", "not supported"),
        ("${workspaceFolder:nope}", "no workspace folder of that name"),
    ]:
        with pytest.raises(UnsupportedVariable, match=why):
            resolve(bad, ctx)
    with pytest.raises(UnsupportedVariable, match="needs an open file"):
        resolve("${file}", Context(folder=tmp_path))


# -- make ------------------------------------------------------------------------------------

MAKEFILE = """\
.PHONY: all build test
VAR := 1
OTHER ::= 2
X = y:z
all: build test ## Everything
build: ## Compile it
\t@echo build
test: build
\t@echo test
%.o: %.c
\tcc -c $<
out/app.bin:
\ttouch $@
$(VAR)-gen:
\techo gen
include extra.mk
double::
\techo d
"""


def test_make_targets_from_makes_own_database(tmp_path: Path) -> None:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    (tmp_path / "Makefile").write_text(MAKEFILE)
    (tmp_path / "extra.mk").write_text("from-include:\n\techo inc\n")
    out = Discovered(folder=tmp_path)
    make.discover(tmp_path, out)
    names = [t.name for t in out.tasks]
    # Rule order (1-gen, which make expanded from $(VAR)-gen, by its recipe's line); the
    # included file's target after.
    assert names == ["all", "build", "test", "out/app.bin", "1-gen", "double", "from-include"]
    build = out.tasks[1]
    assert build.argv == ("make", "-f", "Makefile", "--", "build") and build.detail == "Compile it"
    assert out.tasks[0].detail == "Everything" and out.problems == []


def test_make_targets_from_the_text_without_make(tmp_path: Path) -> None:
    assert make.parse_rules(MAKEFILE) == [
        ("all", 5), ("build", 6), ("test", 8), ("out/app.bin", 12), ("double", 17),
    ]  # fmt: skip
    db = (
        "# Variables\nVAR := 1\n\n# Files\n\n# Not a target:\nMakefile:\n#  x\n\n"
        "build: dep\n#  recipe to execute (from 'Makefile', line 4):\n\t@echo\n\n"
        ".PHONY: build\n\n%.o: %.c\n\n# Finished Make data base on x\n"
    )
    assert make.parse_database(db) == [("build", "Makefile", 4)]


def test_make_without_make_reads_the_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "makefile").write_text(MAKEFILE)
    monkeypatch.setattr(make.shutil, "which", lambda name: None)
    out = Discovered(folder=tmp_path)
    make.discover(tmp_path, out)
    assert [t.name for t in out.tasks] == ["all", "build", "test", "out/app.bin", "double"]
    assert out.tasks[0].argv[:3] == ("make", "-f", "makefile")
    assert out.problems == ["make is not installed: targets read from the Makefile's text"]


def test_tasks_ask_make_off_never_runs_the_makefile(tmp_path: Path) -> None:
    """``tasks.ask_make = false``: a Makefile's ``$(shell ...)`` is not run to list it."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    ran = tmp_path / "ran"
    (tmp_path / "Makefile").write_text(f"X := $(shell touch {ran})\nbuild:\n\techo b\n")
    found = discover(tmp_path, ask_make=False)
    assert [t.name for t in found.tasks] == ["build"] and found.problems == []
    assert not ran.exists()
    discover(tmp_path)  # asking make evaluates it, as make at the prompt would
    assert ran.exists()


# -- package.json ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "field", "expected"),
    [
        ((), None, "npm"),
        (("package-lock.json",), None, "npm"),
        (("yarn.lock",), None, "yarn"),
        (("pnpm-lock.yaml",), None, "pnpm"),
        (("bun.lockb",), None, "bun"),
        (("pnpm-lock.yaml", "package-lock.json"), None, "pnpm"),
        (("package-lock.json",), "yarn@4.1.0", "yarn"),  # Corepack's field wins
        ((), "pnpm@9.0.0+sha512.abc", "pnpm"),
        (("yarn.lock",), "cargo@1", "yarn"),  # not a package manager: the lockfile says
    ],
)
def test_the_package_manager_the_lockfile_implies(
    tmp_path: Path, files: tuple[str, ...], field: str | None, expected: str
) -> None:
    for name in files:
        (tmp_path / name).write_text("")
    package: dict[str, object] = {"scripts": {"build": "tsc", "a && rm -rf /": "x"}}
    if field:
        package["packageManager"] = field
    (tmp_path / "package.json").write_text(json.dumps(package))
    out = Discovered(folder=tmp_path)
    npm.discover(tmp_path, out)
    build, odd = out.tasks
    assert build.argv == (expected, "run", "build")
    assert odd.argv == (expected, "run", "a && rm -rf /")  # one argument, never a shell line


def test_package_json_problems(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text("{not json")
    out = Discovered(folder=tmp_path)
    npm.discover(tmp_path, out)
    assert out.tasks == [] and out.problems[0].startswith("package.json could not be read")
    (tmp_path / "package.json").write_text('{"scripts": {"--flag": "x", "ok": 1, "": "y"}}')
    out = Discovered(folder=tmp_path)
    npm.discover(tmp_path, out)
    assert out.tasks == [] and out.problems == []


# -- justfile --------------------------------------------------------------------------------

JUSTFILE = """\
set shell := ["bash", "-c"]
version := "1.0"
alias b := build
export RUST_LOG := "info"

# Build everything
build target="all":
    cargo build

@quiet:
    echo shh

[private]
helper:
    echo no

_hidden:
    echo no

# Deploy to an environment
[confirm]
deploy env +flags:
    ./deploy {{env}}
"""


def test_justfile_recipes_from_the_text() -> None:
    assert just.parse_text(JUSTFILE) == [
        ("build", "Build everything", 'target="all"'),
        ("quiet", None, ""),
        ("deploy", "Deploy to an environment", "env +flags"),
    ]


def test_justfile_recipes_from_just_dump() -> None:
    dump = {
        "recipes": {
            "build": {"name": "build", "doc": "Build it", "parameters": [{"name": "target"}]},
            "_hidden": {"name": "_hidden"},
            "secret": {"name": "secret", "private": True},
            "test": {"name": "test", "doc": None, "parameters": []},
        }
    }
    assert just.parse_dump(dump) == [("build", "Build it", "target"), ("test", None, "")]


def test_justfile_discovery(tmp_path: Path) -> None:
    (tmp_path / "Justfile").write_text(JUSTFILE)
    out = Discovered(folder=tmp_path)
    just.discover(tmp_path, out)
    assert [t.name for t in out.tasks] == ["build", "quiet", "deploy"]
    build = out.tasks[0]
    assert build.argv == ("just", "--justfile", str(tmp_path / "Justfile"), "build")
    assert build.detail == 'Build everything (parameters: target="all")'


# -- all sources, cached ---------------------------------------------------------------------


async def test_discovery_is_cached_until_a_source_changes(tmp_path: Path) -> None:
    (tmp_path / "package.json").write_text('{"scripts": {"a": "x"}}')
    cache = Cache()
    first = await cache.get(tmp_path)
    assert [t.id for t in first.tasks] == ["npm:a"]
    assert await cache.get(tmp_path) is first
    (tmp_path / "package.json").write_text('{"scripts": {"a": "x", "b": "y"}}')
    os.utime(tmp_path / "package.json", ns=(1, 10**18))
    assert [t.id for t in (await cache.get(tmp_path)).tasks] == ["npm:a", "npm:b"]
    (tmp_path / "Makefile").write_text("m:\n\techo m\n")
    assert [t.id for t in (await cache.get(tmp_path)).tasks] == ["make:m", "npm:a", "npm:b"]


def test_an_empty_folder_has_no_tasks(tmp_path: Path) -> None:
    found = discover(tmp_path)
    assert found.tasks == [] and found.problems == []


# -- ids -------------------------------------------------------------------------------------


def test_ids_round_trip(tmp_path: Path) -> None:
    item = task_item_id(tmp_path, "vscode:Build / all")
    key, task = parse_task_item_id(item)
    assert task == "vscode:Build / all" and len(key) == 10
    uri = output_uri(tmp_path, "vscode:Build / all", "Build / all")
    assert uri.startswith("tieline-log://task/") and uri.endswith("/Build%20%20%20all.log")
    assert parse_output_uri(uri + "?page=2") == (key, "vscode:Build / all")
    for bad in ("tasks/x", "nope", "tasks//a"):
        with pytest.raises(BadTaskRequest):
            parse_task_item_id(bad)
    with pytest.raises(BadTaskRequest):
        parse_output_uri("tieline-log:/github/github.com/o%2Fr/1/job.log")


# -- failures in local output ----------------------------------------------------------------


def test_failures_in_local_output(tmp_path: Path) -> None:
    (tmp_path / "web" / "src").mkdir(parents=True)
    (tmp_path / "web" / "src" / "a.ts").write_text("let x = 1\n")
    (tmp_path / "app.py").write_text("x\n")
    elsewhere = tmp_path.parent / "other-project"
    log = (
        "src/a.ts(1,5): error TS2322: Type 'number' is not assignable to type 'string'.\n"
        f"{tmp_path}/app.py:1:1: error: Name 'x' is not defined  [name-defined]\n"
        f"{elsewhere}/web/src/a.ts:1:1: error: someone else's  [misc]\n"
    )
    local = find_failures(log, tmp_path, cwd=tmp_path / "web", local=True)
    assert [(f.path, f.line, f.column, f.tool) for f in local] == [
        ("web/src/a.ts", 1, 5, "tsc"),
        ("app.py", 1, 1, "mypy"),
    ]  # the other project's absolute path is not this folder's file
    # Read as a CI machine's log, the same absolute path is mapped by its suffix.
    ci = find_failures(log, tmp_path)
    assert ("web/src/a.ts", 1, 1) in [(f.path, f.line, f.column) for f in ci]


# -- the runner ------------------------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def test_stop_ends_the_whole_group_even_one_that_ignores_sigterm(tmp_path: Path) -> None:
    script = (
        "trap '' TERM; sleep 300 & echo $! > pids; "
        "sh -c 'trap \"\" TERM; echo $$ >> pids; sleep 300' & echo $$ >> pids; echo up; wait"
    )
    proc = await runner.start(("sh", "-c", script), tmp_path, {})
    out: list[str] = []
    pump = asyncio.ensure_future(proc.pump(out.append))
    async with asyncio.timeout(10):
        while not (
            (tmp_path / "pids").exists() and len((tmp_path / "pids").read_text().split()) == 3
        ):
            await asyncio.sleep(0.02)
    pids = [int(p) for p in (tmp_path / "pids").read_text().split()]
    assert all(_alive(p) for p in pids)
    await proc.stop(grace=0.5)
    exit_ = await asyncio.wait_for(pump, 10)
    assert exit_.stopped and not exit_.ok and exit_.code is None
    async with asyncio.timeout(5):
        while any(_alive(p) for p in pids):
            await asyncio.sleep(0.02)


async def test_leftovers_holding_the_output_go_with_the_task(tmp_path: Path) -> None:
    proc = await runner.start(("sh", "-c", "sleep 300 & echo $! > pid; echo bye"), tmp_path, {})
    out: list[str] = []
    exit_ = await asyncio.wait_for(proc.pump(out.append), 15)
    assert exit_.code == 0 and "".join(out) == "bye\n"
    pid = int((tmp_path / "pid").read_text())
    async with asyncio.timeout(5):
        while _alive(pid):
            await asyncio.sleep(0.02)


async def test_the_interpreters_exit_stops_running_tasks(tmp_path: Path) -> None:
    """What ``atexit`` runs when the server ends without ``shutdown``: each running task's
    group gets SIGTERM; a finished one is no longer tracked."""
    done = await runner.start(("true",), tmp_path, {})
    await done.pump(lambda text: None)
    proc = await runner.start(("sh", "-c", "sleep 300 & echo $! > pid; wait"), tmp_path, {})
    pump = asyncio.ensure_future(proc.pump(lambda text: None))
    async with asyncio.timeout(10):
        while not (tmp_path / "pid").exists() or not (tmp_path / "pid").read_text().strip():
            await asyncio.sleep(0.02)
    child = int((tmp_path / "pid").read_text())
    live = runner._LIVE
    assert live == {proc.pid}
    runner._stop_all_at_exit()
    exit_ = await asyncio.wait_for(pump, 10)
    assert exit_.signal == signal.SIGTERM and not _alive(child) and not live


async def test_exit_codes_signals_and_a_missing_program(tmp_path: Path) -> None:
    proc = await runner.start(
        ("sh", "-c", "printf 'caf\\303'; printf '\\251\\n'; exit 3"), tmp_path, {"X": "1"}
    )
    out: list[str] = []
    exit_ = await proc.pump(out.append)
    assert exit_.code == 3 and "".join(out) == "café\n"  # a character cut across reads
    proc = await runner.start(("sh", "-c", "kill -9 $$"), tmp_path, {})
    exit_ = await proc.pump(out.append)
    assert exit_.code is None and exit_.signal == signal.SIGKILL and not exit_.stopped
    with pytest.raises(runner.TaskFailedToStart, match="not installed"):
        await runner.start(("no-such-program-here",), tmp_path, {})
    with pytest.raises(runner.TaskFailedToStart, match="does not exist"):
        await runner.start(("true",), tmp_path / "gone", {})


@pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")
async def test_a_make_task_is_no_sub_make_of_the_make_that_started_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``make run`` starts the server from a make: its recursion variables must not reach a
    task (they gave "make[1]: Entering directory" lines and a jobserver that is not there),
    while the task's own environment still may set them."""
    monkeypatch.setenv("MAKELEVEL", "1")
    monkeypatch.setenv("MAKEFLAGS", "w -- --jobserver-auth=3,4")
    (tmp_path / "Makefile").write_text("build:\n\t@echo built $(MAKELEVEL)\n")
    out: list[str] = []
    proc = await runner.start(("make", "-f", "Makefile", "--", "build"), tmp_path, {})
    assert (await proc.pump(out.append)).code == 0
    assert "".join(out) == "built 0\n"
    out.clear()
    proc = await runner.start(("sh", "-c", "echo $MAKELEVEL"), tmp_path, {"MAKELEVEL": "7"})
    await proc.pump(out.append)
    assert "".join(out) == "7\n"


# -- the output document ---------------------------------------------------------------------


async def test_output_document_lines_pages_and_its_cap() -> None:
    doc = TaskOutput("tieline-log://task/k/make%3Ab/b.log", "b", page_size=100, most=1000)
    seen: list[int] = []
    doc.listeners.append(lambda d, at: seen.append(at))
    doc.restart("> make b\n")
    doc.feed("\x1b[31mred\x1b[0m li")
    assert doc.text == "> make b\n"  # a line still being written is held
    doc.feed("ne\nprogress 10%\rprogress 100%\n")
    assert doc.text == "> make b\nred line\nprogress 100%\n"
    ready = asyncio.ensure_future(doc.ready(10_000))
    await asyncio.sleep(0)
    assert not ready.done()
    for i in range(200):
        doc.feed(f"line {i}\n")
    assert doc.size <= 1000 and doc.text.startswith("(the first ") and "line 199\n" in doc.text
    version = doc.version
    doc.finish("> b: passed\n")
    await asyncio.wait_for(ready, 1)
    assert doc.complete and doc.version == version and doc.text.endswith("line 199\n> b: passed\n")
    assert seen[0] == 0 and len(doc.page_bounds()) > 5
    assert "continued in page 2" in doc.page(1)


# -- the board -------------------------------------------------------------------------------


async def test_board_runs_failures_and_a_clean_run(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text("x\n")
    (tmp_path / "Makefile").write_text(
        "check:\n\t@if [ -f broken ]; then echo 'app.py:1:1: error: bad  [misc]'; exit 1; fi\n"
    )
    board = Board(lambda: [tmp_path])
    heard: list[tuple[str, str]] = []
    board.subscribe(lambda run, what: heard.append((run.task.id, what)))
    (tmp_path / "broken").write_text("")
    task = await board.find(task_item_id(tmp_path, "make:check"))
    run = await board.start(task)
    with pytest.raises(BadTaskRequest, match="already running"):
        await board.start(task)
    await asyncio.wait_for(run.done.wait(), 20)
    assert run.state == "failed" and run.exit is not None and run.exit.code == 2
    assert [(f.path, f.message) for f in run.failures] == [("app.py", "bad")]
    assert run.summary().startswith("failed (exit 2) in ")
    (tmp_path / "broken").unlink()
    run = await board.start(task)
    await asyncio.wait_for(run.done.wait(), 20)
    assert run.state == "passed" and run.failures == []
    assert heard == [("make:check", "started"), ("make:check", "ended")] * 2
    assert board.output(run.output.uri) is run.output
    with pytest.raises(BadTaskRequest, match="no task"):
        await board.find(task_item_id(tmp_path, "make:nope"))
    never = board.output(output_uri(tmp_path, "make:other", "other"))
    assert never.complete and "has not run" in never.text
    gone = task.model_copy(update={"argv": ("no-such-program-here",)})
    with pytest.raises(runner.TaskFailedToStart, match="not installed"):
        await board.start(gone)
    failed = board.run_of(tmp_path, "make:check")
    assert failed is not None and failed.state == "failed"
    assert failed.summary() == "failed to start" and "not installed" in failed.output.text
