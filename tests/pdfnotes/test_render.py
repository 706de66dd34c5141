"""An entry as Markdown: what the PDF says is shown as written and is never markup. The
note is parsed as CommonMark (markdown-it, HTML on, as VS Code's preview reads it): its
only HTML is the entries' own marks, its only links the ones back to the PDF, and the
hostile sticky note's script, links and HTML come out as text."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path, PurePath
from typing import Any

import pytest
from markdown_it import MarkdownIt

from server.hub.pdfnotes import import_annotations
from server.hub.pdfnotes.extract import Annotation
from server.hub.pdfnotes.render import colour_name, pdf_link, render, text_block
from tests.pdfnotes import pdfs

MARK = re.compile(
    r"<!-- (?:tieline-pdf id=\S+ page=\d+ digest=[0-9a-f]{12}(?: removed=[\d-]+)?"
    r"|/tieline-pdf) -->\n"
)


def tokens(md: str) -> list[Any]:
    out = []
    for t in MarkdownIt("commonmark").enable("table").parse(md):
        out.append(t)
        out += t.children or []
    return out


def assert_inert(note: str, pdf_href: str) -> None:
    for t in tokens(note):
        assert t.type != "html_inline", t.content
        if t.type == "html_block":
            assert MARK.fullmatch(t.content), t.content
        if t.type == "link_open":
            assert t.attrs["href"].startswith(pdf_href), t.attrs
        assert t.type not in ("ordered_list_open", "image")
    seen = _Tags()
    seen.feed(MarkdownIt("commonmark").render(note))
    assert seen.tags <= {"h1", "p", "strong", "em", "a", "blockquote", "ul", "li", "br", "code"}
    assert seen.attributes <= {("a", "href")}
    assert all(MARK.fullmatch(f"<!--{c}-->\n") for c in seen.comments), seen.comments


class _Tags(HTMLParser):
    """The elements, attributes and comments of the HTML a note renders to."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[tuple[str, str]] = set()
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self.attributes |= {(tag, k) for k, _ in attrs}

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


@pytest.fixture
def note(tmp_path: Path) -> str:
    (tmp_path / "paper.pdf").write_bytes(pdfs.paper())
    return import_annotations(tmp_path / "paper.pdf").note.read_text()


def test_hostile_contents_and_author_are_text(note: str) -> None:
    assert_inert(note, "paper.pdf")
    html = MarkdownIt("commonmark").render(note)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html  # shown, as written
    assert "[click](javascript:alert(2))" in html
    assert "Eve &lt;b onmouseover=&quot;x()&quot;&gt;" in html
    assert "1. not a list" in html
    # and the text under a highlight, the PDF's too
    assert (
        "&lt;img src=x onerror=alert(1)&gt; [a](javascript:alert(2)) &lt;!-- `code` --&gt;" in html
    )


def test_an_entry_has_page_link_kind_colour_author_date_text_and_replies(note: str) -> None:
    assert (
        "**[Page 1](paper.pdf#page=1)** · highlight · green · Ada · 2024-01-02 10:30\n\n"
        "> The quick brown fox\n\nWhy the fox?\n\n"
        "- **Bob · 2024-01-03 09:00+00:00**: Because it is quick.\n"
    ) in note
    assert "**[Page 2](paper.pdf#page=2)** · highlight · yellow" in note
    assert "· ink, 1 stroke · yellow · Ink" in note


def test_a_hostile_file_name_links_only_to_the_file(tmp_path: Path) -> None:
    pdf = tmp_path / "javascript:alert(1) <x>.pdf"
    pdf.write_bytes(pdfs.paper())
    note = import_annotations(pdf, tmp_path / "n.md").note.read_text()
    href = "javascript%3Aalert%281%29%20%3Cx%3E.pdf"
    assert f"]({href}#page=1)" in note
    assert_inert(note, href)


def test_links_are_relative_to_the_note() -> None:
    assert (
        pdf_link(PurePath("/w/papers/a b.pdf"), PurePath("/w/notes/a.md")) == "../papers/a%20b.pdf"
    )
    assert pdf_link(PurePath("/w/a.pdf"), PurePath("/w/a.annotations.md")) == "a.pdf"


def test_contents_keep_their_lines_and_paragraphs() -> None:
    assert text_block("one\ntwo\n\nthree", "> ") == ["> one\\", "> two", ">", "> three"]


def test_colour_names() -> None:
    assert colour_name("#ffff00") == "yellow"
    assert colour_name("#fde74c") == "yellow (#fde74c)"
    assert colour_name(None) is None


def test_controls_and_bidi_overrides_are_removed() -> None:
    a = Annotation(
        id="h:1", kind="note", page=1, page_label=None, rect=(0, 0, 1, 1), colour=None,
        author="\u202eevE", modified="D:not a date", contents="a\x00b\u2066c",
    )  # fmt: skip
    body = render(a, "p.pdf").body
    assert "\u202e" not in body and "\x00" not in body and "\u2066" not in body
    assert "abc" in body and "D:not a date" in body
