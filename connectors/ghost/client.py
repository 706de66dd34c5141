"""A library-grade async client for Ghost's Admin API (v5), over the ``httpx.AsyncClient``
it is given (base URL: the site, ``https://blog.example.com``; the JWT travels in its auth).

It knows the Admin API's paths (``/ghost/api/admin/...``, trailing slash and all), the
``{"posts": [...]}`` envelope, ``?source=html`` (Ghost turns the HTML into its own
document format) and the ``Accept-Version`` header; retries, rate limits and error mapping
(``{"errors": [{"message", "type", "context"}]}``) belong to the client handed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from .models import GImages, GPost, GPosts, GSite, GSiteBody

SERVICE = "Ghost"
ADMIN = "ghost/api/admin"
HEADERS = {"accept": "application/json", "accept-version": "v5.0"}
#: The post fields an answer carries besides the defaults (tags are not included unless asked).
INCLUDE = "tags"


class GhostClient:
    """Ghost's Admin API relative to the http client's base URL (the site)."""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        files: Any = None,
        data: Any = None,
    ) -> httpx.Response:
        return await self.http.request(
            method,
            f"{ADMIN}/{path}",
            params=params,
            json=json,
            files=files,
            data=data,
            headers=HEADERS,
        )

    async def site(self) -> GSite:
        r = await self._request("GET", "site/")
        return GSiteBody.model_validate(r.json()).site

    async def create_post(self, post: Mapping[str, Any]) -> GPost:
        r = await self._request(
            "POST", "posts/", params={"source": "html", "include": INCLUDE}, json={"posts": [post]}
        )
        return GPosts.model_validate(r.json()).posts[0]

    async def update_post(self, post_id: str, post: Mapping[str, Any]) -> GPost:
        r = await self._request(
            "PUT",
            f"posts/{post_id}/",
            params={"source": "html", "include": INCLUDE},
            json={"posts": [post]},
        )
        return GPosts.model_validate(r.json()).posts[0]

    async def post(self, post_id: str) -> GPost:
        r = await self._request("GET", f"posts/{post_id}/", params={"include": INCLUDE})
        return GPosts.model_validate(r.json()).posts[0]

    async def upload_image(self, name: str, data: bytes, mime: str) -> str:
        r = await self._request(
            "POST",
            "images/upload/",
            files={"file": (name, data, mime)},
            data={"purpose": "image", "ref": name},
        )
        return GImages.model_validate(r.json()).images[0].url
