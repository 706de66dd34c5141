"""The Chroma connector against the real ``chroma run`` (see conftest): the VectorStore
capability's semantics, every request and answer checked against the server's OpenAPI."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.chroma.connector import ChromaConnector
from connectors.sdk.capabilities import VectorStore
from connectors.sdk.errors import InvalidRequest, NotFound
from connectors.sdk.vectors import VectorPoint
from server.hub.vectors.indexer import Indexer, issue_docs
from server.hub.vectors.store import Catalog, VectorFile
from tests.vectors import embedder
from tests.vectors.corpus import known
from tests.vectors.suite import CHECKS, Check

from .conftest import Checked


def p(id: str, text: str, **payload: str) -> VectorPoint:
    return VectorPoint(id=id, vector=embedder.embed_text(text), payload=payload)


async def test_store_query_delete(conn: ChromaConnector, checked: Checked, name: str) -> None:
    assert isinstance(conn, VectorStore)
    await conn.ensure_collection(name, 384)
    await conn.ensure_collection(name, 384)
    await conn.upsert_vectors(
        name,
        [
            p("github:github.com:octo/app#1", "login button broken on mobile", kind="issue"),
            p("b", "database migration fails on startup"),
            p("c", "mobile login page crashes"),
        ],
    )
    hits = await conn.query_vectors(name, embedder.embed_text("login broken on mobile"), limit=2)
    assert [h.id for h in hits] == ["github:github.com:octo/app#1", "c"]
    assert hits[0].payload == {"kind": "issue"} and 1 > hits[0].score > hits[1].score > 0
    await conn.upsert_vectors(name, [p("b", "login on mobile broken button", v="2")])
    await conn.delete_vectors(name, ["github:github.com:octo/app#1", "never-there"])
    hits = await conn.query_vectors(name, embedder.embed_text("login broken on mobile"), limit=5)
    assert [h.id for h in hits] == ["b", "c"] and hits[0].payload == {"v": "2"}
    assert any(path.endswith("/query") for _, path, _ in checked.sent)


async def test_errors(conn: ChromaConnector, name: str) -> None:
    with pytest.raises(NotFound):
        await conn.query_vectors(name + "_missing", [1.0, 0.0])
    await conn.ensure_collection(name, 2)
    with pytest.raises(InvalidRequest):
        await conn.ensure_collection(name, 3)


async def test_check(conn: ChromaConnector) -> None:
    assert (await conn.check()).ok


async def test_indexer_on_chroma(conn: ChromaConnector, tmp_path: Path) -> None:
    f = VectorFile(tmp_path / "v.db")
    try:
        ix = Indexer(Catalog(f), conn, embedder.make(), model=f"hash-{tmp_path.name[-12:]}")
        assert (await ix.index(issue_docs(known()))).embedded == 5
        assert (await ix.index(issue_docs(known()))).unchanged == 5
        hits = await ix.search("login freezes on mobile iPhone", limit=2)
        assert [h.entry.ref for h in hits] == ["octo/app#3", "octo/app#1"]
        assert (await ix.index(issue_docs(known()[:3]))).removed == 2
        found = [h.entry.ref for h in await ix.search("database migration", limit=5)]
        assert found[0] == "octo/app#2" and set(found) == {"octo/app#1", "octo/app#2", "octo/app#3"}
    finally:
        f.close()


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
async def test_the_vector_store_suite(conn: ChromaConnector, name: str, check: Check) -> None:
    await check(conn, name)
