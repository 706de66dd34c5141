"""Linear's GraphQL documents, one ``.graphql`` file per operation beside this module.

Files rather than Python strings so editors highlight and check them, and so the test suite
can validate every one of them against Linear's published schema. :func:`document` returns
an operation with the fragments it uses (transitively) appended -- GraphQL rejects a document
with an unused fragment, so each operation gets only its own.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

HERE = Path(__file__).parent
_SPREAD = re.compile(r"\.\.\.\s*([A-Za-z_]\w*)")
_FRAGMENT = re.compile(r"^fragment\s+(\w+)\s+on\s+\w+\s*\{", re.MULTILINE)


@cache
def _fragments() -> dict[str, str]:
    """Each fragment of ``fragments.graphql`` by name, as its own text."""
    text = (HERE / "fragments.graphql").read_text(encoding="utf-8")
    starts = [(m.group(1), m.start()) for m in _FRAGMENT.finditer(text)]
    out: dict[str, str] = {}
    for i, (name, start) in enumerate(starts):
        end = starts[i + 1][1] if i + 1 < len(starts) else len(text)
        out[name] = text[start:end].strip()
    return out


_OPERATION = re.compile(r"^(query|mutation|subscription)\b", re.MULTILINE)


@cache
def is_read(name: str) -> bool:
    """Is the operation ``name`` a query (safe to repeat), rather than a mutation?"""
    m = _OPERATION.search((HERE / f"{name}.graphql").read_text(encoding="utf-8"))
    return m is not None and m.group(1) == "query"


def names() -> list[str]:
    """Every operation document's name (the file stem), fragments excluded."""
    return sorted(p.stem for p in HERE.glob("*.graphql") if p.stem != "fragments")


@cache
def document(name: str) -> str:
    """The operation ``name`` (``issue`` for ``issue.graphql``) with its fragments."""
    body = (HERE / f"{name}.graphql").read_text(encoding="utf-8").strip()
    fragments = _fragments()
    used: list[str] = []
    pending = [m for m in _SPREAD.findall(body) if m in fragments]
    while pending:
        frag = pending.pop(0)
        if frag in used:
            continue
        used.append(frag)
        pending += [m for m in _SPREAD.findall(fragments[frag]) if m in fragments]
    return "\n\n".join([body, *(fragments[f] for f in used)]) + "\n"
