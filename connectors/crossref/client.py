"""Crossref's REST API over the hub's HTTP client: one work by DOI.

``GET /works/{doi}`` (api.crossref.org/swagger-ui). A DOI is sent in the path as written,
with characters that would end the path (``?``, ``#``, ``%``, spaces...) percent-encoded;
``mailto`` (the polite pool) rides as a query parameter and in the User-Agent.
"""

from __future__ import annotations

from urllib.parse import quote

import httpx

from connectors.sdk.errors import ServiceError
from connectors.sdk.rest import JsonApi

from .models import CWork, CWorkMessage

SERVICE = "Crossref"
#: What a DOI keeps unescaped in a path: the characters registrants use that a path allows.
DOI_SAFE = "/:;()[]._-<>+!*'~,@=&$"


def doi_path(doi: str) -> str:
    return "works/" + quote(doi, safe=DOI_SAFE)


class CrossrefClient(JsonApi):
    headers = {"accept": "application/json"}

    def __init__(self, http: httpx.AsyncClient, *, mailto: str = "") -> None:
        super().__init__(http)
        self.mailto = mailto.strip()

    async def work(self, doi: str) -> CWork:
        params = {"mailto": self.mailto} if self.mailto else None
        headers = {"user-agent": f"Tieline (mailto:{self.mailto})"} if self.mailto else None
        r = await self._request("GET", doi_path(doi), params=params, headers=headers)
        try:
            return CWorkMessage.model_validate(r.json()).message
        except ValueError as exc:  # not JSON, or not a work (pydantic's errors are ValueErrors)
            raise ServiceError(
                f"{SERVICE}: the answer for {doi} is not a work", service=SERVICE
            ) from exc
