"""A drive in memory (optionally kept in a JSON file), written against ``connectors.sdk``
only, as OneDrive's and Google Drive's connectors implement :class:`Drive`.

It behaves as those services do where the sync engine depends on it: every write gives the
item a new etag; a write naming an etag the item no longer has (``if_match``) is refused with
:class:`SyncConflict`; ids survive moves; a changes cursor returns only what changed after it
(an unchanged folder: no items), and no cursor (or an unknown one) gives the whole folder
with ``reset``; uploads create missing parent folders, and ``create_folder`` one of its own
(a folder already there is the answer, a file there a conflict); documents in the service's
own format list their export formats and have no bytes of their own, and Markdown imported into one
(``import_document``, the DocImport capability) comes back from its export as the service's
rendering, not byte for byte. Each call is counted, can be
slowed (``latency``) and made to fail (``fail``), so the tests can count requests and cut a
round short. With ``path`` set, the state is written to the file after every change, so it
outlives a process killed with ``kill -9``.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import json
import os
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.sdk.drive import MARKDOWN, PDF, DriveChanges, DriveFolder, DriveItem
from connectors.sdk.errors import InvalidRequest, NotFound, SyncConflict, TielineError


@dataclass
class Entry:
    id: str
    path: str
    folder: bool = False
    data: bytes = b""
    etag: str = ""
    export_formats: tuple[str, ...] = ()
    deleted: bool = False

    def item(self) -> DriveItem:
        return DriveItem(
            id=self.id,
            path=self.path,
            folder=self.folder,
            size=len(self.data),
            etag=self.etag,
            hash=None if self.folder or self.export_formats else _sha(self.data),
            hash_kind=None if self.folder or self.export_formats else "sha256",
            deleted=self.deleted,
            export_formats=self.export_formats,
        )


@dataclass
class FakeDrive:
    path: Path | None = None
    latency: float = 0.0
    entries: dict[str, Entry] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)  # ids in the order they changed
    counter: int = 0
    calls: Counter[str] = field(default_factory=Counter)
    #: Called with the method's name before each call; raise to make it fail.
    fail: Callable[[str], None] | None = None
    #: Called inside ``upload`` after the data is taken (and saved), before it answers.
    during_upload: Callable[[str], None] | None = None
    #: Called inside ``create_folder`` after the folder is made (and saved), before it answers.
    during_create_folder: Callable[[str], None] | None = None

    ROOT = DriveFolder(id="root-folder", path="/Documents/docs", name="docs")
    #: What a document made by ``import_document`` exports to, as a Google Doc does.
    DOC_EXPORTS = (PDF, MARKDOWN)

    # -- the test's side -------------------------------------------------------------------

    @classmethod
    def load(cls, path: Path, **kw: Any) -> FakeDrive:
        d = cls(path=path, **kw)
        if path.exists():
            raw = json.loads(path.read_text())
            d.counter, d.log = raw["counter"], raw["log"]
            for e in raw["entries"]:
                e["data"] = base64.b64decode(e["data"])
                e["export_formats"] = tuple(e["export_formats"])
                d.entries[e["id"]] = Entry(**e)
        return d

    def save(self) -> None:
        if self.path is None:
            return
        raw = {
            "counter": self.counter,
            "log": self.log,
            "entries": [
                {**vars(e), "data": base64.b64encode(e.data).decode()}
                for e in self.entries.values()
            ],
        }
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(raw))
        os.replace(tmp, self.path)

    def files(self) -> dict[str, bytes]:
        """What the drive holds, by path (files only)."""
        return {e.path: e.data for e in self.live() if not e.folder}

    def folders(self) -> set[str]:
        return {e.path for e in self.live() if e.folder}

    def live(self) -> list[Entry]:
        return [e for e in self.entries.values() if not e.deleted]

    def at(self, path: str) -> Entry | None:
        return next((e for e in self.live() if e.path == path), None)

    def put(self, path: str, data: bytes | str, *, export: tuple[str, ...] = ()) -> Entry:
        """Someone writes a file at the service (a new version, or a new item)."""
        raw = data.encode() if isinstance(data, str) else data
        self._parents(path)
        e = self.at(path)
        if e is None:
            e = Entry(self._id(), path, export_formats=export)
            self.entries[e.id] = e
        e.data = raw
        self._touch(e)
        return e

    def mkdir(self, path: str) -> Entry:
        self._parents(path + "/x")
        e = self.at(path)
        assert e is not None
        return e

    def rename(self, old: str, new: str) -> None:
        e = self.at(old)
        assert e is not None
        self._move(e, new)

    def remove(self, path: str) -> None:
        e = self.at(path)
        assert e is not None
        self._delete(e)

    def requests(self) -> int:
        return sum(self.calls.values())

    # -- the Drive capability --------------------------------------------------------------

    async def _call(self, name: str) -> None:
        self.calls[name] += 1
        if self.latency:
            await asyncio.sleep(self.latency)
        if self.fail is not None:
            self.fail(name)

    async def find_folder(self, path: str) -> DriveFolder:
        await self._call("find_folder")
        if path != self.ROOT.path:
            raise NotFound(f"no folder {path} in the drive", status=404, service="fakedrive")
        return self.ROOT

    async def changes(self, folder: DriveFolder, cursor: str | None = None) -> DriveChanges:
        await self._call("changes")
        now = str(len(self.log))
        if cursor is None or not cursor.isdigit() or int(cursor) > len(self.log):
            return DriveChanges(items=tuple(e.item() for e in self.live()), cursor=now, reset=True)
        ids = list(dict.fromkeys(self.log[int(cursor) :]))
        return DriveChanges(items=tuple(self.entries[i].item() for i in ids), cursor=now)

    async def download(self, item: DriveItem, *, export: str | None = None) -> bytes:
        await self._call("download")
        e = self._get(item.id)
        if e.export_formats:
            if export not in e.export_formats:
                raise InvalidRequest(f"{e.path} must be exported", status=400)
            return f"<!-- {export} -->\n".encode() + e.data
        if export is not None:
            raise InvalidRequest(f"{e.path} cannot be exported", status=400)
        return e.data

    async def upload(
        self, folder: DriveFolder, path: str, data: bytes, *, if_match: str | None = None
    ) -> DriveItem:
        await self._call("upload")
        e = self.at(path)
        if if_match is not None and (e is None or e.etag != if_match):
            raise SyncConflict(f"{path} changed at the service")
        if e is not None and e.export_formats:
            raise InvalidRequest(f"{path} is a service document", status=400)
        if e is not None and e.folder:
            raise SyncConflict(f"{path} is a folder at the service")
        e = self.put(path, data)
        if self.during_upload is not None:
            self.during_upload(path)
        return e.item()

    async def create_folder(self, folder: DriveFolder, path: str) -> DriveItem:
        await self._call("create_folder")
        e = self.at(path)
        if e is not None and not e.folder:
            raise SyncConflict(f"{path} is a file at the service")
        if e is None:
            e = self.mkdir(path)
            if self.during_create_folder is not None:
                self.during_create_folder(path)
        return e.item()

    # -- the DocImport capability ----------------------------------------------------------

    async def import_document(
        self,
        folder: DriveFolder,
        path: str,
        data: bytes,
        *,
        source: str = MARKDOWN,
        replace: DriveItem | None = None,
        if_match: str | None = None,
    ) -> DriveItem:
        """As Google Drive converts Markdown: the document keeps its id, gets a new version,
        and its Markdown export is the service's rendering (here: marked as an export), not
        the uploaded bytes -- so an engine comparing bytes would see a change that is none."""
        await self._call("import_document")
        if source != MARKDOWN:
            raise InvalidRequest(f"cannot import {source}", status=400)
        if replace is None:
            if self.at(path) is not None:
                raise InvalidRequest(f"{path} exists", status=400)
            return self.put(path, data, export=self.DOC_EXPORTS).item()
        e = self._get(replace.id)
        if replace.path and replace.path != e.path:  # named as this drive names it
            raise InvalidRequest(f"{replace.path} is not where {e.path} is", status=400)
        if not e.export_formats:
            raise InvalidRequest(f"{e.path} is not a service document", status=400)
        if if_match is not None and e.etag != if_match:
            raise SyncConflict(f"{e.path} changed at the service")
        e.data = data
        self._touch(e)
        return e.item()

    async def move(
        self, folder: DriveFolder, item: DriveItem, path: str, *, if_match: str | None = None
    ) -> DriveItem:
        await self._call("move")
        e = self._get(item.id)
        if if_match is not None and e.etag != if_match:
            raise SyncConflict(f"{e.path} changed at the service")
        self._move(e, path)
        return e.item()

    async def delete(self, item: DriveItem, *, if_match: str | None = None) -> None:
        await self._call("delete")
        e = self._get(item.id)
        if if_match is not None and e.etag != if_match:
            raise SyncConflict(f"{e.path} changed at the service")
        self._delete(e)

    # -- inside ----------------------------------------------------------------------------

    def _get(self, item_id: str) -> Entry:
        e = self.entries.get(item_id)
        if e is None or e.deleted:
            raise NotFound(f"no item {item_id}", status=404, service="fakedrive")
        return e

    def _id(self) -> str:
        self.counter += 1
        return f"id{self.counter}"

    def _touch(self, e: Entry) -> None:
        self.counter += 1
        e.etag = f"etag{self.counter}"
        self.log.append(e.id)
        self.save()

    def _parents(self, path: str) -> None:
        parts = path.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            p = "/".join(parts[:i])
            if self.at(p) is None:
                e = Entry(self._id(), p, folder=True)
                self.entries[e.id] = e
                self._touch(e)

    def _move(self, e: Entry, new: str) -> None:
        self._parents(new)
        old = e.path
        e.path = new
        self._touch(e)
        if e.folder:
            for c in self.live():
                if c.path.startswith(old + "/"):
                    c.path = new + c.path[len(old) :]
                    self.log.append(c.id)  # a child's path changed: it is listed, same etag
            self.save()

    def _delete(self, e: Entry) -> None:
        e.deleted = True
        self._touch(e)
        if e.folder:
            for c in self.live():
                if c.path.startswith(e.path + "/"):
                    c.deleted = True
                    self._touch(c)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def failing(
    after: int, error: TielineError, *, methods: tuple[str, ...] = ()
) -> Callable[[str], None]:
    """A ``fail`` hook letting ``after`` calls through (of ``methods``, or any), then raising."""
    seen = [0]

    def hook(name: str) -> None:
        if methods and name not in methods:
            return
        seen[0] += 1
        if seen[0] > after:
            raise error

    return hook
