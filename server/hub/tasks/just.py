"""``justfile`` recipes.

With ``just`` installed, it describes the justfile itself: ``just --dump --dump-format
json`` (imports, modules' top level and attributes evaluated by just). Without it, the
text is parsed: a recipe is ``name [params]:`` at a line's start (``@name`` too), not an
assignment (``:=``) nor a setting, alias, export, import or module line; the comment line
just above it is its description, as ``just --list`` shows it. Private recipes (a leading
``_`` or a ``[private]`` attribute) are left out. A recipe that takes parameters is listed
with them named and runs without arguments (just then says which it needs). Running one
needs ``just`` (``just <name>``, the name one argument); without it the run says so.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

from .models import Discovered, Task
from .probe import capture

#: The names just looks for (it matches them in any case).
NAMES = ("justfile", ".justfile")
_NAME = re.compile(r"^@?([A-Za-z_][A-Za-z0-9_-]*)")
_ASSIGNMENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*\s*:=")
_KEYWORDS = frozenset({"alias", "set", "export", "import", "mod"})


def justfile(folder: Path) -> Path | None:
    try:
        entries = {p.name.lower(): p for p in folder.iterdir() if p.is_file()}
    except OSError:
        return None
    return next((entries[n] for n in NAMES if n in entries), None)


def _recipe(line: str) -> tuple[str, str] | None:
    """``(name, parameters)`` when ``line`` starts a recipe: a name, parameters (defaults
    may be quoted and hold ``:``), then the first ``:`` outside quotes, not ``:=``."""
    m = _NAME.match(line)
    if m is None:
        return None
    quote = ""
    rest = line[m.end() :]
    if rest and not rest[0].isspace() and rest[0] != ":":
        return None
    for i, c in enumerate(rest):
        if quote:
            quote = "" if c == quote else quote
        elif c in "'\"`":
            quote = c
        elif c == ":":
            if rest[i + 1 : i + 2] == "=":
                return None
            return m.group(1), " ".join(rest[:i].split())
    return None


def parse_text(text: str) -> list[tuple[str, str | None, str]]:
    """``(recipe, description, parameters)`` of the public recipes written in ``text``."""
    out: list[tuple[str, str | None, str]] = []
    comment: str | None = None
    private = False
    for line in text.splitlines():
        if not line.strip():
            comment, private = None, False
            continue
        if line[0] in " \t":
            continue
        if line.startswith("#"):
            if not line.startswith("#!"):
                comment = line[1:].strip() or None
            continue
        if line.startswith("["):
            private = private or "private" in line
            continue
        first = line.split(None, 1)[0]
        if first in _KEYWORDS and not re.match(rf"^{first}\s*:", line):
            comment, private = None, False
            continue
        recipe = None if _ASSIGNMENT.match(line) else _recipe(line)
        if recipe is not None:
            name, params = recipe
            if not (private or name.startswith("_")):
                out.append((name, comment, params))
        comment, private = None, False
    return out


def parse_dump(data: dict[str, Any]) -> list[tuple[str, str | None, str]]:
    """The same from ``just --dump --dump-format json``, in the justfile's order where
    just gives it (else by name)."""
    recipes = data.get("recipes")
    if not isinstance(recipes, dict):
        return []
    out: list[tuple[int, str, str | None, str]] = []
    for i, (name, r) in enumerate(recipes.items()):
        if not isinstance(r, dict) or r.get("private") or str(name).startswith("_"):
            continue
        params = " ".join(
            str(p.get("name")) for p in r.get("parameters") or [] if isinstance(p, dict)
        )
        doc = r.get("doc") if isinstance(r.get("doc"), str) else None
        out.append((i, str(name), doc, params))
    return [(n, d, p) for _, n, d, p in out]


def discover(folder: Path, out: Discovered) -> None:
    """Add ``folder``'s justfile recipes to ``out``."""
    path = justfile(folder)
    if path is None:
        return
    found: list[tuple[str, str | None, str]] | None = None
    just = shutil.which("just")
    if just is not None:
        asked = capture([just, "--justfile", str(path), "--dump", "--dump-format", "json"], folder)
        if asked is not None and asked[0] == 0:
            try:
                found = parse_dump(json.loads(asked[1]))
            except ValueError:
                found = None
        if found is None:
            out.problems.append(f"just could not read {path.name}; recipes read from its text")
    if found is None:
        try:
            found = parse_text(path.read_text(encoding="utf-8", errors="replace"))
        except OSError as exc:
            out.problems.append(f"{path.name} could not be read: {exc}")
            return
    for name, doc, params in found:
        detail = doc or f"just {name}"
        if params:
            detail += f" (parameters: {params})"
        out.tasks.append(
            Task(
                source="just",
                name=name,
                folder=folder,
                argv=("just", "--justfile", str(path), name),
                cwd=str(folder),
                detail=detail,
            )
        )


__all__ = ["NAMES", "discover", "justfile", "parse_dump", "parse_text"]
