"""Crossref connector: the ``Papers`` capability for DOIs.

Glue only: the wire call lives in :mod:`.client`, the wire shapes in :mod:`.models`. The
abstract is passed on as Crossref has it (JATS XML): the hub sanitises it. Crossref's work
types map to BibTeX entry types (``journal-article`` -> ``article``, ``proceedings-article``
-> ``inproceedings``...), anything else to ``misc``.
"""

from __future__ import annotations

from pathlib import Path

from connectors.sdk import CheckResult, Connector, ConnectorContext, NotFound
from connectors.sdk.papers import Paper, PaperId, PaperScheme

from .client import SERVICE, CrossrefClient
from .models import CWork

SCHEMES: frozenset[PaperScheme] = frozenset({"doi"})
ENTRY_TYPES = {
    "journal-article": "article",
    "proceedings-article": "inproceedings",
    "book-chapter": "incollection",
    "book-part": "incollection",
    "book-section": "incollection",
    "book": "book",
    "edited-book": "book",
    "monograph": "book",
    "reference-book": "book",
    "dissertation": "phdthesis",
    "report": "techreport",
    "proceedings": "proceedings",
}


class CrossrefConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        mailto = ctx.settings.get("mailto")
        self.client = CrossrefClient(ctx.http, mailto=mailto if isinstance(mailto, str) else "")

    async def check(self) -> CheckResult:
        return CheckResult(ok=True, account="anonymous", detail="Crossref needs no sign-in")

    def paper_schemes(self) -> frozenset[PaperScheme]:
        return SCHEMES

    async def paper(self, ref: PaperId) -> Paper:
        if ref.scheme != "doi":
            raise NotFound(f"{SERVICE} looks up DOIs, not {ref.scheme} ids")
        return to_paper(ref, await self.client.work(ref.value))


def to_paper(ref: PaperId, w: CWork) -> Paper:
    return Paper(
        id=ref,
        title=" ".join(" ".join(w.title).split()),
        authors=tuple(a.display for a in w.author if a.display),
        year=w.year,
        abstract=w.abstract,
        venue=w.container_title[0] if w.container_title else w.publisher,
        url=w.url or f"https://doi.org/{w.doi}",
        doi=w.doi,
        entry_type=ENTRY_TYPES.get(w.type, "misc"),
        source=SERVICE,
    )
