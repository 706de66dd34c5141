"""Adding a work to the references by its DOI: its metadata from a ``Papers`` service
(Crossref, Semantic Scholar), then a BibTeX entry appended to a ``.bib`` file or an item
made in a reference library (Zotero).

Appending never rewrites the file: the entry goes after the last byte (with a blank line
before it), so the file's own formatting, comments and order stay as they were.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from connectors.sdk.capabilities import Papers, References
from connectors.sdk.errors import InvalidRequest, NotFound, TielineError
from connectors.sdk.papers import Paper, PaperId
from connectors.sdk.references import NewLibraryItem

from .index import Citation, CitationIndex, make_citekey

if TYPE_CHECKING:
    from server.hub.hub import Hub
    from server.hub.sessions import Session

_DOI = re.compile(r"^10\.\d{4,9}/\S+$")
_DOI_PREFIXES = ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:")
#: BibTeX entry type -> Zotero item type.
ITEM_TYPES = {
    "article": "journalArticle",
    "inproceedings": "conferencePaper",
    "conference": "conferencePaper",
    "book": "book",
    "incollection": "bookSection",
    "inbook": "bookSection",
    "phdthesis": "thesis",
    "mastersthesis": "thesis",
    "misc": "preprint",
    "online": "webpage",
}
_SPECIAL = re.compile(r"([&%$#_])")


def clean_doi(text: str) -> str:
    """A DOI as typed or pasted (``doi:``, a doi.org URL), or :class:`InvalidRequest`."""
    doi = text.strip()
    for p in _DOI_PREFIXES:
        if doi.lower().startswith(p):
            doi = doi[len(p) :]
    if not _DOI.match(doi):
        raise InvalidRequest(f"not a DOI: {text.strip()!r} (a DOI looks like 10.1145/3368089)")
    return doi


def _bib_value(text: str) -> str:
    """Text safe inside ``{...}``: braces balanced away, LaTeX specials escaped."""
    flat = " ".join(text.replace("{", "").replace("}", "").replace("\\", "").split())
    return _SPECIAL.sub(r"\\\1", flat)


def _bib_name(name: str) -> str:
    """``Family, Given`` as is; a one-part name (an organisation) braced whole."""
    return _bib_value(name) if "," in name else "{" + _bib_value(name) + "}"


def paper_to_bibtex(paper: Paper, key: str) -> str:
    """A BibTeX entry for ``paper`` under ``key``."""
    venue_field = {"article": "journal", "inproceedings": "booktitle"}.get(
        paper.entry_type, "howpublished"
    )
    fields: list[tuple[str, str]] = [("title", "{" + _bib_value(paper.title) + "}")]
    if paper.authors:
        fields.append(("author", " and ".join(_bib_name(a) for a in paper.authors)))
    if paper.year:
        fields.append(("year", str(paper.year)))
    if paper.venue:
        fields.append((venue_field, _bib_value(paper.venue)))
    if paper.doi:
        fields.append(("doi", paper.doi.replace("{", "").replace("}", "")))
    if paper.arxiv_id:
        fields += [("eprint", paper.arxiv_id), ("archiveprefix", "arXiv")]
    if paper.url:
        fields.append(("url", paper.url.replace("{", "%7B").replace("}", "%7D")))
    body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields)
    return f"@{paper.entry_type or 'misc'}{{{key},\n{body}\n}}\n"


def append_entry(path: Path, entry: str) -> int:
    """Append ``entry`` to ``path`` (made if missing); the 0-based line it starts on."""
    old = path.read_bytes() if path.exists() else b""
    text = old.decode("utf-8", "replace")
    if not text or text.endswith("\n\n"):
        sep = ""
    elif text.endswith("\n"):
        sep = "\n"
    else:
        sep = "\n\n"
    line = text.count("\n") + sep.count("\n")
    with path.open("a", encoding="utf-8", newline="\n") as fh:
        fh.write(sep + entry)
    return line


def paper_sessions(hub: Hub) -> list[Session]:
    return [
        s
        for s in hub.sessions_with(Papers)
        if "doi" in s.connector.capability(Papers).paper_schemes()
    ]


async def look_up_doi(sessions: Sequence[Session], doi: str) -> Paper:
    """The paper of ``doi`` from the first session that knows it."""
    if not sessions:
        raise TielineError("sign in to a paper service (Crossref) to add a work by its DOI")
    last: TielineError | None = None
    for s in sessions:
        try:
            paper: Paper = await s.connector.capability(Papers).paper(
                PaperId(scheme="doi", value=doi)
            )
            return paper
        except NotFound as exc:
            last = exc
    raise last or NotFound(f"no work has the DOI {doi}")


def new_item(paper: Paper, citekey: str | None = None) -> NewLibraryItem:
    return NewLibraryItem(
        item_type=ITEM_TYPES.get(paper.entry_type, "journalArticle"),
        title=paper.title,
        authors=paper.authors,
        date=str(paper.year) if paper.year else "",
        venue=paper.venue,
        doi=paper.doi,
        url=paper.url,
        citekey=citekey,
    )


async def add_paper(
    index: CitationIndex,
    paper: Paper,
    *,
    bib: Path | None = None,
    library: tuple[str, References] | None = None,
) -> Citation:
    """``paper`` written to ``bib`` (appended) or made an item of ``library``
    (``(source, connector)``), and indexed; the citation it is now."""
    key = make_citekey(paper.authors, paper.year, paper.title, index.keys())
    if bib is not None:
        append_entry(bib, paper_to_bibtex(paper, key))
        index.refresh_bib([*index.bib.files, bib])
    elif library is not None:
        source, refs = library
        made = await refs.add_library_item(new_item(paper, key))
        index.put_library(source, [made], index.versions.get(source), full=False)
    else:
        raise TielineError("no .bib file or reference library to add the work to")
    found = index.get(key)
    if found is None:  # a library that kept a key of its own
        found = index.by_doi(paper.doi or "")
    if found is None:
        raise TielineError("the work was added but is not in the index")
    return found


async def add_from_doi(
    hub: Hub,
    index: CitationIndex,
    doi: str,
    *,
    bib: Path | None = None,
    library: tuple[str, References] | None = None,
) -> tuple[Citation, bool]:
    """The work of ``doi`` (as typed or pasted) added to ``bib`` or ``library``, looked up with
    the hub's ``Papers`` sessions that answer DOIs; ``(citation, False)`` when the index
    already holds a work of that DOI, which is then not added again."""
    clean = clean_doi(doi)
    have = index.by_doi(clean)
    if have is not None:
        return have, False
    paper = await look_up_doi(paper_sessions(hub), clean)
    if not paper.doi:
        paper = paper.model_copy(update={"doi": clean})
    return await add_paper(index, paper, bib=bib, library=library), True


__all__ = [
    "add_from_doi",
    "add_paper",
    "append_entry",
    "clean_doi",
    "look_up_doi",
    "new_item",
    "paper_sessions",
    "paper_to_bibtex",
]
