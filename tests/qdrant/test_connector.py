"""The Qdrant connector against the stand-in: the VectorStore capability, ids mapped to
UUIDs and back, the api-key header, errors; and the hub's indexer on top of it."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.qdrant.connector import QdrantConnector, point_id
from connectors.sdk.capabilities import VectorStore
from connectors.sdk.errors import AuthError, InvalidRequest, NotFound
from connectors.sdk.vectors import VectorPoint
from server.hub.vectors.indexer import Indexer, issue_docs
from server.hub.vectors.store import Catalog, VectorFile
from tests.standin.harness import wire
from tests.standin.qdrant import QdrantStandIn
from tests.vectors import embedder
from tests.vectors.corpus import known
from tests.vectors.suite import CHECKS, Check


def p(id: str, text: str, **payload: str) -> VectorPoint:
    return VectorPoint(id=id, vector=embedder.embed_text(text), payload=payload)


async def test_store_query_delete(conn: QdrantConnector, qdrant: QdrantStandIn) -> None:
    assert isinstance(conn, VectorStore)
    await conn.ensure_collection("c", 384)
    await conn.ensure_collection("c", 384)
    await conn.upsert_vectors(
        "c",
        [
            p("github:github.com:octo/app#1", "login button broken on mobile", kind="issue"),
            p("b", "database migration fails on startup"),
            p("c", "mobile login page crashes"),
        ],
    )
    hits = await conn.query_vectors("c", embedder.embed_text("login broken on mobile"), limit=2)
    assert [h.id for h in hits] == ["github:github.com:octo/app#1", "c"]
    assert hits[0].payload == {"kind": "issue"} and 1 > hits[0].score > hits[1].score
    await conn.upsert_vectors("c", [p("b", "login on mobile broken button", v="2")])
    await conn.delete_vectors("c", ["github:github.com:octo/app#1", "never-there"])
    hits = await conn.query_vectors("c", embedder.embed_text("login broken on mobile"), limit=5)
    assert [h.id for h in hits][:1] == ["b"] and hits[0].payload == {"v": "2"}
    assert {h.id for h in hits} == {"b", "c"}
    sent = [e for e in qdrant.log if e.path == "/collections/c/points"]
    assert sent and all(e.query == [("wait", "true")] for e in sent)
    stored = qdrant.db.retrieve("c", [point_id("b")])
    assert stored[0].payload == {"v": "2", "tieline_id": "b"}


async def test_errors(conn: QdrantConnector, qdrant: QdrantStandIn) -> None:
    with pytest.raises(NotFound):
        await conn.query_vectors("missing", [1.0, 0.0])
    await conn.ensure_collection("small", 2)
    with pytest.raises(InvalidRequest):
        await conn.ensure_collection("small", 3)
    bad, http = wire(QdrantConnector, qdrant.url, token="wrong", method="api_key")
    try:
        with pytest.raises(AuthError):
            await bad.query_vectors("small", [1.0, 0.0])
    finally:
        await http.aclose()


async def test_check(conn: QdrantConnector) -> None:
    r = await conn.check()
    assert r.ok and r.name == "Qdrant 1.15.0"


async def test_indexer_on_qdrant(conn: QdrantConnector, tmp_path: Path) -> None:
    f = VectorFile(tmp_path / "v.db")
    try:
        ix = Indexer(Catalog(f), conn, embedder.make())
        r = await ix.index(issue_docs(known()))
        assert r.embedded == 5
        assert (await ix.index(issue_docs(known()))).unchanged == 5
        hits = await ix.search("login freezes on mobile iPhone", limit=2)
        assert [h.entry.ref for h in hits] == ["octo/app#3", "octo/app#1"]
        r = await ix.index(issue_docs(known()[:3]))
        assert r.removed == 2
        found = [h.entry.ref for h in await ix.search("database migration", limit=5)]
        assert found[0] == "octo/app#2" and set(found) == {"octo/app#1", "octo/app#2", "octo/app#3"}
    finally:
        f.close()


def test_the_contract_refuses_what_qdrant_refuses() -> None:
    from tests.standin.kit import Request

    c = QdrantStandIn.contract
    assert c is not None and c.available()

    def check(method: str, path: str, body: str) -> list[str]:
        return c.check(Request.parse(method, path, {}, body.encode()))

    assert check("PUT", "/collections/x", '{"vectors": {"size": 3, "distance": "Cosine"}}') == []
    assert check("PUT", "/collections/x", '{"vectors": {"size": 3, "distance": "Angle"}}')
    assert check("POST", "/collections/x/points/query", '{"query": [1, 0], "limit": 2}') == []
    assert check("POST", "/collections/x/points/query", '{"vector": [1, 0], "top": 2}')
    assert check("PUT", "/collections/x/points", '{"points": [{"id": "not-a-uuid"}]}')


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
async def test_the_vector_store_suite(conn: QdrantConnector, check: Check) -> None:
    await check(conn, "suite")


async def test_the_hub_keeps_vectors_in_qdrant_when_the_backend_says_so(
    conn: QdrantConnector, qdrant: QdrantStandIn, tmp_path: Path
) -> None:
    from types import SimpleNamespace

    from connectors.sdk.capabilities import Embeddings
    from server.hub.config import Config
    from server.hub.vectors.service import Semantic

    sessions = {
        Embeddings: SimpleNamespace(
            connector_id="hashembed", login="h", account="h@x", connector=embedder.make()
        ),
        VectorStore: SimpleNamespace(
            connector_id="qdrant", login="q", account="q@x", connector=conn
        ),
    }

    class Hub(SimpleNamespace):
        def sessions_with(self, capability: type, *, ask: bool = True) -> list[object]:
            return [sessions[capability]]

    cfg = {"vectors": {"enabled": True, "embeddings": "hashembed", "backend": "qdrant"}}
    s = Semantic(Hub(config=Config.model_validate(cfg)), tmp_path)  # type: ignore[arg-type]
    try:
        r = await s.indexer().index(issue_docs(known()))
        assert r.embedded == 5 and qdrant.db.count(r.collection).count == 5
        assert s.file().path.endswith("vectors-qdrant.db")
        assert not (tmp_path / "vectors.db").exists()
        hits = await s.search("login freezes on mobile iPhone", limit=1)
        assert [h.entry.ref for h in hits] == ["octo/app#3"]
    finally:
        s.close()
