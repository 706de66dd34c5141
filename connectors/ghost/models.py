"""Ghost Admin API wire models (only the fields the connector reads)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class GTag(_Wire):
    name: str = ""


class GPost(_Wire):
    id: str
    title: str = ""
    url: str | None = None
    status: str = "draft"
    updated_at: str | None = None
    published_at: datetime | None = None
    custom_excerpt: str | None = None
    canonical_url: str | None = None
    feature_image: str | None = None
    tags: tuple[GTag, ...] = ()


class GPosts(_Wire):
    posts: tuple[GPost, ...]


class GImage(_Wire):
    url: str
    ref: str | None = None


class GImages(_Wire):
    images: tuple[GImage, ...]


class GSite(_Wire):
    title: str = ""
    url: str = ""
    version: str = ""


class GSiteBody(_Wire):
    site: GSite
