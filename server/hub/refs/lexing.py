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
"""

from __future__ import annotations

import os
import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pygments.lexer import ExtendedRegexLexer, Lexer, RegexLexer
from pygments.lexers import get_lexer_by_name, get_lexer_for_filename
from pygments.lexers.c_cpp import CFamilyLexer
from pygments.token import Comment, String, _TokenType
from pygments.util import ClassNotFound

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


_lexers: dict[tuple[str, str], Lexer | None] = {}


def is_prose(language_id: str | None, filename: str | None) -> bool:
    """Whether references count everywhere in this document (Markdown, text, commit messages)."""
    if language_id and language_id.lower() in PROSE_LANGUAGES:
        return True
    if filename:
        base = os.path.basename(filename)
        if base in PROSE_FILES or os.path.splitext(base)[1].lower() in PROSE_SUFFIXES:
            return True
    return False


def lexer_for(language_id: str | None, filename: str | None) -> Lexer | None:
    """The (cached) Pygments lexer for a document, or ``None`` when none is known.

    The LSP language id wins; the file name is the fallback for ids Pygments does not know.
    """
    lang = (language_id or "").lower()
    suffix = os.path.basename(filename or "")
    key = (lang, suffix if not lang else "")
    if key in _lexers:
        return _lexers[key]
    lexer: Lexer | None = None
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


def lex(lexer: Lexer, lines: list[str], previous: Lexed | None = None) -> Lexed:
    """Comment/string spans for ``lines``, reusing ``previous`` (the last version of the same
    document) for the lines an edit cannot have changed."""
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
