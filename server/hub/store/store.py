"""The hub's database: one SQLite file (or a PostgreSQL database, for a team hub) holding
mirrored items, checkpoints, jobs, grants, the audit log and metrics, behind a typed async API.

Open it with ``async with Store.open(path) as store:`` or ``store = await Store.open(path)``
(then ``await store.close()``). Opening applies any pending migrations. Batch writes use
``executemany`` inside one transaction: a sync of a thousand items costs one commit.
Compose several calls atomically with ``async with store.transaction(): ...``.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Awaitable, Callable, Generator, Iterable, Mapping
from pathlib import Path
from typing import Any, Generic, TypeVar

from connectors.sdk.redact import redact

from .. import paths
from .database import DEFAULT_BUSY_TIMEOUT_MS, Database, Row
from .migrate import migrate
from .models import (
    AuditEntry,
    Checkpoint,
    ConnectorMetrics,
    Grant,
    Item,
    from_ts,
    to_ts,
)

_SECRET_KEY = re.compile(r"token|secret|password|passphrase|authorization|api_?key|cookie", re.I)
_REDACTED = "[REDACTED]"

T = TypeVar("T")


class _Opening(Generic[T]):
    """Lets ``Store.open`` be awaited *or* used directly as an async context manager."""

    def __init__(self, factory: Callable[[], Awaitable[T]], close: Callable[[T], Awaitable[None]]):
        self._factory = factory
        self._close = close
        self._value: T | None = None

    def __await__(self) -> Generator[Any, None, T]:
        return self._factory().__await__()

    async def __aenter__(self) -> T:
        self._value = await self._factory()
        return self._value

    async def __aexit__(self, *exc: object) -> None:
        if self._value is not None:
            await self._close(self._value)


class Store(Database):
    """Typed access to every table of the hub's database."""

    @classmethod
    def open(
        cls, path: Path | str | None = None, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
    ) -> _Opening[Store]:
        """Open (creating and migrating as needed) the database at ``path``.

        ``path`` defaults to :func:`server.hub.paths.database_file`; ``":memory:"`` works for
        throwaway stores. A ``postgresql://`` URL opens a PostgreSQL database instead (see
        :mod:`server.hub.store.database`).
        """
        target = paths.database_file() if path is None else path

        async def factory() -> Store:
            store = await cls.open_target(target, busy_timeout_ms=busy_timeout_ms)
            try:
                await migrate(store)
            except BaseException:
                await store.close()
                raise
            return store

        async def close(store: Store) -> None:
            await store.close()

        return _Opening(factory, close)

    # -- items ------------------------------------------------------------------------------

    async def upsert_items(self, items: Iterable[Item]) -> int:
        """Insert or replace items by identity, all in one transaction; return how many.

        Idempotent: upserting the same items again leaves exactly one row per identity.
        """
        rows = [
            (
                i.connector,
                i.account,
                i.kind,
                i.key,
                json.dumps(i.data, separators=(",", ":")),
                i.etag,
                to_ts(i.updated_at),
                to_ts(i.fetched_at),
            )
            for i in items
        ]
        if not rows:
            return 0
        async with self.transaction():
            await self.executemany(
                "INSERT INTO items (connector, account, kind, key, data, etag, updated_at,"
                " fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT (connector, account, kind, key) DO UPDATE SET"
                " data = excluded.data, etag = excluded.etag,"
                " updated_at = excluded.updated_at, fetched_at = excluded.fetched_at",
                rows,
            )
        return len(rows)

    async def get_item(self, connector: str, account: str, kind: str, key: str) -> Item | None:
        row = await self.fetchone(
            "SELECT * FROM items WHERE connector = ? AND account = ? AND kind = ? AND key = ?",
            (connector, account, kind, key),
        )
        return _item(row) if row else None

    async def list_items(
        self, connector: str, account: str, kind: str, *, limit: int | None = None
    ) -> list[Item]:
        """Items of one kind, most recently changed first."""
        sql = (
            "SELECT * FROM items WHERE connector = ? AND account = ? AND kind = ?"
            " ORDER BY updated_at DESC, key"
        )
        if limit is None:
            rows = await self.fetchall(sql, (connector, account, kind))
        else:
            rows = await self.fetchall(sql + " LIMIT ?", (connector, account, kind, limit))
        return [_item(r) for r in rows]

    async def delete_items(
        self, connector: str, account: str, kind: str, keys: Iterable[str]
    ) -> int:
        """Forget items the service no longer has; return how many were removed."""
        rows = [(connector, account, kind, k) for k in keys]
        if not rows:
            return 0
        async with self.transaction():
            return await self.executemany(
                "DELETE FROM items WHERE connector = ? AND account = ? AND kind = ? AND key = ?",
                rows,
            )

    # -- checkpoints ------------------------------------------------------------------------

    async def set_checkpoint(self, connector: str, account: str, stream: str, cursor: str) -> None:
        """Record where ``stream`` left off. Call it in the transaction that stored the items,
        so a crash can never save a cursor past data that was not saved."""
        await self.execute(
            "INSERT INTO checkpoints (connector, account, stream, cursor, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (connector, account, stream) DO UPDATE SET"
            " cursor = excluded.cursor, updated_at = excluded.updated_at",
            (connector, account, stream, cursor, time.time()),
        )

    async def get_checkpoint(self, connector: str, account: str, stream: str) -> Checkpoint | None:
        row = await self.fetchone(
            "SELECT * FROM checkpoints WHERE connector = ? AND account = ? AND stream = ?",
            (connector, account, stream),
        )
        if row is None:
            return None
        return Checkpoint(
            connector=row["connector"],
            account=row["account"],
            stream=row["stream"],
            cursor=row["cursor"],
            updated_at=_dt(row["updated_at"]),
        )

    async def clear_checkpoints(self, connector: str, account: str) -> int:
        """Forget every cursor of an integration (a full resync follows)."""
        return await self.execute(
            "DELETE FROM checkpoints WHERE connector = ? AND account = ?", (connector, account)
        )

    # -- grants -----------------------------------------------------------------------------

    async def record_grant(self, connector: str, account: str, scopes: Iterable[str]) -> Grant:
        """Record that the user agreed to ``scopes`` (replacing an earlier grant)."""
        now = time.time()
        scope_list = sorted(set(scopes))
        await self.execute(
            "INSERT INTO grants (connector, account, scopes, granted_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (connector, account) DO UPDATE SET"
            " scopes = excluded.scopes, granted_at = excluded.granted_at",
            (connector, account, json.dumps(scope_list), now),
        )
        return Grant(connector=connector, account=account, scopes=scope_list, granted_at=_dt(now))

    async def get_grant(self, connector: str, account: str) -> Grant | None:
        row = await self.fetchone(
            "SELECT * FROM grants WHERE connector = ? AND account = ?", (connector, account)
        )
        return _grant(row) if row else None

    async def list_grants(self) -> list[Grant]:
        rows = await self.fetchall("SELECT * FROM grants ORDER BY connector, account")
        return [_grant(r) for r in rows]

    async def revoke_grant(self, connector: str, account: str) -> bool:
        """Forget a grant; return whether there was one."""
        n = await self.execute(
            "DELETE FROM grants WHERE connector = ? AND account = ?", (connector, account)
        )
        return n > 0

    # -- audit log --------------------------------------------------------------------------

    async def audit(
        self, actor: str, action: str, target: str = "", detail: Mapping[str, Any] | None = None
    ) -> None:
        """Append to the audit log. Secret-looking keys and token-shaped values are masked."""
        clean = _scrub(dict(detail or {}))
        await self.execute(
            "INSERT INTO audit_log (at, actor, action, target, detail) VALUES (?, ?, ?, ?, ?)",
            (time.time(), actor, action, redact(target), json.dumps(clean, default=str)),
        )

    async def list_audit(self, *, limit: int = 100, action: str | None = None) -> list[AuditEntry]:
        """The newest audit entries first, optionally only one action."""
        rows = await self.fetchall(
            "SELECT * FROM audit_log WHERE CAST(? AS TEXT) IS NULL OR action = ?"
            " ORDER BY id DESC LIMIT ?",
            (action, action, limit),
        )
        return [
            AuditEntry(
                id=r["id"],
                at=_dt(r["at"]),
                actor=r["actor"],
                action=r["action"],
                target=r["target"],
                detail=json.loads(r["detail"]),
            )
            for r in rows
        ]

    # -- metrics ----------------------------------------------------------------------------

    async def record_request(
        self,
        connector: str,
        account: str = "",
        *,
        latency: float | None = None,
        ok: bool = True,
        cache_hit: bool = False,
        rate_limit_remaining: int | None = None,
        error: str | None = None,
    ) -> None:
        """Count one request of an integration (a single upsert; cheap enough per request)."""
        now = time.time()
        await self.execute(
            "INSERT INTO metrics (connector, account, requests, errors, cache_hits, latency_sum,"
            " latency_count, rate_limit_remaining, last_success, last_error_at, last_error)"
            " VALUES (:c, :a, 1, :err, :hit, :lat, :latn, :rl, :ls, :le, :msg)"
            " ON CONFLICT (connector, account) DO UPDATE SET"
            " requests = metrics.requests + 1, errors = metrics.errors + :err,"
            " cache_hits = metrics.cache_hits + :hit, latency_sum = metrics.latency_sum + :lat,"
            " latency_count = metrics.latency_count + :latn,"
            " rate_limit_remaining = coalesce(:rl, metrics.rate_limit_remaining),"
            " last_success = coalesce(:ls, metrics.last_success),"
            " last_error_at = coalesce(:le, metrics.last_error_at),"
            " last_error = coalesce(:msg, metrics.last_error)",
            {
                "c": connector,
                "a": account,
                "err": 0 if ok else 1,
                "hit": 1 if cache_hit else 0,
                "lat": latency or 0.0,
                "latn": 0 if latency is None else 1,
                "rl": rate_limit_remaining,
                "ls": now if ok else None,
                "le": None if ok else now,
                "msg": None if ok else redact(error or "error")[:2000],
            },
        )

    async def get_metrics(self, connector: str, account: str = "") -> ConnectorMetrics | None:
        row = await self.fetchone(
            "SELECT * FROM metrics WHERE connector = ? AND account = ?", (connector, account)
        )
        return _metrics(row) if row else None

    async def all_metrics(self) -> list[ConnectorMetrics]:
        rows = await self.fetchall("SELECT * FROM metrics ORDER BY connector, account")
        return [_metrics(r) for r in rows]


def _dt(ts: float) -> Any:
    return from_ts(ts)


def _item(r: Row) -> Item:
    return Item(
        connector=r["connector"],
        account=r["account"],
        kind=r["kind"],
        key=r["key"],
        data=json.loads(r["data"]),
        etag=r["etag"],
        updated_at=from_ts(r["updated_at"]),
        fetched_at=_dt(r["fetched_at"]),
    )


def _grant(r: Row) -> Grant:
    return Grant(
        connector=r["connector"],
        account=r["account"],
        scopes=json.loads(r["scopes"]),
        granted_at=_dt(r["granted_at"]),
    )


def _metrics(r: Row) -> ConnectorMetrics:
    return ConnectorMetrics(
        connector=r["connector"],
        account=r["account"],
        requests=r["requests"],
        errors=r["errors"],
        cache_hits=r["cache_hits"],
        latency_sum=r["latency_sum"],
        latency_count=r["latency_count"],
        rate_limit_remaining=r["rate_limit_remaining"],
        last_success=from_ts(r["last_success"]),
        last_error_at=from_ts(r["last_error_at"]),
        last_error=r["last_error"],
    )


def _scrub(value: Any) -> Any:
    """Mask secret-looking keys and token-shaped strings, recursively."""
    if isinstance(value, Mapping):
        return {
            str(k): _REDACTED if _SECRET_KEY.search(str(k)) else _scrub(v) for k, v in value.items()
        }
    if isinstance(value, list | tuple):
        return [_scrub(v) for v in value]
    if isinstance(value, str):
        return redact(value)
    return value
