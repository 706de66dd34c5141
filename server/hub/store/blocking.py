"""Blocking access to the hub's database, for the parts that must run in worker threads.

authlib's authorization server calls its storage hooks synchronously, so the OAuth provider
(:mod:`server.hub.oauth_provider.storage`) runs each protocol request in a worker thread and
needs connections it can use there: not the hub's :class:`~.database.Database`, whose
connections belong to the event loop. :func:`open_blocking` reads the same targets
``Database.open_target`` does (a file path, ``:memory:`` is not one: a blocking pool of
in-memory databases would be many databases) and gives one small API over both backends:

- ``with db.connection() as conn: conn.execute(sql, params)`` runs lone statements, each
  committing by itself, on a connection from a small pool;
- ``with db.transaction() as conn:`` runs a read-then-write step as one transaction that
  holds the rows it reads with ``SELECT ... {db.dialect.for_update}`` (SQLite: ``BEGIN
  IMMEDIATE`` already holds the database's write lock; PostgreSQL: the rows' locks);
- SQL is written once in the project's style (``?`` parameters) and rows read like
  ``sqlite3.Row`` on both, exactly as in :class:`~.database.Database`.

Why pools: a fresh connection per call cost more than the query. SQLite connections get the
hub's pragmas (without ``synchronous=NORMAL`` every commit is an fsync: storing a token cost
~20 ms on a loaded disk). PostgreSQL connections are checked as they leave the pool, so a
server restart costs a reconnect, not a failed request; an unreachable server is a
:class:`~connectors.sdk.errors.StoreError` naming it without its password.
"""

from __future__ import annotations

import queue
import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

from connectors.sdk.errors import StoreError

from .database import DEFAULT_BUSY_TIMEOUT_MS, Params, Row, is_postgres_url, sqlite_path
from .dialect import POSTGRES, SQLITE, Dialect, to_pyformat


class Cursor(Protocol):
    """What a statement's result offers on both backends."""

    @property
    def rowcount(self) -> int: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...
    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    def execute(self, sql: str, params: Params = ..., /) -> Cursor: ...


class BlockingDatabase(Protocol):
    """A pool of blocking connections to the hub's database (see the module doc)."""

    dialect: Dialect

    @property
    def location(self) -> str: ...
    def connection(self) -> AbstractContextManager[Connection]: ...
    def transaction(self) -> AbstractContextManager[Connection]: ...
    def close(self) -> None: ...


def open_blocking(target: Path | str) -> BlockingDatabase:
    """A blocking pool on what ``target`` names; PostgreSQL connects on first use."""
    if is_postgres_url(target):
        assert isinstance(target, str)
        return PostgresBlocking(target)
    path = sqlite_path(target)
    if str(path) == ":memory:":
        raise StoreError("a blocking pool needs a database file or server, not :memory:")
    return SqliteBlocking(Path(path))


#: SQLite's errors that mean "the database is away now", not "this statement is wrong".
_AWAY = re.compile(r"locked|unable to open|disk I/O|readonly|busy", re.I)


class SqliteBlocking:
    """``sqlite3`` connections to the hub's file; WAL lets them run beside the hub's own."""

    dialect = SQLITE

    def __init__(self, path: Path) -> None:
        self.path = path
        self._pool: queue.SimpleQueue[sqlite3.Connection] = queue.SimpleQueue()

    @property
    def location(self) -> str:
        return str(self.path)

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            str(self.path),
            isolation_level=None,
            timeout=DEFAULT_BUSY_TIMEOUT_MS / 1000,
            check_same_thread=False,
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout={DEFAULT_BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("PRAGMA foreign_keys=ON")
        return conn

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A connection for one thread's use, returned to the pool afterwards. A file that
        cannot be opened, or stays locked past the busy timeout, is a :class:`StoreError`
        (the database is away, as a PostgreSQL server can be); other SQLite errors stay
        what they are."""
        try:
            conn = self._pool.get_nowait()
        except queue.Empty:
            try:
                conn = self._connect()
            except sqlite3.OperationalError as exc:
                raise self._away(exc) from None
        try:
            yield conn
        except sqlite3.OperationalError as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            if _AWAY.search(str(exc)):
                raise self._away(exc) from None
            raise
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            self._pool.put(conn)

    def _away(self, exc: sqlite3.OperationalError) -> StoreError:
        return StoreError(f"the database {self.path} is unavailable: {exc}")

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.connection() as conn:
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    def close(self) -> None:
        """Close the pooled connections (those in use close when they come back)."""
        while True:
            try:
                self._pool.get_nowait().close()
            except queue.Empty:
                return


class _PgConnection:
    """A psycopg connection that takes the project's ``?`` SQL."""

    __slots__ = ("_conn",)

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Params = (), /) -> Cursor:
        cur: Cursor = self._conn.execute(to_pyformat(sql), params)
        return cur


class PostgresBlocking:
    """A small ``psycopg_pool.ConnectionPool``, opened on first use (in a worker thread)."""

    dialect = POSTGRES
    #: Blocking callers are protocol requests, each short; a few connections serve them.
    POOL_SIZE = 4

    def __init__(self, url: str) -> None:
        from .postgres import safe_location

        self._url = url
        self._location = safe_location(url)
        self._pool: Any = None
        self._opening = threading.Lock()

    @property
    def location(self) -> str:
        return self._location

    def _open(self) -> Any:
        if self._pool is not None:
            return self._pool
        with self._opening:
            if self._pool is None:
                from psycopg_pool import ConnectionPool

                from .postgres import WAIT_TIMEOUT, configure_adapters, open_timeout, pg_rows

                pool: Any = ConnectionPool(
                    self._url,
                    min_size=1,
                    max_size=self.POOL_SIZE,
                    open=False,
                    kwargs={"autocommit": True, "row_factory": pg_rows},
                    configure=configure_adapters,
                    check=ConnectionPool.check_connection,
                    timeout=WAIT_TIMEOUT,
                    name="tieline-blocking",
                )
                try:
                    pool.open(wait=True, timeout=open_timeout(self._url))
                except Exception as exc:
                    pool.close()
                    raise self._unreachable(exc) from None
                self._pool = pool
        return self._pool

    def _unreachable(self, exc: BaseException) -> StoreError:
        return StoreError(
            f"cannot reach the PostgreSQL database {self._location}: {type(exc).__name__}"
        )

    @contextmanager
    def connection(self) -> Iterator[Connection]:
        """A pooled connection (checked alive as it leaves the pool) for the block; a lost
        or unreachable server, then or during the block, is a :class:`StoreError`."""
        import psycopg
        import psycopg_pool

        pool = self._open()
        try:
            with pool.connection() as conn:
                yield _PgConnection(conn)
        except (psycopg.OperationalError, psycopg_pool.PoolTimeout) as exc:
            raise self._unreachable(exc) from None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        with self.connection() as conn:
            assert isinstance(conn, _PgConnection)
            with conn._conn.transaction():
                yield conn

    def close(self) -> None:
        if self._pool is not None:
            self._pool.close()
            self._pool = None


__all__ = [
    "BlockingDatabase",
    "Connection",
    "Cursor",
    "PostgresBlocking",
    "Row",
    "SqliteBlocking",
    "open_blocking",
]
