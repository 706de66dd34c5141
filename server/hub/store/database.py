"""The SQLite connection the hub shares: pragmas, one statement at a time, joinable transactions.

One aiosqlite connection is one thread, and coroutines interleave on it. Without care, a
transaction begun by one task would silently swallow the statements another task runs while
the first is awaiting. So every statement takes one asyncio lock, except statements issued by
the task that owns the open transaction: those *join* it. That makes
``async with db.transaction(): await db.upsert_...(); await db.set_...()`` atomic without
every method needing a "connection" argument.

The connection runs in autocommit mode (``isolation_level=None``): a lone statement commits
by itself, and multi-statement work says ``BEGIN IMMEDIATE`` explicitly, taking the write lock
up front so that two connections can never deadlock upgrading a read lock.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Self

import aiosqlite

from connectors.sdk.errors import StoreError

Params = Sequence[Any] | Mapping[str, Any]

#: ``UPDATE ... RETURNING`` (used to claim a job in one statement) arrived in SQLite 3.35.
MIN_SQLITE = (3, 35, 0)

#: How long a statement waits for another connection's write lock before failing.
DEFAULT_BUSY_TIMEOUT_MS = 5000


def check_sqlite_version(version: str = sqlite3.sqlite_version) -> None:
    """Refuse to run on an SQLite too old for ``RETURNING``, naming both versions."""
    found = tuple(int(p) for p in version.split(".")[:3])
    if found < MIN_SQLITE:
        need = ".".join(map(str, MIN_SQLITE))
        raise StoreError(f"SQLite {version} is too old: Tieline needs {need} or newer")


def _make_parent(path: Path | str) -> None:
    if str(path) != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)


def _owner_only(path: Path | str) -> None:
    """The database mirrors private data (issues, messages): only its owner may read it."""
    if str(path) != ":memory:":
        Path(path).chmod(0o600)


class Database:
    """A shared aiosqlite connection with a statement lock and joinable transactions."""

    def __init__(self, conn: aiosqlite.Connection, path: Path | str) -> None:
        self._conn = conn
        self.path = Path(path) if str(path) != ":memory:" else Path(":memory:")
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None

    @staticmethod
    async def connect(
        path: Path | str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
    ) -> aiosqlite.Connection:
        """Open a connection with the pragmas every Tieline connection must have.

        WAL lets readers run beside the one writer; ``synchronous=NORMAL`` in WAL mode keeps
        every commit atomic and durable against a process crash (only an OS crash or power
        loss can drop the last commits), at a fraction of the cost of an fsync per commit.
        """
        check_sqlite_version()
        _make_parent(path)
        conn = await aiosqlite.connect(str(path), isolation_level=None)
        try:
            conn.row_factory = sqlite3.Row
            await conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            _owner_only(path)
        except BaseException:
            await conn.close()
            raise
        return conn

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        await self._conn.close()

    @property
    def in_transaction(self) -> bool:
        """True while the current task owns an open transaction on this connection."""
        return self._owner is not None and self._owner is asyncio.current_task()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Self]:
        """Run the block as one ``BEGIN IMMEDIATE`` transaction; nested blocks join the outer.

        An exception rolls the whole (outermost) transaction back. Keep blocks short: while one
        is open, every other task's statement on this connection waits for it.
        """
        if self.in_transaction:
            yield self
            return
        async with self._lock:
            self._owner = asyncio.current_task()
            try:
                await self._conn.execute("BEGIN IMMEDIATE")
                try:
                    yield self
                except BaseException:
                    if self._conn.in_transaction:
                        await asyncio.shield(self._conn.execute("ROLLBACK"))
                    raise
                await self._conn.execute("COMMIT")
            finally:
                self._owner = None

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        if self.in_transaction:
            yield
            return
        async with self._lock:
            yield

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        async with self._turn():
            cur = await self._conn.execute(sql, params)
            return cur.rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        """Run one statement for many parameter rows (one transaction when inside one)."""
        async with self._turn():
            cur = await self._conn.executemany(sql, rows)
            return cur.rowcount

    async def fetchall(self, sql: str, params: Params = ()) -> list[sqlite3.Row]:
        """Run a query (or a statement with ``RETURNING``) and return all its rows."""
        async with self._turn():
            return list(await self._conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Params = ()) -> sqlite3.Row | None:
        """Run a query and return its first row, or ``None``."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None
