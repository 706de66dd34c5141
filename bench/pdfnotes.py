"""PDF annotations into a note: what a long annotated PDF costs, and which reader of the text
under highlights is fastest.

Run: ``python -m bench.pdfnotes [PAGES]``. A generated PDF of PAGES pages (default 100) of
prose, each with three highlights over its text (fpdf2 computes their quadrilaterals) and a
sticky note. Figures (printed, never asserted) are CPU time of this process (everything
here runs in it, on one thread), so other work on the machine barely moves them; pypdf and
the device are the best of 3 runs, the others one run:

* annotations only      -- pypdf reading every page's annotations (no text);
* chars, pdfminer        -- every character box of every page, pdfminer.six with no layout
                           analysis (:func:`server.hub.pdfnotes.extract.page_chars`);
* chars, pdfminer layout -- the same with pdfminer's layout analysis (``LAParams``), for scale;
* chars, pdfplumber      -- ``page.chars`` of each page, where pdfplumber is installed;
* extract                -- what an import reads: the annotations, and the characters near
                           the highlights only;
* first import           -- extract, render and write the note;
* re-import, unchanged   -- the same PDF again: nothing written.

Each text reader's highlighted text is checked against the others' (the count of pages where
they agree is printed), so a faster reader that reads differently is seen.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from server.hub.pdfnotes import import_annotations
from server.hub.pdfnotes.extract import Char, extract, page_chars

WORDS = [
    "the",
    "annotation",
    "layer",
    "of",
    "a",
    "document",
    "keeps",
    "what",
    "its",
    "readers",
    "marked",
    "beside",
    "what",
    "its",
    "author",
    "wrote",
    "and",
    "a",
    "note",
    "that",
    "links",
    "back",
    "to",
    "the",
    "page",
    "keeps",
    "both",
    "in",
    "reach",
]


def make(pages: int) -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for p in range(pages):
        pdf.add_page()
        pdf.set_xy(15, 20)
        for line in range(40):
            words = " ".join(WORDS[(p + line + k) % len(WORDS)] for k in range(12))
            if line in (5, 17, 29):
                with pdf.highlight(f"mark {p}.{line}", title="Ada"):
                    pdf.cell(w=180, h=6, text=words, new_x="LMARGIN", new_y="NEXT")
            else:
                pdf.cell(w=180, h=6, text=words, new_x="LMARGIN", new_y="NEXT")
        pdf.text_annotation(190, 20, f"note on page {p + 1}", title="Bob")
    return bytes(pdf.output())


def best(fn: Callable[[], Any], runs: int = 3) -> tuple[float, Any]:
    times, out = [], None
    for _ in range(runs):
        t = time.process_time()
        out = fn()
        times.append(time.process_time() - t)
    return min(times), out


def _annotations_only(data: bytes) -> int:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    return sum(len(p.get("/Annots") or []) for p in reader.pages)


def _layout_chars(data: bytes, pages: int) -> dict[int, list[Char]]:
    from pdfminer.high_level import extract_pages
    from pdfminer.layout import LAParams, LTChar, LTContainer, LTItem

    out: dict[int, list[Char]] = {}

    def walk(item: LTItem, into: list[Char]) -> None:
        if isinstance(item, LTChar):
            into.append(Char(item.get_text(), item.x0, item.y0, item.x1, item.y1))
        elif isinstance(item, LTContainer):
            for child in item:
                walk(child, into)

    for n, page in enumerate(extract_pages(io.BytesIO(data), laparams=LAParams())):
        out[n] = []
        walk(page, out[n])
    return out


def _plumber_chars(data: bytes) -> dict[int, list[Char]] | None:
    try:
        import pdfplumber
    except ImportError:
        return None
    out: dict[int, list[Char]] = {}
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for n, page in enumerate(pdf.pages):
            h = page.height
            out[n] = [
                Char(c["text"], c["x0"], h - c["bottom"], c["x1"], h - c["top"]) for c in page.chars
            ]
    return out


def _texts(data: bytes, chars: dict[int, list[Char]]) -> list[str]:
    from pypdf import PdfReader

    from server.hub.pdfnotes.extract import quads_of, text_under

    out = []
    for n, page in enumerate(PdfReader(io.BytesIO(data)).pages):
        for a in page.get("/Annots") or []:
            a = a.get_object()
            if a.get("/Subtype") == "/Highlight":
                quads = quads_of([float(v) for v in a["/QuadPoints"]])
                out.append(text_under(quads, chars.get(n, [])))
    return out


def main(argv: list[str]) -> None:
    pages = int(argv[0]) if argv else 100
    data = make(pages)
    print(f"{pages} pages, {len(data) / 1e6:.1f} MB, {pages * 3} highlights, {pages} notes")
    t, count = best(lambda: _annotations_only(data))
    print(f"annotations only (pypdf):       {t * 1000:8.0f} ms  ({count} annotations)")
    t, ours = best(lambda: page_chars(data, range(pages)))
    print(f"chars, pdfminer (no layout):    {t * 1000:8.0f} ms  ({t / pages * 1000:.1f} ms/page)")
    t, layout = best(lambda: _layout_chars(data, pages), runs=1)
    print(f"chars, pdfminer with LAParams:  {t * 1000:8.0f} ms")
    t, plumber = best(lambda: _plumber_chars(data), runs=1)
    if plumber is None:
        print("chars, pdfplumber:              not installed")
    else:
        print(f"chars, pdfplumber:              {t * 1000:8.0f} ms")
    mine = _texts(data, ours)
    for name, other in (("LAParams", layout), ("pdfplumber", plumber)):
        if other is not None:
            same = sum(a == b for a, b in zip(mine, _texts(data, other), strict=True))
            print(f"  highlighted text as {name} reads it: {same} of {len(mine)} the same")
    t, got = best(lambda: extract(data), runs=1)
    print(f"extract (all):                  {t * 1000:8.0f} ms  ({len(got.annotations)} entries)")
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "long.pdf"
        pdf.write_bytes(data)
        t0 = time.process_time()
        first = import_annotations(pdf)
        t1 = time.process_time()
        again = import_annotations(pdf)
        t2 = time.process_time()
        size = first.note.stat().st_size
        took = (t1 - t0) * 1000
        print(f"first import:                   {took:8.0f} ms  (note {size / 1e3:.0f} kB)")
        print(
            f"re-import, unchanged:           {(t2 - t1) * 1000:8.0f} ms  "
            f"(written: {again.written})"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
