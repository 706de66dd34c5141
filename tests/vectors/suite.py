"""What every VectorStore must do, as checks each backend's tests run on it (sqlite-vec in
tests/vectors, Qdrant in tests/qdrant, Chroma in tests/chroma): one list, so the backends
cannot drift apart. Each check gets the store and a fresh collection name."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest

from connectors.sdk.capabilities import VectorStore
from connectors.sdk.errors import InvalidRequest, NotFound
from connectors.sdk.vectors import VectorPoint

from .embedder import embed_text

Check = Callable[[VectorStore, str], Awaitable[None]]


def _p(id: str, text: str, **payload: str) -> VectorPoint:
    return VectorPoint(id=id, vector=embed_text(text), payload=payload)


async def nearest_first(store: VectorStore, name: str) -> None:
    assert isinstance(store, VectorStore)
    await store.ensure_collection(name, 384)
    await store.ensure_collection(name, 384)  # again: no error
    await store.upsert_vectors(
        name,
        [
            _p("a", "login button broken on mobile", title="A"),
            _p("b", "database migration fails on startup"),
            _p("c", "mobile login page crashes"),
        ],
    )
    hits = await store.query_vectors(name, embed_text("login broken on mobile"), limit=2)
    assert [h.id for h in hits] == ["a", "c"]
    assert hits[0].payload == {"title": "A"} and hits[1].payload == {}
    assert 1 > hits[0].score > hits[1].score > 0
    same = await store.query_vectors(name, embed_text("database migration fails on startup"))
    assert same[0].id == "b" and same[0].score == pytest.approx(1.0, abs=1e-4)
    assert len(same) == 3  # a limit past the count gives them all


async def upsert_replaces(store: VectorStore, name: str) -> None:
    await store.ensure_collection(name, 384)
    await store.upsert_vectors(name, [_p("a", "alpha beta"), _p("b", "gamma delta")])
    await store.upsert_vectors(name, [_p("a", "gamma delta epsilon", v="2")])
    hits = await store.query_vectors(name, embed_text("gamma delta epsilon"), limit=5)
    assert [h.id for h in hits] == ["a", "b"] and hits[0].payload == {"v": "2"}


async def delete_removes(store: VectorStore, name: str) -> None:
    await store.ensure_collection(name, 384)
    await store.upsert_vectors(name, [_p("a", "alpha"), _p("b", "beta")])
    await store.delete_vectors(name, ["a", "never-there"])
    await store.delete_vectors(name, [])
    await store.upsert_vectors(name, [])
    assert [h.id for h in await store.query_vectors(name, embed_text("alpha"), limit=5)] == ["b"]


async def ids_round_trip(store: VectorStore, name: str) -> None:
    ids = ["github:github.com:octo/app#7", "note:file:///tmp/a%20b.md", "jira:x:PROJ-1 é"]
    await store.ensure_collection(name, 384)
    await store.upsert_vectors(name, [_p(i, f"text {n}") for n, i in enumerate(ids)])
    hits = await store.query_vectors(name, embed_text("text 1"), limit=3)
    assert hits[0].id == ids[1] and {h.id for h in hits} == set(ids)


async def errors(store: VectorStore, name: str) -> None:
    with pytest.raises(NotFound):
        await store.query_vectors(name + "-missing", [1.0, 0.0])
    await store.ensure_collection(name, 2)
    with pytest.raises(InvalidRequest):
        await store.ensure_collection(name, 3)
    assert await store.query_vectors(name, [1.0, 0.0], limit=0) == []


CHECKS: list[Check] = [nearest_first, upsert_replaces, delete_removes, ids_round_trip, errors]
