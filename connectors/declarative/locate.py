"""Which line of a TOML file a key is on, for error messages that point into the file.

``tomllib`` gives positions only for syntax errors; a validation error names a key path
(``endpoints.get.select``). No maintained TOML library hands out line numbers for parsed
keys (tomlkit keeps the layout but not positions), so this reads the text the way a person
does: table headers (``[a.b]``, ``[[a]]``, counting array items) and ``key =`` lines,
dotted keys included. A key it cannot find is answered with the nearest table that holds it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

_HEADER = re.compile(r"^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?\s*(?:#.*)?$")
_KEY = re.compile(
    r"""^\s*((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*="""
)


def _parts(dotted: str) -> list[str]:
    return [
        p.strip().strip("\"'") for p in re.findall(r"""[A-Za-z0-9_-]+|"[^"]*"|'[^']*'""", dotted)
    ]


def locate(text: str, loc: Sequence[str | int]) -> int | None:
    """The 1-based line of the key at ``loc`` (pydantic's error location), or of the closest
    enclosing table or key found; ``None`` when nothing of it is in the text."""
    want = [str(p) for p in loc]
    best: tuple[int, int] | None = None  # (matched length, line)
    table: list[str] = []
    counts: dict[tuple[str, ...], int] = {}
    in_multiline = False
    for number, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if line.count('"""') % 2 == 1 or line.count("'''") % 2 == 1:
                in_multiline = False
            continue
        header = _HEADER.match(line)
        if header:
            names = _parts(header.group(2))
            if header.group(1) == "[[":
                array = tuple(names)
                index = counts.get(array, -1) + 1
                counts[array] = index
                table = [*names, str(index)]
            else:
                table = names
            best = _better(best, want, table, number)
            continue
        key = _KEY.match(line)
        if key:
            best = _better(best, want, [*table, *_parts(key.group(1))], number)
            rest = line[key.end() :]
            if rest.count('"""') % 2 == 1 or rest.count("'''") % 2 == 1:
                in_multiline = True
    return best[1] if best else None


def _better(
    best: tuple[int, int] | None, want: list[str], path: list[str], line: int
) -> tuple[int, int] | None:
    """Keep the line whose path is the longest prefix of ``want`` (the first such line)."""
    if len(path) > len(want) or want[: len(path)] != path:
        return best
    if best is None or len(path) > best[0]:
        return (len(path), line)
    return best
