"""Finding entries by name, fast enough for hover, without holding a docset in memory.

Each loaded set is one SQLite file under ``<data>/docs/index/`` (``<set id>-<key>.sqlite``),
built once from the set's own index and kept: ``key`` is a hash of where the set came from
and the size and time of its files, so an edited or re-fetched index is built again and an
unchanged one opens at once the next time the server starts. Why a database, not dicts: a
200,000-entry docset held as Python objects cost ~400 bytes an entry and ~2 s to index at
every start; as a file it costs a page cache and an indexed query per look-up.

Hover asks for a few exact names (``os.path.join``, then ``join``...): indexed equality on
the lower-cased name, so its cost does not grow with the sets' size. Search (the panel, the
CLI) ranks by how a name matches -- whole name, last dotted part, prefix, anywhere -- and
scans only for "anywhere", and only while the better tiers leave room.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from connectors.sdk.errors import StoreError

from .model import DocEntry

FORMAT = 1
_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE entry (
    name TEXT NOT NULL, lower TEXT NOT NULL, tail TEXT NOT NULL, kind TEXT NOT NULL,
    url TEXT NOT NULL, summary TEXT NOT NULL, local TEXT, priority INTEGER NOT NULL
);
"""
_INDEXES = """
CREATE INDEX entry_lower ON entry (lower, priority);
CREATE INDEX entry_tail ON entry (tail, priority);
"""
#: The queries (written out whole: only ``?`` parameters vary).
_GET = (
    "SELECT name, kind, url, summary, local, priority FROM entry WHERE lower = ?"
    " ORDER BY name != ?, priority LIMIT 1"
)
_BY_URL = (
    "SELECT name, kind, url, summary, local, priority FROM entry WHERE url = ? OR local = ? LIMIT 1"
)
_TIERS = (
    # 0: the whole name
    "SELECT name, kind, url, summary, local, priority FROM entry WHERE lower = ?"
    " ORDER BY priority LIMIT ?",
    # 1: the last part of a dotted name
    "SELECT name, kind, url, summary, local, priority FROM entry"
    " WHERE tail = ? AND lower != tail ORDER BY priority, length(name) LIMIT ?",
    # 2: a prefix, the first 2,000 in order ranked by length
    "SELECT name, kind, url, summary, local, priority FROM (SELECT * FROM entry"
    " WHERE lower > ? AND lower < ? ORDER BY lower LIMIT 2000)"
    " ORDER BY priority, length(name) LIMIT ?",
    # 3: anywhere else (a scan that stops at the limit)
    "SELECT name, kind, url, summary, local, priority FROM entry WHERE instr(lower, ?) > 1 LIMIT ?",
)
#: The largest code point: ``q + _TOP`` sorts after every string starting with ``q``.
_TOP = "\U0010ffff"


def tail_of(name: str) -> str:
    for sep in ("::", "."):
        if sep in name:
            return name.rsplit(sep, 1)[-1]
    return name


class SetIndex:
    """One set's entries in its SQLite file, opened read-only."""

    def __init__(self, path: Path, set_id: str) -> None:
        self.path = path
        self.set_id = set_id
        try:
            self._db = sqlite3.connect(
                f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
            meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as exc:
            raise StoreError(f"unreadable docs index {path.name} ({exc})") from exc
        if meta.get("format") != str(FORMAT):
            self._db.close()
            raise StoreError(f"docs index {path.name} is of another format")
        self.count = int(meta.get("count", "0"))
        self.meta: dict[str, Any] = json.loads(meta.get("set", "{}"))
        self._lock = threading.Lock()  # one connection, used from the loop and from threads

    @classmethod
    def build(
        cls, path: Path, set_id: str, entries: Iterable[DocEntry], meta: dict[str, Any]
    ) -> SetIndex:
        """Write ``entries`` to a new index at ``path`` (atomically) and open it."""
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".part")
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        db = sqlite3.connect(tmp)
        try:
            db.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + _SCHEMA)
            count = 0

            def rows() -> Iterable[tuple[object, ...]]:
                nonlocal count
                for e in entries:
                    count += 1
                    low = e.name.lower()
                    yield (e.name, low, tail_of(low), e.kind, e.url, e.summary, e.local, e.priority)

            db.executemany("INSERT INTO entry VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows())
            db.executescript(_INDEXES)
            db.executemany(
                "INSERT INTO meta VALUES (?, ?)",
                [("format", str(FORMAT)), ("count", str(count)), ("set", json.dumps(meta))],
            )
            db.commit()
        finally:
            db.close()
        os.replace(tmp, path)
        return cls(path, set_id)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _rows(self, sql: str, *args: object) -> list[DocEntry]:
        with self._lock:
            try:
                rows = self._db.execute(sql, args).fetchall()
            except sqlite3.ProgrammingError:  # closed: a reconfigured library's last request
                return []
        return [DocEntry(n, k, u, self.set_id, s, loc, p) for n, k, u, s, loc, p in rows]

    def get(self, name: str) -> DocEntry | None:
        """The best entry named ``name``: spelled exactly so first, then in any case."""
        hits = self._rows(_GET, name.lower(), name)
        return hits[0] if hits else None

    def by_url(self, url: str) -> DocEntry | None:
        hits = self._rows(_BY_URL, url, url)
        return hits[0] if hits else None

    def matches(self, query: str, limit: int) -> list[tuple[int, DocEntry]]:
        """Up to ``limit`` ``(tier, entry)`` pairs, best tiers first: 0 the whole name, 1 its
        last part, 2 a prefix of the name, 3 anywhere in it."""
        q = query.lower().strip()
        if not q or limit <= 0:
            return []
        params: tuple[tuple[str, ...], ...] = ((q,), (q,), (q, q + _TOP), (q,))
        out: list[tuple[int, DocEntry]] = []
        seen: set[tuple[str, str]] = set()
        for tier, (sql, args) in enumerate(zip(_TIERS, params, strict=True)):
            for e in self._rows(sql, *args, limit - len(out) + len(seen)):
                key = (e.name, e.url)
                if key in seen:
                    continue
                seen.add(key)
                out.append((tier, e))
                if len(out) >= limit:
                    return out
        return out
