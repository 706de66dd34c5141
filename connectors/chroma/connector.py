"""Chroma connector: the VectorStore capability on a Chroma server (HTTP API v2).

Collections are made cosine-measured (``configuration.hnsw.space``), so a hit's score is
``1 - distance``. A collection is named by the caller and addressed by Chroma's id for
records, looked up once per collection. Its dimension is kept in its metadata
(:data:`DIMENSION_KEY`, as a string) so a collection of another dimension is refused before
Chroma's own check at the first write.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from connectors.sdk import CheckResult, Connector, ConnectorContext, InvalidRequest
from connectors.sdk.vectors import VectorHit, VectorPoint

from .client import ChromaClient
from .models import CCollection

DIMENSION_KEY = "tieline_dimension"


class ChromaConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = ChromaClient(
            ctx.http,
            tenant=str(ctx.settings.get("tenant") or "default_tenant"),
            database=str(ctx.settings.get("database") or "default_database"),
        )
        self._ids: dict[str, str] = {}

    async def check(self) -> CheckResult:
        await self.client.heartbeat()
        who = await self.client.identity()
        return CheckResult(ok=True, account=who.user_id or self.ctx.host or "chroma")

    async def _id(self, name: str) -> str:
        if name not in self._ids:
            self._ids[name] = (await self.client.collection(name)).id
        return self._ids[name]

    @staticmethod
    def _dimension(c: CCollection) -> int | None:
        v = (c.metadata or {}).get(DIMENSION_KEY)
        return int(v) if isinstance(v, int | float | str) and str(v).isdigit() else c.dimension

    async def ensure_collection(self, name: str, dimension: int) -> None:
        # a string: the description's metadata values are oneOf integer / number / string..., so
        # an integer matches two of them and breaks its oneOf
        c = await self.client.get_or_create(name, {DIMENSION_KEY: str(dimension)})
        held = self._dimension(c)
        if held is not None and held != dimension:
            raise InvalidRequest(
                f"Chroma collection {name!r} holds {held}-dimensional vectors, not {dimension}"
            )
        self._ids[name] = c.id

    async def upsert_vectors(self, collection: str, points: Sequence[VectorPoint]) -> None:
        if not points:
            return
        await self.client.upsert(
            await self._id(collection),
            [p.id for p in points],
            [p.vector for p in points],
            [p.payload for p in points],
        )

    async def query_vectors(
        self, collection: str, vector: Sequence[float], *, limit: int = 10
    ) -> Sequence[VectorHit]:
        if limit < 1:
            return []
        r = await self.client.query(await self._id(collection), vector, limit)
        ids = r.ids[0] if r.ids else []
        distances = r.distances[0] if r.distances else [None] * len(ids)
        metas = r.metadatas[0] if r.metadatas else [None] * len(ids)
        return [
            VectorHit(
                id=i,
                score=1.0 - (d if d is not None else 1.0),
                payload={str(k): str(v) for k, v in (m or {}).items()},
            )
            for i, d, m in zip(ids, distances, metas, strict=False)
        ]

    async def delete_vectors(self, collection: str, ids: Sequence[str]) -> None:
        if ids:
            await self.client.delete(await self._id(collection), list(ids))
