"""Semantic Scholar connector: the ``Papers`` capability for all three schemes.

Glue only: the wire call lives in :mod:`.client`. An id is asked as the Graph API names it:
``s2`` values as they are (a sha or ``CorpusId:N``), DOIs as ``DOI:<doi>``, arXiv ids as
``ARXIV:<id>`` (without a version suffix, which the API does not take). The hub asks this
connector for DOIs and arXiv ids only when the specialist (Crossref, arXiv) could not answer.
"""

from __future__ import annotations

import re
from pathlib import Path

from connectors.sdk import CheckResult, Connector, ConnectorContext
from connectors.sdk.papers import Paper, PaperId, PaperScheme

from .client import SERVICE, S2Client
from .models import SPaper

SCHEMES: frozenset[PaperScheme] = frozenset({"arxiv", "doi", "s2"})
VERSION = re.compile(r"v\d+$")
ENTRY_TYPES = {"JournalArticle": "article", "Conference": "inproceedings", "Book": "book"}


def graph_id(ref: PaperId) -> str:
    if ref.scheme == "doi":
        return f"DOI:{ref.value}"
    if ref.scheme == "arxiv":
        return f"ARXIV:{VERSION.sub('', ref.value)}"
    return ref.value


class SemanticScholarConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = S2Client(ctx.http)

    async def check(self) -> CheckResult:
        return CheckResult(ok=True, account="anonymous", detail="Semantic Scholar needs no sign-in")

    def paper_schemes(self) -> frozenset[PaperScheme]:
        return SCHEMES

    async def paper(self, ref: PaperId) -> Paper:
        return to_paper(ref, await self.client.paper(graph_id(ref)))


def to_paper(ref: PaperId, p: SPaper) -> Paper:
    types = p.publication_types or []
    entry = next((ENTRY_TYPES[t] for t in types if t in ENTRY_TYPES), None)
    journal = p.journal.name if p.journal and p.journal.name else None
    arxiv = p.external("ArXiv")
    return Paper(
        id=ref,
        title=" ".join((p.title or "").split()),
        authors=tuple(a.name for a in p.authors or () if a.name),
        year=p.year,
        abstract=p.abstract or "",
        venue=p.venue or journal or ("arXiv" if arxiv else ""),
        url=p.url or f"https://www.semanticscholar.org/paper/{p.paper_id}",
        doi=p.external("DOI"),
        arxiv_id=arxiv,
        entry_type=entry or ("misc" if arxiv else "article"),
        source=SERVICE,
    )
