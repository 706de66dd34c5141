"""A library-grade async client for Forem's API v1 (dev.to), over the ``httpx.AsyncClient``
it is given (base URL ``https://dev.to/api``; the key travels in its auth as ``api-key``).

It knows the article calls and their ``{"article": {...}}`` envelope; retries, rate limits
(429 + Retry-After) and error mapping (``{"error", "status"}``) belong to the client handed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from connectors.sdk.rest import JsonApi

from .models import DArticle, DUser

SERVICE = "dev.to"
#: Forem's API v1 wants this Accept header (without it some answers are the old beta shape).
HEADERS = {"accept": "application/vnd.forem.api-v1+json"}
PAGE_SIZE = 30


class DevtoClient(JsonApi):
    """Forem's API v1 relative to the http client's base URL."""

    headers = HEADERS

    async def me(self) -> tuple[DUser, httpx.Response]:
        r = await self._request("GET", "users/me")
        return DUser.model_validate(r.json()), r

    async def create_article(self, article: Mapping[str, Any]) -> DArticle:
        r = await self._request("POST", "articles", json={"article": dict(article)})
        return DArticle.model_validate(r.json())

    async def update_article(self, article_id: int, article: Mapping[str, Any]) -> DArticle:
        r = await self._request("PUT", f"articles/{article_id}", json={"article": dict(article)})
        return DArticle.model_validate(r.json())

    async def my_articles(self, page: int = 1, per_page: int = PAGE_SIZE) -> list[DArticle]:
        """One page of the user's articles, drafts included (``/articles/me/all``)."""
        r = await self._request(
            "GET", "articles/me/all", params={"page": page, "per_page": per_page}
        )
        return [DArticle.model_validate(a) for a in r.json()]

    async def find_mine(self, article_id: int, *, max_pages: int = 20) -> DArticle | None:
        """The user's article ``article_id``, drafts included: ``GET /articles/{id}`` shows
        published articles only, so drafts are looked for in ``/articles/me/all``."""
        for page in range(1, max_pages + 1):
            batch = await self.my_articles(page)
            for a in batch:
                if a.id == article_id:
                    return a
            if len(batch) < PAGE_SIZE:
                return None
        return None
