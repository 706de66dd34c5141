"""dev.to (Forem) connector: a Markdown document as an article.

Glue only: the wire calls live in :mod:`.client`. How Forem fits the shared shapes:

- A post is an article, named by its numeric id; its body is Markdown (``body_markdown``),
  so :meth:`DevtoConnector.publish_formats` is ``markdown`` alone.
- ``tags`` travel as one comma-separated string (at most four, Forem's limit: the rest are
  refused before a request); the cover image is ``main_image``, an absolute URL.
- Forem has no image upload API: :meth:`upload_image` refuses, and the hub tells the user
  which local images need an absolute URL first.
- Forem checks no version on update: ``if_match`` is not compared.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from connectors.sdk import (
    CheckResult,
    Connector,
    ConnectorContext,
    InvalidRequest,
    NotFound,
    TielineError,
)
from connectors.sdk.publishing import Post, PostDraft, PostStatus, PublishFormat

from .client import SERVICE, DevtoClient
from .models import DArticle

#: Forem allows at most four tags on an article.
MAX_TAGS = 4


class DevtoConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = DevtoClient(ctx.http)

    async def check(self) -> CheckResult:
        """``GET /users/me``: the user name names the account."""
        try:
            me, _ = await self.client.me()
        except TielineError as exc:
            return CheckResult.failed(exc)
        if not me.username:
            return CheckResult(ok=False, detail="dev.to: /users/me named no user")
        return CheckResult(
            ok=True,
            account=me.username,
            name=me.name,
            detail=f"signed in to dev.to as {me.name or me.username} (@{me.username})",
        )

    # -- Publishing -------------------------------------------------------------------------
    def publish_formats(self) -> Sequence[PublishFormat]:
        return ("markdown",)

    async def upload_image(self, name: str, data: bytes, mime: str) -> str:
        raise InvalidRequest(
            f"dev.to has no image upload: {name} needs an absolute http(s) URL "
            "(host it elsewhere and link it)",
            service=SERVICE,
        )

    async def create_post(self, draft: PostDraft, *, status: PostStatus) -> Post:
        article = await self.client.create_article(_article(draft, status))
        return _post(article)

    async def update_post(
        self,
        post_id: str,
        draft: PostDraft,
        *,
        status: PostStatus,
        if_match: str | None = None,
    ) -> Post:
        article = await self.client.update_article(_id(post_id), _article(draft, status))
        return _post(article)

    async def get_post(self, post_id: str) -> Post:
        found = await self.client.find_mine(_id(post_id))
        if found is None:
            raise NotFound(f"dev.to: you have no article {post_id}", service=SERVICE)
        return _post(found)


def _id(post_id: str) -> int:
    if not post_id.isdigit():
        raise InvalidRequest(f"dev.to: {post_id!r} is not an article id", service=SERVICE)
    return int(post_id)


def _article(draft: PostDraft, status: PostStatus) -> dict[str, Any]:
    if draft.format != "markdown":
        raise InvalidRequest("dev.to takes an article's body as Markdown", service=SERVICE)
    if len(draft.tags) > MAX_TAGS:
        raise InvalidRequest(
            f"dev.to allows at most {MAX_TAGS} tags, not {len(draft.tags)}: "
            + ", ".join(draft.tags),
            service=SERVICE,
        )
    body: dict[str, Any] = {
        "title": draft.title,
        "body_markdown": draft.body,
        "published": status == "published",
        "tags": ", ".join(draft.tags),
    }
    if draft.description:
        body["description"] = draft.description
    if draft.canonical_url:
        body["canonical_url"] = draft.canonical_url
    if draft.cover_image:
        body["main_image"] = draft.cover_image
    return body


def _post(a: DArticle) -> Post:
    tags = a.tags or a.tag_list
    updated = a.edited_at or a.published_at or a.created_at
    return Post(
        id=str(a.id),
        title=a.title,
        url=a.url,
        status="published" if a.is_published else "draft",
        tags=tags,
        canonical_url=a.canonical_url,
        description=a.description or "",
        cover_image=a.cover_image,
        updated=updated,
        version=updated.isoformat() if updated else None,
    )
