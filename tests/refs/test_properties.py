"""The scanner never raises on arbitrary text and its ranges stay inside the document."""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Iterator

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connectors.sdk.manifest import Manifest
from connectors.sdk.models import Issue, ItemState
from server.hub.refs import (
    ItemTarget,
    ReferenceScanner,
    RuleSet,
    ScanContext,
    Site,
    column,
    index_of,
    lexing,
    reference_at,
    split_lines,
)
from server.lsp import answers
from tests.conftest import examples

from .conftest import REPO, ROOT

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
    st.booleans(),  # the other state of the index (lenses and links)
)
Edit = tuple[str, int, str, bool, bool]


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


def index(state: int) -> Callable[[ItemTarget], Issue | None]:
    """A stand-in for :meth:`Hub.cached` in one of two states of the index: some items
    known, with titles of their own, each one object however often it is asked for."""
    items: dict[str, Issue | None] = {}

    def cached(target: ItemTarget) -> Issue | None:
        ref = target.ref
        if ref is None:
            return None
        if ref.id not in items:
            known = (target.number or len(target.key)) % (2 + state) != 0
            items[ref.id] = (
                Issue(ref=ref, title=f"t{state}", state=ItemState.OPEN, url=f"u:{ref.id}:{state}")
                if known
                else None
            )
        return items[ref.id]

    return cached


@settings(max_examples=examples(150), deadline=None)
@given(
    base=st.lists(LINE, max_size=40),
    edits=st.lists(EDIT, min_size=1, max_size=6),
    language_id=st.sampled_from(["python", "markdown"]),
    tooltips=st.booleans(),
)
def test_lenses_and_links_after_each_edit_are_those_built_afresh(
    manifest: Manifest, base: list[str], edits: list[Edit], language_id: str, tooltips: bool
) -> None:
    """Version after version, the lenses and links built from the previous answer (and the
    scanner's incremental references) are those built with no previous answer; and the very
    answer of before when neither the references nor the index changed. GitHub's references
    link to the pages the rules build, Linear's (``ENG-4``) to their items' URLs."""
    linear = Manifest.load(ROOT / "connectors" / "linear" / "manifest.toml")
    rules = RuleSet([Site.of(manifest), Site.of(linear)])
    both = ScanContext(
        repos=(("github", REPO),),
        hosts=(("github", "github.com"), ("linear", "linear.app")),
        known=(("linear", frozenset({"ENG"})),),
    )
    contexts = (both, dataclasses.replace(both, bounds=(("github:acme/app", 3),)))
    indexes = (index(0), index(1))
    scanner = ReferenceScanner(rules)
    lines = base
    lens: answers.Lenses | None = None
    link: answers.Links | None = None
    for version, edit in enumerate([None, *edits], start=1):
        if edit is not None:
            lines = edited(lines, edit)
        other_ctx, state = (edit[3], int(edit[4])) if edit else (False, 0)
        refs = scanner.scan(
            "\n".join(lines),
            language_id=language_id,
            uri="file:///x",
            version=version,
            context=contexts[other_ctx],
        )
        cached = indexes[state]
        new_lens = answers.lenses(refs, state, cached, lens)
        fresh_lens = answers.lenses(refs, state, cached)
        assert (new_lens.out, new_lens.missing) == (fresh_lens.out, fresh_lens.missing)
        new_link = answers.links(refs, state, cached, tooltips, link)
        assert new_link.out == answers.links(refs, state, cached, tooltips).out
        if lens is not None and link is not None and lens.refs is refs and lens.state == state:
            assert new_lens is lens and new_link is link
        lens, link = new_lens, new_link


@given(line=st.text(max_size=50), i=st.integers(min_value=0, max_value=60))
def test_column_round_trip(line: str, i: int) -> None:
    i = min(i, len(line))
    for enc in ("utf-16", "utf-8", "utf-32"):
        assert index_of(line, column(line, i, enc), enc) == i  # type: ignore[arg-type]
