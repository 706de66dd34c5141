"""Makefile targets, as make itself sees them.

GNU make prints its database without running anything with ``make -pRrq :`` (``-p`` the
database, ``-R -r`` no built-in variables or rules, ``-q`` question mode, and ``:`` a goal
no Makefile has, so the default goal is not considered); the ``# Files`` section lists
every target with where its recipe was defined, after includes and conditionals are
evaluated -- which a parse of the text cannot do. Reading it does evaluate the Makefile
(``$(shell ...)`` runs), as ``make`` at the prompt would; it runs in its own process group,
stopped after :data:`~.probe.TIMEOUT`.

Kept: file and phony targets. Skipped: special targets (``.PHONY``, ``.DEFAULT``: a leading
dot), pattern rules (``%``), entries make marks ``# Not a target:`` (the Makefiles
themselves, included files), and names a command line would read otherwise (with ``=``, or
a leading ``-``). Order: as defined in the Makefile (the line of the rule, else its
recipe), targets of included files after. A ``target: ## text`` comment is the target's
description, a common convention.

Where make is not installed (or is not GNU make), or ``tasks.ask_make`` is off (a checkout
whose Makefile should not run), the rules are parsed from the text:
``name [name...]:`` at a line's start, not an assignment (``:=``, ``::=``, ``=``), same
skips -- without includes or conditionals, which only make can evaluate.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from .models import Discovered, Task
from .probe import capture

#: The files GNU make looks for, in its order.
NAMES = ("GNUmakefile", "makefile", "Makefile")
_RECIPE_AT = re.compile(r"^#  recipe to execute \(from '(.*)', line (\d+)\):$")
_RULE = re.compile(r"^([^\s:#=][^:#=]*?)\s*::?(?![=:])(.*)$")
_HELP = re.compile(r"##\s*(.+)$")


def makefile(folder: Path) -> Path | None:
    return next((folder / n for n in NAMES if (folder / n).is_file()), None)


def _wanted(name: str) -> bool:
    return bool(name) and not name.startswith((".", "-")) and not any(c in name for c in "%=$ ")


def parse_database(text: str) -> list[tuple[str, str, int]]:
    """``(target, file, line)`` of each target in ``make -p`` output's ``# Files``
    section; ``file`` empty and ``line`` 0 when make names no recipe."""
    start = text.find("\n# Files\n")
    end = text.find("\n# Finished Make data base", start)
    if start < 0:
        return []
    body = text[start : end if end > 0 else len(text)]
    out: list[tuple[str, str, int]] = []
    seen: set[str] = set()
    for para in body.split("\n\n"):
        lines = para.strip("\n").split("\n")
        if not lines or lines[0].startswith("# Not a target:"):
            continue
        head = next((ln for ln in lines if ln and not ln.startswith(("#", "\t"))), None)
        if head is None:
            continue
        m = _RULE.match(head)
        if not m:
            continue
        where, line = "", 0
        for ln in lines:
            r = _RECIPE_AT.match(ln)
            if r:
                where, line = r.group(1), int(r.group(2))
                break
        for name in m.group(1).split():
            if _wanted(name) and name not in seen:
                seen.add(name)
                out.append((name, where, line))
    return out


def parse_rules(text: str) -> list[tuple[str, int]]:
    """``(target, line)`` of the rules written in a Makefile's text (no make to ask)."""
    out: list[tuple[str, int]] = []
    seen: set[str] = set()
    for n, line in enumerate(text.splitlines(), 1):
        if not line or line[0] in " \t#" or line.startswith(("include", "-include", "sinclude")):
            continue
        if line.startswith(("define ", "export ", "override ", "ifeq", "ifneq", "ifdef")):
            continue
        m = _RULE.match(line)
        if not m:
            continue
        for name in m.group(1).split():
            if _wanted(name) and name not in seen:
                seen.add(name)
                out.append((name, n))
    return out


def _help(text: str) -> dict[str, str]:
    """``target: deps ## what it does`` descriptions, by target."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        m = _RULE.match(line) if line and line[0] not in " \t#" else None
        h = _HELP.search(m.group(2)) if m else None
        if m and h:
            for name in m.group(1).split():
                out.setdefault(name, h.group(1).strip())
    return out


def discover(folder: Path, out: Discovered, *, ask: bool = True) -> None:
    """Add ``folder``'s Makefile targets to ``out`` (``ask=False``: from its text only)."""
    path = makefile(folder)
    if path is None:
        return
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        out.problems.append(f"{path.name} could not be read: {exc}")
        return
    order = {name: n for name, n in parse_rules(text)}
    found: list[tuple[str, int]] = []
    make = shutil.which("make") if ask else None
    asked = capture([make, "-pRrq", "-f", path.name, ":"], folder) if make else None
    if asked is not None and "\n# Files\n" in asked[1]:
        for name, where, line in parse_database(asked[1]):
            own = where in ("", path.name)
            at = order.get(name, line if own and line else 0)
            found.append((name, at if at else 10**6 + (line or 10**5)))
        found.sort(key=lambda x: x[1])
    else:
        if make is None and ask:
            out.problems.append("make is not installed: targets read from the Makefile's text")
        found = list(order.items())
    helps = _help(text)
    for name, _ in found:
        out.tasks.append(
            Task(
                source="make",
                name=name,
                folder=folder,
                argv=("make", "-f", path.name, "--", name),
                cwd=str(folder),
                detail=helps.get(name) or f"make {name}",
            )
        )


__all__ = ["NAMES", "discover", "makefile", "parse_database", "parse_rules"]
