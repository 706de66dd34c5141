"""WordPress REST API wire models (only the fields the connector reads).

No published contract exists; the shapes follow the ``wp-types`` TypeScript definitions of
the REST API's answers (``WP_REST_API_Post``, ``WP_REST_API_Term``,
``WP_REST_API_Attachment``, ``WP_REST_API_User``, ``WP_REST_API_Error``).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore")


class WRendered(_Wire):
    rendered: str = ""
    raw: str | None = None

    @property
    def text(self) -> str:
        return self.raw if self.raw is not None else self.rendered


class WPost(_Wire):
    id: int
    link: str | None = None
    status: str = "draft"
    modified_gmt: str | None = None
    title: WRendered = WRendered()
    excerpt: WRendered = WRendered()
    tags: tuple[int, ...] = ()
    featured_media: int | None = None


class WTerm(_Wire):
    id: int
    name: str = ""
    slug: str = ""


class WMedia(_Wire):
    id: int
    source_url: str


class WUser(_Wire):
    id: int
    name: str = ""
    slug: str = ""
