"""A library-grade async client for the WordPress REST API (``wp/v2``), over the
``httpx.AsyncClient`` it is given (base URL: the site; HTTP Basic with an application
password travels in its auth).

It knows the ``/wp-json/wp/v2/`` routes it calls, ``context=edit`` (the raw fields of a
draft), ``X-WP-TotalPages`` paging, and a media upload's raw body named by
``Content-Disposition``. Retries, rate limits and error mapping (``{"code", "message",
"data": {"status"}}``) belong to the client handed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.sdk.rest import JsonApi

from .models import WMedia, WPost, WTerm, WUser

SERVICE = "WordPress"
API = "wp-json/wp/v2"
HEADERS = {"accept": "application/json"}
PER_PAGE = 100
#: Pages of a tag search read at most (100 tags each).
MAX_PAGES = 5


class WordPressClient(JsonApi):
    """The site's REST API relative to the http client's base URL (the site)."""

    headers = HEADERS
    prefix = API

    async def me(self) -> WUser:
        r = await self._request("GET", "users/me", params={"context": "edit"})
        return WUser.model_validate(r.json())

    async def create_post(self, fields: Mapping[str, Any]) -> WPost:
        r = await self._request("POST", "posts", json=dict(fields))
        return WPost.model_validate(r.json())

    async def update_post(self, post_id: int, fields: Mapping[str, Any]) -> WPost:
        r = await self._request("POST", f"posts/{post_id}", json=dict(fields))
        return WPost.model_validate(r.json())

    async def post(self, post_id: int) -> WPost:
        r = await self._request("GET", f"posts/{post_id}", params={"context": "edit"})
        return WPost.model_validate(r.json())

    async def search_tags(self, name: str) -> list[WTerm]:
        """Tags whose name or slug contains ``name``, every page (``X-WP-TotalPages``)."""
        out: list[WTerm] = []
        page = 1
        while True:
            r = await self._request(
                "GET", "tags", params={"search": name, "per_page": PER_PAGE, "page": page}
            )
            out += [WTerm.model_validate(t) for t in r.json()]
            pages = r.headers.get("x-wp-totalpages", "1")
            if page >= min(int(pages) if pages.isdigit() else 1, MAX_PAGES):
                return out
            page += 1

    async def tags(self, ids: list[int]) -> list[WTerm]:
        r = await self._request(
            "GET",
            "tags",
            params={"include": ",".join(str(i) for i in ids), "per_page": PER_PAGE},
        )
        return [WTerm.model_validate(t) for t in r.json()]

    async def create_tag(self, name: str) -> WTerm:
        r = await self._request("POST", "tags", json={"name": name})
        return WTerm.model_validate(r.json())

    async def upload_media(self, name: str, data: bytes, mime: str) -> WMedia:
        safe = name.replace('"', "").replace("\r", "").replace("\n", "") or "image"
        r = await self._request(
            "POST",
            "media",
            content=data,
            headers={
                "content-type": mime,
                "content-disposition": f'attachment; filename="{safe}"',
            },
        )
        return WMedia.model_validate(r.json())
