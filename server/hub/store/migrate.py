"""Versioned schema migrations: numbered ``.sql`` files applied in order, each in a transaction.

A migration file is ``NNNN_what_it_does.sql`` in :mod:`server.hub.store.migrations`. Each runs
inside one ``BEGIN IMMEDIATE`` transaction together with its row in ``schema_version``, so a
crash mid-migration leaves the database at the previous version, and two processes opening
the same file at once apply each migration exactly once (the second re-reads the version
after taking the write lock). Files are never edited once released; a change is a new file.

The files are written in SQLite's dialect, and are the one set of migrations for both
backends: on PostgreSQL each statement is translated by
:func:`server.hub.store.dialect.translate_migration` (SQLite-only objects are skipped there, by
name), and each step runs in a transaction that first takes an advisory lock, so two
processes migrating one database at once apply each step exactly once there too.
"""

from __future__ import annotations

import itertools
import re
import sqlite3
import time
from dataclasses import dataclass
from importlib import resources

from connectors.sdk.errors import SchemaTooNew, StoreError

from .database import Database
from .dialect import PG_BOOTSTRAP, translate_migration

#: The lock every migration transaction takes (a no-op on SQLite, see ``Database.lock``).
MIGRATION_LOCK = "tieline.store.migrate"

_SCHEMA_VERSION = (
    "CREATE TABLE IF NOT EXISTS schema_version ("
    " version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
)

_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_PACKAGE = "server.hub.store.migrations"


@dataclass(frozen=True)
class Migration:
    """One schema step: its version number, its name and its SQL script."""

    version: int
    name: str
    sql: str


def load_migrations(package: str = _PACKAGE) -> list[Migration]:
    """Read the migration files of ``package`` in order, checking no number is used twice.

    Numbers are handed out ahead of time to work that lands in any order, so a gap (0007
    before 0006 exists) is allowed; two files claiming one number are not.
    """
    found: list[Migration] = []
    for entry in resources.files(package).iterdir():
        m = _NAME.match(entry.name)
        if m:
            found.append(Migration(int(m.group(1)), m.group(2), entry.read_text("utf-8")))
    found.sort(key=lambda mig: (mig.version, mig.name))
    for before, mig in itertools.pairwise(found):
        if mig.version == before.version:
            raise StoreError(
                f"migrations {before.version:04d}_{before.name} and {mig.version:04d}_{mig.name}"
                " share a number"
            )
    return found


def split_statements(script: str) -> list[str]:
    """Split an SQL script into complete statements (``CREATE TRIGGER ... END;`` stays whole).

    ``executescript`` cannot be used: it commits any open transaction before it starts.
    """
    out: list[str] = []
    buf = ""
    for piece in script.split(";"):
        buf += piece + ";"
        if sqlite3.complete_statement(buf):
            stmt = buf.strip()
            if _has_code(stmt):
                out.append(stmt)
            buf = ""
    if _has_code(buf.rstrip(";")):
        raise StoreError(f"incomplete SQL statement at the end of a migration: {buf.strip()!r}")
    return out


def _has_code(sql: str) -> bool:
    lines = (line.split("--", 1)[0].strip() for line in sql.splitlines())
    return any(line and line != ";" for line in lines)


async def current_version(db: Database) -> int:
    """The schema version of the database (0 when empty)."""
    row = await db.fetchone("SELECT coalesce(max(version), 0) FROM schema_version")
    return int(row[0]) if row else 0


async def migrate(db: Database, migrations: list[Migration] | None = None) -> int:
    """Bring the database up to the newest known version; return that version.

    Raises :class:`SchemaTooNew` when the file was written by a newer Tieline.
    """
    steps = load_migrations() if migrations is None else migrations
    known = steps[-1].version if steps else 0
    pg = db.dialect.postgres
    if pg:
        async with db.transaction():
            await db.lock(MIGRATION_LOCK)
            if await _pg_needs_bootstrap(db):
                for stmt in PG_BOOTSTRAP:
                    await db.execute(stmt)
                await db.execute(_pg_statement(_SCHEMA_VERSION, 0))
    else:
        await db.execute(_SCHEMA_VERSION)
    _check_not_newer(await current_version(db), known, db)
    for step in steps:
        async with db.transaction():
            await db.lock(MIGRATION_LOCK)
            have = await current_version(db)
            _check_not_newer(have, known, db)
            if step.version <= have:
                continue
            for stmt in split_statements(step.sql):
                if pg:
                    translated = translate_migration(stmt, step.version)
                    if translated is None:
                        continue
                    stmt = translated
                await db.execute(stmt)
            await db.execute(
                "INSERT INTO schema_version (version, name, applied_at) VALUES (?, ?, ?)",
                (step.version, step.name, time.time()),
            )
    return await current_version(db)


def _pg_statement(stmt: str, version: int) -> str:
    translated = translate_migration(stmt, version)
    assert translated is not None
    return translated


async def _pg_needs_bootstrap(db: Database) -> bool:
    """Whether the PostgreSQL schema lacks ``schema_version`` (creating the function while
    another process's migration runs would wait on its lock for nothing)."""
    row = await db.fetchone("SELECT to_regclass('schema_version') IS NULL")
    return bool(row and row[0])


def _check_not_newer(found: int, known: int, db: Database) -> None:
    if found > known:
        raise SchemaTooNew(
            f"the database {db.location} has schema version {found}, but this Tieline knows only "
            f"up to {known}; upgrade Tieline or use another database file",
            found=found,
            known=known,
        )
