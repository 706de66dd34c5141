"""Every task of a workspace folder, from every source, cached until a source file changes.

Sources are read in a fixed order -- ``tasks.json``, Makefile, ``package.json``, justfile --
each adding its tasks and the problems it met to one :class:`~.models.Discovered`; one
source failing never hides another's tasks. The answer is kept per folder with the
modification times of the files it was read from, so a panel opened again is free, and an
edited Makefile is read again the next time.
"""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import Callable
from pathlib import Path

from . import just, make, npm, vscode
from .models import Discovered

log = logging.getLogger("tieline.tasks")

SOURCES: tuple[Callable[[Path, Discovered], None], ...] = (
    vscode.discover,
    make.discover,
    npm.discover,
    just.discover,
)
#: The files whose change means a folder's tasks are read again.
WATCHED = (
    ".vscode/tasks.json",
    *make.NAMES,
    "package.json",
    *(lock for lock, _ in npm.LOCKFILES),
    "justfile",
    "Justfile",
    ".justfile",
)


def discover(folder: Path, *, ask_make: bool = True) -> Discovered:
    """The tasks of ``folder`` from every source (blocking: make and just are asked;
    ``ask_make=False`` reads a Makefile's text instead, ``tasks.ask_make``)."""
    out = Discovered(folder=folder)
    for source in SOURCES:
        if source is make.discover and not ask_make:
            source = functools.partial(make.discover, ask=False)
        try:
            source(folder, out)
        except Exception as exc:  # a source's bug costs its tasks, not the others'
            log.exception("reading the tasks of %s failed", folder)
            out.problems.append(f"{source.__module__.rsplit('.', 1)[-1]} tasks: {exc}")
    return out


def signature(folder: Path) -> tuple[tuple[str, int], ...]:
    out = []
    for name in WATCHED:
        try:
            out.append((name, (folder / name).stat().st_mtime_ns))
        except OSError:
            continue
    return tuple(out)


class Cache:
    """The last answer per folder, with the signature it was read at."""

    def __init__(self) -> None:
        self._answers: dict[Path, tuple[tuple[object, ...], Discovered]] = {}
        self._locks: dict[Path, asyncio.Lock] = {}

    async def get(self, folder: Path, *, ask_make: bool = True) -> Discovered:
        lock = self._locks.setdefault(folder, asyncio.Lock())
        async with lock:  # two panels asking at once: one make -p
            sig = (ask_make, *await asyncio.to_thread(signature, folder))
            hit = self._answers.get(folder)
            if hit is not None and hit[0] == sig:
                return hit[1]
            found = await asyncio.to_thread(functools.partial(discover, folder, ask_make=ask_make))
            self._answers[folder] = (sig, found)
            return found

    def cached(self, folder: Path) -> Discovered | None:
        hit = self._answers.get(folder)
        return hit[1] if hit is not None else None


__all__ = ["SOURCES", "WATCHED", "Cache", "discover", "signature"]
