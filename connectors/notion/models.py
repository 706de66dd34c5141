"""Wire models for the parts of Notion's answers the connector reads.

Block objects stay plain dicts (:mod:`.mapping` reads them by type); pages, users, lists
and file uploads are validated here. Shapes: developers.notion.com/reference/page,
.../user, .../intro#pagination, .../file-upload.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from .mapping import plain


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class NRef(_Wire):
    """``{"object": "user", "id": ...}`` and the like."""

    id: str = ""
    object: str = ""


class NParent(_Wire):
    """``{"type": "page_id", "page_id": ...}`` / ``workspace: true`` / ``block_id`` / ..."""

    type: str = ""
    page_id: str | None = None
    block_id: str | None = None
    database_id: str | None = None
    data_source_id: str | None = None


class NPage(_Wire):
    object: str = "page"
    id: str
    created_time: datetime | None = None
    last_edited_time: str | None = None
    last_edited_by: NRef | None = None
    parent: NParent = NParent()
    archived: bool = False
    in_trash: bool = False
    url: str | None = None
    properties: dict[str, Any] = Field(default_factory=dict)

    @property
    def title(self) -> str:
        """The page's title property (whatever its name: a database page names it)."""
        for prop in self.properties.values():
            if isinstance(prop, dict) and prop.get("type") == "title":
                return plain(prop.get("title"))
        return ""


class NList(_Wire):
    """A page of a paginated list: ``results``, ``has_more``, ``next_cursor``."""

    results: list[dict[str, Any]] = Field(default_factory=list)
    has_more: bool = False
    next_cursor: str | None = None


class NUser(_Wire):
    object: str = "user"
    id: str
    type: str | None = None
    name: str | None = None
    person: dict[str, Any] | None = None
    bot: dict[str, Any] | None = None

    @property
    def email(self) -> str:
        return str((self.person or {}).get("email") or "")

    @property
    def workspace_name(self) -> str:
        return str((self.bot or {}).get("workspace_name") or "")


class NFileUpload(_Wire):
    object: str = "file_upload"
    id: str
    status: str = ""
    upload_url: str | None = None
