"""Crossref's ``/works/{doi}`` answer: ``{"status": "ok", "message-type": "work", "message":
{...}}`` (api.crossref.org/swagger-ui, schema ``Work``). Only what a card and a citation need
is read; every other field is ignored."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class CAuthor(_Wire):
    given: str = ""
    family: str = ""
    #: An organisation as author (a consortium).
    name: str = ""

    @property
    def display(self) -> str:
        return " ".join(p for p in (self.given, self.family) if p) or self.name


class CDate(_Wire):
    #: ``[[2012, 3, 21]]``; a part may be null (``[[null]]`` when the year is unknown).
    date_parts: list[list[int | None]] = Field(default_factory=list, alias="date-parts")

    @property
    def year(self) -> int | None:
        first = self.date_parts[0] if self.date_parts else []
        return first[0] if first else None


class CWork(_Wire):
    doi: str = Field(alias="DOI")
    url: str | None = Field(default=None, alias="URL")
    type: str = ""
    title: list[str] = Field(default_factory=list)
    author: list[CAuthor] = Field(default_factory=list)
    container_title: list[str] = Field(default_factory=list, alias="container-title")
    publisher: str = ""
    #: JATS XML (``<jats:p>``...), when the publisher deposited one.
    abstract: str = ""
    issued: CDate | None = None
    published: CDate | None = None
    published_print: CDate | None = Field(default=None, alias="published-print")
    published_online: CDate | None = Field(default=None, alias="published-online")

    @property
    def year(self) -> int | None:
        """The year of publication; ``None`` when Crossref does not know it (``created`` is
        when the DOI was registered, often years later, so it is not taken instead)."""
        for d in (self.issued, self.published, self.published_print, self.published_online):
            if d is not None and d.year is not None:
                return d.year
        return None


class CWorkMessage(_Wire):
    status: str
    message: CWork
