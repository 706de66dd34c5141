"""The Graph API's paper, as documented at https://api.semanticscholar.org/api-docs/graph
(``GET /paper/{paper_id}``, schema ``FullPaper``): only the fields the connector asks for
(``FIELDS``) are present, and any of them may be null."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

FIELDS = "title,authors,year,abstract,venue,externalIds,url,publicationTypes,journal"


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class SAuthor(_Wire):
    author_id: str | None = Field(default=None, alias="authorId")
    name: str | None = None


class SJournal(_Wire):
    name: str | None = None


class SPaper(_Wire):
    paper_id: str = Field(alias="paperId")
    title: str | None = None
    authors: list[SAuthor] | None = None
    year: int | None = None
    abstract: str | None = None
    venue: str | None = None
    url: str | None = None
    #: ``{"DOI": "10.…", "ArXiv": "2106.01345", "CorpusId": 235358331, ...}``
    external_ids: dict[str, str | int | None] | None = Field(default=None, alias="externalIds")
    publication_types: list[str] | None = Field(default=None, alias="publicationTypes")
    journal: SJournal | None = None

    def external(self, name: str) -> str | None:
        v = (self.external_ids or {}).get(name)
        return str(v) if v is not None else None
