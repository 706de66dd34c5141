"""The scanner never raises on arbitrary text and its ranges stay inside the document."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.hub.refs import (
    ReferenceScanner,
    RuleSet,
    ScanContext,
    column,
    index_of,
    lexing,
    reference_at,
    split_lines,
)
from tests.conftest import examples

from .conftest import REPO

PIECES = ["😀", "é", "\u2028", "GH-", "https://github.com/"]
ALPHABET = st.sampled_from([*"#/-:\n\r\t \"'`*abcABC0123456789.?=&", *PIECES])
TEXT = st.lists(ALPHABET, max_size=200).map("".join) | st.text(max_size=200)
LANGS = st.sampled_from(["python", "typescript", "c", "go", "rust", "markdown", "git-commit", None])


@settings(max_examples=examples(300), deadline=None)
@given(text=TEXT, language_id=LANGS, encoding=st.sampled_from(["utf-16", "utf-8", "utf-32"]))
def test_scan_is_total_and_ranges_fit(
    rules: RuleSet, text: str, language_id: str | None, encoding: str
) -> None:
    ctx = ScanContext.single(REPO, encoding=encoding)  # type: ignore[arg-type]
    refs = ReferenceScanner(rules).scan(text, language_id=language_id, context=ctx)
    lines = split_lines(text)
    for r in refs:
        line = lines[r.range.line]
        assert 0 <= r.range.start < r.range.end <= column(line, len(line), ctx.encoding)
        s = index_of(line, r.range.start, ctx.encoding)
        e = index_of(line, r.range.end, ctx.encoding)
        assert line[s:e] == r.text
        assert reference_at(refs, r.range.line, r.range.start) == r
    assert refs == sorted(refs, key=lambda r: (r.range.line, r.range.start))


@contextlib.contextmanager
def using(backend: str) -> Iterator[None]:
    """Find comments and strings with ``backend`` inside the block."""
    assert backend != "tree-sitter" or lexing.treesitter.available()
    saved = lexing.USE_TREE_SITTER
    lexing.USE_TREE_SITTER = backend == "tree-sitter"
    try:
        yield
    finally:
        lexing.USE_TREE_SITTER = saved


@pytest.mark.parametrize("backend", ["tree-sitter", "pygments"])
@settings(max_examples=examples(200), deadline=None)
@given(
    before=TEXT,
    after=TEXT,
    language_id=st.sampled_from(["python", "typescript", "c", "go", "rust"]),
)
def test_incremental_scan_equals_fresh_scan(
    rules: RuleSet, backend: str, before: str, after: str, language_id: str
) -> None:
    with using(backend):
        scanner = ReferenceScanner(rules)
        ctx = ScanContext.single(REPO)
        scanner.scan(before, language_id=language_id, uri="file:///x", version=1, context=ctx)
        warm = scanner.scan(after, language_id=language_id, uri="file:///x", version=2, context=ctx)
        assert warm == ReferenceScanner(rules).scan(after, language_id=language_id, context=ctx)


#: Pieces of lines that open and close comments and strings (in some language), so that an
#: edit moves the comment/string spans of lines it did not touch.
CODE = st.sampled_from(
    ['"""', "'''", "/*", "*/", "//", "# ", "`", "#1", " #2", "GH-3", " ENG-4", "x = "]
)
LINE = st.lists(CODE | ALPHABET, max_size=12).map("".join)
EDIT = st.tuples(
    st.sampled_from(["insert", "delete", "replace", "same"]),
    st.integers(min_value=0, max_value=40),
    LINE,
    st.booleans(),  # the other scan context for this version
)
Edit = tuple[str, int, str, bool]


def edited(lines: list[str], edit: Edit) -> list[str]:
    op, at, text = edit[:3]
    out = list(lines)
    i = at % (len(out) + 1)
    if op == "insert" or not out:
        out.insert(i, text)
    elif op == "delete":
        del out[min(i, len(out) - 1)]
    elif op == "replace":
        out[min(i, len(out) - 1)] = text
    return out


@pytest.mark.parametrize("backend", ["tree-sitter", "pygments"])
@settings(max_examples=examples(150), deadline=None)
@given(
    base=st.lists(LINE, max_size=40),
    edits=st.lists(EDIT, min_size=1, max_size=6),
    language_id=st.sampled_from(["python", "typescript", "c", "markdown", None]),
)
def test_a_chain_of_line_edits_scans_like_fresh_scans(
    rules: RuleSet,
    backend: str,
    base: list[str],
    edits: list[Edit],
    language_id: str | None,
) -> None:
    """Version after version of one document -- lines inserted, deleted, replaced, or none
    (a new version of the same text), the context switching now and then -- the incremental
    scan answers what a fresh scan of each version does; and a version whose references are
    all the same as the previous one's answers the very list of before."""
    contexts = (ScanContext.single(REPO), ScanContext.single(REPO, highest=3))
    with using(backend):
        scanner = ReferenceScanner(rules)
        lines = base
        previous = scanner.scan(
            "\n".join(lines), language_id=language_id, uri="file:///x", version=1,
            context=contexts[0],
        )  # fmt: skip
        for version, edit in enumerate(edits, start=2):
            lines = edited(lines, edit)
            ctx = contexts[edit[3]]
            text = "\n".join(lines)
            warm = scanner.scan(
                text, language_id=language_id, uri="file:///x", version=version, context=ctx
            )
            fresh = ReferenceScanner(rules).scan(text, language_id=language_id, context=ctx)
            assert warm == fresh
            assert (warm is previous) == (warm == previous)
            previous = warm


@given(line=st.text(max_size=50), i=st.integers(min_value=0, max_value=60))
def test_column_round_trip(line: str, i: int) -> None:
    i = min(i, len(line))
    for enc in ("utf-16", "utf-8", "utf-32"):
        assert index_of(line, column(line, i, enc), enc) == i  # type: ignore[arg-type]
