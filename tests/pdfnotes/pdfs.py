"""PDFs made for the tests: pages of known text written with fpdf2, whose own highlight()
computes the /QuadPoints over the text it writes (so the quadrilaterals are not ours), and
sticky notes, a text box and ink from fpdf2's annotation writers; then pypdf for what fpdf2
does not write (/NM names, a reply, a rotated page) and for the edits a viewer makes between
two imports (contents changed, annotations added and deleted)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from fpdf import FPDF
from pypdf import PdfReader, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    FloatObject,
    NameObject,
    TextStringObject,
)

WHEN = datetime(2024, 1, 2, 10, 30, tzinfo=UTC)
MARKED = "The quick brown fox"
PASSAGE = "A longer passage that wraps over more than one line of the page."
ROTATED = "Text on a turned page"
#: Page text a highlight is made over: what is under a highlight is the PDF's too.
HOSTILE_TEXT = "<img src=x onerror=alert(1)> [a](javascript:alert(2)) <!-- `code` -->"
HOSTILE = (
    '<script>alert(1)</script> [click](javascript:alert(2)) <img src=x onerror="alert(3)"> '
    "<!-- x --> --> [r]: javascript:alert(4)\n\n1. not a list\n==="
)


def base() -> bytes:
    """Two pages: page 1 with two highlights, a sticky note, a text box and an ink drawing;
    page 2 (turned 90 degrees by :func:`finish`) with two highlights, one over hostile text."""
    pdf = FPDF()
    pdf.set_creation_date(WHEN)
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.set_xy(20, 30)
    pdf.cell(text="Before the mark. ")
    with pdf.highlight("Why the fox?", title="Ada", color=(0, 1, 0), modification_time=WHEN):
        pdf.cell(text=MARKED)
    pdf.cell(text=" and after it.")
    pdf.set_xy(20, 50)
    with pdf.highlight("", title="Bob", modification_time=WHEN):
        pdf.multi_cell(w=60, text=PASSAGE)
    pdf.set_xy(20, 90)
    pdf.cell(text="Far below, unmarked.")
    pdf.text_annotation(150, 40, HOSTILE, title='Eve <b onmouseover="x()">')
    pdf.free_text_annotation("Boxed words", x=20, y=150, w=60, h=10)
    pdf.ink_annotation([(30, 200), (40, 210), (50, 200)], text="circled", title="Ink")
    pdf.add_page()
    pdf.set_xy(20, 30)
    with pdf.highlight("turned", modification_time=WHEN):
        pdf.cell(text=ROTATED)
    pdf.set_xy(20, 50)
    with pdf.highlight("", modification_time=WHEN):
        pdf.cell(text=HOSTILE_TEXT)
    return bytes(pdf.output())


def annots(w: PdfWriter, page: int) -> list[DictionaryObject]:
    got = w.pages[page].get("/Annots")
    return [a.get_object() for a in (got.get_object() if got is not None else [])]


def by_contents(w: PdfWriter, page: int, contents: str) -> DictionaryObject:
    return next(a for a in annots(w, page) if str(a.get("/Contents", "")) == contents)


def saved(w: PdfWriter) -> bytes:
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def edit(data: bytes, change: Callable[[PdfWriter], Any]) -> bytes:
    """``data`` with ``change`` applied by pypdf, saved again (as a viewer saves)."""
    w = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    change(w)
    return saved(w)


def finish(data: bytes) -> bytes:
    """The base with /NM on the fox highlight and the sticky note, a reply to the fox
    highlight, and page 2 turned."""

    def change(w: PdfWriter) -> None:
        fox = by_contents(w, 0, "Why the fox?")
        fox[NameObject("/NM")] = TextStringObject("fox-1")
        by_contents(w, 0, HOSTILE)[NameObject("/NM")] = TextStringObject("sticky-1")
        # fpdf2 writes annotations inline; a reply's /IRT needs its parent as an object.
        arr = w.pages[0]["/Annots"]
        at = next(i for i, r in enumerate(arr) if r.get_object() is fox)
        arr[at] = ref = w._add_object(fox)
        reply(w, 0, ref, "Because it is quick.", "Bob")
        w.pages[1].rotate(90)

    return edit(data, change)


def reply(w: PdfWriter, page: int, to: Any, text: str, author: str) -> None:
    r = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in (0, 0, 10, 10)]),
            NameObject("/Contents"): TextStringObject(text),
            NameObject("/T"): TextStringObject(author),
            NameObject("/M"): TextStringObject("D:20240103090000Z"),
            NameObject("/IRT"): to,
        }
    )
    w.add_annotation(page, r)


def sticky(
    w: PdfWriter, page: int, text: str, rect: tuple[float, ...], nm: str | None = None
) -> None:
    a = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Annot"),
            NameObject("/Subtype"): NameObject("/Text"),
            NameObject("/Rect"): ArrayObject([FloatObject(v) for v in rect]),
            NameObject("/Contents"): TextStringObject(text),
            NameObject("/C"): ArrayObject([FloatObject(v) for v in (1, 0.5, 0)]),
        }
    )
    if nm:
        a[NameObject("/NM")] = TextStringObject(nm)
    w.add_annotation(page, a)


def delete(w: PdfWriter, page: int, contents: str) -> None:
    arr = w.pages[page]["/Annots"]
    for i, r in enumerate(list(arr)):
        if str(r.get_object().get("/Contents", "")) == contents:
            del arr[i]
            return
    raise AssertionError(contents)


def paper() -> bytes:
    return finish(base())
