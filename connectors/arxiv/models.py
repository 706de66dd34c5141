"""arXiv's Atom answer, read into plain records.

``GET /query?id_list=...`` answers an Atom 1.0 feed (namespaces ``atom``, ``arxiv`` and
``opensearch``) with one ``entry`` per paper found; an id it cannot parse is a 400 whose feed
holds one entry whose id is under ``https://arxiv.org/api/errors`` and whose ``summary`` says
what is wrong (older answers sent that entry with a 200). Parsed with defusedxml: a feed is
untrusted input.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

NS = {
    "atom": "http://www.w3.org/2005/Atom",
    "arxiv": "http://arxiv.org/schemas/atom",
    "opensearch": "http://a9.com/-/spec/opensearch/1.1/",
}
ERRORS = "arxiv.org/api/errors"


@dataclass(frozen=True)
class AEntry:
    #: ``http://arxiv.org/abs/1605.08386v1``
    id_url: str
    title: str
    summary: str
    published: str
    authors: tuple[str, ...]
    abs_url: str | None
    pdf_url: str | None
    journal_ref: str | None
    doi: str | None
    primary_category: str | None

    @property
    def arxiv_id(self) -> str:
        """The id with its version (``1605.08386v1``, ``astro-ph/0601001v1``)."""
        _, _, tail = self.id_url.partition("/abs/")
        return tail or self.id_url

    @property
    def is_error(self) -> bool:
        return ERRORS in self.id_url


@dataclass(frozen=True)
class AFeed:
    total: int
    entries: tuple[AEntry, ...]

    def errors(self) -> list[str]:
        return [e.summary for e in self.entries if e.is_error]


def _text(el: Element | None) -> str:
    return " ".join((el.text or "").split()) if el is not None else ""


def parse_feed(xml: bytes | str) -> AFeed:
    """The feed in ``xml``; a ``ValueError`` (or ElementTree's ``ParseError``) when it is
    not one (a proxy's HTML error page)."""
    root = ElementTree.fromstring(xml)
    if root.tag != f"{{{NS['atom']}}}feed":
        raise ValueError(f"not an Atom feed: <{root.tag}>")
    total = _text(root.find("opensearch:totalResults", NS))
    entries = []
    for e in root.findall("atom:entry", NS):
        abs_url = pdf_url = None
        for link in e.findall("atom:link", NS):
            if link.get("rel") == "alternate":
                abs_url = link.get("href")
            elif link.get("title") == "pdf":
                pdf_url = link.get("href")
        primary = e.find("arxiv:primary_category", NS)
        entries.append(
            AEntry(
                id_url=_text(e.find("atom:id", NS)),
                title=_text(e.find("atom:title", NS)),
                summary=_text(e.find("atom:summary", NS)),
                published=_text(e.find("atom:published", NS)),
                authors=tuple(_text(a.find("atom:name", NS)) for a in e.findall("atom:author", NS)),
                abs_url=abs_url,
                pdf_url=pdf_url,
                journal_ref=_text(e.find("arxiv:journal_ref", NS)) or None,
                doi=_text(e.find("arxiv:doi", NS)) or None,
                primary_category=primary.get("term") if primary is not None else None,
            )
        )
    return AFeed(total=int(total) if total.isdigit() else len(entries), entries=tuple(entries))
