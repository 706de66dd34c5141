"""The plumbing a REST client in a connector shares: requests through the hub's client with
the service's standard headers, and answers read as wire models.

A connector's client (``connectors/<service>/client.py``) subclasses :class:`JsonApi` and
adds the service's own calls and paging; auth, rate limits, retries, caching and error
mapping all happen in the ``httpx.AsyncClient`` the hub hands it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, TypeVar

import httpx
from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)
#: Query parameters as the clients pass them.
Params = Mapping[str, str | int]


class JsonApi:
    """A service's REST API over the hub's HTTP client."""

    #: Headers every request of this service sends (``Accept`` and the like), under any a
    #: call passes itself.
    headers: ClassVar[Mapping[str, str]] = {}
    #: A path every call's relative URL is under (WordPress: ``wp-json/wp/v2``).
    prefix: ClassVar[str] = ""

    def __init__(self, http: httpx.AsyncClient) -> None:
        self.http = http

    async def _request(
        self,
        method: str,
        url: str,
        *,
        params: Params | None = None,
        json: Any = None,
        content: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        merged = {**self.headers, **headers} if headers else self.headers
        if self.prefix and "://" not in url:
            url = f"{self.prefix}/{url.lstrip('/')}"
        return await self.http.request(
            method, url, params=params, json=json, content=content, headers=merged
        )

    async def _get(self, model: type[M], url: str, params: Params | None = None) -> M:
        """``GET url`` read as ``model`` (a non-2xx answer has raised already)."""
        r = await self._request("GET", url, params=params)
        return model.model_validate(r.json())
