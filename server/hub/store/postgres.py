"""The PostgreSQL backend of :class:`~server.hub.store.Database`, for a hub a team shares.

psycopg 3 (async) with a ``psycopg_pool`` connection pool; install the ``postgres`` extra.
Chosen by a ``postgresql://`` URL (see :mod:`server.hub.store.database`).

Why it is shaped this way:

- **A pool, one connection per transaction.** SQLite has one connection and a lock that makes
  other tasks wait while a transaction is open. Here a ``transaction()`` block takes a pooled
  connection of its own for its whole length, and the statements of the task that opened it
  join it (keyed by task, exactly as on SQLite: a task it spawns is *not* part of it). Lone
  statements borrow a connection for one autocommit statement. Other tasks therefore run
  beside an open transaction, which is the point of a server database; they wait only for the
  rows it has locked. When more transactions are open at once than the pool holds, the next
  one waits for a connection, as the next one waits for the lock on SQLite.
- **Read committed.** ``BEGIN IMMEDIATE`` has no PostgreSQL meaning. The hub's atomic steps
  are single statements fenced by their own ``WHERE`` (claim, ack, fail and renew match a
  row's ``attempts``; an ``UPDATE`` re-checks its condition on the row's newest version
  before it writes), and ``ON CONFLICT`` upserts, so read committed -- PostgreSQL's default --
  keeps every one of them correct without serialization failures to retry. The few
  read-then-write steps that must not interleave across processes (migrations, coalescing
  enqueues) take an advisory lock through :meth:`Database.lock`.
- **Statements as callers wrote them.** ``?`` and ``:name`` parameters are translated once
  per SQL text (:func:`server.hub.store.dialect.to_pyformat`); Python booleans are sent as
  integers because the shared schema stores flags in integer columns, as SQLite does; rows
  come back as :class:`PgRow`, which reads like ``sqlite3.Row``.
- **LISTEN/NOTIFY.** :meth:`listen` holds one extra connection that listens; the job queue
  uses it to wake idle workers on every machine the moment a job is enqueued.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import Any

import psycopg
from psycopg import sql as pgsql
from psycopg.adapt import Dumper
from psycopg.conninfo import conninfo_to_dict
from psycopg.rows import RowMaker
from psycopg_pool import AsyncConnectionPool

from connectors.sdk.errors import StoreError

from .dialect import POSTGRES, Dialect, to_pyformat

log = logging.getLogger("tieline.store")

#: Connections a store may hold at once; lone statements and open transactions share them.
DEFAULT_POOL_SIZE = 10

#: How long opening the pool waits for its first connection, unless the URL's own
#: ``connect_timeout`` says otherwise.
CONNECT_TIMEOUT = 30.0

#: How long a statement waits for a pooled connection before it fails with a
#: :class:`StoreError`. psycopg_pool's default is 30 s; a webhook's sender gives up after 10
#: (GitHub), so with the server away the hub must answer 503 -- "try again" -- well before.
WAIT_TIMEOUT = 5.0

Params = Sequence[Any] | Mapping[str, Any]


class PgRow:
    """A result row read by position or (case-insensitively) by column name, like
    ``sqlite3.Row``."""

    __slots__ = ("_index", "_names", "_values")

    def __init__(self, values: tuple[Any, ...], names: tuple[str, ...], index: dict[str, int]):
        self._values = values
        self._names = names
        self._index = index

    def __getitem__(self, key: int | str, /) -> Any:
        if isinstance(key, str):
            pos = self._index.get(key)
            if pos is None:
                pos = self._index.get(key.lower())
                if pos is None:
                    raise IndexError(f"no such column: {key}")
            return self._values[pos]
        return self._values[key]

    def keys(self) -> list[str]:
        return list(self._names)

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[Any]:
        return iter(self._values)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PgRow):
            return self._names == other._names and self._values == other._values
        return NotImplemented

    def __hash__(self) -> int:
        return hash((self._names, self._values))

    def __repr__(self) -> str:
        return f"PgRow({dict(zip(self._names, self._values, strict=True))!r})"


def pg_rows(cursor: Any) -> RowMaker[PgRow]:
    """psycopg row factory making :class:`PgRow` (one name index shared by a result's rows)."""
    desc = cursor.description or ()
    names = tuple(c.name for c in desc)
    index: dict[str, int] = {}
    for pos, name in enumerate(names):
        index.setdefault(name, pos)
        index.setdefault(name.lower(), pos)

    def make(values: Sequence[Any]) -> PgRow:
        return PgRow(tuple(values), names, index)

    return make


class _BoolAsInt(Dumper):
    """``True``/``False`` as 1/0: the shared schema keeps flags in integer columns."""

    oid = psycopg.postgres.types["int8"].oid

    def dump(self, obj: Any) -> bytes:
        return b"1" if obj else b"0"


def configure_adapters(conn: psycopg.AsyncConnection[Any] | psycopg.Connection[Any]) -> None:
    """The store's adapters on a new connection (async or blocking)."""
    conn.adapters.register_dumper(bool, _BoolAsInt)


def safe_location(url: str) -> str:
    """The URL without its password (or any other secret parameter), fit for a message."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(unparsable URL)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    host = str(parts.get("host") or "")
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{host}{port}/{parts.get('dbname') or ''}"


def open_timeout(url: str) -> float:
    try:
        given = conninfo_to_dict(url).get("connect_timeout")
        return max(1.0, float(given)) if given else CONNECT_TIMEOUT
    except (psycopg.ProgrammingError, ValueError):
        return CONNECT_TIMEOUT


class PostgresBackend:
    """A connection pool, the open transactions by task, and an optional listener."""

    dialect: Dialect = POSTGRES

    def __init__(self, url: str, pool: AsyncConnectionPool[Any]) -> None:
        self._url = url
        self.location = safe_location(url)
        self._pool = pool
        self._tx: dict[asyncio.Task[Any], psycopg.AsyncConnection[PgRow]] = {}
        self._callbacks: dict[str, list[Callable[[], None]]] = {}
        self._listener: psycopg.AsyncConnection[Any] | None = None
        self._listen_task: asyncio.Task[None] | None = None
        self._returning: set[asyncio.Future[None]] = set()

    @classmethod
    async def connect(cls, url: str, *, pool_size: int = DEFAULT_POOL_SIZE) -> PostgresBackend:
        """Open a pool on ``url`` and wait for its first connection."""

        async def configure(conn: psycopg.AsyncConnection[Any]) -> None:
            configure_adapters(conn)

        pool: AsyncConnectionPool[Any] = AsyncConnectionPool(
            url,
            min_size=1,
            max_size=max(1, pool_size),
            open=False,
            kwargs={"autocommit": True, "row_factory": pg_rows},
            configure=configure,
            timeout=WAIT_TIMEOUT,
            name="tieline-store",
        )
        try:
            await pool.open(wait=True, timeout=open_timeout(url))
        except Exception as exc:
            await pool.close()
            raise StoreError(
                f"cannot connect to the PostgreSQL database {safe_location(url)}: "
                f"{type(exc).__name__}"
            ) from None
        return cls(url, pool)

    @property
    def url(self) -> str:
        """The URL connected to (with any password it holds: never for a message)."""
        return self._url

    async def close(self) -> None:
        """Stop listening and close every connection (idempotent)."""
        await self._stop_listening()
        await self._pool.close()

    # -- transactions -----------------------------------------------------------------------

    @property
    def in_transaction(self) -> bool:
        task = asyncio.current_task()
        return task is not None and task in self._tx

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[None]:
        task = asyncio.current_task()
        assert task is not None
        if task in self._tx:
            yield
            return
        async with self._borrowed() as conn:
            self._tx[task] = conn
            try:
                async with conn.transaction():
                    yield
            finally:
                del self._tx[task]

    @asynccontextmanager
    async def _conn(self) -> AsyncIterator[psycopg.AsyncConnection[PgRow]]:
        task = asyncio.current_task()
        joined = self._tx.get(task) if task is not None else None
        if joined is not None:
            yield joined
            return
        async with self._borrowed() as conn:
            yield conn

    @asynccontextmanager
    async def _borrowed(self) -> AsyncIterator[psycopg.AsyncConnection[PgRow]]:
        """A pooled connection for the block, given back after it.

        Not ``pool.connection()``: a task cancelled while the pool is handing it a connection
        can get the connection *and lose the cancellation* (the pool's waiter keeps the
        CancelledError and returns the connection), and a task that should stop would run
        on. So the wait is shielded here: the cancellation is raised in the task, and a
        connection that arrives afterwards goes straight back to the pool.

        A connection found broken (the server restarted) makes the pool check its idle ones
        at once, so the one failed statement is the last: without it each pooled connection
        would fail one statement in turn. Checking on every borrow instead would cost a round
        trip per statement.
        """
        getting = asyncio.ensure_future(self._pool.getconn())
        try:
            conn = await asyncio.shield(getting)
        except asyncio.CancelledError:
            getting.add_done_callback(self._give_back)
            raise
        try:
            yield conn
        except psycopg.OperationalError:
            if conn.broken:
                self._background(self._pool.check())
            raise
        finally:
            await asyncio.shield(self._pool.putconn(conn))

    def _background(self, work: Any) -> None:
        task = asyncio.ensure_future(work)
        self._returning.add(task)
        task.add_done_callback(self._returning.discard)

    def _give_back(self, getting: asyncio.Future[Any]) -> None:
        if getting.cancelled() or getting.exception() is not None:
            return
        self._background(self._pool.putconn(getting.result()))

    # -- statements -------------------------------------------------------------------------

    async def execute(self, sql: str, params: Params = ()) -> int:
        async with self._conn() as conn:
            cur = await conn.execute(to_pyformat(sql), _params(params))
            return cur.rowcount

    async def executemany(self, sql: str, rows: Iterable[Params]) -> int:
        query = to_pyformat(sql)
        async with self._conn() as conn, conn.cursor() as cur:
            await cur.executemany(query, [_params(r) for r in rows])
            return max(cur.rowcount, 0)

    async def fetchall(self, sql: str, params: Params = ()) -> list[Any]:
        async with self._conn() as conn:
            cur = await conn.execute(to_pyformat(sql), _params(params))
            if cur.description is None:
                return []
            return await cur.fetchall()

    async def lock(self, key: str) -> None:
        if not self.in_transaction:
            raise StoreError("Database.lock() is only meaningful inside a transaction")
        await self.execute("SELECT pg_advisory_xact_lock(hashtextextended(?, 0))", (key,))

    async def notify(self, channel: str) -> None:
        await self.execute("SELECT pg_notify(?, '')", (channel,))

    # -- listening --------------------------------------------------------------------------

    async def listen(self, channel: str, callback: Callable[[], None]) -> None:
        """Call ``callback`` on every notification of ``channel``; the LISTEN is in place
        when this returns, so a notification sent after it is never missed."""
        first = channel not in self._callbacks
        self._callbacks.setdefault(channel, []).append(callback)
        if self._listener is not None and not first:
            return
        # A new channel: (re)open the listening connection with every channel, rather than
        # issue LISTEN on a connection the pump is reading notifications from.
        await self._stop_listening()
        self._listener = await self._open_listener()
        self._listen_task = asyncio.create_task(self._pump(), name="tieline-store-listen")

    async def _stop_listening(self) -> None:
        if self._listen_task is not None:
            self._listen_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._listen_task
            self._listen_task = None
        if self._listener is not None:
            with contextlib.suppress(Exception):
                await self._listener.close()
            self._listener = None

    async def _open_listener(self) -> psycopg.AsyncConnection[Any]:
        conn = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
        for channel in self._callbacks:
            await conn.execute(pgsql.SQL("LISTEN {}").format(pgsql.Identifier(channel)))
        return conn

    async def _pump(self) -> None:
        """Deliver notifications; on a lost connection, reconnect and wake everyone (a
        notification may have been missed meanwhile)."""
        delay = 0.5
        while True:
            try:
                if self._listener is None:
                    self._listener = await self._open_listener()
                    self._wake_all()
                delay = 0.5
                async for note in self._listener.notifies():
                    for callback in self._callbacks.get(note.channel, ()):
                        callback()
            except psycopg.OperationalError as exc:
                log.warning("store: lost the PostgreSQL listener (%s); reconnecting", exc)
                with contextlib.suppress(Exception):
                    if self._listener is not None:
                        await self._listener.close()
                self._listener = None
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30.0)

    def _wake_all(self) -> None:
        for callbacks in self._callbacks.values():
            for callback in callbacks:
                callback()


def _params(params: Params) -> Params:
    """psycopg takes a sequence or a dict; ``()`` (not ``None``) keeps ``%%`` unescaping on."""
    if isinstance(params, Mapping):
        return dict(params)
    return params
