"""``bench.vectors`` once on a tiny setting (60 issues, 6 queries, no Chroma), so the
benchmark cannot rot unnoticed: every in-process and REST store indexes and answers, and
finds what the exact sqlite-vec search finds. No timing is asserted (the benchmark prints
those)."""

from __future__ import annotations

from bench import vectors


async def test_every_store_answers_like_sqlite_vec() -> None:
    got = await vectors.run(60, 6, chroma=False)
    rows = got["hash-bow-384"]
    assert set(rows) == {"sqlite-vec", "qdrant local", "qdrant REST"}
    for r in rows.values():
        assert len(r["results"]) == 6 and all(len(x) == vectors.K for x in r["results"])
        assert r["recall"] > 0.9
