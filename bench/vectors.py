"""Search by meaning over 5,000 issues: indexing, then query latency, on each vector store.

Run: ``python -m bench.vectors [ISSUES] [QUERIES]``. Generates ISSUES (5,000) synthetic issues
(``tests/vectors/corpus.py``: six-word titles and thirty-word bodies from a tracker's
vocabulary), embeds them once with the deterministic embedder of the tests (a hashed bag of
words in 384 dimensions, ``tests/vectors/embedder.py``) -- and, when
``TIELINE_BENCH_LLM_URL`` names an OpenAI-compatible server's base URL (``.../v1``, reached
through the OpenAI connector; model
``TIELINE_BENCH_LLM_MODEL``, default ``nomic-embed-text``), with that real local model too --
then, per embedder and store:

* index: every vector upserted in batches of 256 (what :class:`Indexer` sends), seconds;
* query: QUERIES (200) issue titles, embedded beforehand, each asked for its 10 nearest;
  p50 / p99 per query, and recall@10 against sqlite-vec (an exact, brute-force KNN).

Stores: ``sqlite-vec`` (the embedded default, in process), ``qdrant local`` (qdrant-client's
local mode, in process), ``qdrant REST`` (the Qdrant connector over HTTP to the stand-in that
serves local mode, validation off) and ``chroma`` (the Chroma connector over HTTP to a real
``chroma run`` from ``tests/peers/chroma-venv``; left out when that is not installed).

Figures are printed, never asserted. Goal: sqlite-vec query p99 <= 20 ms at 5,000 items.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from bench.client import percentiles
from connectors.sdk.capabilities import Embeddings, VectorStore
from connectors.sdk.vectors import VectorHit, VectorPoint
from server.hub.vectors.indexer import Doc, issue_docs
from server.hub.vectors.store import SqliteVectors, VectorFile
from tests.vectors import embedder
from tests.vectors.corpus import synthetic

ROOT = Path(__file__).resolve().parents[1]
ISSUES = 5_000
QUERIES = 200
K = 10
BATCH = 256
CHROMA = ROOT / "tests" / "peers" / "chroma-venv" / "bin" / "chroma"


def openai_compatible(url: str, model: str) -> Embeddings:
    """The OpenAI connector on the hub's HTTP stack, at a local server's base URL
    (``http://127.0.0.1:PORT/v1``: llama.cpp, Ollama, vLLM), embedding with ``model``."""
    from connectors.openai.connector import OpenAIConnector
    from tests.standin.harness import wire

    connector, _http = wire(
        OpenAIConnector, url.rstrip("/"), token="none", settings={"embedding_model": model}
    )
    return connector


class QdrantLocal:
    """qdrant-client's local mode as a VectorStore, in process."""

    def __init__(self) -> None:
        from qdrant_client import QdrantClient

        self.db = QdrantClient(":memory:")

    async def ensure_collection(self, name: str, dimension: int) -> None:
        from qdrant_client.http import models as m

        if not self.db.collection_exists(name):
            self.db.create_collection(
                name, vectors_config=m.VectorParams(size=dimension, distance=m.Distance.COSINE)
            )

    async def upsert_vectors(self, collection: str, points: Sequence[VectorPoint]) -> None:
        from qdrant_client.http import models as m

        from connectors.qdrant.connector import point_id

        self.db.upsert(
            collection,
            [
                m.PointStruct(id=point_id(p.id), vector=list(p.vector), payload={"id": p.id})
                for p in points
            ],
        )

    async def query_vectors(
        self, collection: str, vector: Sequence[float], *, limit: int = 10
    ) -> Sequence[VectorHit]:
        found = self.db.query_points(collection, query=list(vector), limit=limit)
        return [VectorHit(id=str((p.payload or {})["id"]), score=p.score) for p in found.points]

    async def delete_vectors(self, collection: str, ids: Sequence[str]) -> None:
        raise NotImplementedError


async def embed_all(
    e: Embeddings, texts: Sequence[str], batch: int = 64
) -> list[tuple[float, ...]]:
    out: list[tuple[float, ...]] = []
    for i in range(0, len(texts), batch):
        out += (await e.embed(texts[i : i + batch])).vectors
    return out


async def measure(
    store: VectorStore,
    name: str,
    docs: Sequence[Doc],
    vectors: Sequence[tuple[float, ...]],
    queries: Sequence[tuple[float, ...]],
) -> dict[str, Any]:
    dim = len(vectors[0])
    t0 = time.perf_counter()
    await store.ensure_collection(name, dim)
    for i in range(0, len(docs), BATCH):
        await store.upsert_vectors(
            name,
            [
                VectorPoint(id=d.id, vector=v)
                for d, v in zip(docs[i : i + BATCH], vectors[i : i + BATCH], strict=True)
            ],
        )
    index_s = time.perf_counter() - t0
    samples: list[float] = []
    results: list[list[str]] = []
    for q in queries:
        t = time.perf_counter()
        hits = await store.query_vectors(name, q, limit=K)
        samples.append(time.perf_counter() - t)
        results.append([h.id for h in hits])
    p50, p99 = percentiles(samples)
    return {"index_s": index_s, "p50": p50, "p99": p99, "results": results}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def chroma_server(tmp: Path) -> Iterator[str | None]:
    if not CHROMA.exists():
        yield None
        return
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        [
            str(CHROMA),
            "run",
            "--path",
            str(tmp / "chroma"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(url + "/api/v2/heartbeat", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        yield url if proc.poll() is None else None
    finally:
        proc.terminate()
        proc.wait(timeout=10)


Backend = tuple[str, Callable[[], Awaitable[tuple[VectorStore, Callable[[], Awaitable[None]]]]]]


async def run(
    issues: int = ISSUES, queries: int = QUERIES, *, chroma: bool = True
) -> dict[str, dict[str, dict[str, Any]]]:
    """Every (embedder, store) measured; also printed as a table."""
    from connectors.chroma.connector import ChromaConnector
    from connectors.qdrant.connector import QdrantConnector
    from tests.standin.harness import wire
    from tests.standin.qdrant import QdrantStandIn

    items = synthetic(issues)
    docs = issue_docs(items)
    asked = [it.title for it in items[:: max(1, issues // queries)][:queries]]
    embedders: list[tuple[str, Embeddings]] = [("hash-bow-384", embedder.make())]
    llm = os.environ.get("TIELINE_BENCH_LLM_URL")
    if llm:
        model = os.environ.get("TIELINE_BENCH_LLM_MODEL", "nomic-embed-text")
        embedders.append((model, openai_compatible(llm, model)))
    out: dict[str, dict[str, dict[str, Any]]] = {}
    with tempfile.TemporaryDirectory(prefix="tieline-bench-vectors-") as tmp_s:
        tmp = Path(tmp_s)
        with chroma_server(tmp) if chroma else _none() as chroma_url:
            for label, e in embedders:
                t = time.perf_counter()
                vectors = await embed_all(e, [d.text for d in docs])
                qv = await embed_all(e, asked)
                embed_s = time.perf_counter() - t
                print(
                    f"\n{label}: {issues} issues and {len(asked)} queries embedded in "
                    f"{embed_s:.1f} s ({len(vectors[0])} dimensions)",
                    flush=True,
                )
                rows: dict[str, dict[str, Any]] = {}
                f = VectorFile(tmp / f"{len(out)}.db")
                rows["sqlite-vec"] = await measure(SqliteVectors(f), "b", docs, vectors, qv)
                f.close()
                rows["qdrant local"] = await measure(QdrantLocal(), "b", docs, vectors, qv)
                with QdrantStandIn(validate=False) as q:
                    conn, http = wire(QdrantConnector, q.url, token="qk-ada", method="api_key")
                    try:
                        rows["qdrant REST"] = await measure(conn, "b", docs, vectors, qv)
                    finally:
                        await http.aclose()
                if chroma_url:
                    conn2, http2 = wire(ChromaConnector, chroma_url, token="ck-bench")
                    try:
                        coll = f"bench_{len(out)}_{int(time.time())}"
                        rows["chroma"] = await measure(conn2, coll, docs, vectors, qv)
                    finally:
                        await http2.aclose()
                exact = rows["sqlite-vec"]["results"]
                for r in rows.values():
                    r["recall"] = sum(
                        len(set(a) & set(b)) for a, b in zip(r["results"], exact, strict=True)
                    ) / max(1, sum(len(b) for b in exact))
                _table(rows)
                out[label] = rows
    return out


@contextmanager
def _none() -> Iterator[None]:
    yield None


def _table(rows: dict[str, dict[str, Any]]) -> None:
    print(f"{'store':<14}{'index s':>10}{'query p50 ms':>15}{'p99 ms':>10}{'recall@10':>12}")
    for name, r in rows.items():
        print(
            f"{name:<14}{r['index_s']:>10.2f}{r['p50']:>15.2f}{r['p99']:>10.2f}{r['recall']:>12.3f}"
        )
    print(flush=True)


def main(argv: list[str] | None = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    asyncio.run(run(int(args[0]) if args else ISSUES, int(args[1]) if len(args) > 1 else QUERIES))


if __name__ == "__main__":
    main()
