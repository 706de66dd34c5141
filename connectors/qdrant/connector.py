"""Qdrant connector: the VectorStore capability on a Qdrant server.

Qdrant's point ids are unsigned integers or UUIDs, so a caller's id is sent as the UUID5 of
it (in :data:`NAMESPACE`) and kept in the payload under :data:`ID_KEY`, which a query gives
back. Collections are made with cosine distance, whose score Qdrant reports as the cosine
similarity itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from pathlib import Path

from connectors.sdk import CheckResult, Connector, ConnectorContext, InvalidRequest, NotFound
from connectors.sdk.vectors import VectorHit, VectorPoint

from .client import QdrantClient
from .models import QVectorParams

NAMESPACE = uuid.UUID("6f0c1f1e-5d0b-4e55-9a53-7469656c696e")
ID_KEY = "tieline_id"


def point_id(id: str) -> str:
    return str(uuid.uuid5(NAMESPACE, id))


class QdrantConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = QdrantClient(ctx.http)

    async def check(self) -> CheckResult:
        v = await self.client.version()
        await self.client.collections()  # the key is checked here
        return CheckResult(ok=True, account=self.ctx.host or "qdrant", name=f"Qdrant {v.version}")

    async def ensure_collection(self, name: str, dimension: int) -> None:
        try:
            info = await self.client.collection(name)
        except NotFound:
            await self.client.create_collection(name, dimension)
            return
        vectors = info.config.params.vectors
        if not isinstance(vectors, QVectorParams) or vectors.size != dimension:
            raise InvalidRequest(
                f"Qdrant collection {name!r} is not one of {dimension}-dimensional vectors"
            )

    async def upsert_vectors(self, collection: str, points: Sequence[VectorPoint]) -> None:
        if not points:
            return
        await self.client.upsert(
            collection,
            [
                {
                    "id": point_id(p.id),
                    "vector": list(p.vector),
                    "payload": {**p.payload, ID_KEY: p.id},
                }
                for p in points
            ],
        )

    async def query_vectors(
        self, collection: str, vector: Sequence[float], *, limit: int = 10
    ) -> Sequence[VectorHit]:
        if limit < 1:
            return []
        hits: list[VectorHit] = []
        for sp in await self.client.query(collection, vector, limit):
            payload = {str(k): str(v) for k, v in (sp.payload or {}).items()}
            id = payload.pop(ID_KEY, str(sp.id))
            hits.append(VectorHit(id=id, score=sp.score, payload=payload))
        return hits

    async def delete_vectors(self, collection: str, ids: Sequence[str]) -> None:
        if ids:
            await self.client.delete(collection, [point_id(i) for i in ids])
