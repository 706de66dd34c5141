"""PDF annotations into a Markdown note: highlights (and the other text markups) with the
text under them, sticky notes, text boxes and ink, each with its page, colour, author, date
and contents, and a link back to its page (``paper.pdf#page=3``, relative to the note).

:mod:`.extract` reads the PDF (pypdf for the annotations, pdfminer.six for the text under a
markup), :mod:`.render` makes each annotation a Markdown entry with everything from the PDF
escaped, and :mod:`.merge` folds the entries into the note the last import wrote, keeping
what the user wrote there. Nothing is written when the PDF cannot be read (encrypted with a
password, corrupt, not a PDF) or when the import changes nothing.

Touches no service and no store: a PDF and a note are all it needs, so any LSP editor (and a
script) can use it.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from connectors.sdk.errors import FormatError

from .extract import Progress, read_pdf
from .merge import Merged, merge
from .render import header, pdf_link, render

__all__ = ["ImportResult", "default_note", "import_annotations", "summary"]

NOTE_SUFFIXES = (".md", ".markdown")


@dataclass(frozen=True)
class ImportResult:
    pdf: Path
    note: Path
    merged: Merged
    written: bool
    annotations: int
    skipped: int = 0  # annotations of the PDF that could not be read


def default_note(pdf: Path) -> Path:
    """``paper.pdf``'s note: ``paper.annotations.md`` beside it."""
    return pdf.with_name(f"{pdf.stem}.annotations.md")


def _write(path: Path, text: str) -> None:
    """Whole or not at all: a temporary file beside it, then a rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def import_annotations(
    pdf: Path,
    note: Path | None = None,
    *,
    current: str | None = None,
    progress: Progress | None = None,
    today: dt.date | None = None,
    write: bool = True,
) -> ImportResult:
    """Import ``pdf``'s annotations into ``note`` (default :func:`default_note`).

    ``current`` is the note's text where the caller has a newer one than the file (an editor's
    unsaved buffer); with ``write=False`` the merged text is only returned. Blocking: run it
    in a thread."""
    # Both resolved, so the link between them holds where a folder is reached by a symlink.
    pdf = pdf.resolve()
    note = (note or default_note(pdf)).resolve()
    if note.suffix.lower() not in NOTE_SUFFIXES:
        raise FormatError(f"{note.name}: the note must be a Markdown file (.md)")
    if not pdf.is_file():
        raise FormatError(f"{pdf.name}: no such file")
    extracted = read_pdf(pdf, progress)
    if current is None:
        try:
            current = note.read_text(encoding="utf-8") if note.exists() else None
        except UnicodeDecodeError:
            raise FormatError(f"{note.name} is not UTF-8 text; nothing was written") from None
    link = pdf_link(pdf, note)
    entries = [render(a, link) for a in extracted.annotations]
    keys = {a.id: a.sort_key for a in extracted.annotations}
    base = current if current is not None else header(pdf.name, link)
    merged = merge(base, entries, keys, (today or dt.date.today()).isoformat())
    changed = current is None or merged.text != current
    if write and changed:
        _write(note, merged.text)
    return ImportResult(
        pdf, note, merged, write and changed, len(extracted.annotations), extracted.skipped
    )


def summary(result: ImportResult) -> str:
    m = result.merged
    parts = [
        f"{len(v)} {k}"
        for k, v in (
            ("new", m.added),
            ("updated", m.updated + m.both_changed),
            ("marked removed", m.removed),
            ("back", m.restored),
            ("unchanged", m.unchanged + m.kept_edits),
        )
        if v
    ]
    said = ", ".join(parts) or "no annotations"
    if result.skipped:
        said += f" ({result.skipped} unreadable, skipped)"
    return said
