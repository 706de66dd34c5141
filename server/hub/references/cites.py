"""Where documents cite: pandoc ``[@key]``/``@key`` in Markdown and ``\\cite{a,b}`` (natbib,
biblatex: ``\\citep``, ``\\parencite``, ``\\autocite``...) in LaTeX.

:func:`completion_context` finds the key being typed before the cursor;
:func:`citations_in` every cited key of a text, with its position (0-based lines, UTF-16
columns are the caller's business: these are code-point columns).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from server.hub.refs.positions import split_lines

LATEX_IDS = frozenset({"latex", "tex", "context", "plaintex", "rnoweb"})
MARKDOWN_IDS = frozenset({"markdown", "pandoc", "quarto", "rmd", "rmarkdown", "mdx"})

#: Pandoc: a key begins with a letter, digit or ``_`` and may hold ``:.#$%&-+?<>~/`` inside.
_KEY = r"[A-Za-z0-9_](?:[\w:.#$%&+?<>~/-]*[\w])?"
_MD_AT = re.compile(r"(?:^|(?<=[\s\[;(]))-?@(" + _KEY + r"|\{[^}]*\})")
_MD_TYPING = re.compile(r"(?:^|[\s\[;(])-?@([\w:.#$%&+?<>~/-]*)$")
_MD_BRACKET_TYPING = re.compile(r"\[[^\]]*$")
_CITE_CMD = (
    r"\\(?:[a-zA-Z]*cite[a-zA-Z]*|[pP]arencite|[aA]utocite|[tT]extcite|footcite|nocite)\*?"
    r"(?:\s*\[[^\]]*\]){0,2}\s*\{"
)
_TEX_TYPING = re.compile(_CITE_CMD + r"([^}]*)$")
_TEX_CITE = re.compile(_CITE_CMD + r"([^}]*)\}")
#: A LaTeX comment: ``%`` not escaped as ``\%``.
_TEX_COMMENT = re.compile(r"(?<!\\)%")
_FENCE = re.compile(r"^\s*(```|~~~)")
_INLINE_CODE = re.compile(r"`[^`]*`")


@dataclass(frozen=True)
class Cite:
    key: str
    line: int
    start: int
    end: int
    #: Inside ``[...]`` (Markdown) or a ``\cite{}`` (LaTeX): certainly a citation, not an
    #: ``@mention``.
    sure: bool


def kind_of(language_id: str, path: str = "") -> str | None:
    """``latex``, ``markdown`` or ``None`` for a document that cites neither way."""
    if language_id in LATEX_IDS or path.endswith((".tex", ".ltx")):
        return "latex"
    if language_id in MARKDOWN_IDS or path.endswith((".md", ".markdown", ".qmd", ".Rmd")):
        return "markdown"
    return None


def completion_context(before: str, kind: str) -> tuple[str, int, bool] | None:
    """``(prefix typed, column where it starts, sure)`` when the cursor ends a citekey being
    typed in ``before`` (the line up to the cursor)."""
    if kind == "latex":
        m = _TEX_TYPING.search(before)
        if m is None:
            return None
        typed = m.group(1).rsplit(",", 1)[-1]
        prefix = typed.lstrip()
        return prefix, len(before) - len(prefix), True
    m = _MD_TYPING.search(before)
    if m is None:
        return None
    prefix = m.group(1)
    sure = _MD_BRACKET_TYPING.search(before[: m.start(1)]) is not None
    return prefix, len(before) - len(prefix), sure


def citations_in(text: str, kind: str) -> list[Cite]:
    out: list[Cite] = []
    fenced = False
    for n, line in enumerate(split_lines(text)):
        if kind == "markdown":
            if _FENCE.match(line):
                fenced = not fenced
                continue
            if fenced:
                continue
            masked = _INLINE_CODE.sub(lambda m: " " * len(m.group(0)), line)
            brackets = [(m.start(), m.end()) for m in re.finditer(r"\[[^\[\]]*@[^\[\]]*\]", masked)]
            for m in _MD_AT.finditer(masked):
                key = m.group(1)
                start = m.start(1)
                if key.startswith("{"):
                    key, start = key[1:-1], start + 1
                if not key:
                    continue
                sure = any(a < m.start(1) < b for a, b in brackets)
                out.append(Cite(key, n, start, start + len(key), sure))
        else:
            comment = _TEX_COMMENT.search(line)
            if comment is not None:
                line = line[: comment.start()]
            for m in _TEX_CITE.finditer(line):
                base = m.start(1)
                offset = 0
                for part in m.group(1).split(","):
                    key = part.strip()
                    if key:
                        s = base + offset + part.index(key)
                        out.append(Cite(key, n, s, s + len(key), True))
                    offset += len(part) + 1
    return out


def cite_at(text: str, kind: str, line: int, column: int) -> Cite | None:
    lines = split_lines(text)
    if not 0 <= line < len(lines):
        return None
    for c in citations_in(lines[line], kind) if kind == "latex" else citations_in(text, kind):
        at_line = line if kind == "latex" else c.line
        if at_line == line and c.start <= column <= c.end:
            return Cite(c.key, line, c.start, c.end, c.sure)
    return None


__all__ = ["Cite", "citations_in", "cite_at", "completion_context", "kind_of"]
