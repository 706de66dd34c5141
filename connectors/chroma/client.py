"""Chroma's HTTP API v2: collections of a tenant's database, records upserted, deleted and
queried by embedding. Errors are ``{"error": "NotFoundError", "message": ...}`` with a
4xx/5xx status, mapped by the hub's HTTP stack."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import httpx

from connectors.sdk.rest import JsonApi

from .models import CCollection, CHeartbeat, CIdentity, CQueryResponse

V2 = "/api/v2"


class ChromaClient(JsonApi):
    headers = {"Accept": "application/json"}

    def __init__(self, http: httpx.AsyncClient, *, tenant: str, database: str) -> None:
        super().__init__(http)
        self.base = f"{V2}/tenants/{quote(tenant, safe='')}/databases/{quote(database, safe='')}"

    async def heartbeat(self) -> CHeartbeat:
        return await self._get(CHeartbeat, V2 + "/heartbeat")

    async def identity(self) -> CIdentity:
        return await self._get(CIdentity, V2 + "/auth/identity")

    async def collection(self, name: str) -> CCollection:
        return await self._get(CCollection, f"{self.base}/collections/{quote(name, safe='')}")

    async def get_or_create(self, name: str, metadata: Mapping[str, Any]) -> CCollection:
        r = await self._request(
            "POST",
            self.base + "/collections",
            json={
                "name": name,
                "get_or_create": True,
                "configuration": {"hnsw": {"space": "cosine"}},
                "metadata": dict(metadata),
            },
        )
        return CCollection.model_validate(r.json())

    def _records(self, collection_id: str, op: str) -> str:
        return f"{self.base}/collections/{quote(collection_id, safe='')}/{op}"

    async def upsert(
        self,
        collection_id: str,
        ids: Sequence[str],
        embeddings: Sequence[Sequence[float]],
        metadatas: Sequence[Mapping[str, str]],
    ) -> None:
        await self._request(
            "POST",
            self._records(collection_id, "upsert"),
            json={
                "ids": list(ids),
                "embeddings": [list(e) for e in embeddings],
                # Chroma refuses an empty metadata map: no metadata is null
                "metadatas": [dict(m) or None for m in metadatas],
            },
        )

    async def delete(self, collection_id: str, ids: Sequence[str]) -> None:
        await self._request("POST", self._records(collection_id, "delete"), json={"ids": list(ids)})

    async def query(
        self, collection_id: str, embedding: Sequence[float], n_results: int
    ) -> CQueryResponse:
        r = await self._request(
            "POST",
            self._records(collection_id, "query"),
            json={
                "query_embeddings": [list(embedding)],
                "n_results": n_results,
                "include": ["metadatas", "distances"],
            },
        )
        return CQueryResponse.model_validate(r.json())
