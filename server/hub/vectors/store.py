"""The embedded vector store: sqlite-vec loaded into sqlean's SQLite, in ``vectors.db``.

One ``vec0`` virtual table per collection (a model at one dimension), cosine-measured, and a
catalog of what was indexed: kind (issue, pr, snippet, note, doc), ref, title, url, the
content's sha256 and the model that embedded it. The catalog is kept here whichever backend
holds the vectors, so change detection never asks a service.

SQLite before 3.41 cannot pass a KNN query's limit as ``LIMIT``, so queries say
``WHERE embedding MATCH ? AND k = ?``.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import sqlean  # type: ignore[import-untyped]
import sqlite_vec  # type: ignore[import-untyped]

from connectors.sdk.errors import InvalidRequest, NotFound
from connectors.sdk.vectors import VectorHit, VectorPoint, collection_name

from .. import paths

Kind = Literal["issue", "pr", "snippet", "note", "doc"]
KINDS: tuple[Kind, ...] = ("issue", "pr", "snippet", "note", "doc")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS vec_collections (
    name TEXT PRIMARY KEY, dimension INTEGER NOT NULL, tbl TEXT NOT NULL UNIQUE);
CREATE TABLE IF NOT EXISTS vec_points (
    pk INTEGER PRIMARY KEY, collection TEXT NOT NULL, id TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}', UNIQUE (collection, id));
CREATE TABLE IF NOT EXISTS catalog (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, ref TEXT NOT NULL, title TEXT NOT NULL,
    url TEXT NOT NULL, sha256 TEXT NOT NULL, model TEXT NOT NULL, collection TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS catalog_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def default_path() -> Path:
    return paths.ensure(paths.data_dir()) / "vectors.db"


class VectorFile:
    """The SQLite file, with sqlite-vec loaded; one connection, used under a lock."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = str(path if path is not None else default_path())
        conn: sqlite3.Connection = sqlean.connect(self.path, check_same_thread=False)
        conn.enable_load_extension(True)
        sqlite_vec.load(conn)
        conn.enable_load_extension(False)
        if self.path != ":memory:":
            conn.execute("PRAGMA journal_mode=WAL")
        conn.executescript(_SCHEMA)
        conn.commit()
        self.conn = conn
        self.lock = threading.Lock()

    def close(self) -> None:
        self.conn.close()


class SqliteVectors:
    """The :class:`~connectors.sdk.capabilities.VectorStore` capability on sqlite-vec."""

    def __init__(self, file: VectorFile) -> None:
        self.file = file

    def _table(self, name: str) -> tuple[str, int]:
        row = self.file.conn.execute(
            "SELECT tbl, dimension FROM vec_collections WHERE name = ?", (name,)
        ).fetchone()
        if row is None:
            raise NotFound(f"no vector collection {name!r}")
        return str(row[0]), int(row[1])

    def _ensure_collection(self, name: str, dimension: int) -> None:
        if dimension < 1:
            raise InvalidRequest("a collection needs a dimension of at least 1")
        conn = self.file.conn
        with self.file.lock:
            row = conn.execute(
                "SELECT dimension FROM vec_collections WHERE name = ?", (name,)
            ).fetchone()
            if row is not None:
                if int(row[0]) != dimension:
                    raise InvalidRequest(
                        f"collection {name!r} holds {row[0]}-dimensional vectors, not {dimension}"
                    )
                return
            n = conn.execute("SELECT COUNT(*) FROM vec_collections").fetchone()[0]
            tbl = f"vec_{int(n) + 1}"
            with conn:
                conn.execute(
                    f"CREATE VIRTUAL TABLE {tbl} USING "
                    f"vec0(embedding float[{int(dimension)}] distance_metric=cosine)"
                )
                conn.execute(
                    "INSERT INTO vec_collections (name, dimension, tbl) VALUES (?, ?, ?)",
                    (name, dimension, tbl),
                )

    def _upsert_vectors(self, collection: str, points: Sequence[VectorPoint]) -> None:
        conn = self.file.conn
        with self.file.lock:
            tbl, dim = self._table(collection)
            for p in points:
                if len(p.vector) != dim:
                    raise InvalidRequest(
                        f"point {p.id!r} has {len(p.vector)} dimensions, not {dim}"
                    )
            with conn:
                for p in points:
                    payload = json.dumps(p.payload, separators=(",", ":"))
                    row = conn.execute(
                        "SELECT pk FROM vec_points WHERE collection = ? AND id = ?",
                        (collection, p.id),
                    ).fetchone()
                    if row is None:
                        pk = conn.execute(
                            "INSERT INTO vec_points (collection, id, payload) VALUES (?, ?, ?)",
                            (collection, p.id, payload),
                        ).lastrowid
                    else:
                        pk = int(row[0])
                        conn.execute(
                            "UPDATE vec_points SET payload = ? WHERE pk = ?", (payload, pk)
                        )
                        conn.execute(f"DELETE FROM {tbl} WHERE rowid = ?", (pk,))  # noqa: S608
                    conn.execute(
                        f"INSERT INTO {tbl} (rowid, embedding) VALUES (?, ?)",  # noqa: S608
                        (pk, sqlite_vec.serialize_float32(list(p.vector))),
                    )

    def _query_vectors(
        self, collection: str, vector: Sequence[float], *, limit: int = 10
    ) -> Sequence[VectorHit]:
        conn = self.file.conn
        with self.file.lock:
            tbl, dim = self._table(collection)
            if len(vector) != dim:
                raise InvalidRequest(f"query has {len(vector)} dimensions, not {dim}")
            if limit < 1:
                return []
            rows = conn.execute(
                f"SELECT p.id, p.payload, v.distance FROM {tbl} v "  # noqa: S608
                "JOIN vec_points p ON p.pk = v.rowid "
                "WHERE v.embedding MATCH ? AND k = ? ORDER BY v.distance",
                (sqlite_vec.serialize_float32(list(vector)), int(limit)),
            ).fetchall()
        return [
            VectorHit(id=str(i), score=1.0 - float(d), payload=json.loads(pl)) for i, pl, d in rows
        ]

    def _delete_vectors(self, collection: str, ids: Sequence[str]) -> None:
        conn = self.file.conn
        with self.file.lock:
            tbl, _ = self._table(collection)
            with conn:
                for i in ids:
                    row = conn.execute(
                        "SELECT pk FROM vec_points WHERE collection = ? AND id = ?",
                        (collection, i),
                    ).fetchone()
                    if row is None:
                        continue
                    conn.execute(f"DELETE FROM {tbl} WHERE rowid = ?", (row[0],))  # noqa: S608
                    conn.execute("DELETE FROM vec_points WHERE pk = ?", (row[0],))

    # The capability's methods run their statements in a thread: a KNN over many thousand
    # vectors takes milliseconds the event loop (hovers, completion) should not wait out.
    async def ensure_collection(self, name: str, dimension: int) -> None:
        await asyncio.to_thread(self._ensure_collection, name, dimension)

    async def upsert_vectors(self, collection: str, points: Sequence[VectorPoint]) -> None:
        await asyncio.to_thread(self._upsert_vectors, collection, points)

    async def query_vectors(
        self, collection: str, vector: Sequence[float], *, limit: int = 10
    ) -> Sequence[VectorHit]:
        return await asyncio.to_thread(self._query_vectors, collection, vector, limit=limit)

    async def delete_vectors(self, collection: str, ids: Sequence[str]) -> None:
        await asyncio.to_thread(self._delete_vectors, collection, ids)

    def count(self, collection: str) -> int:
        with self.file.lock:
            row = self.file.conn.execute(
                "SELECT COUNT(*) FROM vec_points WHERE collection = ?", (collection,)
            ).fetchone()
        return int(row[0])


@dataclass(frozen=True)
class Entry:
    """What the catalog knows of one indexed text."""

    id: str
    kind: str
    ref: str
    title: str
    url: str
    sha256: str
    model: str
    collection: str


class Catalog:
    """What is indexed, by id, and which collection the current model's vectors are in."""

    def __init__(self, file: VectorFile) -> None:
        self.file = file

    def entries(self) -> dict[str, Entry]:
        with self.file.lock:
            rows = self.file.conn.execute(
                "SELECT id, kind, ref, title, url, sha256, model, collection FROM catalog"
            ).fetchall()
        return {r[0]: Entry(*r) for r in rows}

    def get(self, ids: Iterable[str]) -> dict[str, Entry]:
        wanted = list(ids)
        if not wanted:
            return {}
        with self.file.lock:
            marks = ",".join("?" * len(wanted))
            rows = self.file.conn.execute(
                "SELECT id, kind, ref, title, url, sha256, model, collection FROM catalog "  # noqa: S608
                f"WHERE id IN ({marks})",
                wanted,
            ).fetchall()
        return {r[0]: Entry(*r) for r in rows}

    def put(self, entries: Iterable[Entry]) -> None:
        with self.file.lock, self.file.conn as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO catalog "
                "(id, kind, ref, title, url, sha256, model, collection) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (e.id, e.kind, e.ref, e.title, e.url, e.sha256, e.model, e.collection)
                    for e in entries
                ],
            )

    def remove(self, ids: Iterable[str]) -> None:
        with self.file.lock, self.file.conn as conn:
            conn.executemany("DELETE FROM catalog WHERE id = ?", [(i,) for i in ids])

    def meta(self) -> dict[str, str]:
        with self.file.lock:
            rows = self.file.conn.execute("SELECT key, value FROM catalog_meta").fetchall()
        return {str(k): str(v) for k, v in rows}

    def set_meta(self, values: Mapping[str, Any]) -> None:
        with self.file.lock, self.file.conn as conn:
            conn.executemany(
                "INSERT OR REPLACE INTO catalog_meta (key, value) VALUES (?, ?)",
                [(k, str(v)) for k, v in values.items()],
            )


__all__ = [
    "KINDS",
    "Catalog",
    "Entry",
    "Kind",
    "SqliteVectors",
    "VectorFile",
    "collection_name",
    "default_path",
]
