"""Tables that fit the terminal, colour only where it is wanted, and text from services made
safe to print.

Written here rather than taken from ``rich``: a verb prints a few columns, one of them cut to
fit, and rich's import alone costs more than the table (a script running ``tieline prs`` in
a loop pays it every time); ``--json`` is the interface for anything richer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

_CODES = {"red": "31", "green": "32", "yellow": "33", "blue": "34", "dim": "2", "bold": "1"}
# C0/C1 controls and ESC sequences: a title from a service must not move the cursor or
# recolour the terminal (``\x1b]52`` even writes the clipboard on some terminals).
_UNSAFE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|[\x00-\x1f\x7f-\x9f]"
)


def clean(text: str | None) -> str:
    """One line of service text fit for a terminal: no escapes or controls, spaces for
    newlines and tabs."""
    if not text:
        return ""
    return _UNSAFE.sub(lambda m: " " if m.group() in "\n\t\r" else "", text).strip()


def cell_width(text: str) -> int:
    """Columns ``text`` takes: two for wide East Asian characters, none for combining marks."""
    if text.isascii():
        return len(text)
    w = 0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        w += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return w


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` columns, ``…`` marking a cut."""
    if cell_width(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    out, used = [], 0
    for ch in text:
        w = cell_width(ch)
        if used + w > width - 1:
            break
        out.append(ch)
        used += w
    return "".join(out) + "…"


@dataclass(frozen=True)
class Style:
    """ANSI colour when ``on`` (a terminal, ``NO_COLOR`` unset), else the text unchanged."""

    on: bool

    def __call__(self, text: str, colour: str | None) -> str:
        if not self.on or not colour or not text:
            return text
        return f"\x1b[{_CODES[colour]}m{text}\x1b[0m"


@dataclass(frozen=True)
class Cell:
    text: str
    colour: str | None = None


def table(
    headers: Sequence[str],
    rows: Sequence[Sequence[Cell | str]],
    *,
    width: int,
    flex: int,
    style: Style,
    indent: str = "",
) -> list[str]:
    """Rows in aligned columns within ``width``: column ``flex`` (a title) takes what is left
    and is cut to fit; should the others alone be too wide, every line is cut at the end."""
    cells = [[c if isinstance(c, Cell) else Cell(c) for c in r] for r in rows]
    n = len(headers)
    widths = [cell_width(h) for h in headers]
    for r in cells:
        for i, c in enumerate(r[:n]):
            widths[i] = max(widths[i], cell_width(c.text))
    gap = 2
    fixed = sum(w for i, w in enumerate(widths) if i != flex) + gap * (n - 1) + len(indent)
    widths[flex] = max(min(widths[flex], width - fixed), min(widths[flex], 8))
    out = []
    head = _line([Cell(h, "bold") for h in headers], widths, style, gap, indent)
    out.append(head)
    for r in cells:
        out.append(_line(r, widths, style, gap, indent))
    limit = width
    return [_cut_styled(line, limit) if _plain_width(line) > limit else line for line in out]


def _line(cells: Sequence[Cell], widths: list[int], style: Style, gap: int, indent: str) -> str:
    parts = []
    last = len(widths) - 1
    for i, w in enumerate(widths):
        c = cells[i] if i < len(cells) else Cell("")
        text = cut(c.text, w)
        pad = "" if i == last else " " * (w - cell_width(text) + gap)
        parts.append(style(text, c.colour) + pad)
    return (indent + "".join(parts)).rstrip()


_SGR = re.compile(r"\x1b\[[0-9;]*m")


def _plain_width(line: str) -> int:
    return cell_width(_SGR.sub("", line))


def _cut_styled(line: str, width: int) -> str:
    """Cut a line that may hold colour codes to ``width`` columns, resetting colour."""
    if "\x1b" not in line:
        return cut(line, width)
    out, used, i = [], 0, 0
    while i < len(line):
        m = _SGR.match(line, i)
        if m:
            out.append(m.group())
            i = m.end()
            continue
        w = cell_width(line[i])
        if used + w > width - 1:
            out.append("…\x1b[0m")
            return "".join(out)
        out.append(line[i])
        used += w
        i += 1
    return "".join(out)


def age(when: datetime | None, now: datetime | None = None) -> str:
    """``5m``, ``3h``, ``2d``: how long ago, in the fewest columns."""
    if when is None:
        return ""
    secs = ((now or datetime.now(UTC)) - when).total_seconds()
    if secs < 60:
        return "now"
    if secs < 3600:
        return f"{int(secs // 60)}m"
    if secs < 86400:
        return f"{int(secs // 3600)}h"
    return f"{int(secs // 86400)}d"


def iso(when: datetime | None) -> str | None:
    return when.isoformat() if when is not None else None


__all__ = ["Cell", "Style", "age", "cell_width", "clean", "cut", "iso", "table"]
