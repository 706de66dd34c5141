"""The embedded sqlite-vec store: the VectorStore capability's semantics, and the catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.sdk.capabilities import VectorStore
from connectors.sdk.errors import InvalidRequest, NotFound
from connectors.sdk.vectors import VectorPoint, collection_name
from server.hub.vectors.store import Catalog, Entry, SqliteVectors, VectorFile

from .embedder import embed_text


@pytest.fixture
def file(tmp_path: Path) -> VectorFile:
    f = VectorFile(tmp_path / "vectors.db")
    yield f  # type: ignore[misc]
    f.close()


def p(id: str, text: str, **payload: str) -> VectorPoint:
    return VectorPoint(id=id, vector=embed_text(text), payload=payload)


async def test_nearest_first_with_cosine_scores(file: VectorFile) -> None:
    s = SqliteVectors(file)
    assert isinstance(s, VectorStore)
    await s.ensure_collection("c", 384)
    await s.ensure_collection("c", 384)  # a second time is no error
    await s.upsert_vectors(
        "c",
        [
            p("a", "login button broken on mobile", title="A"),
            p("b", "database migration fails on startup"),
            p("c", "mobile login page crashes"),
        ],
    )
    hits = await s.query_vectors("c", embed_text("login broken on mobile"), limit=2)
    assert [h.id for h in hits] == ["a", "c"]
    assert hits[0].payload == {"title": "A"}
    assert 0.99 >= hits[0].score > hits[1].score > 0
    same = await s.query_vectors("c", embed_text("database migration fails on startup"), limit=1)
    assert same[0].id == "b" and same[0].score == pytest.approx(1.0, abs=1e-5)


async def test_upsert_replaces_and_delete_removes(file: VectorFile) -> None:
    s = SqliteVectors(file)
    await s.ensure_collection("c", 384)
    await s.upsert_vectors("c", [p("a", "alpha beta"), p("b", "gamma delta")])
    await s.upsert_vectors("c", [p("a", "gamma delta epsilon", v="2")])
    assert s.count("c") == 2
    hits = await s.query_vectors("c", embed_text("gamma delta"), limit=5)
    assert {h.id for h in hits} == {"a", "b"}
    assert next(h for h in hits if h.id == "a").payload == {"v": "2"}
    await s.delete_vectors("c", ["a", "nope"])
    assert [h.id for h in await s.query_vectors("c", embed_text("gamma"), limit=5)] == ["b"]
    assert s.count("c") == 1


async def test_errors(file: VectorFile) -> None:
    s = SqliteVectors(file)
    with pytest.raises(NotFound):
        await s.query_vectors("missing", [0.0] * 3)
    await s.ensure_collection("c", 3)
    with pytest.raises(InvalidRequest):
        await s.ensure_collection("c", 4)
    with pytest.raises(InvalidRequest):
        await s.upsert_vectors("c", [VectorPoint(id="x", vector=(1.0, 0.0))])
    with pytest.raises(InvalidRequest):
        await s.query_vectors("c", [1.0])


async def test_collections_are_apart_and_survive_reopening(tmp_path: Path) -> None:
    f = VectorFile(tmp_path / "v.db")
    s = SqliteVectors(f)
    await s.ensure_collection("one", 384)
    await s.ensure_collection("two", 2)
    await s.upsert_vectors("one", [p("a", "hello world")])
    await s.upsert_vectors("two", [VectorPoint(id="a", vector=(1.0, 0.0))])
    Catalog(f).put([Entry("a", "issue", "gh #1", "Hello", "https://x/1", "00", "m", "one")])
    f.close()
    f = VectorFile(tmp_path / "v.db")
    s = SqliteVectors(f)
    assert [h.id for h in await s.query_vectors("one", embed_text("hello"), limit=3)] == ["a"]
    assert [h.id for h in await s.query_vectors("two", [0.0, 1.0], limit=3)] == ["a"]
    assert Catalog(f).entries()["a"].title == "Hello"
    f.close()


def test_collection_names() -> None:
    assert collection_name("text-embedding-3-small", 1536) == "tieline_text-embedding-3-small_1536"
    assert collection_name("nomic/Embed:v1.5", 768) == "tieline_nomic-embed-v1-5_768"
    assert collection_name("???", 8) == "tieline_model_8"
