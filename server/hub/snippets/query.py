"""Turning what a person types into an FTS5 query, and how matches are ranked.

Every word typed becomes a quoted prefix term (``"conn"*``), so a query is never an FTS5
syntax error whatever it holds (quotes, ``AND``, ``-``, ``:``), and each keystroke of a word
already matches. Terms are ANDed; a language filter is a term on the ``lang`` column. Ranking
is FTS5's bm25 with a weight per column: a word in the title counts most, then the trigger
prefix, tags, description, and the body least.

bm25 costs a few microseconds per matching snippet, and the first keystroke of a word ("c")
matches nearly all of them: ranking 10,000 would take tens of milliseconds, at every
keystroke. So at most :data:`WINDOW` matches are ranked: when more match, the newest
:data:`WINDOW` (by row id, i.e. the most recently added) are. A query that specific words
narrow down to fewer matches is ranked over all of them, exactly.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"\w+", re.UNICODE)

#: bm25 weights, in the column order of ``snippets_fts`` (title, prefix, tags, description,
#: body, lang): the language filter itself adds nothing to a score.
WEIGHTS = (10.0, 8.0, 5.0, 2.0, 1.0, 0.0)
#: The most matches bm25 ranks for one query (see above).
WINDOW = 400
#: ``lang`` of a snippet usable in any language.
ANY_LANGUAGE = "__any__"
RANK = "bm25(snippets_fts, {})".format(", ".join(str(w) for w in WEIGHTS))


def words(text: str) -> list[str]:
    """The words of ``text`` as the index's tokenizer sees them (``_`` joins a word)."""
    return _WORD.findall(text)


def match_expression(
    text: str, language: str | None = None, *, tag: str | None = None
) -> str | None:
    """The FTS5 ``MATCH`` expression for ``text`` (in ``language``, with the snippets of any
    language; carrying ``tag``'s words), or ``None`` when it has no term at all."""
    terms = [f'{{title prefix tags description body}}: "{t}"*' for t in words(text)]
    if tag and words(tag):
        terms.append(f'tags: "{" ".join(words(tag))}"')
    if language:
        phrase = " ".join(words(language))
        if phrase:
            terms.append(f'lang: ("{phrase}" OR "{ANY_LANGUAGE}")')
    return " AND ".join(f"({t})" for t in terms) if terms else None
