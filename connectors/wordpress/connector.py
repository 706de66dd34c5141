"""WordPress connector: a Markdown document as a post on a WordPress site (REST API wp/v2).

Glue only: the wire calls live in :mod:`.client`. How WordPress fits the shared shapes:

- A post is named by its numeric id; its body is HTML (``content``), so
  :meth:`WordPressConnector.publish_formats` is ``html``. ``published`` is WordPress'
  ``publish``; any other status (pending, private, future) reads as a draft.
- Tags go by id: each name is looked up (``GET /tags?search=``, an exact match ignoring
  case; WordPress keeps names HTML-escaped) and made when missing (``POST /tags``).
- Images go to the media library (``POST /media``, the raw bytes); the cover image becomes
  ``featured_media`` when it is one this connector uploaded (WordPress names it by its media
  id, not its URL); another cover URL is not set.
- WordPress has no canonical URL of its own (SEO plugins add one), so it is not sent.
- WordPress checks no version on update: :meth:`update_post` reads the post first and
  raises :class:`~connectors.sdk.errors.SyncConflict` when its ``modified_gmt`` is not the
  ``if_match`` given (a check, not a lock: an edit in the same instant is not caught).
"""

from __future__ import annotations

import asyncio
import html
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from connectors.sdk import (
    CheckResult,
    Connector,
    ConnectorContext,
    InvalidRequest,
    TielineError,
)
from connectors.sdk.errors import SyncConflict
from connectors.sdk.publishing import Post, PostDraft, PostStatus, PublishFormat

from .client import SERVICE, WordPressClient
from .models import WPost


class WordPressConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = WordPressClient(ctx.http)
        self._media: dict[str, int] = {}  # source URL -> media id, of images uploaded here
        self._tag_names: dict[int, str] = {}
        self._tag_lock = asyncio.Lock()

    async def check(self) -> CheckResult:
        """``GET /users/me``: the application password's user."""
        try:
            me = await self.client.me()
        except TielineError as exc:
            return CheckResult.failed(exc)
        return CheckResult(
            ok=True,
            account=me.slug or self.ctx.account,
            name=me.name,
            detail=f"signed in to WordPress as {me.name or me.slug}",
        )

    # -- Publishing -------------------------------------------------------------------------
    def publish_formats(self) -> Sequence[PublishFormat]:
        return ("html",)

    async def upload_image(self, name: str, data: bytes, mime: str) -> str:
        media = await self.client.upload_media(name, data, mime)
        self._media[media.source_url] = media.id
        return media.source_url

    async def create_post(self, draft: PostDraft, *, status: PostStatus) -> Post:
        post = await self.client.create_post(await self._fields(draft, status))
        return await self._post(post, draft)

    async def update_post(
        self,
        post_id: str,
        draft: PostDraft,
        *,
        status: PostStatus,
        if_match: str | None = None,
    ) -> Post:
        pid = _id(post_id)
        if if_match is not None:
            current = await self.client.post(pid)
            if current.modified_gmt != if_match:
                raise SyncConflict(
                    f"WordPress: post {post_id} changed on the site since it was last "
                    f"published from here (modified {current.modified_gmt}, not {if_match})"
                )
        post = await self.client.update_post(pid, await self._fields(draft, status))
        return await self._post(post, draft)

    async def get_post(self, post_id: str) -> Post:
        return await self._post(await self.client.post(_id(post_id)), None)

    # -- helpers ----------------------------------------------------------------------------
    async def _fields(self, draft: PostDraft, status: PostStatus) -> dict[str, Any]:
        if draft.format != "html":
            raise InvalidRequest("WordPress takes a post's body as HTML", service=SERVICE)
        fields: dict[str, Any] = {
            "title": draft.title,
            "content": draft.body,
            "status": "publish" if status == "published" else "draft",
            "excerpt": draft.description,
            "tags": await self._tag_ids(draft.tags),
        }
        if draft.cover_image and draft.cover_image in self._media:
            fields["featured_media"] = self._media[draft.cover_image]
        return fields

    async def _tag_ids(self, names: Sequence[str]) -> list[int]:
        out: list[int] = []
        async with self._tag_lock:
            for name in names:
                tag = None
                # WordPress keeps a name HTML-escaped ("R&amp;D") and searches it as kept.
                for q in dict.fromkeys((name, html.escape(name, quote=False))):
                    found = await self.client.search_tags(q)
                    tag = next((t for t in found if _same(t.name, name)), None)
                    if tag is not None:
                        break
                if tag is None:
                    tag = await self.client.create_tag(name)
                self._tag_names[tag.id] = tag.name
                out.append(tag.id)
        return out

    async def _post(self, p: WPost, draft: PostDraft | None) -> Post:
        missing = [t for t in p.tags if t not in self._tag_names]
        if missing:
            for t in await self.client.tags(missing):
                self._tag_names[t.id] = t.name
        cover = next((u for u, i in self._media.items() if i == p.featured_media), None)
        return Post(
            id=str(p.id),
            title=p.title.text,
            url=p.link,
            status="published" if p.status == "publish" else "draft",
            tags=tuple(html.unescape(self._tag_names[t]) for t in p.tags if t in self._tag_names),
            canonical_url=None,
            description=draft.description if draft is not None else p.excerpt.text,
            cover_image=cover,
            updated=_when(p.modified_gmt),
            version=p.modified_gmt,
        )


def _same(a: str, b: str) -> bool:
    return html.unescape(a).strip().casefold() == b.strip().casefold()


def _id(post_id: str) -> int:
    if not post_id.isdigit():
        raise InvalidRequest(f"WordPress: {post_id!r} is not a post id", service=SERVICE)
    return int(post_id)


def _when(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).replace(tzinfo=UTC)
    except ValueError:
        return None
