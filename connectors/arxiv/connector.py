"""arXiv connector: the ``Papers`` capability for arXiv ids.

Glue only: the wire call and its spacing live in :mod:`.client`, the Atom parsing in
:mod:`.models`. An id is looked up as written (a version suffix such as ``v2`` asks for that
version); the paper's venue is its journal reference when the authors gave one, else
``arXiv``, and it is cited as ``misc`` (``article`` once a journal reference exists).
"""

from __future__ import annotations

from pathlib import Path

from connectors.sdk import CheckResult, Connector, ConnectorContext, NotFound
from connectors.sdk.papers import Paper, PaperId, PaperScheme

from .client import SERVICE, ArxivClient
from .models import AEntry

SCHEMES: frozenset[PaperScheme] = frozenset({"arxiv"})


class ArxivConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        interval = ctx.settings.get("request_interval")
        self.client = ArxivClient(
            ctx.http, interval=float(interval) if isinstance(interval, int | float) else 3.0
        )

    async def check(self) -> CheckResult:
        return CheckResult(ok=True, account="anonymous", detail="arXiv needs no sign-in")

    def paper_schemes(self) -> frozenset[PaperScheme]:
        return SCHEMES

    async def paper(self, ref: PaperId) -> Paper:
        if ref.scheme != "arxiv":
            raise NotFound(f"{SERVICE} looks up arXiv ids, not {ref.scheme} ones")
        feed = await self.client.by_id(ref.value)
        for entry in feed.entries:
            if not entry.is_error and entry.title:
                return to_paper(ref, entry)
        raise NotFound(f"{SERVICE}: no paper {ref.value}")


def to_paper(ref: PaperId, e: AEntry) -> Paper:
    year = e.published[:4]
    return Paper(
        id=ref,
        title=e.title,
        authors=e.authors,
        year=int(year) if year.isdigit() else None,
        abstract=e.summary,
        venue=e.journal_ref or "arXiv",
        url=e.abs_url or f"https://arxiv.org/abs/{e.arxiv_id}",
        doi=e.doi,
        arxiv_id=e.arxiv_id,
        entry_type="article" if e.journal_ref else "misc",
        source=SERVICE,
    )
