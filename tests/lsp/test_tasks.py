"""Workspace tasks end to end over stdio: a temporary folder with a real Makefile, a
``package.json`` whose scripts run ``node -e`` (npm runs them), a ``.vscode/tasks.json``
with comments and trailing commas, and a justfile. The Tasks panel lists them, a run
streams its output to a read-only document (``workspace/textDocumentContent`` for a client
that declares it, ``tieline/log`` pages otherwise) with ``$/progress`` while it runs, the
``path:line`` errors it prints become diagnostics until its next clean run, and stopping a
task -- by command or by cancelling its progress -- ends its whole process group."""

from __future__ import annotations

import asyncio
import shutil
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from tests.lsp.conftest import Env, server_env
from tests.lsp.raw import plain, raw_request
from tests.lsp.test_features import items

MAKEFILE = """\
.PHONY: build check spin flood slow
build: ## Build the app
\t@echo building the app
\t@printf '\\033[32mgreen\\033[0m done\\n'

check:
\t@if [ -f broken ]; then \\
\t  echo 'src/app.py:2:5: error: Name "x" is not defined  [name-defined]'; \\
\t  echo '/usr/lib/python3/os.py:1:1: error: not ours  [misc]'; exit 1; fi
\t@echo all good

spin:
\t@sh spin.sh

flood:
\t@python3 -c "import sys; [sys.stdout.write(f'line {i}\\n') for i in range(LINES)]"

slow:
	@for i in 1 2 3 4 5 6; do echo "tick $$i"; sleep 0.3; done

%.o: %.c
\tcc -c $<
"""
SPIN = """\
sleep 300 &
echo $! > pids
sh -c 'echo $$ >> pids; exec sleep 300' &
echo $$ >> pids
echo started
wait
"""
PACKAGE = """{
  "name": "app",
  "private": true,
  "scripts": {
    "hello": "node -e \\"console.log('hi from ' + process.argv.length)\\"",
    "lint": "node -e \\"console.log('src/app.py:1:1: error: bad start  [misc]'); process.exit(3)\\""
  }
}
"""
TASKS_JSON = """{
  // VS Code writes comments here
  "version": "2.0.0",
  "options": { "env": { "GREETING": "hello" } },
  "tasks": [
    {
      "label": "echo file",
      "type": "shell",
      "command": "echo",
      "args": ["file is ${fileBasename}", "in ${workspaceFolderBasename}"],
    },
    {
      "label": "where",
      "type": "process",
      "command": "sh",
      "args": ["-c", "echo $GREETING $NAME from $(pwd)"],
      "options": { "cwd": "${workspaceFolder}/src", "env": { "NAME": "ada" } },
      "problemMatcher": ["$tsc"],
    },
    { "label": "tsc watch", "type": "typescript", "tsconfig": "tsconfig.json" },
  ],
}
"""
JUSTFILE = """\
# Say hello
hello:
    echo hello from just

_hidden:
    echo no
"""
HAS_JUST = shutil.which("just") is not None


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "src").mkdir(parents=True)
    (root / "src" / "app.py").write_text("import os\nprint(x)\n")
    (root / "Makefile").write_text(MAKEFILE.replace("LINES", "200000"))
    (root / "spin.sh").write_text(SPIN)
    (root / "package.json").write_text(PACKAGE)
    (root / ".vscode").mkdir()
    (root / ".vscode" / "tasks.json").write_text(TASKS_JSON)
    (root / "justfile").write_text(JUSTFILE)
    return root


async def start(
    root: Path, home: Path, *, content: bool = True, more: tuple[Path, ...] = ()
) -> LanguageClient:
    env = server_env(Env(root=root, github=None, home=home), TIELINE_GITHUB_TOKEN="")
    config = ClientServerConfig(
        server_command=[sys.executable, "-m", "server", "serve"], server_env=env
    )
    client: LanguageClient = await config.start()  # type: ignore[assignment]
    client.refreshed: list[str] = []  # type: ignore[misc]

    @client.feature(types.WORKSPACE_TEXT_DOCUMENT_CONTENT_REFRESH)
    def refresh(params: types.TextDocumentContentRefreshParams) -> None:
        client.refreshed.append(params.uri)  # type: ignore[attr-defined]

    @client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def lens_refresh(params: Any) -> None:
        return None

    @client.feature(types.WINDOW_SHOW_MESSAGE_REQUEST)
    def prompt(params: types.ShowMessageRequestParams) -> types.MessageActionItem | None:
        client.messages.append(types.ShowMessageParams(type=params.type, message=params.message))
        wanted = [a for a in params.actions or [] if a.title.startswith("hello")]
        return wanted[0] if wanted else None

    caps = client_capabilities("visual-studio-code")
    assert caps.workspace is not None
    if content:
        caps.workspace.text_document_content = types.TextDocumentContentClientCapabilities()
    await client.initialize_session(
        types.InitializeParams(
            capabilities=caps,
            root_uri=root.as_uri(),
            workspace_folders=[
                types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in (root, *more)
            ],
        )
    )
    return client


@pytest.fixture
async def client(folder: Path, tieline_home: Path) -> AsyncIterator[LanguageClient]:
    c = await start(folder, tieline_home)
    yield c
    await c.shutdown_session()


async def _until(predicate: Any, timeout: float = 30.0) -> Any:
    async with asyncio.timeout(timeout):
        while not (got := predicate()):
            await asyncio.sleep(0.05)
        return got


async def command(client: LanguageClient, name: str, *args: Any) -> Any:
    return plain(
        await client.workspace_execute_command_async(
            types.ExecuteCommandParams(command=name, arguments=list(args))
        )
    )


async def tasks(client: LanguageClient) -> dict[str, Any]:
    """The panel's tasks of the one folder, by task id (``make:build``)."""
    (top,) = await _until_items(client)
    rows = await items(client, "tasks", top["id"])
    return {unquote(t["id"].rsplit("/", 1)[1]): t for t in rows if "/problem/" not in t["id"]}


async def _until_items(client: LanguageClient) -> list[Any]:
    async with asyncio.timeout(30):
        while True:
            got = await items(client, "tasks")
            if got and got[0]["id"] != "tasks/none":
                return got
            await asyncio.sleep(0.1)


async def finished(client: LanguageClient, task: str, state: str | None = None) -> Any:
    """Until the task's row shows a finished run (``state``: passed, failed, stopped)."""
    async with asyncio.timeout(60):
        while True:
            row = (await tasks(client))[task]
            words = row["contextValue"].split()
            if "task.running" not in words and "task.idle" not in words:
                assert state is None or f"task.{state}" in words, row
                return row
            await asyncio.sleep(0.1)


async def content(client: LanguageClient, uri: str) -> str:
    got = await client.workspace_text_document_content_async(
        types.TextDocumentContentParams(uri=uri)
    )
    return got.text


def _progress(client: LanguageClient, title: str) -> list[Any]:
    for reports in client.progress_reports.values():
        begin = reports[0] if reports else None
        if isinstance(begin, types.WorkDoneProgressBegin) and begin.title == title:
            return list(reports)
    return []


async def test_the_tasks_panel_lists_every_source(client: LanguageClient, folder: Path) -> None:
    panels = await raw_request(client, "tieline/panels", None)
    assert "tasks" in [p["id"] for p in panels["panels"]]
    tasks_panel = next(p for p in panels["panels"] if p["id"] == "tasks")
    assert tasks_panel.get("welcome") is None  # no sign-in needed
    (top,) = await _until_items(client)
    assert top["label"] == "ws" and top["description"] == "10 tasks · 1 problem"
    children = await items(client, "tasks", top["id"])
    got = [(c["label"], c.get("description")) for c in children]
    assert got == [
        ("echo file", "tasks.json"),
        ("where", "tasks.json"),
        ("build", "make"),
        ("check", "make"),
        ("spin", "make"),
        ("flood", "make"),
        ("slow", "make"),
        ("hello", "package.json"),
        ("lint", "package.json"),
        ("hello", "just"),  # _hidden is private
        (".vscode/tasks.json: 'tsc watch': tasks of type 'typescript' need their VS Code "
         "extension; skipped", None),
    ]  # fmt: skip
    build = children[2]
    assert build["id"].endswith("/make%3Abuild") and build["tooltip"] == "Build the app"
    assert build["contextValue"].split() == ["task", "task.idle", "can.run"]
    assert [a["id"] for a in build["actions"]] == ["run"] and build.get("logUri") is None
    where = children[1]
    assert "Ignored here: problemMatcher" in where["tooltip"]
    # Bad input: a clear error naming what a task id or output URI looks like.
    for bad_call in (
        command(client, "tieline.tasks.run", "make:build"),
        command(client, "tieline.tasks.stop", "tasks/0000000000/make%3Abuild"),
        raw_request(client, "tieline/log", {"uri": "tieline-log://task/x"}),
    ):
        with pytest.raises(Exception, match=r"is not a task|no workspace folder is"):
            await bad_call
    listed = await command(client, "tieline.tasks.list")
    assert {t["name"] for t in listed["tasks"]} >= {"build", "hello", "echo file"}


async def test_a_run_streams_its_output_with_progress(client: LanguageClient) -> None:
    build = (await tasks(client))["make:build"]
    started = await command(client, "tieline.tasks.run", build["id"])
    assert started["state"] == "running" and started["uri"].startswith("tieline-log://task/")
    row = await finished(client, "make:build", "passed")
    assert row["logUri"] == started["uri"] and "can.run" in row["contextValue"].split()
    assert [a["id"] for a in row["actions"]] == ["run", "log"]
    assert row["actions"][1]["command"] == {
        "command": "tieline.ci.openLog",
        "title": "Open Output",
        "arguments": [started["uri"]],
    }  # the command shells with their own log documents answer
    assert row["description"].startswith("make · passed in ")
    text = await content(client, started["uri"])
    lines = text.splitlines()
    assert lines[0].startswith("> make -f Makefile -- build")
    assert lines[1:3] == ["building the app", "green done"]  # escapes stripped
    assert lines[-1].startswith("> build: passed in ")
    await _until(lambda: any(d.uri == started["uri"] for d in client.shown_documents))
    reports = await _until(lambda: _progress(client, "Task build"))
    await _until(lambda: isinstance(_progress(client, "Task build")[-1], types.WorkDoneProgressEnd))
    reports = _progress(client, "Task build")
    assert reports[0].cancellable is True
    assert reports[-1].message.startswith("passed in ")


async def test_errors_become_diagnostics_until_a_clean_run(
    client: LanguageClient, folder: Path
) -> None:
    app = (folder / "src" / "app.py").as_uri()
    (folder / "broken").write_text("")
    check = (await tasks(client))["make:check"]
    await command(client, "tieline.tasks.run", check["id"])
    row = await finished(client, "make:check", "failed")
    assert (
        "failed (exit 2)" in row["description"] and "1 error in 1 file (mypy)" in row["description"]
    )
    (diag,) = await _until(lambda: client.diagnostics.get(app))
    assert diag.source == "Tieline Tasks" and diag.code == "name-defined"
    assert diag.message == '[check · mypy] Name "x" is not defined'
    assert (diag.range.start.line, diag.range.start.character) == (1, 4)
    assert diag.data["task"] == check["id"] and diag.data["output"] == row["logUri"]
    assert set(client.diagnostics) == {app}  # /usr/lib/... is no file of this folder
    await _until(lambda: any("Task check failed (exit 2)" in m.message for m in client.messages))

    # Another task's errors in the same file are merged with these, not instead of them.
    lint = (await tasks(client))["npm:lint"]
    await command(client, "tieline.tasks.run", lint["id"])
    await finished(client, "npm:lint", "failed")
    await _until(lambda: len(client.diagnostics.get(app, [])) == 2)
    assert {d.message for d in client.diagnostics[app]} == {
        '[check · mypy] Name "x" is not defined',
        "[lint · mypy] bad start",
    }

    (folder / "broken").unlink()
    await command(client, "tieline.tasks.run", check["id"])
    await finished(client, "make:check", "passed")
    await _until(lambda: [d.message for d in client.diagnostics.get(app, [])] == [
        "[lint · mypy] bad start"
    ])  # fmt: skip


async def test_a_running_tasks_document_is_refreshed_as_it_prints(
    client: LanguageClient,
) -> None:
    slow = (await tasks(client))["make:slow"]
    ran = await command(client, "tieline.tasks.run", slow["id"])
    first = await content(client, ran["uri"])
    assert first.startswith("> make -f Makefile -- slow")
    assert first.rstrip().endswith("the task is running: more follows")
    await _until(lambda: ran["uri"] in client.refreshed)  # type: ignore[attr-defined]
    await _until(
        lambda: any(
            isinstance(r, types.WorkDoneProgressReport) and (r.message or "").startswith("tick ")
            for r in _progress(client, "Task slow")
        )
    )  # the progress shows the last line printed
    await finished(client, "make:slow", "passed")
    text = await content(client, ran["uri"])
    assert [ln for ln in text.splitlines() if ln.startswith("tick")] == [
        f"tick {i}" for i in range(1, 7)
    ]
    assert "more follows" not in text


async def test_a_plain_editor_gets_the_output_as_a_file(folder: Path, tieline_home: Path) -> None:
    """No textDocumentContent: ``tieline.tasks.openOutput`` writes a copy and shows it."""
    client = await start(folder, tieline_home, content=False)
    try:
        build = (await tasks(client))["make:build"]
        await command(client, "tieline.tasks.run", build["id"])
        await finished(client, "make:build", "passed")
        assert not client.shown_documents  # nothing this client could open was shown
        opened = await command(client, "tieline.tasks.openOutput", build["id"])
        assert opened["uri"].startswith("tieline-log://task/")
        copy = Path(opened["file"].removeprefix("file://"))
        assert "building the app" in await asyncio.to_thread(copy.read_text)
        assert client.shown_documents[-1].uri == opened["file"]
    finally:
        await client.shutdown_session()


async def test_every_folder_has_its_tasks(folder: Path, tmp_path: Path, tieline_home: Path) -> None:
    other = tmp_path / "api"
    other.mkdir()
    (other / "main.go").write_text("package main\n")
    (other / "vet.sh").write_text("echo 'main.go:1:1: expected declaration'; exit 1\n")
    (other / "Makefile").write_text(
        "serve:\n\t@echo serving from $$(basename $$(pwd))\nvet:\n\t@sh vet.sh\n"
    )
    client = await start(folder, tieline_home, more=(other,))
    try:
        top = await _until_items(client)
        assert [(t["label"], t["description"]) for t in top] == [
            ("ws", "10 tasks · 1 problem"),
            ("api", "2 tasks"),
        ]
        rows = {r["label"]: r for r in await items(client, "tasks", top[1]["id"])}
        ran = await command(client, "tieline.tasks.run", rows["serve"]["id"])
        vet = await command(client, "tieline.tasks.run", rows["vet"]["id"])
        main_go = (other / "main.go").as_uri()
        (diag,) = await _until(lambda: client.diagnostics.get(main_go))
        assert diag.message == "[vet · go] expected declaration"
        assert "serving from api" in await content(client, ran["uri"])
        assert vet["uri"] != ran["uri"]

        # The folder is closed: its tasks' errors go with it, and so does it from the panel.
        client.workspace_did_change_workspace_folders(
            types.DidChangeWorkspaceFoldersParams(
                event=types.WorkspaceFoldersChangeEvent(
                    added=[], removed=[types.WorkspaceFolder(uri=other.as_uri(), name="api")]
                )
            )
        )
        await _until(lambda: not client.diagnostics[main_go])
        assert [t["label"] for t in await items(client, "tasks")] == ["ws"]
    finally:
        await client.shutdown_session()


async def test_npm_scripts_and_tasks_json_variables(client: LanguageClient, folder: Path) -> None:
    rows = await tasks(client)
    hello = rows["npm:hello"]
    assert hello["tooltip"].startswith("npm run hello: node -e")
    ran = await command(client, "tieline.tasks.run", hello["id"])
    await finished(client, "npm:hello", "passed")
    assert "hi from 1" in await content(client, ran["uri"])

    echo = rows["vscode:echo file"]
    ran = await command(
        client, "tieline.tasks.run", echo["id"], {"file": (folder / "src" / "app.py").as_uri()}
    )
    await finished(client, "vscode:echo file", "passed")
    assert "\nfile is app.py in ws\n" in await content(client, ran["uri"])

    ran = await command(client, "tieline.tasks.run", rows["vscode:where"]["id"])
    await finished(client, "vscode:where", "passed")
    assert f"\nhello ada from {folder / 'src'}\n" in await content(client, ran["uri"])

    # ${file} with no file given: the task does not start, and says why.
    with pytest.raises(Exception, match=r"needs an open file"):
        await command(client, "tieline.tasks.run", echo["id"])

    # No argument: the person picks one (this client answers "hello (npm)").
    picked = await command(client, "tieline.tasks.run")
    assert picked["task"] == hello["id"]


@pytest.mark.skipif(not HAS_JUST, reason="just is not installed (scripts/test-peers.sh)")
async def test_a_just_recipe_runs(client: LanguageClient) -> None:
    row = next(
        t for t in await items(client, "tasks", (await _until_items(client))[0]["id"])
        if t["description"].startswith("just")
    )  # fmt: skip
    ran = await command(client, "tieline.tasks.run", row["id"])
    async with asyncio.timeout(30):
        while "hello from just" not in (text := await content(client, ran["uri"])):
            await asyncio.sleep(0.1)
    assert "> hello: passed" in text or "hello from just" in text


@pytest.mark.skipif(HAS_JUST, reason="just is installed: the recipe runs instead")
async def test_without_just_its_recipes_are_listed_and_running_one_says_why(
    client: LanguageClient,
) -> None:
    top = (await _until_items(client))[0]
    row = next(t for t in await items(client, "tasks", top["id"]) if t["description"] == "just")
    assert row["tooltip"] == "Say hello"  # the comment above the recipe
    with pytest.raises(Exception, match=r"just is not installed"):
        await command(client, "tieline.tasks.run", row["id"])


def _alive(pid: int) -> bool:
    """A process that exists and is not a zombie waiting for its parent to read it."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


async def _spinning(client: LanguageClient, folder: Path) -> tuple[Any, list[int]]:
    spin = (await tasks(client))["make:spin"]
    await command(client, "tieline.tasks.run", spin["id"])
    pids_file = folder / "pids"
    pids = await _until(
        lambda: (
            [int(p) for p in pids_file.read_text().split()]
            if pids_file.exists() and len(pids_file.read_text().split()) == 3
            else None
        )
    )
    assert all(_alive(p) for p in pids)
    row = (await tasks(client))["make:spin"]
    assert "can.stop" in row["contextValue"].split() and row["actions"][0]["id"] == "stop"
    return row, pids


async def test_stopping_a_task_ends_its_whole_process_group(
    client: LanguageClient, folder: Path
) -> None:
    row, pids = await _spinning(client, folder)
    stopped = await command(client, "tieline.tasks.stop", row["id"])
    assert stopped["stopped"] is True and stopped["state"] == "stopped"
    await _until(lambda: not any(_alive(p) for p in pids), timeout=10)
    row = await finished(client, "make:spin", "stopped")
    assert row["description"].startswith("make · stopped in ")
    text = await content(client, row["logUri"])
    assert "\nstarted\n" in text and "\n> spin: stopped in " in text
    await _until(lambda: isinstance(_progress(client, "Task spin")[-1], types.WorkDoneProgressEnd))
    assert _progress(client, "Task spin")[-1].message.startswith("stopped")
    # Stopping what is not running is no error.
    again = await command(client, "tieline.tasks.stop", row["id"])
    assert again["stopped"] is False


async def test_cancelling_the_progress_stops_the_task(client: LanguageClient, folder: Path) -> None:
    _, pids = await _spinning(client, folder)
    token = next(
        t
        for t, reports in client.progress_reports.items()
        if reports and getattr(reports[0], "title", "") == "Task spin"
    )
    client.window_work_done_progress_cancel(types.WorkDoneProgressCancelParams(token=token))
    await finished(client, "make:spin", "stopped")
    await _until(lambda: not any(_alive(p) for p in pids), timeout=10)


async def test_a_task_that_prints_a_lot_arrives_whole_in_pages(
    folder: Path, tieline_home: Path
) -> None:
    """200,000 lines (2.6 MB) through ``tieline/log`` (a client without
    textDocumentContent): every line, in order, paged; a hover answered while it floods."""
    client = await start(folder, tieline_home, content=False)
    try:
        flood = (await tasks(client))["make:flood"]
        ran = await command(client, "tieline.tasks.run", flood["id"])
        notes = folder / "NOTES.md"
        notes.write_text("see #1\n")
        client.text_document_did_open(
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=notes.as_uri(), language_id="markdown", version=1, text="see #1\n"
                )
            )
        )
        hover = await client.text_document_hover_async(
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=(folder / "NOTES.md").as_uri()),
                position=types.Position(line=0, character=5),
            )
        )
        # Answered (no service serves this folder: it says so), not stuck behind the flood.
        assert hover is not None and "#1" in str(hover.contents)
        await finished(client, "make:flood", "passed")
        text, offset, pages = "", 0, 0
        while True:
            page = await raw_request(client, "tieline/log", {"uri": ran["uri"], "offset": offset})
            text += page["text"]
            offset, pages = page["nextOffset"], pages + 1
            if page["complete"]:
                break
        assert pages >= 5 and page["total"] == len(text)
        body = [ln for ln in text.splitlines() if ln.startswith("line ")]
        assert body == [f"line {i}" for i in range(200_000)]
    finally:
        await client.shutdown_session()


async def test_shutdown_stops_running_tasks(folder: Path, tieline_home: Path) -> None:
    client = await start(folder, tieline_home)
    _, pids = await _spinning(client, folder)
    await client.shutdown_session()
    await _until(lambda: not any(_alive(p) for p in pids), timeout=15)
