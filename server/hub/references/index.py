"""One citation index: BibTeX entries and reference-library items (Zotero) by citekey.

A key a ``.bib`` file holds wins over a library item of the same key (the file is what the
document's build reads). A library item's key is the library's own (Better BibTeX's
``citationKey``, ``Citation Key:`` in ``extra``) or, failing that, one made up the way
Better BibTeX's default does it: the first author's family name, the year, the first
significant title word (``knuth1984literate``), with ``a``, ``b``... after a key taken.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from connectors.sdk.references import LibraryItem

from .bibtex import BibEntry, BibIndex

#: Title words a generated key skips.
STOPWORDS = frozenset(
    {"a", "an", "the", "on", "of", "in", "at", "to", "for", "and", "or", "with", "from"}
    | {"by", "as", "is", "are", "its", "into", "about", "via"}
)


@dataclass(frozen=True)
class Citation:
    citekey: str
    title: str
    authors: tuple[str, ...]
    year: int | None
    venue: str
    doi: str | None
    url: str | None
    #: BibTeX entry type, or the library's item type.
    kind: str
    #: ``bibtex`` or the library session's key.
    source: str
    path: Path | None = None
    line: int | None = None
    library_key: str | None = None


#: Letters NFKD does not take apart.
_LETTERS = str.maketrans(
    {
        "ø": "o",
        "Ø": "o",
        "æ": "ae",
        "Æ": "ae",
        "œ": "oe",
        "Œ": "oe",
        "ß": "ss",
        "ł": "l",
        "Ł": "l",
        "đ": "d",
        "Đ": "d",
        "þ": "th",
        "Þ": "th",
    }
)


def ascii_word(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text`` (accents dropped)."""
    flat = unicodedata.normalize("NFKD", text.translate(_LETTERS))
    flat = flat.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]", "", flat.lower())


def make_citekey(
    authors: Sequence[str], year: int | None, title: str, taken: Iterable[str] = ()
) -> str:
    """``authorYearTitleword``, made unique against ``taken``."""
    family = authors[0].split(",", 1)[0] if authors else ""
    if authors and "," not in authors[0]:
        family = authors[0].split()[-1] if authors[0].split() else ""
    word = next((w for w in (ascii_word(t) for t in title.split()) if w and w not in STOPWORDS), "")
    base = f"{ascii_word(family) or 'anon'}{year or ''}{word}"
    used = set(taken)
    if base not in used:
        return base
    for suffix in "abcdefghijklmnopqrstuvwxyz":
        if base + suffix not in used:
            return base + suffix
    n = 2
    while f"{base}{n}" in used:
        n += 1
    return f"{base}{n}"


def from_bib(e: BibEntry) -> Citation:
    return Citation(
        citekey=e.key,
        title=e.title,
        authors=e.authors,
        year=e.year,
        venue=e.venue,
        doi=e.doi,
        url=e.url,
        kind=e.entry_type,
        source="bibtex",
        path=e.path,
        line=e.line,
    )


class CitationIndex:
    """BibTeX files plus the items of each library, merged by citekey."""

    def __init__(self) -> None:
        self.bib = BibIndex()
        self._libraries: dict[str, dict[str, LibraryItem]] = {}
        self.versions: dict[str, int | None] = {}
        self._merged: dict[str, Citation] | None = None
        self._sorted: list[str] = []
        self._lower: list[str] = []
        #: Lower-cased words of each citation's authors and title, by key, for search.
        self._words: dict[str, tuple[str, ...]] = {}

    # -- feeding ------------------------------------------------------------------------------
    def refresh_bib(self, paths: Iterable[Path]) -> set[Path]:
        changed = self.bib.refresh(paths)
        if changed:
            self._merged = None
        return changed

    def invalidate(self) -> None:
        """The files changed (read by :attr:`bib` directly, in another thread)."""
        self._merged = None

    def put_library(
        self,
        source: str,
        items: Iterable[LibraryItem],
        version: int | None,
        *,
        full: bool,
        deleted: Iterable[str] = (),
    ) -> None:
        """A library's items: all of them (``full``), or those changed since the last and
        the keys of those ``deleted``."""
        held = {} if full else dict(self._libraries.get(source, {}))
        for key in deleted:
            held.pop(key, None)
        for item in items:
            held[item.key] = item
        self._libraries[source] = held
        self.versions[source] = version
        self._merged = None

    def drop_library(self, source: str) -> None:
        if self._libraries.pop(source, None) is not None:
            self._merged = None
        self.versions.pop(source, None)

    # -- reading ------------------------------------------------------------------------------
    def _all(self) -> dict[str, Citation]:
        if self._merged is not None:
            return self._merged
        merged: dict[str, Citation] = {e.key: from_bib(e) for e in self.bib.entries()}
        by_doi = {c.doi.lower(): c for c in merged.values() if c.doi}
        for source in sorted(self._libraries):
            items = sorted(self._libraries[source].values(), key=lambda i: i.key)
            for item in sorted(items, key=lambda i: i.citekey is None):  # named keys first
                if item.doi and item.doi.lower() in by_doi and item.citekey is None:
                    continue  # the .bib file already cites this work under its own key
                key = item.citekey or make_citekey(item.authors, item.year, item.title, merged)
                if key in merged:
                    continue
                merged[key] = Citation(
                    citekey=key,
                    title=item.title,
                    authors=item.authors,
                    year=item.year,
                    venue=item.venue,
                    doi=item.doi,
                    url=item.url,
                    kind=item.item_type,
                    source=source,
                    library_key=item.key,
                )
        self._merged = merged
        self._sorted = sorted(merged, key=str.lower)
        self._lower = [k.lower() for k in self._sorted]
        self._words = {k: _words(c) for k, c in merged.items()}
        return merged

    def get(self, key: str) -> Citation | None:
        return self._all().get(key)

    def __len__(self) -> int:
        return len(self._all())

    def keys(self) -> set[str]:
        return set(self._all())

    def by_doi(self, doi: str) -> Citation | None:
        low = doi.strip().lower()
        return next((c for c in self._all().values() if c.doi and c.doi.lower() == low), None)

    def search(self, prefix: str, limit: int = 200) -> list[Citation]:
        """Citations whose key starts with ``prefix`` (any case), then those whose authors'
        or title's words do, in key order."""
        merged = self._all()
        low = prefix.lower()
        at = bisect.bisect_left(self._lower, low)
        first: list[Citation] = []
        for k, kl in zip(self._sorted[at:], self._lower[at:], strict=True):
            if not kl.startswith(low) or len(first) >= limit:
                break
            first.append(merged[k])
        if len(first) >= limit or not low:
            return first
        seen = {c.citekey for c in first}
        words = self._words
        more: list[Citation] = []
        for k in self._sorted:
            if k not in seen and any(w.startswith(low) for w in words[k]):
                more.append(merged[k])
                if len(first) + len(more) >= limit:
                    break
        return first + more


def _words(c: Citation) -> tuple[str, ...]:
    text = " ".join([*c.authors, c.title]).lower().replace(",", " ")
    return tuple(dict.fromkeys(text.split()))


__all__ = ["Citation", "CitationIndex", "ascii_word", "from_bib", "make_citekey"]
