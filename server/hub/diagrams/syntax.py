"""Syntax errors of a diagram, with the line of the block they are on.

What each renderer says, and how its line is counted:

- PlantUML (``plantuml -pipe``, exit status 200) writes ``ERROR``, a line number and the cause
  on standard error. The number is 0-based in the text it was given when that text begins
  with ``@start...``; otherwise PlantUML puts an ``@startuml`` of its own in front and the
  number counts it (and a leading blank line counts once more). :func:`plantuml_input` hands
  PlantUML a text that always begins with ``@start...`` and says how its lines map back.
- Kroki runs that same PlantUML and answers ``400`` with ``Error 400: <cause> (line: N)``,
  N being PlantUML's number as above (Kroki's ``PlantumlCommand``).
- Mermaid (its CLI ``mmdc``, or Kroki, whose Mermaid companion answers
  ``Error 400: SyntaxError: Parse error on line N: ...``) counts lines from 1.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from connectors.sdk.errors import InvalidRequest

from .blocks import Kind

_PLANTUML_STDERR = re.compile(r"ERROR\n(?P<line>\d+)\n(?P<cause>[^\n]+)")
_KROKI_PLANTUML = re.compile(r"^(?:Error \d+: )?(?P<cause>.*?)\s*\(line: (?P<line>\d+)\)", re.S)
_MERMAID = re.compile(r"(?P<cause>(?:Parse|Lexical) error) on line (?P<line>\d+)")
_KROKI_PREFIX = re.compile(r"^Error \d+: ")
_STACK = re.compile(r"^\s+at |^\w*Error: .*\(.*:\d+:\d+\)$")


@dataclass(frozen=True)
class Problem:
    """One syntax error: 0-based ``line`` within the block's source (``None``: unknown)."""

    message: str
    line: int | None = None


class DiagramSyntaxError(InvalidRequest):
    """The diagram's source is wrong: retrying will not help, editing will."""

    def __init__(self, problem: Problem, renderer: str) -> None:
        where = f" (line {problem.line + 1})" if problem.line is not None else ""
        super().__init__(f"{renderer}: {problem.message}{where}", service=renderer)
        self.problem = problem


@dataclass(frozen=True)
class PlantUMLInput:
    """The text handed to PlantUML, and how to map its line numbers back to the block's."""

    text: str
    skipped: int  # blank lines dropped from the front
    wrapped: bool  # an @startuml / @enduml pair was put around the source

    def block_line(self, reported: int) -> int:
        return max(reported - (1 if self.wrapped else 0), 0) + self.skipped


def plantuml_input(source: str) -> PlantUMLInput:
    """``source`` beginning with its ``@start...`` line (wrapped in ``@startuml`` /
    ``@enduml`` when it has none), so PlantUML's line numbers are plain 0-based ones."""
    lines = source.splitlines()
    skipped = 0
    while skipped < len(lines) and not lines[skipped].strip():
        skipped += 1
    rest = lines[skipped:]
    if rest and rest[0].lstrip().startswith("@start"):
        return PlantUMLInput("\n".join(rest) + "\n", skipped, False)
    return PlantUMLInput("@startuml\n" + "\n".join(rest) + "\n@enduml\n", skipped, True)


#: PlantUML preprocessor features that reach outside the diagram's own text: files and URLs
#: (``!include`` and its kin, ``!import``, ``!theme ... from``, ``%load_json``, a creole
#: ``<img:...>`` of a path or URL) and the environment (``%getenv``, where tokens live).
_REACHES_OUT = re.compile(
    r"^\s*!(?:include\w*|import)\b"
    r"|^\s*!theme\s+\S+\s+from\b"
    r"|%(?:getenv|load_json|get_variable_value|file_exists|dirpath|filename)\s*\("
    r"|<img:(?!data:)",
    re.IGNORECASE | re.MULTILINE,
)


def plantuml_outside_reach(source: str) -> Problem | None:
    """The first line of ``source`` that would make a local PlantUML read a file, fetch a URL
    or read an environment variable, as a problem; ``None`` when there is none.

    Tieline draws the diagrams of whatever repository is opened, unasked, and the PlantUML
    Debian ships (1.2020) has no security profile: an ``!include`` of ``~/.ssh/id_rsa`` or
    a ``%getenv("GITHUB_TOKEN")`` would end up in a picture the person may export or share,
    and an ``!includeurl`` tells a stranger's server the repository was opened. Kroki servers
    run PlantUML in their own secure mode, so this applies to the local renderer."""
    m = _REACHES_OUT.search(source)
    if m is None:
        return None
    line = source.count("\n", 0, m.start())
    what = m.group(0).strip().rstrip("(").strip()
    return Problem(
        f"{what} is not followed: a diagram drawn on this machine may not read files, URLs or "
        "the environment (draw it through Kroki, `tieline.diagrams.renderer`, to use it)",
        line,
    )


def _tidy(message: str) -> str:
    lines = [ln for ln in message.strip().splitlines() if ln.strip() and not _STACK.match(ln)]
    return " ".join(" ".join(lines).split())[:300]


def plantuml_problem(stderr: str, prepared: PlantUMLInput) -> Problem:
    """The problem PlantUML's standard error reports (exit status 200)."""
    m = _PLANTUML_STDERR.search(stderr.replace("\r\n", "\n"))
    if m is None:
        return Problem(_tidy(stderr) or "Syntax Error?")
    return Problem(m.group("cause").strip(), prepared.block_line(int(m.group("line"))))


def mermaid_problem(message: str) -> Problem:
    """The problem in a Mermaid parser's message (``Parse error on line N: ...``)."""
    text = _KROKI_PREFIX.sub("", message.strip())
    text = re.sub(r"^(?:SyntaxError|Error): ", "", text)
    m = _MERMAID.search(text)
    # The parser's message goes on with the offending text, a caret line and what it
    # expected; the first and the last of those say what is wrong.
    lines = [ln for ln in text.splitlines() if ln.strip() and not _STACK.match(ln)]
    expecting = next((ln.strip() for ln in lines if ln.lstrip().startswith("Expecting")), None)
    if m is None:
        return Problem(_tidy(lines[0] if lines else text) or "Syntax error in diagram")
    said = m.group("cause")
    if expecting:
        said += ": " + expecting[:240]
    return Problem(said, int(m.group("line")) - 1)


def kroki_problem(kind: Kind, body: str, prepared: PlantUMLInput | None) -> Problem:
    """The problem in a Kroki ``400`` answer (``text/plain``) for a diagram of ``kind``."""
    if kind == "mermaid":
        return mermaid_problem(body)
    m = _KROKI_PLANTUML.search(body.strip())
    if m is None:
        return Problem(_tidy(_KROKI_PREFIX.sub("", body.strip())) or "Syntax Error?")
    reported = int(m.group("line"))
    line = prepared.block_line(reported) if prepared is not None else reported
    return Problem(m.group("cause").strip() or "Syntax Error?", line)
