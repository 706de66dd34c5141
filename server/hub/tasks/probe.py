"""Asking a tool about a folder (``make -p``, ``just --dump``): a short-lived subprocess
whose whole process group is stopped if it overruns, so a Makefile whose ``$(shell ...)``
hangs costs a panel a few seconds, never the server."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from collections.abc import Mapping
from pathlib import Path

#: Seconds a tool may take to describe a folder.
TIMEOUT = 10.0


#: What a make sets for the makes it runs itself (recursion depth, its flags and jobserver
#: descriptors). A task is started by the editor, not by a make, so none of it may reach
#: one: a server started from ``make run`` otherwise gave every make task "make[1]:
#: Entering directory" lines and a jobserver it does not have.
MAKE_RECURSION = (
    "MAKELEVEL",
    "MAKEFLAGS",
    "MFLAGS",
    "MAKEOVERRIDES",
    "MAKE_TERMOUT",
    "MAKE_TERMERR",
)


def task_environment(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment a task or a probe of one runs in: this process's, without make's
    recursion variables, plus ``extra`` (the task's own, which may set them again)."""
    env = {k: v for k, v in os.environ.items() if k not in MAKE_RECURSION}
    env.update(extra or {})
    return env


def capture(argv: list[str], cwd: Path, *, timeout: float = TIMEOUT) -> tuple[int, str] | None:
    """``(exit status, stdout)``, or ``None`` when the program is missing or overran."""
    try:
        proc = subprocess.Popen(  # noqa: S603  (an argument vector: no shell)
            argv,
            cwd=cwd,
            env=task_environment(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            text=True,
            errors="replace",
        )
    except OSError:
        return None
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None
    return proc.returncode, out


__all__ = ["MAKE_RECURSION", "TIMEOUT", "capture", "task_environment"]
