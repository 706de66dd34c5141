"""Reference-library models: the works a person cites, kept in a library (Zotero) or a
BibTeX file.

One shape for every source: the hub merges them into a citation index keyed by *citekey*
(what ``[@key]`` and ``\\cite{key}`` name). Text fields are the source's own, unsanitised
(titles may carry LaTeX or HTML): the hub cleans them before an editor shows them.
"""

from __future__ import annotations

from .models import _Model


class LibraryItem(_Model):
    """One work of a reference library."""

    #: The library's own key for the item (Zotero: 8 characters such as ``ABCD2345``).
    key: str
    #: The key a document cites it by, when the library names one (Better BibTeX's
    #: ``citationKey`` field, or a ``Citation Key: x`` line of ``extra``); ``None``: the hub
    #: makes one up (author, year, first title word).
    citekey: str | None = None
    #: The library's item type (``journalArticle``, ``book``, ``conferencePaper``).
    item_type: str = "journalArticle"
    title: str = ""
    #: ``Family, Given`` (or a single name), authors and editors in the library's order.
    authors: tuple[str, ...] = ()
    #: As written (``2020-03-01``, ``March 2020``); ``year`` is read from it.
    date: str = ""
    year: int | None = None
    #: Journal, proceedings, publisher or site.
    venue: str = ""
    doi: str | None = None
    url: str | None = None
    #: The library's version of the item (Zotero's ``version``), for a conditional write.
    version: int | None = None


class LibrarySync(_Model):
    """What changed in a library since a version: ``unchanged`` when nothing did (the
    service answered 304), else the items modified since then (all of them, from ``None``)
    and the keys of those deleted."""

    items: tuple[LibraryItem, ...] = ()
    #: Keys of the items removed since then (none when read from ``None``).
    deleted: tuple[str, ...] = ()
    #: The library's version after these changes (Zotero's ``Last-Modified-Version``).
    version: int | None = None
    unchanged: bool = False


class NewLibraryItem(_Model):
    """An item to add to a library."""

    item_type: str = "journalArticle"
    title: str
    authors: tuple[str, ...] = ()
    date: str = ""
    venue: str = ""
    doi: str | None = None
    url: str | None = None
    citekey: str | None = None


__all__ = ["LibraryItem", "LibrarySync", "NewLibraryItem"]
