"""A task run's output as a log document, fed while the task runs.

The same reading interface as a CI job's log (:class:`~server.hub.ci.logs.Paged`): pages,
``ready``, change listeners, so the LSP layer serves both through one path. Text arrives as
the process writes it; terminal escapes and ``\\r`` redraws are stripped a whole line at a
time (:class:`~server.hub.ci.logs.Parser`, the CI logs' own), and a line still being
written is held until its end (or the task's). Chunks are kept in a list and joined only
when read, so a task printing megabytes costs appends, not copies. Past :data:`MOST`
characters the oldest output is dropped (at a line end, under a note), the version
bumped so readers start again from 0.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Final

from ..ci.logs import PAGE, Failing, Listener, Paged, Parser

log = logging.getLogger("tieline.tasks")

#: The most characters of one run's output kept (its end: errors are printed last).
MOST: Final = 16 * 1024 * 1024


class TaskOutput(Paged):
    """The output of one run of one task."""

    running_note = "the task is running: more follows"

    def __init__(self, uri: str, title: str, *, page_size: int = PAGE, most: int = MOST) -> None:
        self.uri = uri
        self.title = title
        self.page_size = page_size
        self.most = most
        self.complete = False
        self.error: str | None = None
        self.version = 1
        self.failing: Failing | None = None
        self.listeners: list[Listener] = []
        self.pages_read: set[int] = set()
        self.dropped = 0
        self._parser = Parser()
        self._chunks: list[str] = []
        self._size = 0
        self._joined: str | None = ""
        self._changed = asyncio.Event()

    # -- text -------------------------------------------------------------------------------

    @property
    def text(self) -> str:
        if self._joined is None:
            self._joined = "".join(self._chunks)
            self._chunks = [self._joined] if self._joined else []
        return self._joined

    @text.setter
    def text(self, value: str) -> None:
        self._chunks = [value] if value else []
        self._size = len(value)
        self._joined = value

    @property
    def size(self) -> int:
        return self._size

    def restart(self, header: str) -> None:
        """A new run of the task: the document starts again (its version moves on)."""
        self._parser = Parser()
        self.text = header
        self.complete = False
        self.error = None
        self.dropped = 0
        self.version += 1
        self._notify(0)

    def feed(self, chunk: str) -> None:
        """Output as the process wrote it (any cut, escapes and all)."""
        self._append(self._parser.feed(chunk))

    def finish(self, footer: str, *, error: str | None = None) -> None:
        """The run ended: the held partial line, then ``footer``."""
        tail = self._parser.feed("", final=True)
        self.error = error
        self.complete = True
        self._append(tail + footer)

    def _append(self, out: str) -> None:
        if not out:
            if self.complete:
                self._notify(self._size)
            return
        at = self._size
        self._chunks.append(out)
        self._size += len(out)
        self._joined = None
        if self._size > self.most:
            at = self._trim()
        self._notify(at)

    def _trim(self) -> int:
        text = self.text
        keep = text[len(text) - self.most * 3 // 4 :]
        keep = keep[keep.find("\n") + 1 :]
        self.dropped += len(text) - len(keep)
        note = f"(the first {self.dropped:,} characters of this run's output were dropped)\n"
        self.text = note + keep
        self.version += 1
        return 0

    # -- reading ----------------------------------------------------------------------------

    def _notify(self, changed_from: int) -> None:
        self._changed.set()
        for listener in list(self.listeners):
            try:
                listener(self, changed_from)
            except Exception:  # one reader's failure is not the task's
                log.exception("a task output listener failed")

    async def ready(self, upto: int = 0) -> None:
        """Until there is text up to ``upto`` characters, or the run has ended."""
        while not self.complete and self._size < max(upto, 1):
            self._changed.clear()
            await self._changed.wait()

    def copy_name(self) -> str:
        return "task-" + self.uri.rsplit("/", 1)[-1]


__all__ = ["MOST", "TaskOutput"]
