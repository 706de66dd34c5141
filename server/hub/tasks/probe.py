"""Asking a tool about a folder (``make -p``, ``just --dump``): a short-lived subprocess
whose whole process group is stopped if it overruns, so a Makefile whose ``$(shell ...)``
hangs costs a panel a few seconds, never the server."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
from pathlib import Path

#: Seconds a tool may take to describe a folder.
TIMEOUT = 10.0


def capture(argv: list[str], cwd: Path, *, timeout: float = TIMEOUT) -> tuple[int, str] | None:
    """``(exit status, stdout)``, or ``None`` when the program is missing or overran."""
    try:
        proc = subprocess.Popen(  # noqa: S603  (an argument vector: no shell)
            argv,
            cwd=cwd,
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


__all__ = ["TIMEOUT", "capture"]
