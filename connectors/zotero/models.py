"""Zotero Web API v3 wire types: the parts of ``format=json`` items and ``/keys/current``
the connector reads.

Shapes from the API's documentation (https://www.zotero.org/support/dev/web_api/v3/basics,
".../write_requests", ".../types_and_fields"); Zotero publishes no machine-readable schema
of its answers. Unknown fields are ignored; an item's ``data`` holds its type's fields by
their Zotero names (``publicationTitle``, ``DOI``), of which only those read are listed.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class ZCreator(_Wire):
    """``{creatorType, firstName, lastName}``, or ``{creatorType, name}`` for one field."""

    creator_type: str = Field("author", alias="creatorType")
    first_name: str = Field("", alias="firstName")
    last_name: str = Field("", alias="lastName")
    name: str = ""


class ZItemData(_Wire):
    key: str = ""
    version: int | None = None
    item_type: str = Field("", alias="itemType")
    title: str = ""
    creators: tuple[ZCreator, ...] = ()
    date: str = ""
    doi: str = Field("", alias="DOI")
    url: str = ""
    extra: str = ""
    #: Zotero 7 (and Better BibTeX) keep a citation key here; older data in ``extra``.
    citation_key: str = Field("", alias="citationKey")
    publication_title: str = Field("", alias="publicationTitle")
    proceedings_title: str = Field("", alias="proceedingsTitle")
    book_title: str = Field("", alias="bookTitle")
    website_title: str = Field("", alias="websiteTitle")
    repository: str = ""
    publisher: str = ""
    university: str = ""


class ZMeta(_Wire):
    parsed_date: str = Field("", alias="parsedDate")
    creator_summary: str = Field("", alias="creatorSummary")


class ZItem(_Wire):
    key: str
    version: int | None = None
    data: ZItemData
    meta: ZMeta = ZMeta()


class ZKey(_Wire):
    """``GET /keys/current``: whose key it is and what it may do."""

    key: str = ""
    user_id: int | None = Field(None, alias="userID")
    username: str = ""
    display_name: str = Field("", alias="displayName")
    access: dict[str, Any] = {}


class ZWriteResult(_Wire):
    """``POST .../items``: per index of the posted array, the key made, the item, or why not."""

    success: dict[str, str] = {}
    successful: dict[str, ZItem] = {}
    unchanged: dict[str, str] = {}
    failed: dict[str, dict[str, Any]] = {}
