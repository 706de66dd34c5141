r"""Where the comments and strings are: Pygments tokens, kept per line, re-lexed incrementally.

References in source code count only inside comments and strings (docstrings included), so
``x = a#1`` in code is not a link but ``# fixes #1`` is. Pygments already knows where those
are for ~500 languages; one lexer per language beats a regex per language.

Lexing is the expensive part (Pygments needs ~300 ms for 5,000 lines of Python), so it is
done once per document and then *incrementally*: :func:`lex` records, for each line that
starts on a token boundary, the lexer's state stack there (a checkpoint). After an edit, only
the text from the last checkpoint before the first changed line is lexed again, and lexing
stops as soon as it reaches an unchanged line whose checkpoint matches the old one -- from
there on the old result is still right. A one-line edit therefore re-lexes a few lines.

One case defeats checkpoints: a multi-line rule (``/\*.*?\*/``, ``"(?:[^"\\]|\\.)*"``) that
*failed* at an earlier position because nothing closed it may succeed once a closer is typed
far below, changing tokens above the edit. So when the changed lines, before or after the
edit, contain a comment or string delimiter (:data:`_DELIMITERS`), the document is lexed
from scratch; ordinary typing stays incremental.

This drives Pygments' ``RegexLexer`` state machine directly (the loop of
``RegexLexer.get_tokens_unprocessed``, plus the checkpoints); lexers of another kind are
lexed whole on every change. Lines longer than :data:`MAX_LINE` are blanked before lexing.

Where tree-sitter has the language (:mod:`.treesitter`: Python, TypeScript, C, Go, Rust, Java
and more) it is used instead, behind the same two calls: :func:`lexer_for` answers its
grammar and :func:`lex` parses (incrementally, from the previous version's tree) -- ~10x
faster on a cold file. :data:`USE_TREE_SITTER` switches it off (tests of the Pygments path).
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import accumulate, compress, count, islice
from operator import add, ne
from typing import Any

from pygments.lexer import ExtendedRegexLexer, Lexer, RegexLexer
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.lexers.c_cpp import CFamilyLexer
from pygments.token import Comment, String, _TokenType
from pygments.util import ClassNotFound

from . import treesitter
from .treesitter import Grammar

#: Lines longer than this are never scanned (minified code, data blobs).
MAX_LINE = 10_000

Span = tuple[int, int]
Stack = tuple[str, ...]

#: Languages scanned everywhere: prose, where a ``#12`` is always meant for a reader.
PROSE_LANGUAGES = frozenset({"markdown", "plaintext", "git-commit", "text", "restructuredtext"})
PROSE_FILES = frozenset({"COMMIT_EDITMSG", "MERGE_MSG", "TAG_EDITMSG", "SQUASH_MSG"})
PROSE_SUFFIXES = frozenset({".md", ".markdown", ".mdx", ".txt", ".rst"})

#: LSP language ids whose name differs from a Pygments alias.
_LANGUAGE_ALIASES = {
    "typescriptreact": "tsx",
    "javascriptreact": "jsx",
    "shellscript": "bash",
    "jsonc": "json",
    "dockerfile": "docker",
    "makefile": "make",
    "objective-c": "objective-c",
    "csharp": "csharp",
    "fsharp": "fsharp",
    "vue": "html",
    "svelte": "html",
}

_ROOT: Stack = ("root",)

#: Text that can close a multi-line comment or string in some language; see the module doc.
_DELIMITERS = re.compile(r"\*/|[\"'`]|-->|\]\]|[}%#]\}|\*\)|-\}|\|#|^=(?:end|cut)\b")


def _wanted(ttype: Any) -> bool:
    """Comments and strings, except preprocessor lines (``#include``) and regex literals."""
    if ttype in Comment:
        return ttype not in Comment.Preproc and ttype not in Comment.PreprocFile
    return ttype in String and ttype not in String.Regex


_WANTED: dict[Any, bool] = {}


def wanted(ttype: Any) -> bool:
    hit = _WANTED.get(ttype)
    if hit is None:
        hit = _WANTED[ttype] = _wanted(ttype)
    return hit


_lexers: dict[tuple[str, str, bool], Lexer | Grammar | None] = {}

#: Find comments and strings with tree-sitter where it has the language (else Pygments).
USE_TREE_SITTER = True


def is_prose(language_id: str | None, filename: str | None) -> bool:
    """Whether references count everywhere in this document (Markdown, text, commit messages)."""
    if language_id and language_id.lower() in PROSE_LANGUAGES:
        return True
    if filename:
        base = os.path.basename(filename)
        if base in PROSE_FILES or os.path.splitext(base)[1].lower() in PROSE_SUFFIXES:
            return True
    return False


def lexer_for(language_id: str | None, filename: str | None) -> Lexer | Grammar | None:
    """The (cached) tree-sitter grammar or Pygments lexer for a document, or ``None`` when
    none is known.

    The LSP language id wins; the file name is the fallback for ids Pygments does not know.
    """
    lang = (language_id or "").lower()
    suffix = os.path.basename(filename or "")
    key = (lang, suffix if not lang else "", USE_TREE_SITTER)
    if key in _lexers:
        return _lexers[key]
    lexer: Lexer | Grammar | None = None
    if USE_TREE_SITTER:
        lexer = treesitter.language_for(lang or None, suffix or None)
        if lexer is not None:
            _lexers[key] = lexer
            return lexer
    if lang:
        try:
            lexer = get_lexer_by_name(_LANGUAGE_ALIASES.get(lang, lang))
        except ClassNotFound:
            lexer = None
    if lexer is None and suffix:
        try:
            lexer = get_lexer_for_filename(suffix)
        except ClassNotFound:
            lexer = None
    _lexers[key] = lexer
    return lexer


def _incremental(lexer: Lexer) -> bool:
    """Can :func:`_drive` run this lexer's state machine? CFamily lexers override
    ``get_tokens_unprocessed`` only to rename ``Name`` tokens, which we ignore."""
    if not isinstance(lexer, RegexLexer) or isinstance(lexer, ExtendedRegexLexer):
        return False
    impl = type(lexer).get_tokens_unprocessed
    return impl is RegexLexer.get_tokens_unprocessed or isinstance(lexer, CFamilyLexer)


@dataclass(frozen=True, slots=True)
class Lexed:
    """Comment/string spans (code-point columns, merged, sorted) per line of one version."""

    lines: tuple[str, ...]
    spans: tuple[tuple[Span, ...], ...]
    #: Lexer state at the start of each line, or ``None`` where a token runs across it.
    checkpoints: tuple[Stack | None, ...]
    #: tree-sitter only: the parse tree, each line's byte offset, the source's size and
    #: each line's UTF-8 bytes (what was parsed: long lines blanked).
    tree: Any = None
    starts: tuple[int, ...] = ()
    size: int = 0
    enc: tuple[bytes, ...] = ()


def _join(lines: Iterable[str]) -> tuple[str, list[int]]:
    """The text to lex (long lines blanked, ``\\n`` endings) and each line's start offset."""
    starts: list[int] = []
    parts: list[str] = []
    pos = 0
    for line in lines:
        starts.append(pos)
        if len(line) > MAX_LINE:
            line = ""
        parts.append(line)
        pos += len(line) + 1
    return "\n".join(parts) + "\n", starts


def _drive(
    lexer: RegexLexer, text: str, pos: int, stack: Stack
) -> Iterator[tuple[int, Stack | None, list[Span]]]:
    """Run ``lexer`` from ``pos`` with ``stack``; yield ``(pos, stack, spans)`` each time a
    line starts (``stack`` is ``None`` if a token crosses that line start) with the wanted
    spans found since the previous yield. The caller stops iterating when it has enough."""
    tokendefs = lexer._tokens
    statestack = list(stack)
    statetokens = tokendefs[statestack[-1]]
    spans: list[Span] = []
    end = len(text)
    next_ls = text.find("\n", pos) + 1  # the next line start to report
    while pos < end:
        while next_ls <= pos:
            # pos == next_ls: a token ends exactly at the line start (a checkpoint);
            # next_ls < pos: the last token ran across it (no checkpoint).
            yield next_ls, tuple(statestack) if next_ls == pos else None, spans
            spans = []
            next_ls = text.find("\n", next_ls) + 1
        for rexmatch, action, new_state in statetokens:
            m = rexmatch(text, pos)
            if m:
                if action is not None:
                    if type(action) is _TokenType:
                        if wanted(action):
                            spans.append((pos, m.end()))
                    else:
                        for tpos, ttype, value in action(lexer, m):
                            if value and wanted(ttype):
                                spans.append((tpos, tpos + len(value)))
                pos = m.end()
                if new_state is not None:
                    if isinstance(new_state, tuple):
                        for state in new_state:
                            if state == "#pop":
                                if len(statestack) > 1:
                                    statestack.pop()
                            elif state == "#push":
                                statestack.append(statestack[-1])
                            else:
                                statestack.append(state)
                    elif isinstance(new_state, int):
                        if abs(new_state) >= len(statestack):
                            del statestack[1:]
                        else:
                            del statestack[new_state:]
                    elif new_state == "#push":
                        statestack.append(statestack[-1])
                    statetokens = tokendefs[statestack[-1]]
                break
        else:
            if text[pos] == "\n":
                statestack = ["root"]
                statetokens = tokendefs["root"]
            pos += 1
    yield end, None, spans


def _per_line(
    spans: list[Span], starts: list[int], text_len: int, first: int, last: int
) -> list[tuple[Span, ...]]:
    """Cut absolute spans into merged per-line column spans for lines ``first..last-1``."""
    out: list[list[Span]] = [[] for _ in range(first, last)]
    spans.sort()
    for s, e in spans:
        line = max(bisect_right(starts, s) - 1, first)
        while line < last and s < e:
            ls = starts[line]
            le = starts[line + 1] - 1 if line + 1 < len(starts) else text_len - 1
            a, b = max(s, ls) - ls, min(e, le) - ls
            if b > a:
                row = out[line - first]
                if row and row[-1][1] >= a:
                    if b > row[-1][1]:
                        row[-1] = (row[-1][0], b)
                else:
                    row.append((a, b))
            if e <= le + 1:
                break
            line += 1
    return [tuple(row) for row in out]


def lex(lexer: Lexer | Grammar, lines: list[str], previous: Lexed | None = None) -> Lexed:
    """Comment/string spans for ``lines``, reusing ``previous`` (the last version of the same
    document) for the lines an edit cannot have changed."""
    if isinstance(lexer, Grammar):
        return _parse(lexer, lines, previous if previous and previous.tree is not None else None)
    if previous is not None and previous.tree is not None:
        previous = None  # lexed by tree-sitter: no checkpoints to resume from
    text, starts = _join(lines)
    n = len(lines)
    if not _incremental(lexer):
        found = [
            (p, p + len(v)) for p, t, v in lexer.get_tokens_unprocessed(text) if v and wanted(t)
        ]
        return Lexed(
            tuple(lines),
            tuple(_per_line(found, starts, len(text), 0, n)),
            (_ROOT,) + (None,) * (n - 1),
        )
    assert isinstance(lexer, RegexLexer)

    old = previous
    first = 0
    shift = stable_from = 0
    if old is not None:
        m = min(n, len(old.lines))
        while first < m and lines[first] == old.lines[first]:
            first += 1
        if first == n == len(old.lines):
            return old
        first = min(first, n - 1, len(old.lines) - 1)
        while first > 0 and old.checkpoints[first] is None:
            first -= 1
        # Unchanged trailing lines, as a count: new line j matches old line j - shift.
        suffix = 0
        while (
            suffix < n - first
            and suffix < len(old.lines) - first
            and lines[n - 1 - suffix] == old.lines[len(old.lines) - 1 - suffix]
        ):
            suffix += 1
        shift = n - len(old.lines)
        stable_from = n - suffix
        changed = [*lines[first : n - suffix], *old.lines[first : len(old.lines) - suffix]]
        if any(_DELIMITERS.search(line) for line in changed):
            old = None
            first = shift = stable_from = 0
    start_stack: Stack = _ROOT
    if old is not None and first > 0:
        cp = old.checkpoints[first]
        assert cp is not None
        start_stack = cp

    spans: list[Span] = []
    checkpoints: list[Stack | None] = [None] * n
    checkpoints[first] = start_stack
    line = first
    stop_at = n
    for pos, stack, found in _drive(lexer, text, starts[first], start_stack):
        spans.extend(found)
        line += 1
        if pos >= len(text) or line >= n:
            break
        checkpoints[line] = stack
        if (
            old is not None
            and stack is not None
            and line >= stable_from
            and old.checkpoints[line - shift] == stack
        ):
            stop_at = line
            break
    fresh = _per_line(spans, starts, len(text), first, stop_at)
    if old is None:
        return Lexed(tuple(lines), tuple(fresh), tuple(checkpoints))
    old_from = stop_at - shift
    return Lexed(
        tuple(lines),
        old.spans[:first] + tuple(fresh) + old.spans[old_from:],
        old.checkpoints[:first] + tuple(checkpoints[first:stop_at]) + old.checkpoints[old_from:],
    )


# -- tree-sitter ------------------------------------------------------------------------------


def common_ends(new: Sequence[str], old: Sequence[str]) -> tuple[int, int]:
    """``(prefix, suffix)``: how many leading and trailing lines ``new`` and ``old`` share,
    never overlapping (``prefix + suffix <= min(len(new), len(old))``)."""
    k = min(len(new), len(old))
    # The first index where they differ, found by C iterators (no Python loop per line).
    first = next(compress(count(), map(ne, new, old)), k)
    limit = k - first
    tail = islice(map(ne, reversed(new), reversed(old)), limit)
    suffix = next(compress(count(), tail), limit)
    return first, suffix


def _encode(line: str) -> bytes:
    return line.encode("utf-8", "surrogatepass") if len(line) <= MAX_LINE else b""


def _parse(grammar: Grammar, lines: list[str], old: Lexed | None) -> Lexed:
    """:func:`lex` by tree-sitter: parse (re-parse from ``old``'s tree after an edit) and
    recompute the spans of the lines the edit or the re-parse changed; the others are
    ``old``'s very tuples. Each line's UTF-8 bytes are kept too, so an edit encodes only the
    lines it changed."""
    n = len(lines)
    nones: tuple[Stack | None, ...] = (None,) * n
    if old is None:
        enc = tuple(map(_encode, lines))
        starts = _starts(enc)
        source = b"\n".join(enc) + b"\n"
        tree = grammar.parser.parse(source)
        spans = _node_spans(grammar.captures(tree), lines, enc, 0, n)
        return Lexed(tuple(lines), tuple(spans), nones, tree, starts, len(source), enc)

    m = len(old.lines)
    first, suffix = common_ends(lines, old.lines)
    if first == n == m:
        return old
    old_stop, new_stop = m - suffix, n - suffix  # the first row of the unchanged tail
    enc = old.enc[:first] + tuple(map(_encode, lines[first:new_stop])) + old.enc[old_stop:]
    starts = _starts(enc)
    source = b"\n".join(enc) + b"\n"
    tree = old.tree.copy()
    tree.edit(
        start_byte=starts[first] if first < n else len(source),
        old_end_byte=old.starts[old_stop] if old_stop < m else old.size,
        new_end_byte=starts[new_stop] if new_stop < n else len(source),
        start_point=(first, 0),
        old_end_point=(old_stop, 0),
        new_end_point=(new_stop, 0),
    )
    new_tree = grammar.parser.parse(source, tree)
    lo, hi = min(first, n - 1), new_stop
    for r in tree.changed_ranges(new_tree):
        lo = min(lo, r.start_point.row)
        hi = max(hi, r.end_point.row + 1)
    lo = max(0, min(lo, n - 1))
    hi = min(max(hi, lo + 1), n)
    fresh = _node_spans(grammar.captures(new_tree, (lo, hi)), lines, enc, lo, hi)
    shift = n - m
    return Lexed(
        tuple(lines),
        old.spans[:lo] + tuple(fresh) + old.spans[hi - shift :],
        nones,
        new_tree,
        starts,
        len(source),
        enc,
    )


def _starts(enc: tuple[bytes, ...]) -> tuple[int, ...]:
    """Each line's byte offset in ``b"\\n".join(enc)`` (summed in C: no Python loop)."""
    if not enc:
        return ()
    return tuple(map(add, accumulate(map(len, enc[:-1]), initial=0), count()))


def _column(line: str, encoded: bytes, byte: int) -> int:
    """The code-point column of a byte offset in one line."""
    if len(encoded) == len(line):  # ASCII: bytes are code points
        return byte
    return len(encoded[:byte].decode("utf-8", "ignore"))


def _node_spans(
    nodes: Iterable[Any], lines: list[str], enc: Sequence[bytes], lo: int, hi: int
) -> list[tuple[Span, ...]]:
    """Merged per-line column spans of ``nodes`` for rows ``lo..hi-1``."""
    rows: list[list[Span]] = [[] for _ in range(lo, hi)]
    for node in nodes:
        (sr, sb), (er, eb) = node.start_point, node.end_point
        for r in range(max(sr, lo), min(er, hi - 1) + 1):
            a = _column(lines[r], enc[r], sb) if r == sr else 0
            b = _column(lines[r], enc[r], eb) if r == er else len(lines[r]) if enc[r] else 0
            if b > a:
                rows[r - lo].append((a, b))
    out: list[tuple[Span, ...]] = []
    for row in rows:
        if len(row) > 1:
            row.sort()
            merged = [row[0]]
            for a, b in row[1:]:
                if merged[-1][1] >= a:
                    if b > merged[-1][1]:
                        merged[-1] = (merged[-1][0], b)
                else:
                    merged.append((a, b))
            row = merged
        out.append(tuple(row))
    return out
