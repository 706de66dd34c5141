"""Reading annotations: what each is and where, the text under a highlight from its
quadrilaterals (fpdf2 computed them over text it wrote, and a turned page reads the same),
identities that survive the file being saved again, and PDFs that cannot be read."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import NameObject, TextStringObject

from connectors.sdk.errors import FormatError
from server.hub.pdfnotes.extract import (
    Char,
    annotation_id,
    colour_of,
    extract,
    pdf_date,
    quads_of,
    text_under,
)
from tests.pdfnotes import pdfs


@pytest.fixture(scope="module")
def paper() -> bytes:
    return pdfs.paper()


def test_every_kind_with_its_page_colour_author_date_and_contents(paper: bytes) -> None:
    got = extract(paper)
    assert got.pages == 2
    kinds = [(a.page, a.kind) for a in got.annotations]
    assert kinds == [
        (1, "highlight"),
        (1, "note"),
        (1, "highlight"),
        (1, "text box"),
        (1, "ink"),
        (2, "highlight"),
        (2, "highlight"),
    ]  # in reading order; the reply is no entry of its own
    fox = got.annotations[0]
    assert fox.id == "nm:fox-1"
    assert (fox.colour, fox.author, fox.contents) == ("#00ff00", "Ada", "Why the fox?")
    assert fox.modified == "2024-01-02T10:30"
    assert [(r.author, r.contents) for r in fox.replies] == [("Bob", "Because it is quick.")]
    assert got.annotations[1].contents == pdfs.HOSTILE  # unchanged until rendered
    assert got.annotations[4].strokes == 1
    assert got.annotations[3].contents == "Boxed words"


def test_the_text_under_each_highlight(paper: bytes) -> None:
    marks = [a for a in extract(paper).annotations if a.kind == "highlight"]
    # Page 2 is turned a quarter clockwise and its lines were written unturned, so as it is
    # shown they are columns starting at one height: the lower line is the left column, and
    # comes first. (A real turned page draws its text turned back, so it reads upright.)
    assert [m.text for m in marks] == [
        pdfs.MARKED,
        pdfs.PASSAGE,
        pdfs.HOSTILE_TEXT,
        pdfs.ROTATED,
    ]


def test_identities_survive_a_save_and_nm_wins(paper: bytes) -> None:
    before = [a.id for a in extract(paper).annotations]
    again = [a.id for a in extract(pdfs.edit(paper, lambda w: None)).annotations]
    assert before == again
    assert before[1] == "nm:sticky-1" and before[2].startswith("h:")


def test_an_unsafe_name_is_hashed_not_written_into_the_mark() -> None:
    odd = annotation_id("a b --> <x>", 1, "/Text", (0, 0, 1, 1))
    assert odd.startswith("nm#") and " " not in odd and ">" not in odd
    assert annotation_id(None, 1, "/Text", (0, 0, 1, 1)) != annotation_id(
        None, 2, "/Text", (0, 0, 1, 1)
    )


def test_quadrilaterals_in_either_corner_order() -> None:
    chars = [Char(c, 10 + 6 * i, 100, 15 + 6 * i, 110) for i, c in enumerate("abcdef")]
    spec = [9, 99, 30, 99, 30, 111, 9, 111]  # counter-clockwise
    acrobat = [9, 111, 30, 111, 9, 99, 30, 99]  # the "Z" order viewers write
    assert text_under(quads_of(spec), chars) == text_under(quads_of(acrobat), chars) == "abc"


def test_words_from_gaps_and_a_hyphen_across_lines() -> None:
    line1 = [Char(c, x, 100, x + 5, 110) for c, x in (("o", 0), ("n", 5), ("e", 20), ("-", 25))]
    line2 = [Char(c, x, 80, x + 5, 90) for c, x in (("t", 0), ("w", 5), ("o", 10))]
    quads = quads_of([-1, 99, 31, 99, 31, 111, -1, 111]) + quads_of(
        [-1, 79, 16, 79, 16, 91, -1, 91]
    )
    assert text_under(quads, line1 + line2) == "on e-two"


def test_colours_and_dates() -> None:
    assert colour_of([1, 1, 0]) == "#ffff00"
    assert colour_of([0.5]) == "#808080"
    assert colour_of([0, 0, 0, 1]) == "#000000"
    assert colour_of([]) is None
    assert pdf_date("D:20240102103000+01'00'") == "2024-01-02T10:30+01:00"
    assert pdf_date("D:2024") == "2024-01-01T00:00"
    assert pdf_date("yesterday") == "yesterday"


def _encrypted(data: bytes, user: str) -> bytes:
    w = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
    w.encrypt(user_password=user, owner_password="owner", algorithm="AES-128")
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_a_password_is_a_clear_error_and_an_empty_one_reads(paper: bytes) -> None:
    with pytest.raises(FormatError, match="encrypted with a password"):
        extract(_encrypted(paper, "secret"), "locked.pdf")
    readable = extract(_encrypted(paper, ""), "restricted.pdf")
    assert next(a.text for a in readable.annotations if a.kind == "highlight") == pdfs.MARKED


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (b"GIF89a not a pdf", "is not a PDF"),
        (b"%PDF-1.7\n" + b"\x00garbage" * 50, "could not be read"),
    ],
)
def test_what_is_not_a_pdf_is_a_clear_error(data: bytes, says: str) -> None:
    with pytest.raises(FormatError, match=says):
        extract(data, "broken.pdf")


def test_a_truncated_pdf_is_an_error_or_what_survives(paper: bytes) -> None:
    try:
        got = extract(paper[: len(paper) // 2], "cut.pdf")
    except FormatError as exc:
        assert "cut.pdf" in str(exc)
    else:  # pypdf rebuilds what it can of a damaged file; what it gives is still checked
        assert all(a.page >= 1 for a in got.annotations)


def test_page_labels_are_kept_where_they_differ(paper: bytes) -> None:
    def label(w: PdfWriter) -> None:
        w.set_page_label(0, 0, style="/r")

    got = extract(pdfs.edit(paper, label)).annotations
    assert got[0].page_label == "i"
    assert got[-1].page_label == "1"  # page 2, numbered anew after the roman range


def test_a_name_added_later_changes_only_that_identity(paper: bytes) -> None:
    def name(w: PdfWriter) -> None:
        pdfs.by_contents(w, 0, "Boxed words")[NameObject("/NM")] = TextStringObject("box")

    ids = [a.id for a in extract(pdfs.edit(paper, name)).annotations]
    assert "nm:box" in ids and "nm:fox-1" in ids


def test_an_unreadable_annotation_is_skipped_and_counted(
    paper: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    from server.hub.pdfnotes import extract as module

    real = module._one

    def odd(ref: object, *args: object) -> object:
        got = real(ref, *args)  # type: ignore[arg-type]
        if isinstance(got, module._Found) and got.fields["kind"] == "ink":
            raise ValueError("a broken /InkList")
        return got

    monkeypatch.setattr(module, "_one", odd)
    got = extract(paper)
    assert got.skipped == 1 and len(got.annotations) == 6
