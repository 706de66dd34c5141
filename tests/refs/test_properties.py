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


@given(line=st.text(max_size=50), i=st.integers(min_value=0, max_value=60))
def test_column_round_trip(line: str, i: int) -> None:
    i = min(i, len(line))
    for enc in ("utf-16", "utf-8", "utf-32"):
        assert index_of(line, column(line, i, enc), enc) == i  # type: ignore[arg-type]
