"""Annotations made by another PDF library read back: PyMuPDF (MuPDF's own annotation
writer, as viewers built on MuPDF make them) writes a highlight over text it placed, an
underline, a strike-out, a sticky note, a text box and an ink drawing, each with its colour
and author, on two pages; :func:`extract` reads each kind, page, colour, author, contents
and the text under every markup, and a re-save by PyMuPDF after an edit keeps the ids."""

from __future__ import annotations

import pymupdf
import pytest

from server.hub.pdfnotes.extract import extract

FOX = "The quick brown fox jumps over the lazy dog"
SECOND = "Second page words to underline"
GONE = "Words struck out"


def _made() -> bytes:
    doc = pymupdf.open()
    one = doc.new_page()
    one.insert_text((72, 100), FOX, fontsize=12)
    one.insert_text((72, 140), GONE, fontsize=12)
    hl = one.add_highlight_annot(one.search_for("quick brown fox"))
    hl.set_colors(stroke=(1, 1, 0))
    hl.set_info(content="Why a fox?", title="Ada")
    hl.update()
    so = one.add_strikeout_annot(one.search_for(GONE))
    so.set_colors(stroke=(1, 0, 0))
    so.update()
    note = one.add_text_annot((400, 300), "A sticky <b>note</b>")
    note.set_info(title="Bob")
    note.update()
    box = one.add_freetext_annot(pymupdf.Rect(72, 400, 300, 440), "Boxed words")
    box.update()
    ink = one.add_ink_annot([[(100, 500), (150, 550), (200, 500)], [(220, 500), (260, 540)]])
    ink.update()
    two = doc.new_page()
    two.insert_text((72, 100), SECOND, fontsize=12)
    ul = two.add_underline_annot(two.search_for("words to underline"))
    ul.set_colors(stroke=(0, 0, 1))
    ul.update()
    data: bytes = doc.tobytes()
    doc.close()
    return data


@pytest.fixture(scope="module")
def made() -> bytes:
    return _made()


def test_every_kind_pymupdf_writes(made: bytes) -> None:
    got = extract(made)
    assert got.pages == 2 and got.skipped == 0
    kinds = sorted((a.page, a.kind) for a in got.annotations)
    assert kinds == [
        (1, "highlight"),
        (1, "ink"),
        (1, "note"),
        (1, "strike-out"),
        (1, "text box"),
        (2, "underline"),
    ]
    by = {a.kind: a for a in got.annotations}
    hl = by["highlight"]
    assert (hl.colour, hl.author, hl.contents) == ("#ffff00", "Ada", "Why a fox?")
    assert hl.text == "quick brown fox"
    assert by["strike-out"].text == GONE and by["strike-out"].colour == "#ff0000"
    assert by["underline"].text == "words to underline" and by["underline"].colour == "#0000ff"
    assert by["note"].contents == "A sticky <b>note</b>" and by["note"].author == "Bob"
    assert by["text box"].contents == "Boxed words"
    assert by["ink"].strokes == 2


def test_ids_survive_a_pymupdf_edit(made: bytes) -> None:
    """PyMuPDF names each annotation (/NM); after a viewer on MuPDF edits one and saves,
    each is the same one as before, so a re-import merges instead of duplicating."""
    before = {a.id: a for a in extract(made).annotations}
    doc = pymupdf.open(stream=made, filetype="pdf")
    page = doc[0]
    for annot in page.annots():
        if annot.type[1] == "Highlight":
            annot.set_info(content="Because it is quick.")
            annot.update()
    edited = doc.tobytes(incremental=False)
    doc.close()
    after = {a.id: a for a in extract(edited).annotations}
    assert after.keys() == before.keys()
    changed = [i for i in after if after[i].contents != before[i].contents]
    assert len(changed) == 1 and after[changed[0]].contents == "Because it is quick."
