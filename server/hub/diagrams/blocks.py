"""Where the diagrams of a document are: fenced blocks in Markdown, or a whole diagram file.

Markdown is read with markdown-it-py (CommonMark), not a regular expression, so a fence inside
a list item or a block quote, a longer closing fence, an indented code block that only looks
like a fence, and an unclosed fence (to the end of the document) are found the way every
Markdown renderer finds them. A fence's info string names the language: ``mermaid``, or
``plantuml`` / ``puml`` / ``uml``.

Files: ``.mmd`` / ``.mermaid`` are one Mermaid diagram; ``.puml`` / ``.plantuml`` / ``.pu`` /
``.iuml`` / ``.wsd`` hold PlantUML diagrams, one per ``@startxxx`` ... ``@endxxx`` pair (the
whole file when it has none).
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Literal

from markdown_it import MarkdownIt

Kind = Literal["plantuml", "mermaid"]

FENCE_KINDS: dict[str, Kind] = {
    "mermaid": "mermaid",
    "plantuml": "plantuml",
    "puml": "plantuml",
    "uml": "plantuml",
}
FILE_KINDS: dict[str, Kind] = {
    ".mmd": "mermaid",
    ".mermaid": "mermaid",
    ".puml": "plantuml",
    ".plantuml": "plantuml",
    ".pu": "plantuml",
    ".iuml": "plantuml",
    ".wsd": "plantuml",
}
MARKDOWN_SUFFIXES = frozenset({".md", ".markdown", ".mdown", ".mkd"})
_START = re.compile(r"^\s*@start(\w+)")
_END = re.compile(r"^\s*@end(\w+)")


@dataclass(frozen=True)
class Block:
    """One diagram: its kind, its source and where it sits (0-based lines of the document)."""

    kind: Kind
    source: str
    #: The line the block starts on: its opening fence, or its first line in a diagram file
    #: (where a code lens goes, and where a problem without a line is shown).
    start: int
    #: The document line of the source's first line.
    first: int
    #: The line after the block's last source line.
    end: int

    @property
    def digest(self) -> str:
        """What the block draws, as a hash: the same source draws the same picture."""
        return digest(self.kind, self.source)

    def document_line(self, source_line: int | None) -> int:
        """The document line of 0-based ``source_line`` (the opening line when unknown)."""
        if source_line is None:
            return self.start
        last = max(self.end - 1, self.first)
        return min(max(self.first + source_line, self.first), last)


def digest(kind: str, source: str) -> str:
    return hashlib.sha256(f"{kind}\0{source}".encode()).hexdigest()


@functools.lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark")


def kind_of_file(path: str | None) -> Kind | None:
    if not path:
        return None
    return FILE_KINDS.get(PurePosixPath(path).suffix.lower())


def is_markdown(path: str | None, language_id: str | None) -> bool:
    if language_id:
        return language_id.lower() in ("markdown", "mdx")
    return bool(path) and PurePosixPath(path or "").suffix.lower() in MARKDOWN_SUFFIXES


def find_blocks(
    text: str, *, path: str | None = None, language_id: str | None = None
) -> list[Block]:
    """Every diagram in a document, in order. ``path`` (or a URI's path) picks diagram files
    by suffix; ``language_id`` (the editor's) or the suffix picks Markdown."""
    kind = kind_of_file(path)
    if kind == "mermaid":
        return _whole(text, "mermaid")
    if kind == "plantuml":
        return _plantuml_file(text)
    if is_markdown(path, language_id):
        return _markdown(text)
    return []


def _markdown(text: str) -> list[Block]:
    out: list[Block] = []
    for tok in _parser().parse(text):
        if tok.type != "fence" or tok.map is None:
            continue
        words = tok.info.strip().split()
        kind = FENCE_KINDS.get(words[0].lower()) if words else None
        if kind is None or not tok.content.strip():
            continue
        start = tok.map[0]
        first = start + 1
        lines = tok.content.count("\n")
        out.append(Block(kind, tok.content, start, first, max(first + lines, first + 1)))
    return out


def _whole(text: str, kind: Kind) -> list[Block]:
    if not text.strip():
        return []
    n = len(text.splitlines()) or 1
    return [Block(kind, text, 0, 0, n)]


def _plantuml_file(text: str) -> list[Block]:
    lines = text.splitlines(keepends=True)
    out: list[Block] = []
    begin: int | None = None
    for i, line in enumerate(lines):
        if begin is None and _START.match(line):
            begin = i
        elif begin is not None and _END.match(line):
            out.append(Block("plantuml", "".join(lines[begin : i + 1]), begin, begin, i + 1))
            begin = None
    if begin is not None:  # an @start without its @end: to the end of the file
        out.append(Block("plantuml", "".join(lines[begin:]), begin, begin, len(lines)))
    return out or _whole(text, "plantuml")
