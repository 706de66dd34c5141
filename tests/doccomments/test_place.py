"""Where a comment is shown in a document's Markdown export: the first line its quoted
passage occurs on, however the export wraps it, else line 1."""

from __future__ import annotations

from connectors.sdk.doccomments import DocComment
from server.hub.doccomments import locate, place

MD = """# Design

We ship on Fridays, unless the
build is red.

## Risks

We ship on Fridays.
* A list item with **bold** words
"""


def test_the_first_line_the_passage_occurs_on() -> None:
    assert place(MD, "We ship on Fridays") == 2
    assert place(MD, "Risks") == 5
    assert place(MD, "# Design") == 0


def test_a_passage_the_export_wrapped_is_found_on_its_first_line() -> None:
    assert place(MD, "unless the\nbuild is red") == 2
    assert place(MD, "bold") == 8


def test_white_space_differences_do_not_hide_a_passage() -> None:
    assert place(MD, "We  ship\ton Fridays.") == 7  # with the full stop: the second one
    assert place("a\nx   y z\n", "x y  z") == 1


def test_a_passage_across_paragraphs_is_found_by_its_first_line() -> None:
    assert place(MD, "## Risks\n\nWe ship on Fridays. And more") == 5


def test_no_quote_or_an_unknown_one_is_line_one() -> None:
    assert place(MD, None) == 0
    assert place(MD, "") == 0
    assert place(MD, "   ") == 0
    assert place(MD, "not in the text") == 0


def test_threads_come_in_the_order_of_their_lines() -> None:
    threads = [
        DocComment(id="a", body="late", quoted="Risks"),
        DocComment(id="b", body="whole file"),
        DocComment(id="c", body="early", quoted="build is red"),
    ]
    assert [(p.comment.id, p.line) for p in locate(MD, threads)] == [
        ("b", 0),
        ("c", 3),
        ("a", 5),
    ]
