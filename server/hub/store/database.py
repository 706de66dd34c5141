"""The database the hub shares: one API over two backends, chosen by a URL.

``Database.open_backend(target)`` reads the target: a file path, ``:memory:`` or
``sqlite:///path`` is the embedded SQLite database (the default, below); a
``postgresql://...`` URL is a PostgreSQL server shared by a team hub
(:mod:`server.hub.store.postgres`, needing the ``postgres`` extra). Callers see the same
methods, the same ``?`` / ``:name`` parameters and rows that behave like ``sqlite3.Row``
(index and key access, ``keys()``), whichever it is.

The rest of this page is the SQLite backend.

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
import time
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, Self

import aiosqlite

from connectors.sdk.errors import StoreError

from .dialect import SQLITE, Dialect

if TYPE_CHECKING:
    from .postgres import PostgresBackend

Params = Sequence[Any] | Mapping[str, Any]


class Row(Protocol):
    """What a result row offers on every backend (``sqlite3.Row`` is one)."""

    def __getitem__(self, key: int | str, /) -> Any: ...
    def keys(self) -> list[str]: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[Any]: ...


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


async def _enter_wal(conn: aiosqlite.Connection, busy_timeout_ms: int) -> None:
    """``PRAGMA journal_mode=WAL``, retried while another connection holds the lock it needs.

    Switching a new file to WAL takes an exclusive lock, and SQLite answers "database is
    locked" at once, without its busy handler, when another process is opening the same new
    file at that moment (two processes started together on a fresh database).
    """
    deadline = time.monotonic() + busy_timeout_ms / 1000
    delay = 0.005
    while True:
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        await asyncio.sleep(delay)
        delay = min(delay * 2, 0.1)


def is_postgres_url(target: Path | str) -> bool:
    """Whether ``target`` names a PostgreSQL database rather than an SQLite file."""
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


def sqlite_path(target: Path | str) -> Path | str:
    """The file an SQLite target names: a path as given, or the path of ``sqlite:///path``
    (``sqlite:////abs/path`` for an absolute one, as SQLAlchemy spells it)."""
    if isinstance(target, str) and target.startswith("sqlite:"):
        if not target.startswith("sqlite:///"):
            raise StoreError("an SQLite URL is sqlite:///relative/path or sqlite:////abs/path")
        rest = target.removeprefix("sqlite:///")
        return rest if rest == ":memory:" else Path(rest)
    return target


class Database:
    """The hub's database: an aiosqlite connection with a statement lock and joinable
    transactions, or (``postgres=``) a PostgreSQL connection pool behind the same methods.

    The SQLite code runs inline rather than behind a second object, so the embedded default
    costs exactly what it did before there was a choice; each method hands over to the
    PostgreSQL backend first when there is one.
    """

    def __init__(
        self,
        conn: aiosqlite.Connection | None,
        path: Path | str,
        *,
        postgres: PostgresBackend | None = None,
    ) -> None:
        self._pg = postgres
        if postgres is not None:
            self._conn: aiosqlite.Connection = None  # type: ignore[assignment]
            self._path: Path | None = None
            self.dialect: Dialect = postgres.dialect
        else:
            assert conn is not None
            self._conn = conn
            self._path = Path(path) if str(path) != ":memory:" else Path(":memory:")
            self.dialect = SQLITE
        self._lock = asyncio.Lock()
        self._owner: asyncio.Task[Any] | None = None

    @classmethod
    async def open_target(
        cls, target: Path | str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
    ) -> Self:
        """Connect to what ``target`` names (see the module docstring), unmigrated."""
        if is_postgres_url(target):
            from .postgres import PostgresBackend

            assert isinstance(target, str)
            return cls(None, target, postgres=await PostgresBackend.connect(target))
        path = sqlite_path(target)
        return cls(await cls.connect(path, busy_timeout_ms=busy_timeout_ms), path)

    @property
    def path(self) -> Path:
        """The SQLite file. A PostgreSQL store has none: the parts that open the file
        themselves (the OAuth provider's storage) are SQLite-only, and fail here clearly
        rather than create a stray file named after a URL."""
        if self._path is None:
            raise StoreError(
                f"the store is the PostgreSQL database {self.location}, not an SQLite file;"
                " this feature needs an SQLite store"
            )
        return self._path

    @property
    def target(self) -> Path | str:
        """What to open to reach this same database from elsewhere (another connection, a
        blocking pool): the SQLite file, or the PostgreSQL URL -- which may hold a password,
        so it is for connecting, never for a message (that is :attr:`location`)."""
        if self._pg is not None:
            return self._pg.url
        return self.path

    @property
    def location(self) -> str:
        """Where the data is, fit for a message: the file, or the URL without its password."""
        return self._pg.location if self._pg is not None else str(self._path)

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
            await _enter_wal(conn, busy_timeout_ms)
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute("PRAGMA foreign_keys=ON")
            _owner_only(path)
        except BaseException:
            await conn.close()
            raise
        return conn

    async def close(self) -> None:
        """Close the connection (idempotent)."""
        if self._pg is not None:
            await self._pg.close()
            return
        await self._conn.close()

    @property
    def in_transaction(self) -> bool:
        """True while the current task owns an open transaction on this database."""
        if self._pg is not None:
            return self._pg.in_transaction
        return self._owner is not None and self._owner is asyncio.current_task()

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[Self]:
        """Run the block as one transaction; nested blocks join the outer.

        On SQLite it is ``BEGIN IMMEDIATE``, and while one is open every other task's
        statement on this connection waits for it. On PostgreSQL it is a read-committed
        transaction on a pooled connection of its own (see
        :mod:`server.hub.store.postgres`): the owning task's statements join it, other tasks
        run beside it on other connections and wait only for the rows it locked. An
        exception rolls the whole (outermost) transaction back. Keep blocks short.
        """
        if self._pg is not None:
            async with self._pg.transaction():
                yield self
            return
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

    async def lock(self, key: str) -> None:
        """Inside a transaction: hold an exclusive lock named ``key`` until it ends.

        For read-then-write steps that must not interleave with another process doing the
        same (two coalescing enqueues, two migrating processes). SQLite needs nothing: its
        ``BEGIN IMMEDIATE`` already holds the database's one write lock. PostgreSQL takes a
        transaction-scoped advisory lock.
        """
        if self._pg is not None:
            await self._pg.lock(key)

    async def notify(self, channel: str) -> None:
        """Tell other processes' listeners on ``channel`` that something changed (PostgreSQL
        ``NOTIFY``, sent when the current transaction commits); nothing on SQLite, where
        waiters poll."""
        if self._pg is not None:
            await self._pg.notify(channel)

    async def listen(self, channel: str, callback: Callable[[], None]) -> bool:
        """Call ``callback`` whenever ``channel`` is notified, until :meth:`close`; return
        whether this backend can (False on SQLite: poll instead)."""
        if self._pg is not None:
            await self._pg.listen(channel, callback)
            return True
        return False

    @asynccontextmanager
    async def _turn(self) -> AsyncIterator[None]:
        if self.in_transaction:
            yield
            return
        async with self._lock:
            yield

    async def execute(self, sql: str, params: Params = ()) -> int:
        """Run one statement; return the number of rows it changed."""
        if self._pg is not None:
            return await self._pg.execute(sql, params)
        async with self._turn():
            cur = await self._conn.execute(sql, params)
            return cur.rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        """Run one statement for many parameter rows (one transaction when inside one);
        return the number of rows changed in all."""
        if self._pg is not None:
            return await self._pg.executemany(sql, rows)
        async with self._turn():
            cur = await self._conn.executemany(sql, rows)
            return cur.rowcount

    async def fetchall(self, sql: str, params: Params = ()) -> list[Row]:
        """Run a query (or a statement with ``RETURNING``) and return all its rows."""
        if self._pg is not None:
            return await self._pg.fetchall(sql, params)
        async with self._turn():
            return list(await self._conn.execute_fetchall(sql, params))

    async def fetchone(self, sql: str, params: Params = ()) -> Row | None:
        """Run a query and return its first row, or ``None``."""
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None
