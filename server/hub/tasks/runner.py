"""Running one task: a subprocess in its own process group, its output streamed, stoppable.

The program is started with an argument vector (``asyncio.create_subprocess_exec``), never a
command line built from names: a target called ``x; rm -rf ~`` is one argument to make. Only
a ``tasks.json`` *shell* task goes through a shell, with the command line its author wrote.
The process leads a new session (``start_new_session``), so everything it starts -- make's
recipes, npm's node, a test runner's workers -- is in its process group, and stopping the
task signals the group: ``SIGTERM``, then ``SIGKILL`` after :data:`GRACE` seconds. When the
task's own process exits, members of its group still holding the output open are stopped
the same way (a task's leftovers do not outlive it unseen); a process that detached itself
(``setsid``, ``nohup ... &`` with its output elsewhere) is its own business.

stdin is ``/dev/null``; stdout and stderr are one stream, read in chunks of :data:`CHUNK`
bytes and decoded as UTF-8 (bad bytes replaced), handed to ``on_output`` as they come.
"""

from __future__ import annotations

import asyncio
import atexit
import codecs
import contextlib
import os
import signal
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from connectors.sdk.errors import TielineError

from .probe import task_environment

#: Seconds between SIGTERM and SIGKILL.
GRACE: Final = 3.0
#: Bytes read from the task's output at a time.
CHUNK: Final = 64 * 1024
#: Seconds the output may stay open after the task's process exited (its leftovers').
LINGER: Final = 1.0

#: The process groups of tasks running now. A task leads a session of its own, so nothing
#: ends it when the server goes; at the interpreter's exit (an editor that closed the pipe
#: or sent ``exit`` without ``shutdown``) what is left gets SIGTERM.
_LIVE: set[int] = set()


def _stop_all_at_exit() -> None:
    for pgid in list(_LIVE):
        with contextlib.suppress(OSError):
            os.killpg(pgid, signal.SIGTERM)


atexit.register(_stop_all_at_exit)


class TaskFailedToStart(TielineError):
    """The task's program could not be started (not installed, no such directory)."""


@dataclass
class Exit:
    """How a run ended."""

    code: int | None
    """The exit status; ``None`` when it was stopped or never started."""
    stopped: bool = False
    signal: int | None = None
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.code == 0 and not self.stopped


class Process:
    """One started task: read it with :meth:`pump`, stop it with :meth:`stop`."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.pid = proc.pid
        _LIVE.add(proc.pid)
        self.started = time.monotonic()
        self.stopping = False

    def signal_group(self, sig: int) -> bool:
        """Signal every process of the task's group; False when none is left."""
        try:
            os.killpg(self.pid, sig)
        except ProcessLookupError:
            return False
        except PermissionError:  # the group's leader is gone and its id reused elsewhere
            return False
        return True

    async def stop(self, grace: float = GRACE) -> None:
        """The whole group gets SIGTERM, and SIGKILL if it is still there after ``grace``;
        the run counts as stopped."""
        self.stopping = True
        await self._end_group(grace)

    async def _end_group(self, grace: float) -> None:
        if not self.signal_group(signal.SIGTERM):
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.exit_code(), grace)
        deadline = time.monotonic() + grace
        # Members of the group are no children of ours: nothing to wait on but the clock.
        while self._group_alive() and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.05)
        self.signal_group(signal.SIGKILL)
        _LIVE.discard(self.pid)

    async def exit_code(self) -> int:
        """The task's own process's exit status, once it has exited. Not
        ``Process.wait()``: that also waits for the output pipe to close, which a leftover
        of the task may hold open."""
        while (code := self.proc.returncode) is None:  # noqa: ASYNC110  (no event is set)
            await asyncio.sleep(0.05)
        return code

    def _group_alive(self) -> bool:
        try:
            os.killpg(self.pid, 0)
        except (ProcessLookupError, PermissionError):
            return False
        return True

    async def pump(self, on_output: Callable[[str], None]) -> Exit:
        """Read the output until the task ends; how it ended."""
        assert self.proc.stdout is not None
        stream = self.proc.stdout
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        reader = asyncio.ensure_future(self._read(stream, decoder, on_output))
        code = await self.exit_code()
        try:
            await asyncio.wait_for(asyncio.shield(reader), LINGER)
        except TimeoutError:
            # Something the task started still holds the output: it goes with the task.
            await self._end_group(grace=1.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(reader, GRACE)
        if not reader.done():
            reader.cancel()
        if self._group_alive():
            await self._end_group(grace=1.0)
        _LIVE.discard(self.pid)
        tail = decoder.decode(b"", final=True)
        if tail:
            on_output(tail)
        seconds = time.monotonic() - self.started
        if self.stopping:
            return Exit(None, stopped=True, signal=-code if code < 0 else None, seconds=seconds)
        if code < 0:
            return Exit(None, signal=-code, seconds=seconds)
        return Exit(code, seconds=seconds)

    @staticmethod
    async def _read(
        stream: asyncio.StreamReader,
        decoder: codecs.IncrementalDecoder,
        on_output: Callable[[str], None],
    ) -> None:
        while True:
            data = await stream.read(CHUNK)
            if not data:
                return
            text = decoder.decode(data)
            if text:
                on_output(text)
            await asyncio.sleep(0)  # a task that floods the pipe still lets hovers in


async def start(argv: Sequence[str], cwd: Path, env: Mapping[str, str]) -> Process:
    """Start ``argv`` in ``cwd`` with ``env`` added to this process's environment."""
    if not argv:
        raise TaskFailedToStart("the task names no program")
    if not cwd.is_dir():  # noqa: ASYNC240  (one stat, before anything starts)
        raise TaskFailedToStart(f"the task's directory {cwd} does not exist")
    full = task_environment(env)
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env=full,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise TaskFailedToStart(f"{argv[0]} is not installed (not found on PATH)") from None
    except PermissionError:
        raise TaskFailedToStart(f"{argv[0]} cannot be run (permission denied)") from None
    except OSError as exc:
        raise TaskFailedToStart(f"{argv[0]} could not be started: {exc.strerror}") from None
    return Process(proc)


__all__ = ["CHUNK", "GRACE", "Exit", "Process", "TaskFailedToStart", "start"]
