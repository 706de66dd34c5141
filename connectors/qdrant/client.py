"""Qdrant's REST API: collections, points upserted, deleted and queried by a vector.

Writes wait for the change to be applied (``?wait=true``), so a query right after an upsert
sees it. Qdrant's errors are ``{"status": {"error": "..."}}`` with a 4xx/5xx status (a
missing collection: 404), mapped by the hub's HTTP stack.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

from connectors.sdk.rest import JsonApi

from .models import QAnswer, QCollectionInfo, QQueryResponse, QScoredPoint, QVersion

WAIT = {"wait": "true"}


def _c(name: str) -> str:
    return "/collections/" + quote(name, safe="")


class QdrantClient(JsonApi):
    headers = {"Accept": "application/json"}

    async def version(self) -> QVersion:
        return await self._get(QVersion, "/")

    async def collections(self) -> list[str]:
        """The collections' names (needs a valid key, unlike ``GET /``)."""
        answer = await self._get(QAnswer, "/collections")
        result = answer.result if isinstance(answer.result, dict) else {}
        return [str(c.get("name")) for c in result.get("collections", [])]

    async def collection(self, name: str) -> QCollectionInfo:
        answer = await self._get(QAnswer, _c(name))
        return QCollectionInfo.model_validate(answer.result)

    async def create_collection(self, name: str, size: int, distance: str = "Cosine") -> None:
        await self._request("PUT", _c(name), json={"vectors": {"size": size, "distance": distance}})

    async def upsert(self, name: str, points: Sequence[dict[str, Any]]) -> None:
        await self._request("PUT", _c(name) + "/points", params=WAIT, json={"points": list(points)})

    async def delete(self, name: str, ids: Sequence[str]) -> None:
        await self._request(
            "POST", _c(name) + "/points/delete", params=WAIT, json={"points": list(ids)}
        )

    async def query(self, name: str, vector: Sequence[float], limit: int) -> list[QScoredPoint]:
        r = await self._request(
            "POST",
            _c(name) + "/points/query",
            json={"query": list(vector), "limit": limit, "with_payload": True},
        )
        answer = QAnswer.model_validate(r.json())
        return QQueryResponse.model_validate(answer.result).points
