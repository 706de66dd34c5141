"""The sync's memory in the store: a link's cursor, each path's last agreed state, and the
conflicts waiting for the person.

Every write here is one statement (so one commit): the engine records a path the moment its
transfer is done, and a process killed at any point leaves rows that are each either the old
agreement or the new one, never half of one.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Literal

from connectors.sdk.drive import DriveFolder
from server.hub.store.database import Database, Row

ConflictKind = Literal["edit", "deleted_there", "deleted_here"]


@dataclass(frozen=True)
class Base:
    """What both sides of one path looked like when they last agreed."""

    path: str
    remote_id: str
    etag: str = ""
    folder: bool = False
    local_hash: str = ""
    size: int = 0
    mtime_ns: int = 0
    remote_hash: str | None = None
    #: The MIME type a service document was exported as (read-only here unless imported
    #: back, see ``docsync.import_docs``), else None.
    export: str | None = None


@dataclass(frozen=True)
class Conflict:
    """A path both sides changed, kept until resolved (see the migration for ``kind``)."""

    link: str
    path: str
    kind: ConflictKind
    copy: str | None
    remote_id: str
    etag: str
    detected_at: float


class LinkState:
    """Rows of one link (``key``) in the store."""

    def __init__(self, db: Database, key: str) -> None:
        self.db = db
        self.key = key

    async def ensure(self, *, folder: str, service: str, account: str, remote: str) -> None:
        await self.db.execute(
            "INSERT INTO docsync_links (link, folder, service, account, remote)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT (link) DO NOTHING",
            (self.key, folder, service, account, remote),
        )

    async def cursor(self) -> tuple[str | None, DriveFolder | None]:
        """The changes cursor and the drive folder it belongs to (None: not looked up yet)."""
        row = await self.db.fetchone(
            "SELECT cursor, remote_folder FROM docsync_links WHERE link = ?", (self.key,)
        )
        if row is None or not row["remote_folder"]:
            return None, None
        return row["cursor"], DriveFolder.model_validate_json(row["remote_folder"])

    async def set_folder(self, folder: DriveFolder) -> None:
        await self.db.execute(
            "UPDATE docsync_links SET remote_folder = ?, cursor = NULL WHERE link = ?",
            (folder.model_dump_json(), self.key),
        )

    async def set_cursor(self, cursor: str) -> None:
        await self.db.execute(
            "UPDATE docsync_links SET cursor = ?, synced_at = ?, last_error = NULL WHERE link = ?",
            (cursor, time.time(), self.key),
        )

    async def set_error(self, message: str) -> None:
        await self.db.execute(
            "UPDATE docsync_links SET last_error = ? WHERE link = ?", (message, self.key)
        )

    async def summary(self) -> tuple[float | None, str | None, int]:
        """When the last round completed (epoch seconds), the error that stopped a round
        since (None: none did), and how many conflicts wait for the person."""
        row = await self.db.fetchone(
            "SELECT synced_at, last_error, (SELECT COUNT(*) FROM docsync_conflicts c"
            " WHERE c.link = l.link) AS conflicts FROM docsync_links l WHERE link = ?",
            (self.key,),
        )
        if row is None:
            return None, None, 0
        return row["synced_at"], row["last_error"], int(row["conflicts"])

    # -- paths -----------------------------------------------------------------------------

    async def bases(self) -> dict[str, Base]:
        rows = await self.db.fetchall(
            "SELECT path, remote_id, etag, folder, local_hash, size, mtime_ns, remote_hash,"
            " export FROM docsync_files WHERE link = ?",
            (self.key,),
        )
        return {r["path"]: _base(r) for r in rows}

    async def put(self, b: Base) -> None:
        await self.db.execute(
            "INSERT INTO docsync_files (link, path, folder, local_hash, size, mtime_ns,"
            " remote_id, etag, remote_hash, export) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (link, path) DO UPDATE SET folder = excluded.folder,"
            " local_hash = excluded.local_hash, size = excluded.size,"
            " mtime_ns = excluded.mtime_ns, remote_id = excluded.remote_id,"
            " etag = excluded.etag, remote_hash = excluded.remote_hash,"
            " export = excluded.export",
            (
                self.key,
                b.path,
                int(b.folder),
                b.local_hash,
                b.size,
                b.mtime_ns,
                b.remote_id,
                b.etag,
                b.remote_hash,
                b.export,
            ),
        )

    async def move(self, old: str, b: Base) -> None:
        """Record a move as one transaction: the old path's row gone, the new one there."""
        async with self.db.transaction():
            await self.drop(old)
            await self.put(b)

    async def drop(self, path: str) -> None:
        await self.db.execute(
            "DELETE FROM docsync_files WHERE link = ? AND path = ?", (self.key, path)
        )

    # -- conflicts -------------------------------------------------------------------------

    async def conflicts(self) -> dict[str, Conflict]:
        rows = await self.db.fetchall(
            "SELECT link, path, kind, copy, remote_id, etag, detected_at"
            " FROM docsync_conflicts WHERE link = ?",
            (self.key,),
        )
        return {r["path"]: _conflict(r) for r in rows}

    async def add_conflict(
        self, path: str, kind: ConflictKind, *, copy: str | None, remote_id: str, etag: str
    ) -> Conflict:
        now = time.time()
        await self.db.execute(
            "INSERT INTO docsync_conflicts (link, path, kind, copy, remote_id, etag,"
            " detected_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (link, path) DO UPDATE"
            " SET kind = excluded.kind, copy = excluded.copy, remote_id = excluded.remote_id,"
            " etag = excluded.etag, detected_at = excluded.detected_at",
            (self.key, path, kind, copy, remote_id, etag, now),
        )
        return Conflict(self.key, path, kind, copy, remote_id, etag, now)

    async def drop_conflict(self, path: str) -> None:
        await self.db.execute(
            "DELETE FROM docsync_conflicts WHERE link = ? AND path = ?", (self.key, path)
        )


def _base(r: Row) -> Base:
    return Base(
        path=r["path"],
        remote_id=r["remote_id"],
        etag=r["etag"],
        folder=bool(r["folder"]),
        local_hash=r["local_hash"],
        size=r["size"],
        mtime_ns=r["mtime_ns"],
        remote_hash=r["remote_hash"],
        export=r["export"],
    )


def _conflict(r: Row) -> Conflict:
    return Conflict(
        r["link"], r["path"], r["kind"], r["copy"], r["remote_id"], r["etag"], r["detected_at"]
    )
