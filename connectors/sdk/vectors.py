"""Vector stores: points (an id, a vector, a little metadata) kept in named collections and
found again by nearness to a query vector.

One shape for the embedded store the hub keeps itself (sqlite-vec) and the services that hold
vectors (Qdrant, Chroma). Every collection measures cosine similarity, so a
:class:`VectorHit`'s ``score`` means the same in each: 1 the same direction, 0 unrelated.
Ids are the caller's strings; a service that wants other ids (Qdrant: UUIDs or integers)
maps them and gives the caller's back.
"""

from __future__ import annotations

import re

from pydantic import Field

from .models import _Model

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{1,61}[a-z0-9]$")


def collection_name(model: str, dimension: int, *, prefix: str = "tieline") -> str:
    """The collection for vectors of ``model`` at ``dimension``: lowercase letters, digits,
    ``_`` and ``-`` only (what every backend accepts), 3 to 63 characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", model.lower()).strip("-") or "model"
    name = f"{prefix}_{slug[:40]}_{dimension}"
    assert _NAME.match(name), name
    return name


class VectorPoint(_Model):
    """One vector to keep, with the strings to give back when it is found."""

    id: str = Field(min_length=1)
    vector: tuple[float, ...]
    payload: dict[str, str] = Field(default_factory=dict)


class VectorHit(_Model):
    """A point found near a query, nearest first; ``score`` is its cosine similarity."""

    id: str
    score: float
    payload: dict[str, str] = Field(default_factory=dict)


__all__ = ["VectorHit", "VectorPoint", "collection_name"]
