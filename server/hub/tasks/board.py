"""The workspace's tasks and their runs: what the Tasks panel, the run and stop commands,
the output documents and the task diagnostics all read.

One :class:`Run` per task that has been started in this editor session (its latest run):
its output document (:class:`~.output.TaskOutput`, the same document across runs, begun
again at each), its process while it runs, how it ended, and the ``path:line`` errors its
output points at in the folder (:func:`~server.hub.ci.failures.find_failures`, local mode,
read off the event loop when the run ends). Whoever shows runs subscribes with
:meth:`Board.subscribe` and hears of each start and end.

Diagnostics follow the task: a run that ends with failures found replaces what its last
run said; a clean run (exit 0, nothing found) clears it; a stopped run leaves it standing
(it fixed nothing).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shlex
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from ..ci.failures import Failure, find_failures
from . import ids, runner
from .discover import Cache
from .models import Discovered, Task
from .output import TaskOutput
from .variables import Context, resolve

log = logging.getLogger("tieline.tasks")

State = Literal["idle", "running", "passed", "failed", "stopped"]
#: The most failures kept per run (a problems list is read by a person).
MOST = 500


@dataclass
class Run:
    """The latest run of one task."""

    task: Task
    output: TaskOutput
    state: State = "idle"
    process: runner.Process | None = None
    exit: runner.Exit | None = None
    failures: list[Failure] = field(default_factory=list)
    """What the last run that ended (not stopped) said, for diagnostics."""
    cwd: Path | None = None
    started_at: float | None = None
    last_line: str = ""
    done: asyncio.Event = field(default_factory=asyncio.Event)
    _pump: asyncio.Task[None] | None = None

    @property
    def key(self) -> tuple[str, str]:
        return ids.folder_key(self.task.folder), self.task.id

    @property
    def running(self) -> bool:
        return self.state == "running"

    def summary(self) -> str:
        """``passed in 2.1 s``, ``failed (exit 2) in 0.4 s``, ``stopped``, ``running``."""
        e = self.exit
        if self.state == "running" or e is None:
            return self.state
        took = f" in {e.seconds:.1f} s"
        if self.state == "stopped":
            return "stopped" + took
        if e.ok:
            return "passed" + took
        if e.code is None and e.signal is None:
            return "failed to start"
        why = f"exit {e.code}" if e.code is not None else f"signal {e.signal}"
        return f"failed ({why}){took}"


Listener = Callable[[Run, str], None]
"""Called with the run and what happened: ``started``, ``ended``."""


class Board:
    """Tasks and runs of every workspace folder (``folders`` says which there are now)."""

    def __init__(
        self,
        folders: Callable[[], Iterable[Path]],
        *,
        ask_make: Callable[[], bool] = lambda: True,
    ) -> None:
        self._folders = folders
        self._ask_make = ask_make
        self.cache = Cache()
        self.runs: dict[tuple[str, str], Run] = {}
        self._listeners: list[Listener] = []

    # -- folders and tasks ------------------------------------------------------------------

    def folders(self) -> list[Path]:
        return list(dict.fromkeys(self._folders()))

    def folder(self, key: str) -> Path:
        for f in self.folders():
            if ids.folder_key(f) == key:
                return f
        raise ids.BadTaskRequest(f"no workspace folder is {key!r} (it may have been closed)")

    async def discover(self, folder: Path) -> Discovered:
        return await self.cache.get(folder, ask_make=self._ask_make())

    async def find(self, item_id: str) -> Task:
        """The task a panel item id (``tasks/<folder>/<task>``) names."""
        key, task_id = ids.parse_task_item_id(item_id)
        folder = self.folder(key)
        found = await self.discover(folder)
        task = next((t for t in found.tasks if t.id == task_id), None)
        if task is None:
            run = self.runs.get((key, task_id))
            if run is not None:
                return run.task  # no longer defined, but it ran: it can be stopped
            raise ids.BadTaskRequest(f"{folder.name} has no task {task_id!r}")
        return task

    # -- runs -------------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _tell(self, run: Run, what: str) -> None:
        for listener in list(self._listeners):
            try:
                listener(run, what)
            except Exception:
                log.exception("a task listener failed")

    def run_of(self, folder: Path, task_id: str) -> Run | None:
        return self.runs.get((ids.folder_key(folder), task_id))

    def output(self, uri: str) -> TaskOutput:
        """The output document ``uri`` names: the task's latest run, or an empty finished
        document for a task that has not run in this session."""
        key, task_id = ids.parse_output_uri(uri)
        run = self.runs.get((key, task_id))
        if run is not None:
            return run.output
        folder = self.folder(key)
        doc = TaskOutput(uri.split("?", 1)[0], task_id)
        doc.finish(f"({task_id} has not run in {folder.name} since the editor started)\n")
        return doc

    def _run_for(self, task: Task) -> Run:
        key = (ids.folder_key(task.folder), task.id)
        run = self.runs.get(key)
        if run is None:
            uri = ids.output_uri(task.folder, task.id, task.name)
            run = self.runs[key] = Run(task, TaskOutput(uri, task.name))
        else:
            run.task = task
        return run

    def launch(self, task: Task, ctx: Context) -> tuple[tuple[str, ...], Path, dict[str, str]]:
        """What to start for ``task``: its argument vector, directory and added environment,
        variables resolved (:class:`~.variables.UnsupportedVariable` when one cannot be)."""
        if not task.templated:
            return task.argv, Path(task.cwd), dict(task.env)
        argv = tuple(resolve(a, ctx) for a in task.argv)
        cwd = Path(resolve(task.cwd, ctx))
        if not cwd.is_absolute():
            cwd = task.folder / cwd
        env = {k: resolve(v, ctx) for k, v in task.env.items()}
        return argv, cwd, env

    async def start(self, task: Task, ctx: Context | None = None) -> Run:
        """Start ``task`` (:class:`~.runner.TaskFailedToStart` when it cannot be; a task
        already running is not started twice)."""
        old = self.run_of(task.folder, task.id)
        if old is not None and old.running:
            raise ids.BadTaskRequest(f"{task.name} is already running: stop it first")
        argv, cwd, env = self.launch(task, ctx or Context(folder=task.folder))
        run = self._run_for(task)
        started = time.strftime("%H:%M:%S")
        run.output.restart(f"> {shlex.join(argv)}   ({cwd}, {started})\n")
        run.cwd, run.exit, run.last_line = cwd, None, ""
        run.done = asyncio.Event()
        try:
            run.process = await runner.start(argv, cwd, env)
        except runner.TaskFailedToStart as exc:
            run.state = "failed"
            run.exit = runner.Exit(None)
            run.output.finish(f"\n> {exc.message}\n", error=exc.message)
            run.done.set()
            self._tell(run, "ended")
            raise
        run.state = "running"
        run.started_at = time.monotonic()
        run._pump = asyncio.ensure_future(self._follow(run, run.process))
        self._tell(run, "started")
        return run

    async def _follow(self, run: Run, proc: runner.Process) -> None:
        def on_output(text: str) -> None:
            run.output.feed(text)
            cut = text.rstrip("\n").rsplit("\n", 1)[-1].strip()
            if cut:
                run.last_line = cut[:200]

        try:
            exit_ = await proc.pump(on_output)
        except asyncio.CancelledError:
            await proc.stop()
            raise
        except Exception as exc:
            log.exception("following %s failed", run.task.id)
            exit_ = runner.Exit(None, seconds=time.monotonic() - proc.started)
            run.output.error = f"the output could not be read ({type(exc).__name__})"
        run.exit = exit_
        run.process = None
        if exit_.stopped:
            run.state = "stopped"
        else:
            run.state = "passed" if exit_.ok else "failed"
            failures = await asyncio.to_thread(self._failures, run)
            run.failures = failures
        run.output.finish(f"\n> {run.task.name}: {run.summary()}\n")
        run.done.set()
        self._tell(run, "ended")

    def _failures(self, run: Run) -> list[Failure]:
        return find_failures(run.output.text, run.task.folder, limit=MOST, cwd=run.cwd, local=True)

    async def stop(self, task: Task) -> Run | None:
        """Stop ``task``'s run (its whole process group); ``None`` if it is not running."""
        run = self.run_of(task.folder, task.id)
        if run is None or not run.running or run.process is None:
            return None
        await run.process.stop()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(run.done.wait(), runner.GRACE * 3)
        return run

    async def close(self) -> None:
        """The editor is going: every running task is stopped."""
        running = [r for r in self.runs.values() if r.running and r.process is not None]
        await asyncio.gather(*(r.process.stop() for r in running if r.process is not None))
        for r in self.runs.values():
            if r._pump is not None and not r._pump.done():
                r._pump.cancel()


__all__ = ["MOST", "Board", "Listener", "Run", "State"]
