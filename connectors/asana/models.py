"""Asana wire types: the fields the client asks for with ``opt_fields`` (Asana answers only
``gid`` and ``resource_type`` plus a compact set otherwise) and the connector reads.

Asana's JSON is snake_case already. Every answer wraps its payload in ``data``; lists add
``next_page`` (``{offset, path, uri}`` or null). Unknown fields are ignored.
"""

from __future__ import annotations

from datetime import datetime
from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


T = TypeVar("T")


class ANamed(_Wire):
    gid: str
    name: str | None = None


class APhoto(_Wire):
    image_60x60: str | None = None


class AUser(_Wire):
    gid: str
    name: str | None = None
    email: str | None = None
    photo: APhoto | None = None


class AMe(AUser):
    workspaces: tuple[ANamed, ...] = ()


class AMembership(_Wire):
    project: ANamed | None = None
    section: ANamed | None = None


class ATask(_Wire):
    gid: str
    name: str = ""
    notes: str | None = None
    completed: bool = False
    completed_at: datetime | None = None
    created_at: datetime | None = None
    modified_at: datetime | None = None
    permalink_url: str | None = None
    resource_subtype: str | None = None
    assignee: AUser | None = None
    memberships: tuple[AMembership, ...] = ()
    tags: tuple[ANamed, ...] = ()
    workspace: ANamed | None = None
    num_likes: int | None = None


class AStory(_Wire):
    gid: str
    text: str | None = None
    created_at: datetime | None = None
    created_by: AUser | None = None
    resource_subtype: str | None = None


class ANextPage(_Wire):
    offset: str | None = None


class AList(_Wire, Generic[T]):
    """A page of a list: ``data`` and the ``next_page`` offset, if there is one."""

    data: tuple[T, ...] = ()
    next_page: ANextPage | None = None

    @property
    def offset(self) -> str | None:
        return self.next_page.offset if self.next_page and self.next_page.offset else None


class AOne(_Wire, Generic[T]):
    data: T
