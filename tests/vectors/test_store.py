"""The embedded sqlite-vec store: the VectorStore capability's semantics, and the catalog."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.sdk.errors import InvalidRequest
from connectors.sdk.vectors import VectorPoint, collection_name
from server.hub.vectors.store import Catalog, Entry, SqliteVectors, VectorFile

from .embedder import embed_text
from .suite import CHECKS, Check


@pytest.fixture
def file(tmp_path: Path) -> VectorFile:
    f = VectorFile(tmp_path / "vectors.db")
    yield f  # type: ignore[misc]
    f.close()


def p(id: str, text: str, **payload: str) -> VectorPoint:
    return VectorPoint(id=id, vector=embed_text(text), payload=payload)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.__name__)
async def test_the_vector_store_suite(file: VectorFile, check: Check) -> None:
    await check(SqliteVectors(file), "tieline_suite_384")


async def test_count(file: VectorFile) -> None:
    s = SqliteVectors(file)
    await s.ensure_collection("c", 384)
    await s.upsert_vectors("c", [p("a", "alpha beta"), p("b", "gamma delta")])
    await s.upsert_vectors("c", [p("a", "gamma delta epsilon")])
    assert s.count("c") == 2
    await s.delete_vectors("c", ["a"])
    assert s.count("c") == 1


async def test_a_point_of_another_dimension_is_refused(file: VectorFile) -> None:
    s = SqliteVectors(file)
    await s.ensure_collection("c", 3)
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
