"""The indexer: embeds only new or changed texts (by content hash and model), drops vanished
ones, batches, reports progress; and search by meaning over what it indexed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from server.hub.vectors.indexer import Indexer, issue_docs, note_docs, snippet_docs
from server.hub.vectors.store import Catalog, SqliteVectors, VectorFile

from . import embedder
from .corpus import issue, known


@pytest.fixture
def file(tmp_path: Path) -> Iterator[VectorFile]:
    f = VectorFile(tmp_path / "vectors.db")
    yield f
    f.close()


@pytest.fixture(autouse=True)
def calls() -> Iterator[list[list[str]]]:
    embedder.CALLS.clear()
    yield embedder.CALLS
    embedder.CALLS.clear()


def make(file: VectorFile, **kw: object) -> tuple[Indexer, SqliteVectors]:
    store = SqliteVectors(file)
    return Indexer(Catalog(file), store, embedder.make(), **kw), store  # type: ignore[arg-type]


async def test_embeds_only_what_is_new_or_changed(file: VectorFile, calls: list[list[str]]) -> None:
    ix, store = make(file, batch_size=2)
    seen: list[tuple[int, int]] = []
    r = await ix.index(issue_docs(known()), progress=lambda d, t: seen.append((d, t)))
    assert (r.embedded, r.unchanged, r.removed) == (5, 0, 0)
    assert [len(c) for c in calls] == [2, 2, 1]  # batches of batch_size
    assert seen == [(0, 5), (2, 5), (4, 5), (5, 5)]
    assert r.collection == "tieline_hash-bow-384_384" and store.count(r.collection) == 5

    calls.clear()
    r = await ix.index(issue_docs(known()))
    assert (r.embedded, r.unchanged, r.removed) == (0, 5, 0) and calls == []

    items = known()
    items[1] = issue(2, items[1].title, "A changed body about the migration crash.")
    del items[4]
    r = await ix.index(issue_docs(items))
    assert (r.embedded, r.unchanged, r.removed) == (1, 3, 1)
    assert calls == [[items[1].title + "\n\nA changed body about the migration crash."]]
    assert store.count(r.collection) == 4
    assert set(Catalog(file).entries()) == {it.key for it in items}


async def test_search_by_meaning(file: VectorFile) -> None:
    ix, _ = make(file)
    assert not ix.indexed() and await ix.search("login") == []
    await ix.index(issue_docs(known()))
    assert ix.indexed()
    hits = await ix.search("login freezes on mobile iPhone", limit=2)
    assert [h.entry.ref for h in hits] == ["octo/app#3", "octo/app#1"]
    assert hits[0].entry.url == "https://github.com/octo/app/issues/3"
    assert hits[0].entry.kind == "issue" and hits[0].score > hits[1].score
    first = known()[0]
    related = await ix.search(first.title, limit=1, exclude=[first.key])
    assert [h.entry.ref for h in related] == ["octo/app#3"]


async def test_another_model_reembeds_everything_and_drops_the_old_vectors(
    file: VectorFile, calls: list[list[str]]
) -> None:
    ix, store = make(file)
    r1 = await ix.index(issue_docs(known()))
    calls.clear()
    ix2, _ = make(file, model="hash-v2")
    assert not ix2.indexed()
    r2 = await ix2.index(issue_docs(known()))
    assert r2.embedded == 5 and r2.collection == "tieline_hash-v2_384"
    assert store.count(r2.collection) == 5 and store.count(r1.collection) == 0


async def test_kinds_of_docs(tmp_path: Path, file: VectorFile) -> None:
    from datetime import UTC, datetime

    from connectors.sdk.models import Snippet

    now = datetime.now(UTC)
    (tmp_path / "retro.md").write_text("# Sprint retro\n\nDeploys were slow; docker cache.\n")
    (tmp_path / "plain.md").write_text("no heading here")
    docs = [
        *issue_docs([issue(9, "Speed up the docker build", pull=True)]),
        *snippet_docs(
            [
                Snippet(
                    id="s1",
                    title="Retry loop",
                    body="for i in range(3): ...",
                    created_at=now,
                    updated_at=now,
                )
            ]
        ),
        *note_docs([tmp_path / "plain.md", tmp_path / "retro.md"]),
    ]
    assert [(d.kind, d.title) for d in docs] == [
        ("pr", "Speed up the docker build"),
        ("snippet", "Retry loop"),
        ("note", "plain"),
        ("note", "Sprint retro"),
    ]
    ix, _ = make(file)
    await ix.index(docs)
    hits = await ix.search("slow docker deploys", limit=2)
    assert {h.entry.kind for h in hits} == {"note", "pr"}


async def test_related_items_are_remembered_until_the_next_reindex(
    tmp_path: Path, calls: list[list[str]]
) -> None:
    from types import SimpleNamespace

    from server.hub.config import Config
    from server.hub.vectors.service import Semantic

    class Hub(SimpleNamespace):
        def sessions_with(self, capability: type, *, ask: bool = True) -> list[object]:
            return [self.session]

    session = SimpleNamespace(
        connector_id="hashembed",
        login="hashembed",
        account="hashembed@hashembed.example.test",
        connector=embedder.make(),
    )
    hub = Hub(
        config=Config.model_validate({"vectors": {"enabled": True, "embeddings": "hashembed"}}),
        session=session,
    )
    s = Semantic(hub, tmp_path)  # type: ignore[arg-type]
    try:
        assert not s.indexed()
        ix = s.indexer()
        await ix.index(issue_docs(known()))
        assert s.indexed()
        calls.clear()
        first = await s.related(known()[0], limit=1)
        assert [r.entry.ref for r in first] == ["octo/app#3"]
        assert await s.related(known()[0], limit=1) == first
        assert len(calls) == 1  # the second hover asked nobody
        changed = issue(1, "Dark mode settings unreadable", "grey on grey")
        assert [r.entry.ref for r in await s.related(changed, limit=1)] == ["octo/app#4"]
        assert len(calls) == 2
    finally:
        s.close()


async def test_blank_texts_are_not_sent(file: VectorFile, calls: list[list[str]]) -> None:
    from server.hub.vectors.indexer import Doc

    ix, _ = make(file)
    docs = [
        Doc("a", "note", "a.md", "a", "file:///a.md", "  \n"),
        Doc("b", "note", "b.md", "b", "file:///b.md", "text"),
    ]
    r = await ix.index(docs)
    assert r.embedded == 1 and calls == [["text"]]
    assert set(Catalog(file).entries()) == {"b"}


async def test_an_issue_pass_leaves_the_other_kinds_alone(file: VectorFile) -> None:
    from server.hub.vectors.indexer import Doc

    ix, _ = make(file)
    note = Doc("n", "note", "n.md", "n", "file:///n.md", "a note about login")
    r = await ix.index([*issue_docs(known()), note])
    assert r.embedded == 6
    r = await ix.index(issue_docs(known()[:4]), kinds=("issue", "pr"))
    assert (r.embedded, r.unchanged, r.removed) == (0, 4, 1)
    assert set(Catalog(file).entries()) == {*(i.key for i in known()[:4]), "n"}
