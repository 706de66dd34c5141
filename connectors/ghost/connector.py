"""Ghost connector: a Markdown document as a post on a Ghost site (Admin API v5).

Glue only: the wire calls live in :mod:`.client`. How Ghost fits the shared shapes:

- A post is named by its id (24 hex). Its body is HTML, sent with ``?source=html`` so Ghost
  converts it to its own format; :meth:`GhostConnector.publish_formats` is ``html``.
- The excerpt is ``custom_excerpt`` (300 characters at most), the cover ``feature_image``,
  tags go by name (Ghost creates the ones it does not have).
- An update names the ``updated_at`` it read (:attr:`Post.version`); Ghost answers 409
  ``UpdateCollisionError`` when the post changed since, raised as
  :class:`~connectors.sdk.errors.SyncConflict`. Without ``if_match`` the post is read first.
- Images go to ``/images/upload/`` (multipart) and come back as absolute URLs.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from connectors.sdk import (
    CheckResult,
    ConfigError,
    Connector,
    ConnectorContext,
    InvalidRequest,
    TielineError,
)
from connectors.sdk.errors import SyncConflict
from connectors.sdk.publishing import Post, PostDraft, PostStatus, PublishFormat

from .client import SERVICE, GhostClient
from .models import GPost

#: Ghost's limit on ``custom_excerpt``.
MAX_EXCERPT = 300


class GhostConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = GhostClient(ctx.http)

    async def check(self) -> CheckResult:
        """``GET /site/``: the site answers only a valid key's JWT on the Admin API."""
        try:
            site = await self.client.site()
        except (TielineError, ConfigError) as exc:
            return CheckResult.failed(exc)
        title = site.title or site.url or "your Ghost site"
        # An Admin API key belongs to an integration, not a person: the site names it.
        host = urlsplit(site.url).netloc if site.url else ""
        return CheckResult(
            ok=True,
            account=host or self.ctx.account,
            name=site.title,
            detail=f"signed in to the Admin API of {title}"
            + (f" (Ghost {site.version})" if site.version else ""),
        )

    # -- Publishing -------------------------------------------------------------------------
    def publish_formats(self) -> Sequence[PublishFormat]:
        return ("html",)

    async def upload_image(self, name: str, data: bytes, mime: str) -> str:
        return await self.client.upload_image(name, data, mime)

    async def create_post(self, draft: PostDraft, *, status: PostStatus) -> Post:
        return _post(await self.client.create_post(_fields(draft, status)))

    async def update_post(
        self,
        post_id: str,
        draft: PostDraft,
        *,
        status: PostStatus,
        if_match: str | None = None,
    ) -> Post:
        version = if_match or (await self.client.post(post_id)).updated_at
        fields = {**_fields(draft, status), "updated_at": version}
        try:
            return _post(await self.client.update_post(post_id, fields))
        except InvalidRequest as exc:
            if exc.status == 409:
                raise SyncConflict(
                    f"Ghost: post {post_id} changed on the site since it was last published "
                    f"from here ({exc})"
                ) from exc
            raise

    async def get_post(self, post_id: str) -> Post:
        return _post(await self.client.post(post_id))


def _fields(draft: PostDraft, status: PostStatus) -> dict[str, Any]:
    if draft.format != "html":
        raise InvalidRequest("Ghost takes a post's body as HTML", service=SERVICE)
    if len(draft.description) > MAX_EXCERPT:
        raise InvalidRequest(
            f"Ghost allows an excerpt of at most {MAX_EXCERPT} characters, "
            f"not {len(draft.description)}",
            service=SERVICE,
        )
    out: dict[str, Any] = {
        "title": draft.title,
        "html": draft.body,
        "status": status,
        "tags": [{"name": t} for t in draft.tags],
        "custom_excerpt": draft.description or None,
        "canonical_url": draft.canonical_url,
        "feature_image": draft.cover_image,
    }
    return out


def _post(p: GPost) -> Post:
    return Post(
        id=p.id,
        title=p.title,
        url=p.url,
        status="published" if p.status == "published" else "draft",
        tags=tuple(t.name for t in p.tags if t.name),
        canonical_url=p.canonical_url,
        description=p.custom_excerpt or "",
        cover_image=p.feature_image,
        updated=_when(p.updated_at),
        version=p.updated_at,
    )


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
