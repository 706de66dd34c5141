"""Turning what a person types into an FTS5 query, and how matches are ranked.

Every word typed becomes a quoted prefix term (``"conn"*``), so a query is never an FTS5
syntax error whatever it holds (quotes, ``AND``, ``-``, ``:``), and each keystroke of a word
already matches. Terms are ANDed. Ranking is FTS5's bm25 with a weight per column: a word in
the title counts most, then the trigger prefix, tags, description, and the body least.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+", re.UNICODE)

#: bm25 weights, in the column order of ``snippets_fts`` (title, prefix, tags, description, body).
WEIGHTS = (10.0, 8.0, 5.0, 2.0, 1.0)
RANK = "bm25(snippets_fts, {})".format(", ".join(str(w) for w in WEIGHTS))


def words(text: str) -> list[str]:
    """The words of ``text`` as the index's tokenizer sees them (``_`` joins a word)."""
    return _WORD.findall(text)


def match_expression(text: str) -> str | None:
    """The FTS5 ``MATCH`` expression for ``text``, or ``None`` when it has no word."""
    terms = words(text)
    if not terms:
        return None
    return " ".join(f'"{t}"*' for t in terms)
