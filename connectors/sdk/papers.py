"""Paper models: scholarly works named by an arXiv id, a DOI or a Semantic Scholar id.

One shape for metadata services (arXiv, Crossref, Semantic Scholar): the hub finds ids in
text, asks a connector that handles the id's scheme, and shows a card or writes a citation.
Titles and abstracts are the service's own, unsanitised (arXiv's and Crossref's abstracts
carry JATS/LaTeX markup): the hub cleans them before an editor shows them.
"""

from __future__ import annotations

from typing import Literal

from .models import _Model

#: ``arxiv``: ``2106.01345`` or ``hep-th/9901001`` (no version suffix unless one was given);
#: ``doi``: ``10.1145/3368089.3409741`` (case as written; DOIs compare case-insensitively);
#: ``s2``: a Semantic Scholar paper id (40 hex digits) or ``CorpusId:NNN``.
PaperScheme = Literal["arxiv", "doi", "s2"]


class PaperId(_Model):
    scheme: PaperScheme
    value: str

    def __str__(self) -> str:
        return f"{self.scheme}:{self.value}"


class Paper(_Model):
    """What a card and a citation need of a work."""

    id: PaperId
    title: str
    authors: tuple[str, ...] = ()
    year: int | None = None
    abstract: str = ""
    #: Journal, conference or archive (``arXiv``) as the service names it.
    venue: str = ""
    url: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    #: BibTeX entry type the work is best cited as (``article``, ``inproceedings``, ``misc``).
    entry_type: str = "article"
    #: Which service answered (``arXiv``, ``Crossref``, ``Semantic Scholar``).
    source: str = ""


__all__ = ["Paper", "PaperId", "PaperScheme"]
