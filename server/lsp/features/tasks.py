"""Workspace tasks in the editor: the Tasks panel, run and stop, progress, the output as a
document, and the errors a run printed as diagnostics.

- The panel (``tieline/panel/items`` of ``tasks``) lists each workspace folder, and under it
  the tasks :mod:`server.hub.tasks` found there (``tasks.json``, Makefile, ``package.json``,
  justfile) with what could not be read. Each task carries ``can.run`` or ``can.stop`` in
  its ``contextValue`` and as inline actions, and -- once it has run -- ``logUri``.
- ``tieline.tasks.run`` (a task's panel id; no argument: a pick among every task) starts it.
  While it runs, a client that supports ``window/workDoneProgress/create`` shows a
  cancellable ``$/progress`` with the last line printed; cancelling it stops the task.
  ``tieline.tasks.stop`` stops it too (its whole process group).
- The output is a ``tieline-log://task/...`` document read like a CI job's log
  (:mod:`.ci`): ``workspace/textDocumentContent`` for clients that declare it (opened on
  run, refreshed as the task prints), ``tieline/log`` pages otherwise,
  ``tieline.ci.openLog`` (the panel's Open Output, which shells that open these documents
  themselves answer) or ``tieline.tasks.openOutput`` by task, or a copy in a file for plain
  editors.
- When a run ends, the ``path:line`` errors its output points at in the folder are
  published as diagnostics (source :data:`SOURCE`, ``[task · tool] message``), replacing
  what the task's previous run said; a clean run clears them, a stopped run leaves them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from connectors.sdk.errors import TielineError
from connectors.sdk.lazy import lazy_module

from .. import tieline_methods as methods
from ..common import arg, hub_or_fail, warn
from ..guard import guarded
from ..server import TielineServer, client_supports_show_document, path_of
from .ci import client_supports_content, open_log_document
from .ci_diagnostics import caps_of, failure_diagnostic

if TYPE_CHECKING:
    from server.hub.hub import Hub
    from server.hub.tasks.board import Run
    from server.hub.tasks.models import Discovered, Task

    from .. import tieline_protocol as proto
else:
    proto = lazy_module("server.lsp.tieline_protocol")

log = logging.getLogger("tieline.lsp")

PANEL = "tasks"
SOURCE = "Tieline Tasks"
#: Seconds between two progress reports of a running task (its last line).
REPORT_EVERY = 0.5
ICONS = {
    "idle": "play-circle",
    "running": "sync~spin",
    "passed": "pass",
    "failed": "error",
    "stopped": "circle-slash",
}


def _cmd(command: str, title: str, *args: Any) -> proto.Command:
    return proto.Command(command=command, title=title, arguments=list(args) or None)


# -- the panel ------------------------------------------------------------------------------


async def panel_items(hub: Hub, parent_id: str | None) -> list[proto.TreeItem]:
    """The Tasks panel's items under ``parent_id`` (the folders at the top)."""
    from server.hub.tasks.ids import folder_key

    board = hub.tasks
    folders = board.folders()
    if parent_id is None:
        if not folders:
            return [proto.TreeItem(id="tasks/none", label="No folder open", icon="info")]
        out = []
        for folder in folders:
            found = await board.discover(folder)
            n = len(found.tasks)
            desc = f"{n} task{'s' if n != 1 else ''}"
            if found.problems:
                desc += f" · {len(found.problems)} problem{'s' if len(found.problems) != 1 else ''}"
            out.append(
                proto.TreeItem(
                    id=f"tasks/{folder_key(folder)}",
                    label=folder.name or str(folder),
                    description=desc,
                    tooltip=str(folder),
                    icon="folder",
                    has_children=bool(found.tasks or found.problems),
                    context_value="tasks.folder",
                )
            )
        return out
    for folder in folders:
        if parent_id == f"tasks/{folder_key(folder)}":
            return _folder_children(hub, await board.discover(folder))
    return []


def _folder_children(hub: Hub, found: Discovered) -> list[proto.TreeItem]:
    from server.hub.tasks.ids import folder_key

    items = [task_node(hub, t) for t in found.tasks]
    key = folder_key(found.folder)
    items += [
        proto.TreeItem(
            id=f"tasks/{key}/problem/{i}",
            label=problem,
            icon="warning",
            context_value="tasks.problem",
        )
        for i, problem in enumerate(found.problems)
    ]
    return items


def task_node(hub: Hub, task: Task) -> proto.TreeItem:
    from server.hub.sanitize import plain_text
    from server.hub.tasks.ids import task_item_id
    from server.hub.tasks.models import SOURCE_NAMES

    item = task_item_id(task.folder, task.id)
    run = hub.tasks.run_of(task.folder, task.id)
    state = run.state if run is not None else "idle"
    desc = [SOURCE_NAMES[task.source]]
    if run is not None and state != "idle":
        desc.append(run.summary())
        if run.failures and not run.running:
            from server.hub.ci.failures import summary

            desc.append(summary(run.failures))
    tooltip = plain_text(task.detail or task.name, 500)
    if task.unsupported:
        tooltip += "\n\nIgnored here: " + ", ".join(task.unsupported)
    actions = []
    if state == "running":
        actions.append(
            proto.ItemAction(
                id="stop",
                title="Stop",
                icon="debug-stop",
                placement="inline",
                command=_cmd("tieline.tasks.stop", "Stop", item),
            )
        )
    else:
        actions.append(
            proto.ItemAction(
                id="run",
                title="Run",
                icon="play",
                placement="inline",
                command=_cmd("tieline.tasks.run", "Run", item),
            )
        )
    context = ["task", f"task.{state}", "can.stop" if state == "running" else "can.run"]
    log_uri = run.output.uri if run is not None else None
    if log_uri is not None:
        context.append("log")
        # The CI logs' command, with the document's URI: shells that open tieline-log:
        # documents themselves (VS Code's) own it, and the server answers it for the rest.
        actions.append(
            proto.ItemAction(
                id="log",
                title="Open Output",
                icon="output",
                placement="inline",
                command=_cmd("tieline.ci.openLog", "Open Output", log_uri),
            )
        )
    return proto.TreeItem(
        id=item,
        label=plain_text(task.name, 100),
        description=" · ".join(desc),
        tooltip=tooltip,
        icon=ICONS[state],
        command=_cmd("tieline.ci.openLog", "Open Output", log_uri) if log_uri else None,
        context_value=" ".join(context),
        actions=actions,
        log_uri=log_uri,
    )


def panel_changed(ls: TielineServer) -> None:
    ls.protocol.notify(methods.PANEL_CHANGED, proto.PanelChangedParams(panel_id=PANEL).wire())


# -- running --------------------------------------------------------------------------------


def _context(ls: TielineServer, hub: Hub, task: Task, where: dict[str, Any]) -> Any:
    """The variables' context of one run: the file and line the command was given (the
    shell's active editor), every folder by name."""
    from server.hub.tasks.variables import Context

    file = None
    uri = where.get("file") or where.get("uri")
    if isinstance(uri, str):
        file = path_of(uri) if "://" in uri else Path(uri)
    line = where.get("line")
    folders = {f.name: f for f in hub.tasks.folders()}
    return Context(
        folder=task.folder,
        file=file,
        line=line + 1 if isinstance(line, int) and not isinstance(line, bool) else None,
        folders=folders,
    )


async def _pick(ls: TielineServer, hub: Hub) -> str | None:
    from server.hub.tasks.ids import task_item_id

    choices: dict[str, str] = {}
    several = len(hub.tasks.folders()) > 1
    for folder in hub.tasks.folders():
        for t in (await hub.tasks.discover(folder)).tasks:
            title = f"{t.name} ({t.source}" + (f", {folder.name})" if several else ")")
            choices[title] = task_item_id(folder, t.id)
    if not choices:
        raise TielineError("no workspace folder has tasks (tasks.json, Makefile, package.json)")
    choice = await ls.window_show_message_request_async(
        types.ShowMessageRequestParams(
            type=types.MessageType.Info,
            message="Run which task?",
            actions=[types.MessageActionItem(title=t) for t in choices],
        )
    )
    return choices[choice.title] if choice is not None and choice.title in choices else None


async def run_task(
    ls: TielineServer, item: str, where: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Start the task ``item`` names; its output document is shown to clients that read
    such documents (unless ``where["reveal"]`` is false)."""
    hub = await hub_or_fail(ls)
    where = where or {}
    task = await hub.tasks.find(item)
    run = await hub.tasks.start(task, _context(ls, hub, task, where))
    reveal = where.get("reveal", True) is not False
    if reveal and client_supports_content(ls) and client_supports_show_document(ls):
        shown = asyncio.ensure_future(
            ls.window_show_document_async(
                types.ShowDocumentParams(uri=run.output.uri, take_focus=False)
            )
        )
        ls.background.add(shown)
        shown.add_done_callback(ls.background.discard)
    return {"task": item, "uri": run.output.uri, "state": run.state}


async def stop_task(ls: TielineServer, item: str) -> dict[str, Any]:
    hub = await hub_or_fail(ls)
    task = await hub.tasks.find(item)
    run = await hub.tasks.stop(task)
    if run is None:
        return {"task": item, "state": "idle", "stopped": False}
    return {"task": item, "state": run.state, "stopped": True}


async def list_tasks(ls: TielineServer) -> dict[str, Any]:
    """Every folder's tasks as data (for editors without panels, and scripts)."""
    from server.hub.tasks.ids import task_item_id

    hub = await hub_or_fail(ls)
    out = []
    for folder in hub.tasks.folders():
        found = await hub.tasks.discover(folder)
        for t in found.tasks:
            run = hub.tasks.run_of(folder, t.id)
            out.append(
                {
                    "id": task_item_id(folder, t.id),
                    "name": t.name,
                    "source": t.source,
                    "folder": folder.as_uri(),
                    "detail": t.detail,
                    "state": run.state if run is not None else "idle",
                    "logUri": run.output.uri if run is not None else None,
                }
            )
    return {"tasks": out}


# -- what a run shows while it runs and when it ends ------------------------------------------


class Watcher:
    """Progress, panel refreshes, diagnostics and a message for this editor's task runs."""

    def __init__(self, ls: TielineServer, hub: Hub) -> None:
        self.ls = ls
        self.hub = hub
        #: Diagnostics by run key (folder, task), by file URI.
        self.found: dict[tuple[str, str], dict[str, list[types.Diagnostic]]] = {}

    def changed(self, run: Run, what: str) -> None:
        panel_changed(self.ls)
        if what == "started":
            task = asyncio.ensure_future(self._progress(run))
            self.ls.background.add(task)
            task.add_done_callback(self.ls.background.discard)
        elif what == "ended":
            self._ended(run)

    def _ended(self, run: Run) -> None:
        if run.state == "stopped":
            return  # it fixed nothing: what the last run said stands
        self.publish(run)
        never_started = run.exit is not None and run.exit.code is None and not run.exit.signal
        if run.state == "failed" and not never_started:  # that one's command said why
            from server.hub.ci.failures import summary

            said = f": {summary(run.failures)}" if run.failures else ""
            warn(self.ls, f"Task {run.task.name} {run.summary()}{said}")

    def publish(self, run: Run) -> None:
        from server.hub.tasks.ids import task_item_id

        caps = caps_of(self.ls)
        readable = client_supports_content(self.ls)
        item = task_item_id(run.task.folder, run.task.id)
        lists: dict[str, list[types.Diagnostic]] = {}
        for f in run.failures:
            uri = (run.task.folder / f.path).as_uri()
            lists.setdefault(uri, []).append(
                failure_diagnostic(
                    f,
                    run.task.name,
                    caps,
                    source=SOURCE,
                    data={"task": item, "tool": f.tool, "output": run.output.uri},
                    log_uri=run.output.uri if readable else None,
                    log_title=f"the output of {run.task.name}",
                )
            )
        if lists:
            self.found[run.key] = lists
        else:
            self.found.pop(run.key, None)
        self._put()

    async def _progress(self, run: Run) -> None:
        """``$/progress`` for the run, where the client lets the server create a token."""
        caps = self.ls.client_capabilities
        if not (caps and caps.window and caps.window.work_done_progress):
            return
        token = f"tieline-task-{uuid.uuid4()}"
        progress = self.ls.work_done_progress
        try:
            await asyncio.wait_for(progress.create_async(token), 5)
        except Exception:
            return
        progress.begin(
            token,
            types.WorkDoneProgressBegin(
                title=f"Task {run.task.name}", message="starting", cancellable=True
            ),
        )
        asked = progress.tokens.get(token)
        if asked is not None:
            asked.add_done_callback(lambda f: self._cancelled(run, f))
        sent = ""
        try:
            while not run.done.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(run.done.wait(), REPORT_EVERY)
                if run.last_line and run.last_line != sent and not run.done.is_set():
                    sent = run.last_line
                    progress.report(token, types.WorkDoneProgressReport(message=sent))
        finally:
            progress.end(token, types.WorkDoneProgressEnd(message=run.summary()))
            progress.tokens.pop(token, None)

    def _cancelled(self, run: Run, future: Any) -> None:
        """The person cancelled the progress: stop the task."""
        if not future.cancelled() or not run.running:
            return
        task = asyncio.ensure_future(self.hub.tasks.stop(run.task))
        self.ls.background.add(task)
        task.add_done_callback(self.ls.background.discard)

    def folders_changed(self) -> None:
        """Folders closed: their tasks' diagnostics go with them."""
        from server.hub.tasks.ids import folder_key

        open_now = {folder_key(f) for f in self.hub.tasks.folders()}
        gone = [key for key in self.found if key[0] not in open_now]
        for key in gone:
            del self.found[key]
        if gone:
            self._put()

    def _put(self) -> None:
        merged: dict[str, list[types.Diagnostic]] = {}
        for by_uri in self.found.values():
            for uri, diags in by_uri.items():
                merged.setdefault(uri, []).extend(diags)
        self.ls.diagnostics.put("tasks", merged)


def folders_changed(ls: TielineServer) -> None:
    """The workspace's folders changed (see :meth:`Watcher.folders_changed`)."""
    watcher = getattr(ls, "tasks_watcher", None)
    if isinstance(watcher, Watcher):
        watcher.folders_changed()


def subscribe(ls: TielineServer, hub: Hub) -> Watcher:
    watcher = Watcher(ls, hub)
    hub.tasks.subscribe(watcher.changed)
    ls.tasks_watcher = watcher  # type: ignore[attr-defined]
    return watcher


# -- handlers -------------------------------------------------------------------------------


def _where(args: list[Any], i: int) -> dict[str, Any]:
    value = args[i] if len(args) > i else None
    if isinstance(value, str):
        return {"file": value}
    return dict(value) if isinstance(value, dict) else {}


def setup(server: TielineServer) -> None:
    @server.command("tieline.tasks.run")
    @guarded("tieline.tasks.run")
    async def run_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        given = list(args)
        item = given[0] if given and isinstance(given[0], str) else None
        if item is None:
            item = await _pick(ls, await hub_or_fail(ls))
            if item is None:
                return {"cancelled": True}
        return await run_task(ls, item, _where(given, 1))

    @server.command("tieline.tasks.stop")
    @guarded("tieline.tasks.stop")
    async def stop_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        return await stop_task(ls, arg(list(args), 0, str, "task id"))

    @server.command("tieline.tasks.openOutput")
    @guarded("tieline.tasks.openOutput")
    async def open_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        from server.hub.tasks.ids import is_task_log_uri, output_uri

        given = arg(list(args), 0, str, "task id or output URI")
        if is_task_log_uri(given):
            return await open_log_document(ls, given)
        hub = await hub_or_fail(ls)
        task = await hub.tasks.find(given)
        return await open_log_document(ls, output_uri(task.folder, task.id, task.name))

    @server.command("tieline.tasks.list")
    @guarded("tieline.tasks.list")
    async def list_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        return await list_tasks(ls)
