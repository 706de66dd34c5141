"""The errors a failed CI job's log points at in this checkout.

A job log is what compilers, linters and test runners printed on a CI machine, in that
machine's paths. :func:`find_failures` reads it the way a developer would: colours and the
runner's timestamps off (:mod:`server.hub.ci.ansi`), each line offered to the tools' parsers
below, every ``path:line`` mapped from the CI workspace onto ``root`` and kept only when that
file exists there. What comes back is service-neutral (any CI, any connector) and ready to
become diagnostics: 1-based lines and columns, a severity, the tool that said it.

One parser per output format, in one table (:data:`PARSERS`). A hand-written prefilter
(:data:`_CANDIDATE`, one regex over the whole log) finds the lines that start like one of
them and says which kind; those lines go to that kind's parsers in table order, and the
first that matches wins. A parser gets the line's match and the log's lines, so formats
that say *what* on one line and *where* on another (rustc and ruff's ``-->`` arrows,
eslint's file headers, pytest's ``E`` lines, Go's per-package test output) look around
the line instead of keeping global state. Formats, as each tool really prints them
(samples, with where each came from, in ``tests/ci/logs/``):

=============  ====================================================================
pytest         a failure's section: ``path:line: in func`` (``--tb=short``) or
               ``path:line: ExcType`` (``--tb=long``) frames, ``E`` lines as the message;
               the deepest frame in the checkout is the error, the frames that called
               it ``info``; ``--tb=line``'s ``path:line: msg``; ``FAILED path::test -
               msg`` mapped to the test's ``def`` when no traceback line fell in it
python         ``File "path", line N, in func`` tracebacks (``--tb=native``, crashes)
mypy           ``path:line[:col[:eline:ecol]]: error|note: msg  [code]``, ``--pretty``
               messages wrapped onto the next lines
ruff           ``path:line:col: CODE msg`` (concise), ``CODE msg`` + `` --> path:l:c``
               with its ``help:`` (full, the default), ``path:line: [CODE] msg``
               (pylint), grouped, and ``--output-format github`` (workflow commands)
tsc            ``path(line,col): error TS1234: msg`` with its indented chain, and
               ``path:line:col - error TS..`` (``--pretty``)
eslint         stylish (a file header, then ``  line:col  error  msg  rule``), unix,
               compact
go             ``path.go:line:col: msg`` (build, vet); go test's indented
               ``file_test.go:line: msg``, found through the ``FAIL\tpkg`` line after it
rustc          ``error[E0308]: msg`` / ``warning: msg`` + `` --> src/main.rs:l:c``,
               labels and ``= note:`` lines kept, paths under the crate ``Compiling``
               named; test panics ``panicked at path:l:c:`` and their message
javac, cc      ``path:line[:col]: error|warning|note: msg``, the tool by file extension
               (``javac``, ``cc`` for gcc/clang, ``kotlin``, ``swift``, ``compiler``)
kotlin         Gradle's ``e: file:///path/F.kt:l:c msg`` (Kotlin 2) and
               ``e: /path/F.kt: (l, c): msg`` (Kotlin 1.x); ``w:`` warnings
maven          ``[ERROR] /path/File.java:[line,col] msg``
github         workflow commands ``::error file=..,line=..,col=..::msg`` as
               @actions/core escapes them; ``##[error]`` echoes read again for a location
=============  ====================================================================
"""

from __future__ import annotations

import posixpath
import re
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal, overload

from server.hub.ci.ansi import strip
from server.hub.ci.workspace import CheckoutPaths

Severity = Literal["error", "warning", "info"]


@dataclass(frozen=True, slots=True)
class Failure:
    """One error a log points at: where in the checkout, how bad, who said it."""

    path: str
    """Relative to the checkout root, POSIX separators."""
    line: int
    """1-based."""
    column: int | None
    """1-based, when the tool gave one."""
    severity: Severity
    message: str
    """What the tool said; several lines when the tool's message spans lines."""
    tool: str
    code: str | None = None
    """The tool's rule or error code (``F401``, ``TS2322``, ``E0308``, ``assignment``)."""
    end_line: int | None = None
    end_column: int | None = None
    """1-based, just past the last character (as an LSP range ends): mypy's inclusive
    ``--show-error-end`` column is moved one on; GitHub's ``endColumn`` is taken as given,
    the way ruff writes it."""


# ---------------------------------------------------------------------------------------
# Lines: runner timestamps off.

# GitHub Actions (``2024-01-01T00:00:00.0000000Z ``); GitLab runners' FF_TIMESTAMPS traces
# (the same, then the stream number, O/E and ``+`` for a continued line or a space:
# ``2024-05-14T11:19:20.000000Z 00O+``); Jenkins' timestamper in pipelines
# (``[2024-01-01T00:00:00.123Z] ``) and in its plain-text view (``12:00:01  ``).
_ISO: Final = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:?\d\d)"
_TIMESTAMPS: Final = tuple(
    re.compile(p)
    for p in (
        rf"{_ISO} [0-9a-f]{{2}}[OE][+ ]",  # GitLab (before GitHub's: it is GitHub's and more)
        rf"{_ISO} ",  # GitHub Actions
        rf"\[{_ISO}\] ",  # Jenkins pipelines
        r"\[\d\d:\d\d:\d\d(?:\.\d+)?\] ",  # Jenkins, bracketed clock
        r"\d\d:\d\d:\d\d(?:\.\d+)?  ",  # Jenkins' plain-text view
    )
)


class _Lines(Sequence[str]):
    """A log's lines, each with the runner's timestamp taken off when it is read: most lines
    are never read (only candidates and their neighbours are), so none is copied ahead."""

    __slots__ = ("_raw", "_stamp")

    def __init__(self, raw: list[str], stamp: re.Pattern[str] | None) -> None:
        self._raw = raw
        self._stamp = stamp.match if stamp is not None else None

    def __len__(self) -> int:
        return len(self._raw)

    def _clean(self, line: str) -> str:
        if self._stamp is not None and (m := self._stamp(line)):
            return line[m.end() :]
        return line

    def walk(self, start: int, limit: int) -> Iterator[tuple[int, str]]:
        """Lines ``start`` on, at most ``limit``, with their indexes, cleaned one at a
        time as they are taken (a reader that stops early pays for no more)."""
        raw, clean = self._raw, self._clean
        for k in range(start, min(len(raw), start + limit)):
            yield k, clean(raw[k])

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> list[str]: ...
    def __getitem__(self, index: int | slice) -> str | list[str]:
        if isinstance(index, slice):
            return [self._clean(line) for line in self._raw[index]]
        return self._clean(self._raw[index])


_IN_TEXT: dict[str | None, re.Pattern[str]] = {}


def _prepare(log: str) -> tuple[_Lines, list[tuple[int, re.Match[str]]]]:
    """The log's lines as a terminal shows them (timestamps taken off as they are read),
    and the ones worth offering to the parsers, with their :data:`_CANDIDATE` match.

    This is where a 10 MB log's time goes, so no regex runs once per line: only lines with
    an escape, a carriage return or an 8-bit CSI go through
    :func:`~server.hub.ci.ansi.strip` (found with ``in``, which is cheap; other stray
    control characters are left, harmless to the parsers), and the candidates are found by
    one regex over the whole text, each a newline, the runner's timestamp if the log has
    them (which runner's, its first lines tell), then the start of some tool's format."""
    if "\x1b" in log or "\r" in log or "\x9b" in log:
        raw = [
            strip(line.removesuffix("\r"))
            if "\x1b" in line or "\r" in line or "\x9b" in line
            else line
            for line in log.split("\n")
        ]
        text = "\n" + "\n".join(raw)
    else:
        raw = log.split("\n")
        text = "\n" + log
    stamp = next((s for s in _TIMESTAMPS if any(map(s.match, raw[:50]))), None)
    key = stamp.pattern if stamp is not None else None
    finder = _IN_TEXT.get(key)
    if finder is None:
        prefix = f"(?:{key})?+" if key else ""  # possessive: a stamp is never a path
        finder = _IN_TEXT[key] = re.compile(rf"\n{prefix}(?:{_CANDIDATE.pattern})")
    found: list[tuple[int, re.Match[str]]] = []
    index, at = -1, 0
    count = text.count
    pos, size = 0, len(text)
    while pos < size:
        # In blocks cut before a newline (a candidate starts at one and never crosses the
        # next): one ``finditer`` step over megabytes without a match is one C call that
        # holds the GIL, and the event loop waits on it even when this runs in a thread.
        end = text.find("\n", pos + _SCAN) if pos + _SCAN < size else size
        end = size if end < 0 else end
        for m in finder.finditer(text, pos, end):
            start = m.start()
            index += count("\n", at, start + 1)
            at = start + 1
            found.append((index, m))
        pos = end
    return _Lines(raw, stamp), found


#: Characters of a log scanned for candidates between two chances for other threads to run
#: (a few milliseconds).
_SCAN: Final = 64 * 1024


def _lines(log: str) -> list[str]:
    """The log's lines as a terminal shows them, runner timestamps off."""
    return list(_prepare(log)[0])


# A path as tools print it: optional ``file://``, optional drive, no spaces or the
# punctuation that ends a location (``:`` ``(`` ``[`` ``,``). Possessive: a path never
# gives characters back, so a line that is not a location fails at once (an extension is
# checked with a lookbehind instead).
_P: Final = r"(?:file:/{2,3})?(?:[A-Za-z]:[\\/])?[^\s:\"'<>|*?()\[\],]++"


# ---------------------------------------------------------------------------------------
# Parsing state shared by the parsers of one log.


@dataclass(slots=True)
class _Found:
    """A failure before its path is resolved: ``raw`` as printed, at log line ``at``."""

    at: int
    raw: str
    line: int
    column: int | None
    severity: Severity
    message: str
    tool: str
    code: str | None = None
    end_line: int | None = None
    end_column: int | None = None
    near: str = ""


_MAX: Final = 2**31  # an LSP position is a uint32; a larger "line" is no line


@dataclass(slots=True)
class _Log:
    lines: _Lines
    resolve: CheckoutPaths
    found: list[tuple[int, Failure]] = field(default_factory=list)
    seen: set[tuple[str, int, int | None, str]] = field(default_factory=set)
    go_pending: list[_Found] = field(default_factory=list)
    crate_dir: str = ""
    stylish: tuple[int, str] = (-2, "")  # (last row index, its file header)
    pytest_named: set[tuple[str, str]] = field(default_factory=set)
    def_spans: dict[tuple[str, str], tuple[int, int] | None] = field(default_factory=dict)
    skip_until: int = -1

    def add(self, f: _Found) -> None:
        """Keep ``f`` if its file is in the checkout and it was not said before."""
        if not 1 <= f.line < _MAX:
            return
        if f.column is not None and not 1 <= f.column < _MAX:
            f.column = f.end_column = None
        if f.end_line is not None and not f.line <= f.end_line < _MAX:
            f.end_line = f.end_column = None
        path = self.resolve(f.raw, f.near)
        if path is None:
            return
        key = (path, f.line, f.column, f.message.split("\n", 1)[0])
        if key in self.seen:
            return
        self.seen.add(key)
        self.found.append(
            (f.at, Failure(path, f.line, f.column, f.severity, f.message, f.tool, f.code,
                           f.end_line, f.end_column))
        )  # fmt: skip


def _plus_one(n: int | None) -> int | None:
    return n + 1 if n is not None else None


def _int(s: str | None) -> int | None:
    return int(s) if s and s.isdigit() and len(s) < 10 else None


def _sev(word: str) -> Severity:
    w = word.lower()
    if w.startswith(("err", "fatal", "e")):
        return "error"
    if w.startswith(("warn", "w")):
        return "warning"
    return "info"


_EXT_TOOL: Final = {
    ".py": "mypy", ".pyi": "mypy", ".java": "javac", ".kt": "kotlin", ".kts": "kotlin",
    ".c": "cc", ".h": "cc", ".cc": "cc", ".cpp": "cc", ".cxx": "cc", ".hpp": "cc",
    ".hh": "cc", ".m": "cc", ".mm": "cc", ".swift": "swift", ".go": "go", ".rs": "rustc",
}  # fmt: skip


def _tool_for(path: str, default: str = "compiler") -> str:
    return _EXT_TOOL.get(posixpath.splitext(path)[1].lower(), default)


# ---------------------------------------------------------------------------------------
# The parsers: a regex matched at the line's start, and a handler(match, log, index) that
# adds what it found (looking at the lines around when the format needs it).

Handler = Callable[[re.Match[str], _Log, int], None]


def _continuation(lines: Sequence[str], start: int, indent: int, limit: int = 8) -> list[str]:
    """The lines after ``start`` indented deeper than ``indent`` (go test's multi-line
    messages, tsc's chains), at most ``limit``, with their shared indentation taken off and
    the rest kept, so a chain still reads as one."""
    out: list[str] = []
    for line in lines[start + 1 : start + 1 + limit]:
        stripped = line.lstrip(" \t")
        if not stripped or len(line) - len(stripped) <= indent:
            break
        out.append(line.rstrip())
    if not out:
        return out
    common = min(len(line) - len(line.lstrip(" \t")) for line in out)
    return [line[common:] for line in out]


# pytest ------------------------------------------------------------------------------

_SECTION_LIMIT: Final = 5000  # lines one failure's section or traceback is read for
_PYTEST_SECTION: Final = re.compile(r"^_{3,} (.+?) _{3,}$")
_PYTEST_FRAME: Final = re.compile(rf"^({_P}(?<=\.py)):(\d+):(?: in (\S+)| ?(\w[\w.]*)?$)")
_E_LINE: Final = re.compile(r"^E( +)(.*)$")


def _pytest_section(m: re.Match[str], log: _Log, i: int) -> None:
    """A failure's section (``____ test_add ____``): its traceback frames (short and long
    tracebacks print ``path:line: in func`` or ``path:line: ExcType``) and its ``E`` lines.
    The deepest frame here is the error, with the ``E`` text; the frames that called it
    are information, so the test's own line is marked too."""
    name = m.group(1)
    frames: list[tuple[int, str, int]] = []
    message: list[str] = []
    end = i + 1
    native = False
    base: int | None = None
    for end, line in log.lines.walk(i + 1, _SECTION_LIMIT):
        if line.startswith(("_", "=")) and (
            line.startswith("=====") or _PYTEST_SECTION.match(line)
        ):
            break
        if line.startswith("E"):
            em = _E_LINE.match(line)
            if em:
                if base is None:
                    base = len(em.group(1))
                body = line[1:]
                message.append(body[base:] if not body[:base].strip() else body.strip())
        elif ".py:" in line and (fm := _PYTEST_FRAME.match(line)):
            frames.append((end, fm.group(1), int(fm.group(2))))
        elif line.startswith("Traceback (most recent call last)"):
            native = True
    else:
        end += 1
    log.skip_until = end - 1 if not native else log.skip_until
    if native or not frames:
        return
    text = "\n".join(message).strip() or f"{name} failed"
    # Long tracebacks print the frame after the code; short ones before: either way the
    # frame nearest the E lines' end that lies in the checkout is where it was raised.
    resolved = [(at, raw, ln) for at, raw, ln in frames if log.resolve(raw)]
    for n, (at, raw, ln) in enumerate(resolved):
        last = n == len(resolved) - 1
        msg = text if last else f"{name}: {text.splitlines()[0]} (called from here)"
        log.add(_Found(at, raw, ln, None, "error" if last else "info", msg, "pytest"))
        if path := log.resolve(raw):
            log.pytest_named.add((path, name.split("[")[0].split(".")[-1]))


_PYTEST_LINE_ONE: Final = re.compile(rf"^({_P}(?<=\.py)):(\d+): (.+)$")


def _pytest_line(m: re.Match[str], log: _Log, i: int) -> None:
    """``--tb=line``: ``/abs/tests/test_x.py:9: assert 2 == 3``, message on the line."""
    msg = m.group(3)
    severity: Severity = "warning" if re.match(r"\w*Warning\b", msg) else "error"
    tool = "python" if severity == "warning" else "pytest"
    log.add(_Found(i, m.group(1), int(m.group(2)), None, severity, msg, tool))


_FAILED: Final = re.compile(r"^(?:FAILED|ERROR) ([^\s:]+\.py)::(\S+?)(?: - (.*))?$")


def _pytest_failed(m: re.Match[str], log: _Log, i: int) -> None:
    """``FAILED tests/x.py::TestA::test_b[1] - msg``: the test's ``def`` line, unless a
    traceback of the same test already pointed into that file."""
    path = log.resolve(m.group(1))
    if path is None:
        return
    test = m.group(2).split("::")[-1].split("[")[0]
    if (path, test) in log.pytest_named:
        return
    if (path, test) not in log.def_spans:
        log.def_spans[(path, test)] = _def_span(log.resolve.root / path, test)
    span = log.def_spans[(path, test)]
    if span is None:
        return
    line, end = span
    # --tb=line and --tb=native name no test: a failure already inside its body will do.
    if not any(f.path == path and line <= f.line < end for _, f in log.found):
        msg = f"{m.group(2)} failed" + (f": {m.group(3)}" if m.group(3) else "")
        log.add(_Found(i, m.group(1), line, None, "error", msg, "pytest"))


_NEXT_DEF: Final = re.compile(r"\s*(?:async\s+def|def|class|@)\b")


def _def_span(file: Path, name: str) -> tuple[int, int] | None:
    """The lines of ``def name`` in ``file``: its ``def`` line, and the line of the next
    definition at the same or a lesser indent (or the end)."""
    pattern = re.compile(rf"^(\s*)(?:async\s+)?def\s+{re.escape(name)}\s*[\[(]")
    start: int | None = None
    indent = 0
    n = 0
    try:
        with file.open(encoding="utf-8", errors="replace") as fh:
            for n, line in enumerate(fh, 1):
                if start is None:
                    dm = pattern.match(line)
                    if dm:
                        start, indent = n, len(dm.group(1))
                elif len(line) - len(line.lstrip()) <= indent and _NEXT_DEF.match(line):
                    return start, n
    except OSError:
        return None
    return (start, n + 1) if start is not None else None


# python tracebacks ------------------------------------------------------------------

_PY_FRAME: Final = re.compile(r'^\s+File "([^"]+)", line (\d+)(?:, in (.+))?$')


def _traceback(m: re.Match[str], log: _Log, i: int) -> None:
    """``Traceback (most recent call last):`` then ``File "..", line N`` frames, then the
    exception at the first unindented line: the deepest frame in the checkout gets it."""
    frames: list[tuple[int, str, int]] = []
    exc: list[str] = []
    j = i
    for j, line in log.lines.walk(i + 1, _SECTION_LIMIT):
        if exc or (line and line[0] not in " \t"):
            # the exception: the unindented lines after the frames, up to a blank one
            if not line or line.startswith(("_____", "=====", "Traceback")) or len(exc) >= 6:
                break
            exc.append(line)
        elif line.startswith("  File") and (fm := _PY_FRAME.match(line)):
            frames.append((j, fm.group(1), int(fm.group(2))))
    else:
        j += 1
    mine = [(at, raw, ln) for at, raw, ln in frames if log.resolve(raw)]
    if not mine:
        return
    at, raw, ln = mine[-1]
    log.add(_Found(at, raw, ln, None, "error", "\n".join(exc) or "exception", "python"))
    log.skip_until = max(log.skip_until, j - 1)


# mypy / javac / gcc / clang / swift: path:line[:col]: severity: message --------------

_KEYWORD: Final = re.compile(
    rf"^({_P}):(\d+)(?::(\d+))?(?::(\d+):(\d+))?: ?"
    r"(fatal error|error|warning|note|info|remark)(?:\[([^\]]+)\])?: (.*)$"
)
_TRAILING_CODE: Final = re.compile(r"\s+\[([\w\-=.:,]+)\]$")
_LEADING_CODE: Final = re.compile(r"^\[([\w\-]+)\] ")


def _keyword(m: re.Match[str], log: _Log, i: int) -> None:
    raw = m.group(1)
    tool = _tool_for(raw)
    msg, code = m.group(8), m.group(7)
    cm = _TRAILING_CODE.search(msg)
    if cm and code is None:
        code, msg = cm.group(1), msg[: cm.start()]
    lm = _LEADING_CODE.match(msg)  # javac -Xlint: "warning: [rawtypes] found raw type"
    if lm and code is None:
        code, msg = lm.group(1), msg[lm.end() :]
    if tool == "mypy" and code is None:
        # --pretty wraps the message onto unindented lines and puts [code] on the last.
        more: list[str] = []
        for nxt in log.lines[i + 1 : i + 6]:
            if not nxt or nxt[0].isspace() or _CANDIDATE.match(nxt) or nxt.startswith("Found "):
                break
            more.append(nxt.strip())
        if more:
            msg = " ".join([msg.rstrip(), *more])
            cm = _TRAILING_CODE.search(msg)
            if cm:
                code, msg = cm.group(1), msg[: cm.start()]
    line, col = int(m.group(2)), _int(m.group(3))
    log.add(
        _Found(i, raw, line, col, _sev(m.group(6)), msg.strip(), tool, code,
               _int(m.group(4)), _plus_one(_int(m.group(5))))
    )  # fmt: skip


# ruff ---------------------------------------------------------------------------------

_RUFF_CODE: Final = r"[A-Z]{1,4}\d{1,4}|[a-z]+(?:-[a-z]+)+|SyntaxError"
_RUFF_CONCISE: Final = re.compile(rf"^({_P}):(\d+):(\d+): ({_RUFF_CODE}):? (?:\[\*\] )?(.*)$")
_RUFF_PYLINT: Final = re.compile(
    rf"^({_P}(?:(?<=\.py)|(?<=\.pyi))):(\d+): \[([A-Z]{{1,4}}\d{{1,4}})[^\]]*\] (.*)$"
)


def _ruff_concise(m: re.Match[str], log: _Log, i: int) -> None:
    code = m.group(4)
    tool = "ruff" if m.group(1).endswith((".py", ".pyi", ".ipynb")) else "linter"
    sev: Severity = "error"
    log.add(_Found(i, m.group(1), int(m.group(2)), int(m.group(3)), sev, m.group(5), tool, code))


_RUFF_GROUPED: Final = re.compile(rf"^ +(\d+):(\d+) ({_RUFF_CODE}) (?:\[\*\] )?(.*)$")


def _ruff_grouped(m: re.Match[str], log: _Log, i: int) -> None:
    """``--output-format grouped``: ``app/calc.py:`` alone, then ``   1:8 F401 msg`` rows."""
    j = i - 1
    while j >= 0 and _RUFF_GROUPED.match(log.lines[j]):
        j -= 1
    header = log.lines[j] if j >= 0 else ""
    if not header.endswith(":") or " " in header:
        return
    log.add(
        _Found(i, header[:-1], int(m.group(1)), int(m.group(2)), "error", m.group(4), "ruff",
               m.group(3))
    )  # fmt: skip


def _ruff_pylint(m: re.Match[str], log: _Log, i: int) -> None:
    log.add(_Found(i, m.group(1), int(m.group(2)), None, "error", m.group(4), "ruff", m.group(3)))


# rustc / cargo and ruff's full format: a header line, then --> path:line:col -----------

_ARROW: Final = re.compile(rf"^\s*--> ({_P}):(\d+)(?::(\d+))?\s*$")
_RUST_HEADER: Final = re.compile(r"^(error|warning|note|help)(?:\[(\w+)\])?: (.+)$")
_RUFF_HEADER: Final = re.compile(rf"^({_RUFF_CODE})(?: \[\*\])? (.+)$")
_LABEL: Final = re.compile(r"^\s*\|[\s|^\-~]*(.*)$")
_NOTE: Final = re.compile(r"^\s*(?:= )?((?:note|help): .+)$")
_COMPILING: Final = re.compile(r"^\s*(?:Compiling|Checking) \S+ v\S+ \((/[^)]+)\)$")
_LINT_LEVEL: Final = re.compile(r"#\[(?:warn|deny|forbid)\(([\w:]+)\)\]")


def _arrow(m: re.Match[str], log: _Log, i: int) -> None:
    """`` --> src/main.rs:2:18`` under ``error[E0308]: mismatched types`` (rustc) or
    ``F401 [*] `os` imported but unused`` (ruff): the header says what, the labels under
    the code and the ``note:``/``help:`` lines say why; all kept, one per line."""
    lines = log.lines
    header = lines[i - 1] if i else ""
    rh = _RUST_HEADER.match(header)
    raw = m.group(1)
    if rh:
        severity, code, msg = _sev(rh.group(1)), rh.group(2), rh.group(3)
        tool = "rustc" if raw.endswith(".rs") else "compiler"
    else:
        fh = _RUFF_HEADER.match(header)
        if not fh:
            return
        severity, code, msg = "error", fh.group(1), fh.group(2)
        tool = "ruff" if raw.endswith((".py", ".pyi", ".ipynb")) else "linter"
    extra: list[str] = []
    for line in lines[i + 1 : i + 40]:
        if not line.strip() or _ARROW.match(line):
            break
        lm = _LABEL.match(line)
        nm = None if lm else _NOTE.match(line)
        text = lm.group(1).strip() if lm else nm.group(1).strip() if nm else None
        if text and text.startswith("= "):
            text = text[2:]
        if text and text not in extra:
            extra.append(text)
    message = "\n".join([msg, *extra])
    if tool == "rustc" and code is None:
        # a lint names itself in its note: `#[warn(clippy::len_zero)]` on by default
        lint = next((lm.group(1) for t in extra if (lm := _LINT_LEVEL.search(t))), None)
        if lint:
            code = lint
            tool = "clippy" if lint.startswith("clippy::") else tool
    near = log.crate_dir if tool in ("rustc", "clippy") else ""
    log.add(
        _Found(i, raw, int(m.group(2)), _int(m.group(3)), severity, message, tool, code,
               near=near)
    )  # fmt: skip


def _compiling(m: re.Match[str], log: _Log, i: int) -> None:
    """``Compiling rsvc v0.1.0 (/home/runner/work/demo/demo/rsvc)`` (``Checking`` under
    clippy): later ``src/..`` paths are that crate's."""
    log.crate_dir = log.resolve.directory(m.group(1))


_PANIC: Final = re.compile(
    rf"^thread '[^']*'(?: \(\d+\))? panicked at (?:'(.*)', )?({_P}):(\d+):(\d+):?$"
)


def _panic(m: re.Match[str], log: _Log, i: int) -> None:
    """A Rust test's panic: ``thread 'tests::adds' panicked at src/lib.rs:11:9:`` and the
    message on the lines after it (before 1.73, inline in quotes)."""
    msg = m.group(1)
    if msg is None:
        body: list[str] = []
        for line in log.lines[i + 1 : i + 12]:
            if not line.strip() or line.startswith(("stack backtrace:", "note: ")):
                break
            body.append(line)
        msg = "\n".join(body) or "panicked"
    test = re.match(r"^thread '([^']*)'", m.group(0))
    prefix = f"{test.group(1)} panicked: " if test and test.group(1) != "main" else ""
    log.add(
        _Found(i, m.group(2), int(m.group(3)), int(m.group(4)), "error", prefix + msg,
               "cargo test", near=log.crate_dir)
    )  # fmt: skip


# tsc ------------------------------------------------------------------------------------

_TSC: Final = re.compile(rf"^({_P})\((\d+),(\d+)\): (error|warning|message) (TS\d+): (.*)$")
_TSC_PRETTY: Final = re.compile(rf"^({_P}):(\d+):(\d+) - (error|warning|message) (TS\d+): (.*)$")


def _tsc(m: re.Match[str], log: _Log, i: int) -> None:
    """tsc's message chains continue on the lines below, indented two more each step."""
    msg = "\n".join([m.group(6), *_continuation(log.lines, i, 0)])
    log.add(
        _Found(i, m.group(1), int(m.group(2)), int(m.group(3)), _sev(m.group(4)), msg,
               "tsc", m.group(5))
    )  # fmt: skip


# eslint -------------------------------------------------------------------------------

_STYLISH_ROW: Final = re.compile(r"^  (\d+):(\d+)\s+(error|warning)\s+(.*?)(?:\s{2,}(\S+))?\s*$")
_ESLINT_UNIX: Final = re.compile(rf"^({_P}):(\d+):(\d+): (.*) \[(Error|Warning)(?:/(\S+))?\]$")
_ESLINT_COMPACT: Final = re.compile(
    rf"^({_P}): line (\d+), col (\d+), (Error|Warning) - (.*?)(?: \((\S+)\))?$"
)


def _stylish(m: re.Match[str], log: _Log, i: int) -> None:
    """eslint's default: the file alone on a line, then one indented row per problem."""
    last, header = log.stylish
    if last != i - 1:
        header = ""
        j = i - 1
        while j >= 0 and _STYLISH_ROW.match(log.lines[j]):
            j -= 1
        if j >= 0:
            header = log.lines[j].strip()
    log.stylish = (i, header)
    if not header or " " in header:
        return
    log.add(
        _Found(i, header, int(m.group(1)), int(m.group(2)) or None, _sev(m.group(3)),
               m.group(4), "eslint", m.group(5))
    )  # fmt: skip


def _eslint_unix(m: re.Match[str], log: _Log, i: int) -> None:
    log.add(
        _Found(i, m.group(1), int(m.group(2)), int(m.group(3)) or None, _sev(m.group(5)),
               m.group(4), "eslint", m.group(6))
    )  # fmt: skip


def _eslint_compact(m: re.Match[str], log: _Log, i: int) -> None:
    log.add(
        _Found(i, m.group(1), int(m.group(2)), int(m.group(3)) or None, _sev(m.group(4)),
               m.group(5), "eslint", m.group(6))
    )  # fmt: skip


# go ---------------------------------------------------------------------------------------

_GO: Final = re.compile(rf"^({_P}(?<=\.go)):(\d+)(?::(\d+))?: (.*)$")
_GO_TEST: Final = re.compile(r"^(\s+)([^\s:/]+\.go):(\d+): (.*)$")
_GO_PACKAGE: Final = re.compile(r"^FAIL\s+(\S+)(?:\s+[\d.]+s|\s+\[.*\])?\s*$")


def _go(m: re.Match[str], log: _Log, i: int) -> None:
    log.add(_Found(i, m.group(1), int(m.group(2)), _int(m.group(3)), "error", m.group(4), "go"))


def _go_test(m: re.Match[str], log: _Log, i: int) -> None:
    """go test names only the file (``    calc_test.go:7: msg``); its package comes after,
    on ``FAIL\\texample.com/mod/internal/calc``. Held until then."""
    indent = len(m.group(1))
    first = m.group(4).rstrip()
    more = _continuation(log.lines, i, indent, limit=30)  # testify's blocks run long
    msg = "\n".join([first, *more] if first else more) or "failed"
    log.go_pending.append(_Found(i, m.group(2), int(m.group(3)), None, "error", msg, "go test"))


def _go_package(m: re.Match[str], log: _Log, i: int) -> None:
    if not log.go_pending:
        return
    pkg = m.group(1)
    for f in log.go_pending:
        f.near = _go_dir(log.resolve, pkg, f.raw)
        log.add(f)
    log.go_pending = []


def _go_dir(resolve: CheckoutPaths, pkg: str, name: str) -> str:
    """The checkout directory of Go package ``pkg`` holding file ``name``: the candidate
    whose directory is the longest suffix of the import path."""
    best, best_len = "", -1
    for cand in resolve.files_named(name):
        d = posixpath.dirname(cand)
        if d == "" or ("/" + pkg).endswith("/" + d):
            score = len(d)
        else:
            # a module below the root: dir "gosvc/internal/calc" for "example.com/gosvc/..."
            parts = d.split("/")
            score = -1
            for k in range(len(parts)):
                if ("/" + pkg).endswith("/" + "/".join(parts[k:])):
                    score = len("/".join(parts[k:]))
                    break
        if score > best_len:
            best, best_len = d, score
    return best


# kotlin, maven --------------------------------------------------------------------------

_KOTLIN: Final = re.compile(
    rf"^([ewi]): ({_P}(?:(?<=\.kt)|(?<=\.kts)))(?::(\d+):(\d+):?| ?: \((\d+), (\d+)\):) (.*)$"
)
_MAVEN: Final = re.compile(
    rf"^\[(ERROR|WARNING|WARN|INFO)\] ({_P}):\[(\d+),(\d+)\](?:\s*\[[^\]]*\])? (.*)$"
)


def _kotlin(m: re.Match[str], log: _Log, i: int) -> None:
    line = m.group(3) or m.group(5)
    col = m.group(4) or m.group(6)
    log.add(_Found(i, m.group(2), int(line), _int(col), _sev(m.group(1)), m.group(7), "kotlin"))


def _maven(m: re.Match[str], log: _Log, i: int) -> None:
    raw = m.group(2)
    tool = "maven" if not raw.endswith((".kt", ".kts")) else "kotlin"
    log.add(
        _Found(i, raw, int(m.group(3)), int(m.group(4)) or None, _sev(m.group(1)),
               m.group(5).strip(), tool)
    )  # fmt: skip


# GitHub Actions workflow commands -------------------------------------------------------

_COMMAND: Final = re.compile(r"^::(error|warning|notice)( [^:]*)?::(.*)$")
_TOOL_TITLE: Final = re.compile(r"^([\w.-]+) \(([^)]+)\)$")
_LOCATION_LED: Final = re.compile(rf"^{_P}:\d+(?::\d+)?: (?:[A-Z]+\d+ )?")
_RUNNER_ECHO: Final = re.compile(r"^##\[(error|warning|notice)\](.*)$")


def _unescape(value: str, *, prop: bool) -> str:
    value = value.replace("%0D", "\r").replace("%0A", "\n")
    if prop:
        value = value.replace("%3A", ":").replace("%2C", ",")
    return value.replace("%25", "%")


def _command(m: re.Match[str], log: _Log, i: int) -> None:
    """``::error file=app.js,line=1,col=5,endColumn=7::Missing semicolon`` — the format
    @actions/core writes (properties ``%``-escaped, ``:`` and ``,`` too)."""
    props: dict[str, str] = {}
    for part in (m.group(2) or "").strip().split(","):
        k, _, v = part.partition("=")
        if k:
            props[k.strip()] = _unescape(v, prop=True)
    raw = props.get("file")
    line = _int(props.get("line"))
    if not raw or line is None:
        return
    msg = _unescape(m.group(3), prop=False).strip()
    title = props.get("title") or ""
    tool, code = "github", None
    tm = _TOOL_TITLE.match(title)
    if tm:  # ruff's "ruff (F401)": the tool and the rule, and a location-led message
        tool, code = tm.group(1), tm.group(2)
        msg = _LOCATION_LED.sub("", msg, count=1)
    elif title and title not in msg:
        msg = f"{title}: {msg}"
    log.add(
        _Found(i, raw, line, _int(props.get("col")), _sev(m.group(1)), msg, tool, code,
               _int(props.get("endLine")), _int(props.get("endColumn")))
    )  # fmt: skip


# --------------------------------------------------------------------------------------

PARSERS: Final[tuple[tuple[str, str, re.Pattern[str], Handler], ...]] = (
    # (tool, how its lines start — a group of :data:`_CANDIDATE` —, pattern, handler)
    ("github", "command", _COMMAND, _command),
    ("pytest", "section", _PYTEST_SECTION, _pytest_section),
    ("python", "traceback", re.compile(r"^Traceback \(most recent call last\):"), _traceback),
    ("pytest", "summary", _FAILED, _pytest_failed),
    ("kotlin", "kotlin", _KOTLIN, _kotlin),
    ("maven", "maven", _MAVEN, _maven),
    ("tsc", "path", _TSC, _tsc),
    ("tsc", "path", _TSC_PRETTY, _tsc),
    ("eslint", "path", _ESLINT_UNIX, _eslint_unix),
    ("eslint", "path", _ESLINT_COMPACT, _eslint_compact),
    ("eslint", "row", _STYLISH_ROW, _stylish),
    ("rustc", "arrow", _ARROW, _arrow),
    ("rustc", "compiling", _COMPILING, _compiling),
    ("cargo test", "panic", _PANIC, _panic),
    ("mypy/javac/cc", "path", _KEYWORD, _keyword),
    ("go", "path", _GO, _go),
    ("ruff", "path", _RUFF_CONCISE, _ruff_concise),
    ("ruff", "path", _RUFF_PYLINT, _ruff_pylint),
    ("ruff", "row", _RUFF_GROUPED, _ruff_grouped),
    ("go test", "gotest", _GO_TEST, _go_test),
    ("go test", "gopackage", _GO_PACKAGE, _go_package),
    ("pytest", "path", _PYTEST_LINE_ONE, _pytest_line),
)
"""Tried in order on each line, among those of the line's kind; the first match wins."""

# What a line needs to be worth offering to the parsers, one named group per way the
# formats above start (the path, which most of them start with, read once). Most log lines
# fail here at their first word; one regex call per line, and then only the parsers of the
# line's kind, is what keeps a 10 MB log fast. ``tests/ci/test_failures.py`` checks that
# every line a parser reads is let through, to that parser's kind.
_CANDIDATE: Final = re.compile(
    rf"(?P<path>{_P}(?::\d|\(\d|: line \d))"
    r"|(?P<arrow>[ \t]*--> )|(?P<row>[ \t]+\d+:\d+ )|(?P<gotest>[ \t]+[^\s:/]+\.go:\d)"
    r"|(?P<command>::(?:error|warning|notice))|(?P<section>_{3,} )|(?P<traceback>Traceback \()"
    r"|(?P<summary>(?:FAILED|ERROR) \S)|(?P<gopackage>FAIL[ \t])|(?P<kotlin>[ewi]: \S)"
    rf"|(?P<maven>\[(?:ERROR|WARNING|WARN|INFO)\] {_P}:\[\d)|(?P<panic>thread ')"
    r"|(?P<compiling>[ \t]*(?:Compiling|Checking) \S+ v\S+ \()"
    r"|(?P<echo>##\[(?:error|warning|notice)\])"
)
"""No ``\\s`` here: matched across a whole log, it would run on into the next line."""
_BY_KIND: Final[dict[str, tuple[tuple[re.Pattern[str], Handler], ...]]] = {
    kind: tuple((p, h) for _, k, p, h in PARSERS if k == kind)
    for kind in dict.fromkeys(k for _, k, _, _ in PARSERS)
}


def _scan(log: _Log, candidates: list[tuple[int, re.Match[str]]], limit: int) -> None:
    lines = log.lines
    for i, c in candidates:
        if i <= log.skip_until:
            continue
        line = lines[i]
        kind = c.lastgroup
        if kind == "echo":  # the runner's echo of a workflow command (``##[error]...``)
            echo = _RUNNER_ECHO.match(line)
            inner = _CANDIDATE.match(line := echo.group(2)) if echo else None
            kind = inner.lastgroup if inner else None
        if kind is None:
            continue
        for pattern, handler in _BY_KIND.get(kind, ()):
            m = pattern.match(line)
            if m:
                handler(m, log, i)
                break
        if len(log.found) >= limit and not log.go_pending:
            break
    for f in log.go_pending:
        log.add(f)


def find_failures(
    log: str, root: Path, *, limit: int = 500, cwd: Path | None = None, local: bool = False
) -> list[Failure]:
    """The failures ``log`` points at in the checkout at ``root``, in log order.

    Colours and runner timestamps are stripped first; paths are mapped from the CI
    workspace (GitHub Actions, GitLab, Jenkins, CircleCI, Bitbucket, Docker ``/app`` and
    friends, else the longest suffix that exists here); a file that is not in the checkout
    (a dependency, the toolchain, another repository) is skipped, and no answer ever lies
    outside ``root``. The same failure printed twice (Maven repeats its errors; a tool run
    twice) comes back once. At most ``limit`` failures.

    Output printed here rather than on a CI machine (a workspace task's) passes
    ``local=True`` and the directory the tool ran in as ``cwd``: relative paths are read
    from there first, and absolute ones outside ``root`` are no file of the checkout."""
    if limit <= 0:
        return []
    lines, candidates = _prepare(log)
    base = ""
    if cwd is not None:
        try:
            base = cwd.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            base = ""
    state = _Log(lines, CheckoutPaths(root, base=base, local=local))
    _scan(state, candidates, limit)
    state.found.sort(key=lambda pair: pair[0])
    return [failure for _, failure in state.found[:limit]]


def summary(failures: Sequence[Failure]) -> str:
    """One line for a status bar or a notification: ``3 errors in 2 files (mypy, pytest)``."""
    if not failures:
        return "no failures found in the log"
    counts = Counter(f.severity for f in failures)
    words = {"error": ("error", "errors"), "warning": ("warning", "warnings"),
             "info": ("note", "notes")}  # fmt: skip
    parts = [
        f"{counts[s]} {words[s][counts[s] != 1]}" for s in ("error", "warning", "info") if counts[s]
    ]
    files = len({f.path for f in failures})
    tools = ", ".join(sorted({f.tool for f in failures}))
    said = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
    return f"{said} in {files} file{'s' if files != 1 else ''} ({tools})"


__all__ = ["PARSERS", "Failure", "Severity", "find_failures", "summary"]
