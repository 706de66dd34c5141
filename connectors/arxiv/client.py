"""arXiv's query API over the hub's HTTP client: one paper by id, calls spaced as arXiv asks.

``GET /query?id_list=<id>&max_results=1`` (info.arxiv.org/help/api/user-manual.html). The
terms of use ask for at most one request every three seconds on a single connection: a lock
holds calls one at a time and spaces their starts by ``interval`` seconds.
"""

from __future__ import annotations

import asyncio
import time
from xml.etree.ElementTree import ParseError

import httpx

from connectors.sdk.errors import InvalidRequest, ServiceError

from .models import AFeed, parse_feed

SERVICE = "arXiv"


class ArxivClient:
    def __init__(self, http: httpx.AsyncClient, *, interval: float = 3.0) -> None:
        self.http = http
        self.interval = max(0.0, interval)
        self._lock = asyncio.Lock()
        self._last = -float("inf")

    async def _spaced(self) -> None:
        wait = self._last + self.interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last = time.monotonic()

    async def by_id(self, arxiv_id: str) -> AFeed:
        """The feed for one id (an empty feed when arXiv has no such paper)."""
        async with self._lock:
            await self._spaced()
            r = await self.http.get(
                "query",
                params={"id_list": arxiv_id, "max_results": 1},
                headers={"accept": "application/atom+xml"},
            )
        try:
            feed = parse_feed(r.content)
        except (ParseError, ValueError) as exc:  # defusedxml's refusals are ValueErrors
            raise ServiceError(
                f"{SERVICE}: the answer for {arxiv_id} is not an Atom feed", service=SERVICE
            ) from exc
        errors = feed.errors()
        if errors:  # an error entry in a 200 answer (the API's older behaviour)
            raise InvalidRequest(f"{SERVICE}: {errors[0]}")
        return feed
