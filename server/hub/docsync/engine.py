"""One round of two-way sync between a workspace folder and a drive folder.

Each side's changes since the last agreement are known exactly: the drive's from one
``changes(folder, cursor)`` request (an unchanged folder costs that one request and no
transfer), the local folder's from a walk that stats every file and hashes only those whose
size or mtime moved. Then, per path:

* only the drive changed: pull; only the local file: push, naming the etag it replaces;
* both changed to the same bytes: the agreement moves on; to different bytes: a
  **conflict** -- the local file stays, the drive's version is written beside it as
  ``name (conflict <service> <date> <time>).ext``, recorded and shown until resolved
  (:meth:`DocSync.resolve`: keep mine, keep theirs, keep both). Nothing is overwritten;
* a delete meeting an edit on the other side: the edit wins and is restored, and the
  conflict is recorded so the person sees it;
* a move at the drive (same id, new path) is done locally; a local file that vanished while
  a new one with the same hash appeared is a rename, done at the drive with ``move``;
* folders are mirrored, empty ones too: a new folder here with nothing in it is made at the
  drive (``create_folder``; one with files is made by their uploads), a new one there here.
  A folder is gone when its side removed it and the other side holds nothing new in it: a
  folder removed here is deleted at the drive (to its trash, as files are) only once all it
  held was deleted there too -- an edit or a new file there inside it, or a document the
  drive keeps, keeps the folder and puts it back here -- and a folder removed there is
  removed here only when it is empty (what the person put in it meanwhile is uploaded, and
  makes it anew there; what is never synced, a ``.DS_Store``, keeps it here only);
* a write the drive refuses with :class:`SyncConflict` (someone changed the item between
  the look and the write) is not an error: the round asks for changes once more and the
  path becomes a conflict like any other.

Documents the service keeps in its own format are pulled as read-only exports (Markdown,
else PDF) and never pushed back -- unless the link's drive can import Markdown
(:class:`~connectors.sdk.capabilities.DocImport`) and the person asked for it
(``docsync.import_docs``): then a local edit of a Markdown export replaces the document's
content, naming the version it was exported from, so an edit made there meanwhile becomes a
conflict like any other. The version the import answers is recorded as the agreement, so the
export that the next look lists is not taken for an edit made at the service; an edit of
an export whose document was deleted there makes it anew, as any edit meeting a delete. With
``docsync.import_new`` a new local ``.md`` file becomes a document too (else it is uploaded
as the file it is).

Durability: each path's agreement is committed the moment its transfer completes, and the
cursor only at the end of a round, so a process killed anywhere loses nothing -- the next
round sees the same drive changes again and finds the done ones done. An upload cut short
is simply sent again (a resumable session is not resumed across processes); if the service
had already taken it, the retry's stale etag is refused, and the next look finds the
drive's bytes equal to the local ones. Local writes are atomic (see :mod:`.localfs`). A
dead service or a rate limit stops the round with a message (:attr:`Report.stopped`); the
next round carries on from what was committed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Literal

from connectors.sdk.capabilities import DocImport, Drive
from connectors.sdk.drive import MARKDOWN, PDF, DriveChanges, DriveFolder, DriveItem
from connectors.sdk.errors import (
    ConfigError,
    NoSuchRecord,
    NotFound,
    RateLimited,
    SyncConflict,
    TielineError,
)
from server.hub.store.database import Database

from . import localfs
from .localfs import Ignore, LocalFile, conflict_name, export_path, sha256, write_atomic
from .state import Base, Conflict, LinkState

log = logging.getLogger("tieline.docsync")

Keep = Literal["mine", "theirs", "both"]
LocalStatus = Literal["same", "changed", "deleted"]

#: Transfers (downloads, uploads) in flight at once: enough to hide a drive's latency on a
#: first sync of many small files, few enough to stay clear of its rate limits.
TRANSFERS = 4

#: Export formats asked for, best first.
EXPORTS = (MARKDOWN, PDF)


@dataclass(frozen=True)
class LinkSpec:
    """A workspace folder linked to a drive folder of one service (and account)."""

    folder: str
    service: str
    remote: str
    account: str = ""

    @property
    def key(self) -> str:
        """The link as the settings name it (the store's key adds where the folder is)."""
        return "\x1f".join((self.folder.strip("/"), self.service, self.account, self.remote))

    @property
    def label(self) -> str:
        return f"{self.folder.strip('/')} ↔ {self.service}:{self.remote}"


@dataclass
class Report:
    """What a round did, by path relative to the linked folder."""

    pulled: list[str] = field(default_factory=list)
    pushed: list[str] = field(default_factory=list)
    deleted_here: list[str] = field(default_factory=list)
    deleted_there: list[str] = field(default_factory=list)
    moved_here: list[tuple[str, str]] = field(default_factory=list)
    moved_there: list[tuple[str, str]] = field(default_factory=list)
    #: Folders made on that side (a new one of the other side's; files come with their own).
    made_here: list[str] = field(default_factory=list)
    made_there: list[str] = field(default_factory=list)
    conflicts: list[Conflict] = field(default_factory=list)
    #: Local edits of read-only exports, not pushed.
    held_back: list[str] = field(default_factory=list)
    #: Set when the round stopped early (a dead service, a rate limit): why, for a person.
    stopped: str | None = None
    #: When a rate-limited service takes requests again (epoch seconds).
    retry_at: float | None = None

    @property
    def transfers(self) -> int:
        return len(self.pulled) + len(self.pushed)

    @property
    def changed(self) -> bool:
        return bool(
            self.pulled
            or self.pushed
            or self.deleted_here
            or self.deleted_there
            or self.moved_here
            or self.moved_there
            or self.made_here
            or self.made_there
            or self.conflicts
        )


def export_format(item: DriveItem) -> str | None:
    """The format an item in the service's own format is pulled as (None: its bytes)."""
    if not item.export_formats:
        return None
    for fmt in EXPORTS:
        if fmt in item.export_formats:
            return fmt
    return item.export_formats[0]


class DocSync:
    """Sync of one link. ``root`` is the workspace folder the link's ``folder`` is in."""

    def __init__(
        self,
        db: Database,
        drive: Drive,
        spec: LinkSpec,
        root: Path,
        *,
        ignore: Ignore | None = None,
        now: Callable[[], datetime] = datetime.now,
        importer: DocImport | None = None,
        import_docs: bool = False,
        import_new: bool = False,
    ) -> None:
        self.drive = drive
        #: Set when Markdown goes back to the service as its documents: the drive's
        #: :class:`DocImport` (the same connector), and which local files go that way.
        self.importer = importer if (import_docs or import_new) else None
        self.import_docs = import_docs and importer is not None
        self.import_new = import_new and importer is not None
        self.spec = spec
        self.dir = root / spec.folder.strip("/")
        # Keyed by the folder's place on disk too: two checkouts of one workspace linking
        # their ``docs`` to the same drive folder each have an agreement of their own.
        where = str(self.dir.resolve())
        self.state = LinkState(db, "\x1f".join((where, spec.service, spec.account, spec.remote)))
        self.ignore = ignore or Ignore(())
        self.now = now

    # -- the round -------------------------------------------------------------------------

    async def sync(self) -> Report:
        """One round (and one more look at the drive if a write met a change made
        meanwhile). Service failures stop it with :attr:`Report.stopped` set."""
        report = Report()
        try:
            again = await self._round(report)
            if again:
                await self._round(report)
        except SyncConflict as exc:  # a second refusal in a row: leave it for next time
            report.stopped = f"{self.spec.label}: {exc.message}"
        except RateLimited as exc:
            report.retry_at = exc.retry_at
            report.stopped = (
                f"{self.spec.label}: the service asks to slow down; sync resumes in "
                f"{round(exc.retry_after)} s"
            )
        except TielineError as exc:
            report.stopped = f"{self.spec.label}: sync stopped: {exc.message}"
        if report.stopped:
            log.warning("%s", report.stopped)
            await self.state.set_error(report.stopped)
        return report

    async def folder(self) -> DriveFolder:
        await self.state.ensure(
            folder=self.spec.folder,
            service=self.spec.service,
            account=self.spec.account,
            remote=self.spec.remote,
        )
        _, folder = await self.state.cursor()
        if folder is None:
            folder = await self.drive.find_folder(self.spec.remote)
            await self.state.set_folder(folder)
        return folder

    async def _round(self, report: Report) -> bool:
        folder = await self.folder()
        cursor, _ = await self.state.cursor()
        changes = await self.drive.changes(folder, cursor)
        r = _Round(self, folder, changes, report)
        await r.load()
        await r.remote_side()
        await r.local_side()
        if r.again:
            return True
        await self.state.set_cursor(changes.cursor)
        return False

    # -- conflicts -------------------------------------------------------------------------

    async def conflicts(self) -> list[Conflict]:
        return sorted((await self.state.conflicts()).values(), key=lambda c: c.path)

    async def resolve(self, path: str, keep: Keep) -> None:
        """End the conflict on ``path``: ``mine`` writes the local file to the drive (naming
        the version the conflict was seen with), ``theirs`` puts the drive's version in
        place here, ``both`` keeps the local file at its path and the drive's version as a
        file of its own beside it, synced as such."""
        c = (await self.state.conflicts()).get(path)
        if c is None:
            raise NoSuchRecord(f"no sync conflict on {path!r}")
        folder = await self.folder()
        if c.kind == "edit":
            await self._resolve_edit(folder, c, keep)
        elif (c.kind, keep) in (("deleted_there", "theirs"), ("deleted_here", "mine")):
            await self._delete_both(c)
        await self.state.drop_conflict(path)

    async def _resolve_edit(self, folder: DriveFolder, c: Conflict, keep: Keep) -> None:
        target = self.dir / c.path
        copy = self.dir / c.copy if c.copy else None
        old = (await self.state.bases()).get(c.path)
        export = old.export if old is not None else None
        if keep == "theirs":
            if copy is None or not copy.exists():
                raise NoSuchRecord(f"the service's version of {c.path!r} is gone; sync again")
            data = copy.read_bytes()
            st = write_atomic(target, data, read_only=export is not None)
            await self.state.put(_agreed(c, data, st, export))
            copy.unlink()
            return
        st = target.stat()
        data = target.read_bytes()
        if export == MARKDOWN and self.import_docs and self.importer is not None:
            try:
                item = await self.importer.import_document(
                    folder,
                    _doc_path(c.path),
                    data,
                    replace=DriveItem(id=c.remote_id, path=_doc_path(c.path), etag=c.etag),
                    if_match=c.etag or None,
                )
            except SyncConflict:
                raise SyncConflict(
                    f"{c.path} changed at {self.spec.service} again; sync, then resolve"
                ) from None
            await self.state.put(_doc_base(c.path, item, sha256(data), st))
            if copy is not None and copy.exists():
                if keep == "mine":
                    copy.unlink()
                else:
                    os.replace(copy, self._free(_beside(c.path, f"{self.spec.service} version")))
            return
        if export is not None:  # an export is never written back: mine stays here only
            await self.state.put(_agreed(c, data, st, export))
            if copy is not None and copy.exists():
                if keep == "mine":
                    copy.unlink()
                else:
                    os.replace(copy, self._free(_beside(c.path, f"{self.spec.service} version")))
            return
        try:
            item = await self.drive.upload(folder, c.path, data, if_match=c.etag or None)
        except SyncConflict:
            raise SyncConflict(
                f"{c.path} changed at {self.spec.service} again; sync, then resolve"
            ) from None
        await self.state.put(_base_of(c.path, item, sha256(data), st))
        if copy is None or not copy.exists():
            return
        if keep == "mine":
            copy.unlink()
        else:
            os.replace(copy, self._free(_beside(c.path, f"{self.spec.service} version")))

    async def _delete_both(self, c: Conflict) -> None:
        bases = await self.state.bases()
        b = bases.get(c.path)
        if b is not None:
            with contextlib.suppress(NotFound):
                await self.drive.delete(_item_of(b), if_match=b.etag or None)
        localfs.remove(self.dir / c.path)
        await self.state.drop(c.path)

    def _free(self, rel: str) -> Path:
        """``rel`` under the folder, numbered (`` 2``, `` 3``) if the name is taken."""
        path = self.dir / rel
        n = 2
        while path.exists():
            stem, dot, ext = rel.rpartition(".") if "." in rel.rsplit("/", 1)[-1] else (rel, "", "")
            path = self.dir / f"{stem} {n}{dot}{ext}"
            n += 1
        return path


class _Round:
    """The decisions of one round (see the module docstring)."""

    def __init__(
        self, sync: DocSync, folder: DriveFolder, changes: DriveChanges, report: Report
    ) -> None:
        self.s = sync
        self.folder = folder
        self.changes = changes
        self.report = report
        self.state = sync.state
        self.dir = sync.dir
        self.handled: set[str] = set()
        self.hashes: dict[str, str] = {}
        self.batch: list[Callable[[], Awaitable[object]]] = []
        #: A write met a change made meanwhile: look at the drive again before the cursor.
        self.again = False

    async def load(self) -> None:
        self.bases = await self.state.bases()
        if not self.dir.is_dir():
            if self.bases:  # moved away or not there yet: not a reason to empty the drive
                raise ConfigError(
                    f"{self.s.spec.folder} is not in the workspace any more; nothing is "
                    "deleted at the service (unlink it, or put it back)"
                )
            self.dir.mkdir(parents=True)
        self.pending = await self.state.conflicts()
        self.local = localfs.walk(self.dir, self.s.ignore)
        self.by_id = {b.remote_id: b for b in self.bases.values()}

    # -- helpers ---------------------------------------------------------------------------

    def later(self, transfer: Callable[[], Awaitable[object]]) -> None:
        """Queue a transfer that depends on no other (a plain pull or push) for
        :meth:`flush`."""
        self.batch.append(transfer)

    async def flush(self) -> None:
        """Run the queued transfers, :data:`TRANSFERS` at a time. After a failure no
        further one starts (a dead service or a 429 is not hammered), those running finish,
        and the first failure is raised: each finished transfer is committed already."""
        batch, self.batch = self.batch, []
        todo = iter(batch)
        failed: list[BaseException] = []

        async def worker() -> None:
            for transfer in todo:
                if failed:
                    return
                try:
                    await transfer()
                except Exception as exc:
                    failed.append(exc)

        await asyncio.gather(*(worker() for _ in range(min(TRANSFERS, len(batch)))))
        if failed:
            raise failed[0]

    def hash_of(self, rel: str) -> str:
        if rel not in self.hashes:
            self.hashes[rel] = localfs.hash_file(self.dir / rel)
        return self.hashes[rel]

    def status(self, b: Base) -> LocalStatus:
        f = self.local.get(b.path)
        if f is None or f.folder != b.folder:
            return "deleted"
        if b.folder or (f.size == b.size and f.mtime_ns == b.mtime_ns):
            return "same"
        return "same" if self.hash_of(b.path) == b.local_hash else "changed"

    def blocked(self, rel: str) -> bool:
        c = self.pending.get(rel)
        return c is not None and c.kind == "edit"

    def touched_since_walk(self, rel: str) -> bool:
        """Was the local file written since the walk (the person saved while the round
        ran)? Then it must not be replaced: what the walk decided no longer holds."""
        try:
            now = (self.dir / rel).stat()
        except FileNotFoundError:
            return rel in self.local
        f = self.local.get(rel)
        return f is None or (now.st_size, now.st_mtime_ns) != (f.size, f.mtime_ns)

    async def pull(self, item: DriveItem, rel: str) -> Base | None:
        fmt = export_format(item)
        data = await self.s.drive.download(item, export=fmt)
        if self.touched_since_walk(rel):
            self.again = True  # looked at afresh before the cursor moves on
            return None
        st = write_atomic(self.dir / rel, data, read_only=fmt is not None)
        b = Base(
            rel,
            item.id,
            item.etag,
            False,
            sha256(data),
            st.st_size,
            st.st_mtime_ns,
            item.hash if item.hash_kind else None,
            fmt,
        )
        await self.state.put(b)
        self._seen(b)
        self.report.pulled.append(rel)
        return b

    async def push(self, rel: str, *, if_match: str | None) -> Base | None:
        path = self.dir / rel
        st = path.stat()
        data = path.read_bytes()
        try:
            item = await self.s.drive.upload(self.folder, rel, data, if_match=if_match)
        except (SyncConflict, NotFound):  # changed or deleted there meanwhile: look again
            self.again = True
            return None
        b = _base_of(rel, item, sha256(data), st)
        await self.state.put(b)
        self._seen(b)
        self.report.pushed.append(rel)
        return b

    async def push_doc(self, rel: str, replace: Base | None) -> Base | None:
        """Markdown to the service as its document: ``replace``'s content, or a new one."""
        assert self.s.importer is not None
        path = self.dir / rel
        st = path.stat()
        data = path.read_bytes()
        try:
            item = await self.s.importer.import_document(
                self.folder,
                _doc_path(rel),
                data,
                replace=_doc_of(replace) if replace is not None else None,
                if_match=(replace.etag or None) if replace is not None else None,
            )
        except (SyncConflict, NotFound):  # changed or deleted there meanwhile: look again
            self.again = True
            return None
        b = _doc_base(rel, item, sha256(data), st)
        await self.state.put(b)
        self._seen(b)
        self.report.pushed.append(rel)
        return b

    def _seen(self, b: Base) -> None:
        self.bases[b.path] = b
        self.by_id[b.remote_id] = b
        self.handled.add(b.path)

    async def same_bytes(self, item: DriveItem, rel: str) -> bool:
        """Does the drive's item hold exactly the local file's bytes?"""
        if item.hash_kind == "sha256" and item.hash:
            return item.hash == self.hash_of(rel)
        data = await self.s.drive.download(item, export=export_format(item))
        return sha256(data) == self.hash_of(rel)

    async def agree(self, item: DriveItem, rel: str) -> None:
        f = self.local[rel]
        fmt = export_format(item)
        b = Base(
            rel, item.id, item.etag, False, self.hash_of(rel), f.size, f.mtime_ns, item.hash, fmt
        )
        await self.state.put(b)
        self._seen(b)

    async def settle(self, item: DriveItem, rel: str) -> None:
        """A pending conflict whose sides are now the same bytes (the same edit made on
        both, or *keep mine* cut short after its upload): it ends by itself."""
        await self.agree(item, rel)
        c = self.pending.pop(rel)
        if c.copy:
            localfs.remove(self.dir / c.copy)
        await self.state.drop_conflict(rel)

    async def conflict(self, item: DriveItem, rel: str) -> None:
        """Keep the drive's version beside the local file, and record it."""
        fmt = export_format(item)
        data = await self.s.drive.download(item, export=fmt)
        old = self.pending.get(rel)
        copy = old.copy if old and old.copy else None
        if copy is None:
            copy = conflict_name(rel, self.s.spec.service, self.s.now())
            copy = self.s._free(copy).relative_to(self.dir).as_posix()
        write_atomic(self.dir / copy, data)
        c = await self.state.add_conflict(rel, "edit", copy=copy, remote_id=item.id, etag=item.etag)
        self.pending[rel] = c
        self.handled.add(rel)
        self.report.conflicts.append(c)

    # -- the drive's side ------------------------------------------------------------------

    async def remote_side(self) -> None:
        items: dict[str, DriveItem] = {}
        for it in self.changes.items:
            items[it.id] = it
        if self.changes.reset:
            for b in list(self.bases.values()):
                if b.remote_id not in items:
                    items[b.remote_id] = DriveItem(id=b.remote_id, path=b.path, deleted=True)
        live = sorted(
            (i for i in items.values() if not i.deleted),
            key=lambda i: (not i.folder, i.path.count("/"), i.path),
        )
        gone = sorted(
            (i for i in items.values() if i.deleted), key=lambda i: (i.folder, -len(i.path))
        )
        for item in live:
            await self.remote_item(item)
        await self.flush()
        for item in gone:
            await self.remote_deleted(item)

    async def remote_item(self, item: DriveItem) -> None:
        fmt = None if item.folder else export_format(item)
        rel = export_path(item.path, fmt) if fmt else item.path
        b = self.by_id.get(item.id)
        if b is not None and b.path != rel:
            b = await self.move_here(b, rel)
            if b is None:
                return
        if item.folder:
            await self.remote_folder(item, rel, b)
            return
        if b is None:
            await self.remote_new(item, rel)
            return
        if b.etag == item.etag or (item.hash and item.hash == b.remote_hash):
            if b.etag != item.etag:  # renamed or touched: same bytes, new version
                b = _replace(b, etag=item.etag)
                await self.state.put(b)
                self.bases[b.path] = b
            return  # unchanged there: the local side decides
        self.handled.add(rel)
        if self.blocked(rel):  # the person has not chosen yet: keep the newest beside it
            if rel in self.local and await self.same_bytes(item, rel):
                await self.settle(item, rel)  # the two sides came to agree meanwhile
            else:
                await self.conflict(item, rel)
            return
        st = self.status(b)
        if st == "same":
            self.later(partial(self.pull, item, rel))
        elif st == "deleted":
            if await self.pull(item, rel) is None:
                return
            c = await self.state.add_conflict(
                rel, "deleted_here", copy=None, remote_id=item.id, etag=item.etag
            )
            self.report.conflicts.append(c)
        elif await self.same_bytes(item, rel):
            await self.agree(item, rel)
        else:
            await self.conflict(item, rel)

    async def remote_folder(self, item: DriveItem, rel: str, b: Base | None) -> None:
        """A folder the drive lists. One the link knows, where it was, is news of nothing
        (a drive lists a folder when something inside it changes, and what matters of a
        folder is whether it is there): its version is noted and the local side decides, so
        a folder removed here is not put back. A new one is made here."""
        if b is not None:
            if b.etag != item.etag:
                nb = _replace(b, etag=item.etag)
                await self.state.put(nb)
                self.bases[nb.path] = nb
                self.by_id[nb.remote_id] = nb
            return
        target = self.dir / rel
        if target.exists() and not target.is_dir():
            # A file here where the drive made a folder: neither replaces the other (the
            # file's upload is refused as a conflict until one of them is renamed).
            self.handled.add(rel)
            return
        if not target.exists():
            target.mkdir(parents=True)
            self.report.made_here.append(rel)
        nb = Base(rel, item.id, item.etag, folder=True)
        await self.state.put(nb)
        self._seen(nb)

    async def remote_new(self, item: DriveItem, rel: str) -> None:
        """An item the link has not seen: new at the drive, or both sides made it."""
        self.handled.add(rel)
        f = self.local.get(rel)
        old = self.bases.get(rel)  # the path was another item (replaced at the drive)
        if f is None or f.folder or (old is not None and self.status(old) == "same"):
            self.later(partial(self.pull, item, rel))
        elif await self.same_bytes(item, rel):
            await self.agree(item, rel)
        else:
            await self.conflict(item, rel)

    async def move_here(self, b: Base, rel: str) -> Base | None:
        src, dst = self.dir / b.path, self.dir / rel
        self.handled.add(b.path)
        if dst.exists() and not (b.folder and dst.is_dir()):
            return None  # the new name is taken here: both stay, the next change decides
        if src.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
            localfs.prune(src.parent, self.dir)
        nb = _replace(b, path=rel)
        moved = [(b, nb)]
        if b.folder:  # what was inside moved with it
            prefix = b.path + "/"
            for p, child in list(self.bases.items()):
                if p.startswith(prefix):
                    moved.append((child, _replace(child, path=rel + "/" + p[len(prefix) :])))
        for old, new in moved:
            await self.state.move(old.path, new)
            self.bases.pop(old.path, None)
            self._seen(new)
            if new.path in self.local or old.path in self.local:
                f = self.local.pop(old.path, None)
                if f is not None:
                    self.local[new.path] = LocalFile(new.path, f.size, f.mtime_ns, f.folder)
                if old.path in self.hashes:
                    self.hashes[new.path] = self.hashes.pop(old.path)
        self.report.moved_here.append((b.path, rel))
        return nb

    async def remote_deleted(self, item: DriveItem) -> None:
        b = self.by_id.get(item.id)
        if b is None or (cur := self.bases.get(b.path)) is None or cur.remote_id != item.id:
            return  # not linked, or its path holds another item now
        targets = [b]
        if b.folder:
            prefix = b.path + "/"
            inside = [
                c for p, c in self.bases.items() if p.startswith(prefix) and p not in self.handled
            ]
            targets = [*sorted(inside, key=lambda c: -len(c.path)), b]
        for t in targets:
            await self.remote_deleted_one(t)

    async def remote_deleted_one(self, b: Base) -> None:
        self.handled.add(b.path)
        if self.blocked(b.path):  # gone there: keeping mine then writes it anew
            c = self.pending[b.path]
            await self.state.add_conflict(b.path, "edit", copy=c.copy, remote_id="", etag="")
            return
        st = self.status(b)
        if b.folder:
            await self.remote_folder_deleted(b)
            return
        if st == "changed" and b.export is None:  # the edit wins: restored at the drive
            await self.state.drop(b.path)
            self.bases.pop(b.path, None)
            nb = await self.push(b.path, if_match=None)
            if nb is not None:
                c = await self.state.add_conflict(
                    b.path, "deleted_there", copy=None, remote_id=nb.remote_id, etag=nb.etag
                )
                self.report.conflicts.append(c)
            return
        if st == "changed" and b.export == MARKDOWN and self.s.import_docs:
            # An edit of a document deleted there wins, as any edit: a document anew.
            await self.state.drop(b.path)
            self.bases.pop(b.path, None)
            nb = await self.push_doc(b.path, None)
            if nb is not None:
                c = await self.state.add_conflict(
                    b.path, "deleted_there", copy=None, remote_id=nb.remote_id, etag=nb.etag
                )
                self.report.conflicts.append(c)
            return
        if st == "same" or b.export is not None:
            localfs.remove(self.dir / b.path)
            self.report.deleted_here.append(b.path)
        await self.state.drop(b.path)
        self.bases.pop(b.path, None)

    async def remote_folder_deleted(self, b: Base) -> None:
        """A folder gone from the drive goes here when it is empty (what was in it and
        synced went first). What the person put in it meanwhile stays, and its upload makes
        the folder anew there; a folder holding only what is never synced (``.DS_Store``)
        stays here with its agreement kept, so that it is not made anew there either."""
        target = self.dir / b.path
        was = target.is_dir()
        localfs.prune(target, self.dir)
        if target.is_dir():
            if not localfs.walk(target, self.s.ignore):
                return
        elif was:
            self.report.deleted_here.append(b.path)
        await self.state.drop(b.path)
        self.bases.pop(b.path, None)

    # -- the local side --------------------------------------------------------------------

    async def local_side(self) -> None:
        vanished: dict[str, list[Base]] = {}
        vanished_folders: list[Base] = []
        for b in list(self.bases.values()):
            if b.path in self.handled or self.blocked(b.path):
                continue
            st = self.status(b)
            if st == "same":
                if not b.folder:
                    f = self.local[b.path]
                    if (f.size, f.mtime_ns) != (b.size, b.mtime_ns):  # touched, not edited
                        await self.state.put(_replace(b, size=f.size, mtime_ns=f.mtime_ns))
                continue
            if b.export is not None:
                if st == "changed" and b.export == MARKDOWN and self.s.import_docs:
                    self.later(partial(self.push_doc, b.path, b))
                elif st == "changed":
                    self.report.held_back.append(b.path)
                else:  # a deleted export: the document stays at the service
                    # (and in ``bases`` for this round, so its folder is not deleted there)
                    await self.state.drop(b.path)
                continue
            if st == "deleted":
                if b.folder:
                    vanished_folders.append(b)
                else:
                    vanished.setdefault(b.local_hash, []).append(b)
                continue
            self.later(partial(self.push, b.path, if_match=b.etag or None))
        inhabited = {p for rel in self.local for p in localfs.iter_parents(rel)}
        for rel, f in sorted(self.local.items()):
            if rel in self.bases or rel in self.handled or rel in self.pending:
                continue
            if f.folder:
                if rel not in inhabited:  # empty: no upload will make it there
                    await self.make_there(rel)
                continue
            twins = vanished.get(self.hash_of(rel))
            if twins:
                await self.move_there(twins.pop(0), rel)
            elif self.s.import_new and rel.endswith(".md"):
                self.later(partial(self.push_doc, rel, None))
            else:
                self.later(partial(self.push, rel, if_match=None))
        await self.flush()
        for group in vanished.values():
            for b in group:
                await self.delete_there(b)
        for b in sorted(vanished_folders, key=lambda b: -len(b.path)):
            await self.folder_removed_here(b)

    async def make_there(self, rel: str) -> None:
        """A new empty folder here, made at the drive (with its missing parents)."""
        try:
            item = await self.s.drive.create_folder(self.folder, rel)
        except SyncConflict:  # a file of that name there: the next look shows it
            self.again = True
            return
        nb = Base(rel, item.id, item.etag, folder=True)
        await self.state.put(nb)
        self._seen(nb)
        self.report.made_there.append(rel)

    async def folder_removed_here(self, b: Base) -> None:
        """A folder removed here is deleted at the drive only when nothing of it stays
        there: every path below it that the link knows was deleted there this round (an
        item still known -- edited there, refused, in conflict, a document the drive keeps
        -- holds the folder, which is then put back here, empty or with what the round
        restored into it)."""
        prefix = b.path + "/"
        here = self.dir / b.path
        kept = any(p.startswith(prefix) for p in self.bases) or any(
            p.startswith(prefix) for p in self.pending
        )
        if kept or here.is_dir():
            here.mkdir(parents=True, exist_ok=True)
            return
        await self.delete_there(b)

    async def move_there(self, b: Base, rel: str) -> None:
        try:
            item = await self.s.drive.move(self.folder, _item_of(b), rel, if_match=b.etag or None)
        except SyncConflict:
            self.again = True
            return
        f = self.local[rel]
        nb = Base(rel, item.id, item.etag, False, b.local_hash, f.size, f.mtime_ns, item.hash)
        await self.state.move(b.path, nb)
        self.bases.pop(b.path, None)
        self._seen(nb)
        self.report.moved_there.append((b.path, rel))

    async def delete_there(self, b: Base) -> None:
        try:
            await self.s.drive.delete(_item_of(b), if_match=b.etag or None)
        except SyncConflict:  # edited there meanwhile: the next look restores it here
            self.again = True
            return
        except NotFound:
            pass
        await self.state.drop(b.path)
        self.bases.pop(b.path, None)
        self.report.deleted_there.append(b.path)


def _item_of(b: Base) -> DriveItem:
    return DriveItem(id=b.remote_id, path=b.path, etag=b.etag, folder=b.folder)


def _base_of(rel: str, item: DriveItem, digest: str, st: os.stat_result) -> Base:
    return Base(rel, item.id, item.etag, False, digest, st.st_size, st.st_mtime_ns, item.hash)


def _doc_path(rel: str) -> str:
    """The document a Markdown export stands for: ``guides/Plan.md`` -> ``guides/Plan``."""
    return rel[: -len(".md")] if rel.endswith(".md") else rel


def _doc_of(b: Base) -> DriveItem:
    """The document an export's agreement stands for, named as the drive names it."""
    return DriveItem(
        id=b.remote_id, path=_doc_path(b.path), etag=b.etag, export_formats=(MARKDOWN,)
    )


def _agreed(c: Conflict, data: bytes, st: os.stat_result, export: str | None) -> Base:
    """The agreement a resolution leaves: the conflict's remote version, these local bytes."""
    return Base(
        c.path, c.remote_id, c.etag, False, sha256(data), st.st_size, st.st_mtime_ns, export=export
    )


def _doc_base(rel: str, item: DriveItem, digest: str, st: os.stat_result) -> Base:
    """The agreement after an import: the document's new version, kept as its export."""
    fmt = export_format(item) or MARKDOWN
    return Base(rel, item.id, item.etag, False, digest, st.st_size, st.st_mtime_ns, None, fmt)


def _replace(b: Base, **kw: object) -> Base:
    from dataclasses import replace

    return replace(b, **kw)  # type: ignore[arg-type]


def _beside(rel: str, what: str) -> str:
    """``guide.md`` -> ``guide (<what>).md``."""
    head, _, name = rel.rpartition("/")
    stem, dot, ext = name.rpartition(".") if "." in name[1:] else (name, "", "")
    new = f"{stem} ({what}){dot}{ext}"
    return f"{head}/{new}" if head else new
