"""An annotation as a Markdown entry of a note, and the note's first lines.

Everything the PDF supplies -- an annotation's contents, author and date, a reply, the text
under a highlight, even the PDF's file name -- is untrusted: anyone can write a PDF. Each
line of it goes through :func:`server.hub.sanitize.escape_inline`, which removes control and
bidi-override characters and backslash-escapes every character Markdown gives a meaning to
(``<``, ``[``, ``]``, ``(``, backticks, ``&``...), so ``<script>``, raw HTML,
``[x](javascript:...)`` and ``-->`` all show as the characters they are and none is markup.
A line that would still open a block (``1.``, a setext ``===``) has that character escaped.
The one link in an entry is written here: to the PDF, relative to the note,
percent-encoded (a file named ``javascript:x.pdf`` becomes ``javascript%3Ax.pdf``, which no
renderer reads as a scheme), with ``#page=N``.

An entry sits between two comment lines, ``<!-- tieline-pdf id=... page=N digest=... -->`` and
``<!-- /tieline-pdf -->``; the digest is of the body as written, so a re-import can tell an
entry the user changed from one they did not (:mod:`.merge`).
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import PurePath
from urllib.parse import quote

from ..sanitize import escape_inline
from .extract import Annotation

START = "<!-- tieline-pdf id={id} page={page} digest={digest}{extra} -->"
END = "<!-- /tieline-pdf -->"
#: Longest line of PDF text kept (a line past it is cut with "…").
MAX_LINE = 4000
_BLOCK_START = re.compile(r"^(\d{1,9})([.)])|^(=)")
#: Named colours a highlight is called by (viewers' usual palettes); the nearest names it.
COLOURS = {
    "yellow": (255, 255, 0), "green": (0, 255, 0), "blue": (0, 0, 255), "red": (255, 0, 0),
    "orange": (255, 165, 0), "pink": (255, 105, 180), "purple": (128, 0, 128),
    "cyan": (0, 255, 255), "black": (0, 0, 0), "grey": (128, 128, 128),
    "white": (255, 255, 255),
}  # fmt: skip


@dataclass(frozen=True)
class Entry:
    """One rendered annotation: its identity, page, body and the body's digest."""

    id: str
    page: int
    body: str
    digest: str


def digest(body: str) -> str:
    """Of the body as Markdown means it: line ends and trailing blanks do not count."""
    lines = [line.rstrip() for line in body.replace("\r\n", "\n").split("\n")]
    return hashlib.sha256("\n".join(lines).strip("\n").encode()).hexdigest()[:12]


def text_line(text: str) -> str:
    """One line of untrusted text as Markdown that shows it as written."""
    out = escape_inline(text, MAX_LINE)
    return _BLOCK_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}" if m.group(1) else "\\=", out)


def text_block(text: str, prefix: str = "") -> list[str]:
    """Untrusted multi-line text: its lines kept (hard breaks), blank lines as paragraphs."""
    out: list[str] = []
    paragraphs = re.split(r"\n\s*\n", text.strip())
    for n, para in enumerate(paragraphs):
        lines = [text_line(line) for line in para.split("\n") if line.strip()]
        if not lines:
            continue
        if n and out:
            out.append(prefix.rstrip())
        out += [
            prefix + line + ("\\" if i < len(lines) - 1 else "") for i, line in enumerate(lines)
        ]
    return out


def colour_name(hex_colour: str | None) -> str | None:
    """``yellow`` for ``#ffff00``; ``yellow (#fde74c)`` for a shade nearest to it."""
    if not hex_colour:
        return None
    rgb = tuple(int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    name = min(
        COLOURS, key=lambda k: sum((a - b) ** 2 for a, b in zip(COLOURS[k], rgb, strict=True))
    )
    return name if COLOURS[name] == rgb else f"{name} ({hex_colour})"


_SHOWN_DATE = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}(?:[+-]\d{2}:\d{2})?")


def when(iso: str | None) -> str | None:
    """A date as shown: ``2024-01-02 10:30+01:00``; a PDF's date that was no date, escaped."""
    if not iso:
        return None
    shown = iso.replace("T", " ", 1)
    return shown if _SHOWN_DATE.fullmatch(shown) else text_line(iso)


def pdf_link(pdf: PurePath, note: PurePath) -> str:
    """The PDF as a link destination from the note's folder: relative, POSIX, percent-encoded."""
    rel = os.path.relpath(pdf, note.parent)
    return quote(PurePath(rel).as_posix(), safe="/")


def page_title(a: Annotation) -> str:
    label = f" ({text_line(a.page_label)})" if a.page_label else ""
    return f"Page {a.page}{label}"


def render(a: Annotation, link: str) -> Entry:
    """The entry for ``a``, linking to the PDF at ``link`` (from :func:`pdf_link`)."""
    kind = a.kind + (f", {a.strokes} stroke{'s' if a.strokes != 1 else ''}" if a.strokes else "")
    # The kind and the colour's name are this module's words; the author is the PDF's.
    facts = [kind, colour_name(a.colour), text_line(a.author) if a.author else None]
    facts.append(when(a.modified))
    head = f"**[{page_title(a)}]({link}#page={a.page})** · " + " · ".join(f for f in facts if f)
    lines = [head]
    if a.text:
        lines += ["", *text_block(a.text, "> ")]
    if a.contents and a.contents != a.text:
        lines += ["", *text_block(a.contents)]
    if a.replies:
        lines.append("")
        for r in a.replies:
            by = text_line(r.author) if r.author else None
            who = " · ".join(p for p in (by, when(r.modified)) if p)
            said = text_block(r.contents, "  ")
            first = said[0].strip() if said else ""
            lines.append(f"- {'**' + who + '**: ' if who else ''}{first}")
            lines += said[1:]
    body = "\n".join(lines)
    return Entry(a.id, a.page, body, digest(body))


def wrap(entry: Entry, removed: str | None = None) -> str:
    extra = f" removed={removed}" if removed else ""
    start = START.format(id=entry.id, page=entry.page, digest=entry.digest, extra=extra)
    return f"{start}\n{entry.body}\n{END}"


def header(pdf_name: str, link: str) -> str:
    """A new note's first lines."""
    name = text_line(pdf_name)
    return (
        f"# Annotations of {name}\n\n"
        f"Imported from [{name}]({link}). Importing again updates each entry between its "
        "`tieline-pdf` marks in place, adds new annotations and marks removed ones; "
        "what you write outside the marks is kept as you wrote it.\n"
    )
