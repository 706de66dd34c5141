"""Job logs as documents: fetched in the background, followed while the job runs, terminal
escapes stripped, the failing step first, and read in pages.

A :class:`LogDoc` is one job's log. A background task reads it through ``Pipelines.job_log``
from offset 0, passing each ``next_offset`` back, until the service says it is complete;
while the job runs it keeps asking every ``follow`` seconds. Text is processed in blocks of
:data:`BLOCK` characters with a yield to the event loop between them, so a 10 MB log never
holds a hover behind one long parse.

Where the failure is (parsed from the raw text, before :func:`.ansi.strip` removes GitLab's
markers with the colours):

- ``##[group]NAME`` lines start a step (GitHub Actions; a step's output follows its
  ``##[endgroup]``, so a step runs to the next group), ``##[error]`` marks an error: the step
  of the first error is the failing one;
- ``section_start:TS:NAME`` / ``section_end:TS:NAME`` (GitLab): the last ``step_*`` section
  (the job's script), else the last section before an ``ERROR:`` line;
- ``[Pipeline] { (NAME)`` lines start a stage (Jenkins pipelines): the stage of the first
  ``ERROR:`` line, else the last stage;
- anything else (CircleCI's per-step output, freestyle Jenkins builds): the last
  :data:`TAIL` lines, where runners print why they stopped.

When a finished job failed (or its log marks an error) the document starts with that part,
under a header line naming it and its lines, then the full log under a second header. Lines
are kept as they are otherwise (``##[group]`` lines included), so line numbers of the full
log match the service's own.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from connectors.sdk.ci import Job, RunStatus
from connectors.sdk.errors import TielineError
from connectors.sdk.models import ItemRef

from ..http import revalidate
from . import ansi
from .ids import ci_id, page_uri

log = logging.getLogger("tieline.ci.logs")

#: Characters processed between two yields to the event loop (~10 ms of stripping for a
#: log with colours on every line, on a loaded machine).
BLOCK = 64 * 1024
#: A read shorter than this is a running job's trickle, not a finished log's backlog.
BACKLOG = 256 * 1024
#: The most characters one page (a document, one ``tieline/log`` answer) carries.
PAGE = 512 * 1024
#: Lines shown first when a log has no step markers.
TAIL = 100
#: The most lines of the failing step shown at the top (its end, where the error is).
EXCERPT = 1000
#: How long a running job's log is followed before Tieline stops asking.
FOLLOW_LIMIT = 3600.0

# One pattern per marker, each starting with a literal: ``re`` then skips to candidates with
# a fast substring search (one alternation of them all tries every position: 100x slower).
_GHA = re.compile(r"##\[(?P<what>group|error)\](?P<text>[^\r\n]*)")
_GITLAB = re.compile(r"section_(?P<what>start|end):\d+:(?P<name>[A-Za-z0-9_.-]+)")
_STAGE = re.compile(r"\[Pipeline\] \{ \((?P<name>[^\r\n]*)\)\r?$", re.M)
_ERROR = re.compile(r"ERROR: ")


@dataclass
class Section:
    name: str
    kind: str  # "step" (Actions), "section" (GitLab), "stage" (Jenkins)
    start: int  # first line (0-based, in the stripped full log)
    end: int | None = None  # line after the last


@dataclass
class Failing:
    """The part of the log shown first: a name and a line range ``[start, end)``."""

    name: str
    start: int
    end: int


class Parser:
    """Raw log text in, stripped text out, one block at a time; notes sections and errors
    with their line numbers in the stripped text (equal to the raw text's: stripping keeps
    every newline)."""

    def __init__(self) -> None:
        self.pending = ""
        self.lines = 0
        self.sections: list[Section] = []
        self.errors: list[int] = []  # ##[error] lines
        self.plain_errors: list[int] = []  # "ERROR: " at the start of a line
        self._open: dict[str, Section] = {}  # GitLab sections by name
        #: (line, char offset in the stripped text) at each block's start.
        self.marks: list[tuple[int, int]] = [(0, 0)]
        self.chars = 0

    def feed(self, text: str, *, final: bool = False) -> str:
        data = self.pending + text
        if final:
            complete, self.pending = data, ""
            if complete and not complete.endswith("\n"):
                complete += "\n"
        else:
            cut = data.rfind("\n")
            if cut < 0:
                self.pending = data
                return ""
            complete, self.pending = data[: cut + 1], data[cut + 1 :]
        if not complete:
            return ""
        self._markers(complete)
        out = ansi.strip(complete)
        self.lines += complete.count("\n")
        self.chars += len(out)
        self.marks.append((self.lines, self.chars))
        return out

    def _markers(self, block: str) -> None:
        found: list[tuple[int, str, str]] = []
        if "##[" in block:
            found += [(m.start(), "gha_" + m["what"], m["text"]) for m in _GHA.finditer(block)]
        if "section_" in block:
            found += [(m.start(), "gl_" + m["what"], m["name"]) for m in _GITLAB.finditer(block)]
        if "[Pipeline] {" in block:
            found += [(m.start(), "stage", m["name"]) for m in _STAGE.finditer(block)]
        if "ERROR: " in block:
            found += [
                (m.start(), "error", "")
                for m in _ERROR.finditer(block)
                if m.start() == 0 or block[m.start() - 1] == "\n"
            ]
        found.sort()
        line, pos = self.lines, 0
        for at, what, text in found:
            line += block.count("\n", pos, at)
            pos = at
            if what == "gha_group":
                self._step("step", text.strip() or "step", line)
            elif what == "gha_error":
                self.errors.append(line)
            elif what == "gl_start":
                s = Section(text, "section", line)
                self._open[s.name] = s
                self.sections.append(s)
            elif what == "gl_end":
                s_open = self._open.pop(text, None)
                if s_open is not None:
                    s_open.end = line + 1
            elif what == "stage":
                self._step("stage", text.strip() or "stage", line)
            else:
                self.plain_errors.append(line)

    def _step(self, kind: str, name: str, line: int) -> None:
        for s in reversed(self.sections):
            if s.kind == kind and s.end is None:
                s.end = line
                break
        self.sections.append(Section(name, kind, line))

    def failing(self, *, failed: bool) -> Failing | None:
        """Where the failure is, once the whole log is in (``None``: nothing to show first)."""
        total = self.lines
        for s in self.sections:
            if s.end is None:
                s.end = total
        if not (failed or self.errors):
            return None
        steps = [s for s in self.sections if s.kind == "step"]
        if self.errors and steps:
            first = self.errors[0]
            inside = [s for s in steps if s.start <= first < (s.end or total)]
            if inside:
                s = inside[-1]
                return Failing(s.name, s.start, s.end or total)
        if self.errors:
            first = self.errors[0]
            return Failing("error", max(0, first - TAIL), min(total, first + 5))
        gitlab = [s for s in self.sections if s.kind == "section"]
        if gitlab:
            err = self.plain_errors[0] if self.plain_errors else total
            scripts = [s for s in gitlab if s.name.startswith("step_") and s.start <= err]
            before = [s for s in gitlab if s.start <= err]
            pick = (scripts or before or gitlab)[-1]
            return Failing(pick.name, pick.start, pick.end or total)
        stages = [s for s in self.sections if s.kind == "stage"]
        if stages:
            if self.plain_errors:
                err = self.plain_errors[0]
                inside = [s for s in stages if s.start <= err < (s.end or total)]
                if inside:
                    return Failing(inside[-1].name, inside[-1].start, inside[-1].end or total)
            return Failing(stages[-1].name, stages[-1].start, stages[-1].end or total)
        if total == 0:
            return None
        return Failing("end of the log", max(0, total - TAIL), total)

    def offset_of(self, text: str, line: int) -> int:
        """The char offset of ``line`` in ``text`` (the stripped full log), from the nearest
        block mark: a few thousand ``find`` calls at most."""
        best = (0, 0)
        for m in self.marks:
            if m[0] <= line:
                best = m
            else:
                break
        n, pos = best
        while n < line:
            nxt = text.find("\n", pos)
            if nxt < 0:
                return len(text)
            pos, n = nxt + 1, n + 1
        return pos


#: How the full log's header starts (what follows the failing step's excerpt).
FULL_LOG = "=== Full log"


def failing_header(f: Failing, start: int) -> str:
    """The line above the failing step's excerpt (lines ``start`` to ``f.end``, 0-based)."""
    return f"=== Failing step: {f.name} (lines {start + 1}-{f.end} of the full log below) ===\n"


def full_header(lines: int) -> str:
    return f"{FULL_LOG} ({lines} lines) ===\n"


Listener = Callable[["Paged", int], None]


class Paged:
    """What a log document is read through, apart from where its text comes from: a CI
    job's log (:class:`LogDoc`) and a workspace task's output
    (:class:`server.hub.tasks.output.TaskOutput`) share it, so ``tieline/log``,
    ``workspace/textDocumentContent`` and their change notices serve both the same way."""

    uri: str
    text: str
    page_size: int
    complete: bool
    error: str | None
    version: int
    failing: Failing | None
    listeners: list[Listener]
    pages_read: set[int]
    #: What a page says at its end while more is coming.
    running_note = "the job is running: more follows"

    async def ready(self, upto: int = 0) -> None:
        raise NotImplementedError

    def copy_name(self) -> str:
        """A file name for a copy of the text (editors that read no such documents)."""
        raise NotImplementedError

    # -- reading ----------------------------------------------------------------------------

    def slice(self, offset: int, limit: int | None = None) -> tuple[str, int]:
        """Up to ``limit`` characters (at most a page) from ``offset``, ending at a line's
        end unless one line is longer than that; the text and the offset to ask next."""
        size = min(limit or self.page_size, self.page_size)
        offset = max(0, min(offset, len(self.text)))
        end = min(len(self.text), offset + size)
        if end < len(self.text):
            cut = self.text.rfind("\n", offset, end)
            if cut >= offset:
                end = cut + 1
        return self.text[offset:end], end

    def page_bounds(self) -> list[tuple[int, int]]:
        """Each page's ``[start, end)``, pages cut at line ends (20 ``rfind`` for 10 MB)."""
        out: list[tuple[int, int]] = []
        start = 0
        while start < len(self.text) or not out:
            _, end = self.slice(start)
            out.append((start, end))
            if end <= start:
                break
            start = end
        return out

    def page(self, n: int) -> str:
        """Page ``n`` (from 1) as a document: its text, then where the next page is."""
        bounds = self.page_bounds()
        if n > len(bounds):
            return f"(no page {n}: this log has {len(bounds)})\n"
        start, end = bounds[n - 1]
        body = self.text[start:end]
        if n < len(bounds):
            body += f"\n... continued in page {n + 1}: {page_uri(self.uri, n + 1)}\n"
        elif not self.complete:
            body += f"\n... {self.running_note}\n"
        if self.error:
            body += f"\n(the log could not be read to its end: {self.error})\n"
        return body

    def pages_from(self, offset: int) -> list[int]:
        """The pages (from 1) whose text starts at or after ``offset`` changes, plus the one
        before (its "continued" line appears)."""
        bounds = self.page_bounds()
        out = [i + 1 for i, (_, end) in enumerate(bounds) if end >= offset]
        if out and out[0] > 1:
            out.insert(0, out[0] - 1)
        return out


@dataclass
class LogDoc(Paged):
    """One job's log, as the editor reads it (see the module docstring)."""

    uri: str
    ref: ItemRef
    connector: Any
    job: Job | None = None
    #: The job's pipeline, read again when a followed job ends (did it fail?), and its
    #: attempt when the log was opened (a re-run of the same job is read anew).
    pipeline: ItemRef | None = None
    attempt: int = 0
    follow: float = 2.0
    page_size: int = PAGE
    text: str = ""
    complete: bool = False
    error: str | None = None
    #: Bumped when the text is laid out anew (the failing step put first): offsets from
    #: before no longer hold.
    version: int = 1
    failing: Failing | None = None
    listeners: list[Listener] = field(default_factory=list)
    pages_read: set[int] = field(default_factory=set)
    _changed: asyncio.Event = field(default_factory=asyncio.Event)
    _task: asyncio.Task[None] | None = None
    _live: bool = False
    last_read: float = field(default_factory=time.monotonic)

    def start(self) -> None:
        if self._task is None:
            self._live = self.job is not None and self.job.status is not RunStatus.COMPLETED
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"tieline-log {ci_id(self.ref)}"
            )

    def stop(self) -> None:
        if self._task is not None and not self._task.done():
            self._task.cancel()

    async def _run(self) -> None:
        parser = Parser()
        full: list[str] = []
        offset = 0
        began = time.monotonic()
        try:
            while True:
                with revalidate():  # a running log's read wants the service's answer
                    chunk = await self.connector.job_log(self.ref, offset=offset)
                grew = await self._feed(parser, full, chunk.text)
                offset = max(chunk.next_offset, offset)
                if chunk.complete:
                    break
                if not chunk.text or len(chunk.text) < BACKLOG:
                    if not self._live:  # a trickle, not a backlog: the job is running
                        self._live = True
                        self.text = "".join(full)
                        self._notify(0)
                    elif grew:
                        self._notify(len(self.text) - grew)
                    if time.monotonic() - began > FOLLOW_LIMIT:
                        log.info("stopped following %s after an hour", self.uri)
                        break
                    await asyncio.sleep(self.follow)
            tail = parser.feed("", final=True)
            if tail:
                full.append(tail)
            await self._settled()
            await self._finish(parser, full)
        except asyncio.CancelledError:
            raise
        except TielineError as exc:
            self.error = exc.message
            log.warning("log of %s could not be read: %s", self.uri, exc.message)
        except Exception as exc:  # the log fails alone; the editor is told why
            self.error = f"the log could not be read ({type(exc).__name__})"
            log.exception("log of %s failed", self.uri)
        finally:
            self.complete = True
            self._changed.set()

    async def _settled(self) -> None:
        """A job followed while it ran has ended: learn how (its pipeline, read once)."""
        if self.job is None or self.pipeline is None or self.job.status is RunStatus.COMPLETED:
            return
        try:
            with revalidate():
                p = await self.connector.get_pipeline(self.pipeline)
        except TielineError as exc:
            log.info("could not read how %s ended: %s", self.uri, exc.message)
            return
        self.job = next((j for j in p.jobs if j.ref.key == self.ref.key), self.job)

    async def _feed(self, parser: Parser, full: list[str], text: str) -> int:
        grew = 0
        for i in range(0, len(text), BLOCK):
            out = parser.feed(text[i : i + BLOCK])
            if out:
                full.append(out)
                if self._live:
                    self.text += out
                grew += len(out)
            await asyncio.sleep(0)  # let hovers in between blocks
        return grew

    async def _finish(self, parser: Parser, full: list[str]) -> None:
        whole = "".join(full)
        await asyncio.sleep(0)
        failed = self.job.failed if self.job is not None else False
        self.failing = parser.failing(failed=failed)
        before = self.text
        if self.failing is None:
            self.text = whole
        else:
            f = self.failing
            start = max(f.start, f.end - EXCERPT)
            a, b = parser.offset_of(whole, start), parser.offset_of(whole, f.end)
            excerpt = whole[a:b]
            if len(excerpt) > self.page_size // 2:
                excerpt = excerpt[-(self.page_size // 2) :]
                excerpt = excerpt[excerpt.find("\n") + 1 :]
            self.text = failing_header(f, start) + excerpt + full_header(parser.lines) + whole
        changed_from = 0 if self.failing is not None or not before else len(before)
        if self.failing is not None and before:
            self.version += 1
        self.complete = True
        self._notify(changed_from)

    def _notify(self, changed_from: int) -> None:
        self._changed.set()
        for listener in list(self.listeners):
            try:
                listener(self, changed_from)
            except Exception:
                log.exception("a log listener failed")

    async def ready(self, upto: int = 0) -> None:
        """Until the text reaches ``upto`` characters (while the job runs), or the log is
        complete. A finished job's log is read whole first, so its failing step can lead."""
        self.last_read = time.monotonic()
        while not self.complete and not (self._live and len(self.text) >= max(upto, 1)):
            self._changed.clear()
            await self._changed.wait()
        if self.error is not None and not self.text:
            raise TielineError(self.error)

    def copy_name(self) -> str:
        name = self.uri.rsplit("/", 1)[-1]
        return f"{self.ref.connector}-{quote(self.ref.key, safe='')}-{name}"


class LogBook:
    """The logs opened in this editor session, by job, the least recently read dropped (and
    no longer followed) beyond :attr:`size`."""

    def __init__(self, size: int = 8) -> None:
        self.size = size
        self._docs: OrderedDict[str, LogDoc] = OrderedDict()

    def get(self, key: str) -> LogDoc | None:
        doc = self._docs.get(key)
        if doc is not None:
            self._docs.move_to_end(key)
        return doc

    def put(self, key: str, doc: LogDoc) -> LogDoc:
        self._docs[key] = doc
        self._docs.move_to_end(key)
        while len(self._docs) > self.size:
            _, old = self._docs.popitem(last=False)
            old.stop()
        return doc

    def drop(self, key: str) -> None:
        doc = self._docs.pop(key, None)
        if doc is not None:
            doc.stop()

    def close(self) -> None:
        for doc in self._docs.values():
            doc.stop()
        self._docs.clear()


async def read_raw(connector: Any, ref: ItemRef, *, most: int = 32 << 20) -> str:
    """A finished job's whole raw log (escapes and markers kept), chunk by chunk, at most
    ``most`` characters (the end kept: failures are printed last). For readers of the text
    itself (failures as diagnostics); documents go through :class:`LogDoc`."""
    parts: list[str] = []
    size = offset = 0
    while True:
        with revalidate():
            chunk = await connector.job_log(ref, offset=offset)
        parts.append(chunk.text)
        size += len(chunk.text)
        while size > most and len(parts) > 1:
            size -= len(parts.pop(0))
        if chunk.complete or chunk.next_offset <= offset:
            break
        offset = chunk.next_offset
    return "".join(parts)[-most:]


def open_log(hub: Any, uri: str, *, page_size: int = PAGE, follow: float = 2.0) -> LogDoc:
    """The log document ``uri`` names (:func:`~.ids.log_uri`), reading in the background
    from the session that serves its connector, host and scope; opened once per job."""
    from connectors.sdk.capabilities import Pipelines, provides

    from . import board
    from .ids import parse_log_uri

    ref, _page = parse_log_uri(uri)
    key = ci_id(ref)
    book: LogBook = hub.logs
    try:
        found = board.find(hub, key)
    except TielineError:
        found = None
    doc = book.get(key)
    attempt = found.pipeline.attempt if found is not None else 0
    if doc is not None and doc.error is None and attempt <= doc.attempt:
        return doc
    job = None
    pipeline = None
    session = None
    if found is not None:
        session, job, ref = found.session, found.job, found.ref
        pipeline = found.pipeline.ref
    else:
        session = hub.session_for(ref.connector, ref.host, ref.scope)
    if session is None:
        raise TielineError(f"no {ref.connector} session on {ref.host}: sign in to read this log")
    if not provides(session.connector, Pipelines):
        raise TielineError(f"{session.manifest.name} has no CI logs (no Pipelines capability)")
    doc = LogDoc(
        uri=uri.split("?", 1)[0],
        ref=ref,
        connector=session.connector,
        job=job,
        pipeline=pipeline,
        attempt=attempt,
        follow=follow,
        page_size=page_size,
    )
    book.drop(key)
    book.put(key, doc)
    doc.start()
    return doc


__all__ = [
    "BLOCK",
    "EXCERPT",
    "FULL_LOG",
    "PAGE",
    "Failing",
    "Listener",
    "LogBook",
    "LogDoc",
    "Paged",
    "Parser",
    "Section",
    "failing_header",
    "full_header",
    "open_log",
    "read_raw",
]
