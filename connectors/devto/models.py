"""Forem API v1 wire models (only the fields the connector reads).

An article's ``tag_list`` is a list in the ``/articles/me/*`` answers and a comma-separated
string in a single article's (with ``tags`` the list): both are read as a tuple.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class DUser(_Wire):
    username: str = ""
    name: str = ""


class DArticle(_Wire):
    id: int
    title: str = ""
    url: str | None = None
    published: bool | None = None
    published_at: datetime | None = None
    edited_at: datetime | None = None
    created_at: datetime | None = None
    description: str | None = None
    canonical_url: str | None = None
    cover_image: str | None = None
    tag_list: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    @field_validator("tag_list", "tags", mode="before")
    @classmethod
    def _tags(cls, value: Any) -> Any:
        if isinstance(value, str):
            return tuple(t.strip() for t in value.split(",") if t.strip())
        return value if value is not None else ()

    @property
    def is_published(self) -> bool:
        if self.published is not None:
            return self.published
        return self.published_at is not None
