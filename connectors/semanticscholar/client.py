"""The Semantic Scholar Graph API over the hub's HTTP client: one paper by id.

``GET /paper/{paper_id}?fields=...`` where ``paper_id`` is an S2 sha, ``CorpusId:N``,
``DOI:10.…`` or ``ARXIV:2106.01345`` (api.semanticscholar.org/api-docs/graph). Errors are
``{"error": "..."}`` (400/404) or ``{"message": "..."}`` (429, 403), read by the hub's error
mapping; a 429 without Retry-After makes the hub's limiter wait before the next call.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from connectors.sdk.errors import ServiceError
from connectors.sdk.rest import JsonApi

from .models import FIELDS, SPaper

SERVICE = "Semantic Scholar"


class S2Client(JsonApi):
    headers = {"accept": "application/json"}

    def __init__(self, http: httpx.AsyncClient) -> None:
        super().__init__(http)

    async def paper(self, paper_id: str) -> SPaper:
        path = "paper/" + quote(paper_id, safe=":/()._-;")
        try:
            return await self._get(SPaper, path, {"fields": FIELDS})
        except ValueError as exc:  # not JSON, or not a paper (pydantic's errors are ValueErrors)
            raise ServiceError(
                f"{SERVICE}: the answer for {paper_id} is not a paper", service=SERVICE
            ) from exc
