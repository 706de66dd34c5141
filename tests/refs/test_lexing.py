"""Incremental lexing gives the same comment/string spans as lexing from scratch."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

from server.hub.refs import lexer_for, lexing, split_lines
from server.hub.refs.lexing import lex

PY = '''import os

def f(x):
    """Docstring #1
    spanning lines #2
    """
    s = 'a' + "b"  # comment
    return x


class C:
    t = """triple
    #3"""
'''

TS = """// head
/* block
   comment */
const a = `tpl ${x} more`;
function g(): string { return "s"; } // tail
"""

C = """#include <stdio.h>
/* a
 * b */
int main(void) { return 0; } // c
"""


def _edits(lines: list[str], rng: random.Random) -> list[str]:
    out = list(lines)
    i = rng.randrange(len(out))
    op = rng.choice(["insert", "delete", "change", "quote", "close"])
    if op == "insert":
        out.insert(i, rng.choice(["# new", "x = 1", '"""', "/*", "*/", "'", "`"]))
    elif op == "delete" and len(out) > 1:
        del out[i]
    elif op == "quote":
        out[i] = out[i] + '"""'
    elif op == "close":
        out[i] = "*/" + out[i]
    else:
        out[i] = out[i] + " // more"
    return out


@pytest.fixture(params=["tree-sitter", "pygments"], autouse=True)
def backend(request: pytest.FixtureRequest) -> Iterator[str]:
    """Every test here runs on both ways of finding comments and strings."""
    # A dependency (pyproject.toml), so never skipped: a missing grammar is a failure.
    assert lexing.treesitter.available()
    saved = lexing.USE_TREE_SITTER
    lexing.USE_TREE_SITTER = request.param == "tree-sitter"
    yield request.param
    lexing.USE_TREE_SITTER = saved


@pytest.mark.parametrize(("language", "src"), [("python", PY), ("typescript", TS), ("c", C)])
def test_incremental_matches_full(language: str, src: str) -> None:
    lexer = lexer_for(language, None)
    assert lexer is not None
    rng = random.Random(language)
    lines = split_lines(src * 3)
    state = lex(lexer, lines)
    for _ in range(150):
        lines = _edits(lines, rng)
        state = lex(lexer, lines, state)
        assert state.spans == lex(lexer, lines).spans, "\n".join(lines)
        assert len(state.checkpoints) == len(lines)


def test_unchanged_document_reuses_result() -> None:
    lexer = lexer_for("python", None)
    assert lexer is not None
    lines = split_lines(PY)
    state = lex(lexer, lines)
    assert lex(lexer, list(lines), state) is state


def test_spans_cover_multiline_docstring() -> None:
    lexer = lexer_for("python", None)
    assert lexer is not None
    state = lex(lexer, split_lines(PY))
    assert state.spans[3] == ((4, len('    """Docstring #1')),)
    assert state.spans[4] == ((0, len("    spanning lines #2")),)
    assert state.spans[6] == ((8, 11), (14, 17), (19, 28))


def test_an_edit_relexes_only_nearby_lines() -> None:
    lexer = lexer_for("python", None)
    assert lexer is not None
    lines = split_lines(PY * 200)
    state = lex(lexer, lines)
    edited = list(lines)
    assert edited[995] == "    return x"
    edited[995] = edited[995] + "  # a new comment #7"
    after = lex(lexer, edited, state)
    assert after.spans == lex(lexer, edited).spans
    # Far-away lines keep the very objects of the previous result: they were not re-lexed.
    assert after.spans[10] is state.spans[10]
    assert after.spans[2000] is state.spans[2000]


def test_tree_sitter_and_pygments_agree_on_ordinary_code() -> None:
    """The two backends find the same comments and strings in ordinary code. (They differ in
    a template literal's ``${...}``: code to Pygments, part of the string to tree-sitter.)"""
    assert lexing.treesitter.available()
    ts_src = "\n".join(line for line in TS.splitlines() if "`" not in line)
    for language, src in (("python", PY), ("typescript", ts_src), ("c", C)):
        lines = split_lines(src)
        ts = lexing.treesitter.language_for(language, None)
        assert ts is not None
        saved = lexing.USE_TREE_SITTER
        lexing.USE_TREE_SITTER = False
        try:
            pyg = lexer_for(language, None)
        finally:
            lexing.USE_TREE_SITTER = saved
        assert pyg is not None
        assert lex(ts, lines).spans == lex(pyg, lines).spans, language


def test_the_common_languages_have_their_grammar_installed() -> None:
    """The grammar packages pyproject.toml depends on all load (a missing or broken one would
    silently fall back to Pygments' slow path)."""
    for language in ("python", "javascript", "typescript", "typescriptreact", "go", "rust", "c",
                     "cpp", "java", "csharp", "ruby", "shellscript"):  # fmt: skip
        assert lexing.treesitter.language_for(language, None) is not None, language


def test_tree_sitter_encodes_only_the_lines_an_edit_changed() -> None:
    lexer = lexing.treesitter.language_for("python", None)
    assert lexer is not None
    lines = split_lines(PY * 50)
    state = lex(lexer, lines)
    edited = list(lines)
    edited[300] += "  # more"
    edited.insert(400, "# new line")
    after = lex(lexer, edited, state)
    fresh = lex(lexer, edited)
    assert (after.spans, after.enc, after.starts, after.size) == (
        fresh.spans,
        fresh.enc,
        fresh.starts,
        fresh.size,
    )
    assert after.enc[10] is state.enc[10] and after.enc[500] is state.enc[499]
