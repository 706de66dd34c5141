"""The symbol under the cursor, as the names a documentation set would index it by.

Kept simple on purpose (no type inference): the dotted expression around the cursor, cut
after the part under the cursor (``os.path`` when the cursor is on ``path`` of
``os.path.join``), then, for Python, its first part read through the file's imports:

- ``import numpy as np`` makes ``np.array`` ``numpy.array``;
- ``from os import path`` makes ``path.join`` ``os.path.join``;
- ``from json import loads as parse`` makes ``parse`` ``json.loads``.

A name that is neither imported nor dotted is looked up as it is (``len``, ``print``). A
method called on a variable (``text.split()``) is not resolved: that needs its type. Other
languages use the dotted (``a.b``) or scoped (``std::vector``) name as written.
"""

from __future__ import annotations

import functools
import re

_IDENT = re.compile(r"[A-Za-z_$][\w$]*")
_IMPORT = re.compile(r"^[ \t]*import[ \t]+([^\n#;]+)", re.MULTILINE)
_FROM = re.compile(
    r"^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]*\)|[^\n#;]+)", re.MULTILINE
)
_AS = re.compile(r"^([\w.]+)(?:\s+as\s+(\w+))?$")
_WORD = re.compile(r"[\w$]")


def symbol_at(line: str, column: int) -> str | None:
    """The dotted or ``::`` name around ``column`` (a code-point index) of ``line``, cut
    after the part under the cursor; ``None`` off a name."""
    span = symbol_span(line, column)
    return line[span[0] : span[1]] if span else None


def symbol_span(line: str, column: int) -> tuple[int, int] | None:
    """Where :func:`symbol_at`'s name is in ``line``: ``(start, end)``."""
    n = len(line)
    if column >= n or not _WORD.match(line[column]):
        if 0 < column <= n and _WORD.match(line[column - 1]):
            column -= 1  # just past the name's end: still that name
        else:
            return None
    end = column
    while end < n and _WORD.match(line[end]):
        end += 1
    start = column
    while True:
        while start > 0 and _WORD.match(line[start - 1]):
            start -= 1
        if start > 1 and line[start - 1] == "." and _WORD.match(line[start - 2]):
            start -= 1
        elif start > 2 and line[start - 2 : start] == "::":
            start -= 2
        else:
            break
    text = line[start:end]
    first = re.split(r"\.|::", text, maxsplit=1)[0]
    if not text or not _IDENT.fullmatch(first):
        return None
    return start, end


@functools.lru_cache(maxsize=32)
def python_imports(source: str) -> dict[str, str]:
    """Local name -> what it names, from a Python file's ``import`` statements (relative
    imports are left out: they name the project's own modules)."""
    names: dict[str, str] = {}
    for m in _IMPORT.finditer(source):
        for part in m.group(1).split(","):
            am = _AS.match(part.strip())
            if am is None:
                continue
            target, alias = am.group(1), am.group(2)
            if alias:
                names[alias] = target
            else:
                head = target.split(".", 1)[0]
                names.setdefault(head, head)
    for m in _FROM.finditer(source):
        module = m.group(1)
        if module.startswith(".") or not module:
            continue
        body = m.group(2).strip().strip("()")
        for part in body.replace("\n", " ").split(","):
            am = _AS.match(part.strip())
            if am is None or am.group(1) == "*":
                continue
            names[am.group(2) or am.group(1)] = f"{module}.{am.group(1)}"
    return names


def candidates(symbol: str, language: str, source: str = "") -> list[str]:
    """Names to look up for ``symbol`` in a file of ``language``, best first."""
    if language != "python":
        return [symbol]
    head, dot, rest = symbol.partition(".")
    imported = python_imports(source) if source else {}
    target = imported.get(head)
    out = []
    if target is not None:
        out.append(target + dot + rest)
    out.append(symbol)
    return list(dict.fromkeys(out))
