"""Re-importing into the note the last import wrote: entries updated in place, new
annotations added in reading order, deleted ones marked and kept, and every word the user
wrote -- around the entries and inside them -- kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from pypdf import PdfWriter

from connectors.sdk.errors import FormatError
from server.hub.pdfnotes import ImportResult, import_annotations, summary
from server.hub.pdfnotes.merge import KEPT, merge, parse
from server.hub.pdfnotes.render import Entry, digest
from tests.pdfnotes import pdfs

DAY1 = dt.date(2024, 2, 1)
DAY2 = dt.date(2024, 3, 1)
MINE_TOP = "My summary: read section 2 again."
MINE_FOX = "My thought on the fox: it is a metaphor."
MINE_END = "## Questions\n\n- Who is the fox?"


class World:
    def __init__(self, root: Path) -> None:
        self.pdf = root / "paper.pdf"
        self.data = pdfs.paper()
        self.pdf.write_bytes(self.data)
        self.note = root / "paper.annotations.md"

    def change(self, fn: object) -> None:
        self.data = pdfs.edit(self.data, fn)  # type: ignore[arg-type]
        self.pdf.write_bytes(self.data)

    def run(self, today: dt.date = DAY2) -> ImportResult:
        return import_annotations(self.pdf, today=today)


@pytest.fixture
def w(tmp_path: Path) -> World:
    world = World(tmp_path)
    world.run(DAY1)
    text = world.note.read_text()
    # The user writes at the top, under the fox entry and at the end.
    text = text.replace("\n\n<!-- tieline-pdf", f"\n\n{MINE_TOP}\n\n<!-- tieline-pdf", 1)
    fox_end = text.index("<!-- /tieline-pdf -->") + len("<!-- /tieline-pdf -->")
    text = text[:fox_end] + f"\n\n{MINE_FOX}" + text[fox_end:]
    world.note.write_text(text + f"\n{MINE_END}\n")
    return world


def entry_ids(text: str) -> list[str]:
    return [p.id for p in parse(text) if not isinstance(p, list)]


def test_an_unchanged_pdf_writes_nothing(w: World) -> None:
    before = w.note.read_bytes()
    r = w.run()
    assert not r.written and w.note.read_bytes() == before
    assert not r.merged.changed and len(r.merged.unchanged) == 7
    assert summary(r) == "7 unchanged"


def test_edit_add_and_delete_in_the_pdf(w: World) -> None:
    def change(pdf: PdfWriter) -> None:
        pdfs.by_contents(pdf, 0, "Why the fox?")[pdfs.NameObject("/Contents")] = (
            pdfs.TextStringObject("The fox is quick.")
        )
        pdfs.delete(pdf, 0, "Boxed words")
        pdfs.sticky(pdf, 0, "Added between", (300, 530, 320, 550), nm="new-1")
        # page 2 is turned a quarter: its top as shown is the left edge in user space
        pdfs.sticky(pdf, 1, "Added on page two", (400, 40, 420, 60))

    before_ids = entry_ids(w.note.read_text())
    w.change(change)
    r = w.run()
    text = w.note.read_text()
    m = r.merged
    assert (len(m.added), len(m.updated), len(m.removed)) == (2, 1, 1)
    assert m.updated == ["nm:fox-1"]
    # the user's words, where they were
    assert f"\n\n{MINE_TOP}\n\n<!-- tieline-pdf id=nm:fox-1 " in text
    assert f"<!-- /tieline-pdf -->\n\n{MINE_FOX}\n\n<!-- tieline-pdf id=nm:sticky-1 " in text
    assert text.endswith(f"\n{MINE_END}\n")
    # updated in place
    assert "The fox is quick." in text and "Why the fox?" not in text
    # marked, not dropped
    removed = m.removed[0]
    assert f"<!-- tieline-pdf id={removed} page=1 " in text
    assert (
        "removed=2024-03-01 -->\n"
        "*Removed from the PDF (not found by the import of 2024-03-01).*\n\n" in text
    )
    assert "Boxed words" in text
    # new ones in reading order: between the passage and the removed box, and on page 2
    ids = entry_ids(text)
    assert ids == [*before_ids[:3], "nm:new-1", *before_ids[3:], m.added[1]]
    assert ids.index(m.added[1]) > ids.index(before_ids[-1])  # after page 2's highlight
    # an import after that changes nothing, and a removed entry stays marked once
    again = w.run(dt.date(2024, 4, 1))
    assert not again.written and again.merged.unchanged.count(removed) == 1


def test_a_deleted_annotation_that_comes_back_loses_its_mark(w: World) -> None:
    saved = w.data
    w.change(lambda pdf: pdfs.delete(pdf, 0, "circled"))
    w.run()
    assert "Removed from the PDF" in w.note.read_text()
    w.pdf.write_bytes(saved)
    r = w.run()
    assert len(r.merged.restored) == 1
    text = w.note.read_text()
    assert "Removed from the PDF" not in text and "removed=" not in text
    assert "circled" in text and MINE_FOX in text


def test_edits_inside_an_entry_are_kept(w: World) -> None:
    text = w.note.read_text().replace("> The quick brown fox", "> The quick brown fox (sic)")
    w.note.write_text(text)
    r = w.run()  # the annotation did not change: the edit stays, nothing written
    assert r.merged.kept_edits == ["nm:fox-1"] and not r.written
    assert "(sic)" in w.note.read_text()

    w.change(
        lambda pdf: pdfs.by_contents(pdf, 0, "Why the fox?").__setitem__(
            pdfs.NameObject("/Contents"), pdfs.TextStringObject("Changed in the viewer")
        )
    )
    r = w.run()  # both changed: the fresh entry, and the user's version kept under it
    assert r.merged.both_changed == ["nm:fox-1"]
    text = w.note.read_text()
    fresh = text.index("Changed in the viewer")
    kept = text.index(KEPT)
    assert fresh < kept < text.index("(sic)") < text.index(MINE_FOX)
    assert not w.run().written  # and that is stable


def test_a_note_of_the_users_own_gets_the_entries_after_its_text(tmp_path: Path) -> None:
    pdf = tmp_path / "paper.pdf"
    pdf.write_bytes(pdfs.paper())
    note = tmp_path / "reading.md"
    note.write_text("# Reading log\n\nStarted on Monday.\n")
    import_annotations(pdf, note)
    text = note.read_text()
    assert text.startswith("# Reading log\n\nStarted on Monday.\n\n<!-- tieline-pdf id=nm:fox-1 ")
    assert len(entry_ids(text)) == 7


def test_nothing_is_written_when_the_pdf_cannot_be_read(w: World) -> None:
    before = w.note.read_bytes()
    w.pdf.write_bytes(b"%PDF-1.7\n" + b"\x00" * 400)
    with pytest.raises(FormatError):
        w.run()
    assert w.note.read_bytes() == before


def test_a_note_that_is_not_markdown_is_refused(tmp_path: Path) -> None:
    (tmp_path / "p.pdf").write_bytes(pdfs.paper())
    with pytest.raises(FormatError, match="Markdown"):
        import_annotations(tmp_path / "p.pdf", tmp_path / "p.txt")
    assert not (tmp_path / "p.txt").exists()


def _entry(i: str, page: int, body: str) -> Entry:
    return Entry(i, page, body, digest(body))


def test_broken_marks_and_repeated_ids_are_left_as_text() -> None:
    a = _entry("a", 1, "A")
    old = (
        "top\n\n<!-- tieline-pdf id=a page=1 digest="
        + a.digest
        + " -->\nA\n<!-- /tieline-pdf -->\n"
        "\n<!-- tieline-pdf id=a page=1 digest=" + a.digest + " -->\ncopy\n<!-- /tieline-pdf -->\n"
        "\n<!-- tieline-pdf id=b page=1 digest=000000000000 -->\nunclosed\n"
    )
    m = merge(old, [a], {"a": (1, 0, 0, "a")}, "2024-01-01")
    assert m.text == old and m.unchanged == ["a"] and not m.changed


def test_merging_twice_is_merging_once() -> None:
    entries = [_entry("a", 1, "A"), _entry("b", 2, "B"), _entry("c", 3, "C")]
    keys = {e.id: (e.page, 0.0, 0.0, e.id) for e in entries}
    first = merge("# N\n", entries[::2], keys, "2024-01-01").text
    second = merge(first + "\nmine\n", entries[1:], keys, "2024-01-02")
    assert entry_ids(second.text) == ["a", "b", "c"]
    assert second.removed == ["a"]
    third = merge(second.text, entries[1:], keys, "2024-01-03")
    assert third.text == second.text and not third.changed
    assert "\nmine\n" in third.text


def test_windows_line_ends_are_kept() -> None:
    a = _entry("a", 1, "A")
    first = merge("# N\r\n\r\nmine\r\n", [a], {"a": (1, 0, 0, "a")}, "2024-01-01").text
    assert "\n" not in first.replace("\r\n", "")
    again = merge(first, [a], {"a": (1, 0, 0, "a")}, "2024-01-02")
    assert again.text == first and again.unchanged == ["a"]
