"""The Drive capability over :class:`~.drive_client.DriveClient`: a linked folder, what changed
in it, and writes that never overwrite a change made meanwhile.

Changes. Drive's changes API covers the whole drive, so each linked folder keeps a
:class:`_Tree`: the folders inside it with their paths, the folders known to be elsewhere, and
the items it has reported.

- No cursor: ``changes.getStartPageToken`` *first* (so nothing changed during the listing is
  lost), then the folder tree listed folder by folder (``files.list`` by parent, every page):
  ``reset=True``, the whole folder, the token as the cursor.
- A cursor: ``changes.list`` from it, page by page, to ``newStartPageToken`` (the next
  cursor). An unchanged drive answers one empty page: one request. Each change is placed by
  its parents -- a folder not met before is looked up once (``files.get``) and remembered as
  inside (with its path) or outside -- and only what is inside is kept. Trashed or removed,
  and moved out of the folder, are ``deleted`` (with the descendants of a folder); a folder
  renamed or moved inside re-reports its descendants at their new paths; a folder moved in
  from elsewhere is listed, since Drive reports no change for what it holds.
- A change ``removed`` for good carries no parents: it is reported only for an item this
  instance has reported. A new instance handed a cursor (after a restart) therefore misses a
  file deleted for good -- not trashed -- meanwhile, rather than guess; trashed files, what
  the Drive UI's delete does, keep their parents and are placed as ever.
- Drive refusing the cursor (400/404/410) reads the folder anew, with ``reset``.

Shared drives: a folder found by id or URL may be on one (``DriveFolder.drive`` names it);
its listings, start token and changes are then asked of that drive (``driveId``), and every
files call says ``supportsAllDrives``, without which Drive hides shared-drive files (404).

Writes. Drive v3 has no conditional write (no etag in its ``File``, no If-Match on
``files.update``), so a write reads the item's current ``version`` right before it and raises
:class:`~connectors.sdk.SyncConflict` when it is not the one the caller names. A narrow race
remains: a change landing between that read and the write is overwritten (Drive keeps the
replaced bytes of a file as a revision, for 30 days unless kept forever). ``upload`` with no
``if_match`` creates, and is a conflict when something is already at the path; with one, the
file must still be there at that version; two items of the name there are a conflict too.
Missing parent folders are created, and ``create_folder`` makes one of its own (an empty
folder of the workspace), taking one of the name made meanwhile as it is. ``delete`` trashes
(the ``drive_delete`` setting, ``trash`` by default: the user can restore it for 30 days) or
deletes for good.

Imports (the DocImport capability). Drive converts Markdown into a Google Doc when an upload's
metadata names the Doc type and its media is ``text/markdown`` (guides/manage-uploads,
"Import to Google Docs types"): ``files.create`` so for a new Doc, ``files.update`` with the
media on the Doc's id to replace its content. The version check is the writes' own.
"""

from __future__ import annotations

import asyncio
import logging
import mimetypes
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from connectors.sdk import InvalidRequest, NotFound
from connectors.sdk.drive import MARKDOWN, DriveChanges, DriveFolder, DriveItem
from connectors.sdk.errors import SyncConflict

from . import drive
from .drive_client import DriveClient
from .models import GChange, GFile

log = logging.getLogger("tieline.connector.google")

#: What may be a Drive id (URL-safe characters; real ones are 28 to 44 long): tried as an id
#: first, then as a folder name.
_ID = re.compile(r"^[A-Za-z0-9_-]{19,}$")
_FOLDER_URL = re.compile(r"^https://drive\.google\.com/drive/(?:u/\d+/)?folders/([A-Za-z0-9_-]+)")
#: How far up a parent chain is followed before giving up (Drive allows ~100 levels).
DEPTH = 100
PARENT_FIELDS = "id,name,mimeType,parents,trashed"
DELETE_MODES = ("trash", "delete")
#: What Drive converts into a Google Doc that a linked folder holds (Markdown since 2024).
IMPORTS = (MARKDOWN, "text/plain")


@dataclass
class _Tree:
    """What is known of one linked folder (see the module docstring)."""

    root: str
    #: The shared drive the folder is on ("": the account's My Drive).
    drive: str = ""
    folders: dict[str, str] = field(default_factory=dict)  # folder id -> path ("" the root)
    outside: set[str] = field(default_factory=set)
    items: dict[str, DriveItem] = field(default_factory=dict)
    #: ``items`` is complete: read by a full listing and kept up by every change since.
    warm: bool = False

    def __post_init__(self) -> None:
        self.folders.setdefault(self.root, "")

    def below(self, path: str) -> list[DriveItem]:
        prefix = path + "/"
        return [i for i in self.items.values() if i.path.startswith(prefix)]

    def forget(self, known: DriveItem) -> list[DriveItem]:
        """``known`` and, for a folder, all below it: gone, as deleted items."""
        gone = [known, *(self.below(known.path) if known.folder else ())]
        for g in gone:
            self.items.pop(g.id, None)
            if self.folders.pop(g.id, None) is not None:
                self.outside.add(g.id)
        return [g.model_copy(update={"deleted": True}) for g in gone]


class GoogleDrive:
    """The :class:`~connectors.sdk.Drive` capability for one Google account."""

    def __init__(self, client: DriveClient, *, delete: str = "trash") -> None:
        if delete not in DELETE_MODES:
            raise InvalidRequest(
                f"connectors.google.drive_delete must be trash or delete, not {delete!r}"
            )
        self.client = client
        self.delete_mode = delete
        self._trees: dict[str, _Tree] = {}
        #: Held while folders are looked up and made (see :meth:`_parents`).
        self._making = asyncio.Lock()

    def _tree(self, folder: DriveFolder) -> _Tree:
        tree = self._trees.get(folder.id)
        if tree is None:
            tree = self._trees[folder.id] = _Tree(folder.id, folder.drive)
        return tree

    # -- the linked folder --------------------------------------------------------------------
    async def find_folder(self, path: str) -> DriveFolder:
        """A folder by its path from My Drive (``/Documents/docs``), its id, or its URL."""
        text = path.strip()
        found = _FOLDER_URL.match(text)
        if found or _ID.match(text):
            folder_id = found.group(1) if found else text
            try:
                f = await self.client.get(folder_id)
            except NotFound:
                if found:
                    raise
            else:
                if not drive.is_folder(f) or f.trashed:
                    raise NotFound(f"Google Drive: {text} is not a folder", service="Google")
                return DriveFolder(
                    id=f.id,
                    path=await self._where(f),
                    name=f.name,
                    drive=f.drive_id or "",
                    url=f.web_view_link,
                )
        names = drive.parts(text)
        current = await self.client.get("root")
        for i, name in enumerate(names):
            query = drive.children(current.id, name=name, folders=True)
            match = [f async for f in self.client.search(query)]
            if not match:
                where = "/" + "/".join(names[: i + 1])
                raise NotFound(f"Google Drive has no folder {where}", service="Google")
            if len(match) > 1:
                log.info("Google Drive: %d folders named %s; taking the first", len(match), name)
            current = match[0]
        return DriveFolder(
            id=current.id,
            path="/" + "/".join(names),
            name=names[-1] if names else current.name,
            url=current.web_view_link,
        )

    async def _where(self, f: GFile) -> str:
        """A folder's path from My Drive, walking up its parents (``/Shared/x`` stays
        ``/x`` for a folder shared with the account from outside it)."""
        names: list[str] = []
        current = f
        for _ in range(DEPTH):
            if not current.parents:
                break
            names.append(current.name)
            try:
                current = await self.client.get(current.parents[0], fields=PARENT_FIELDS)
            except NotFound:
                break
        return "/" + "/".join(reversed(names))

    # -- changes ----------------------------------------------------------------------------
    async def changes(self, folder: DriveFolder, cursor: str | None = None) -> DriveChanges:
        if not cursor:
            return await self._full(folder)
        tree = self._tree(folder)
        out: dict[str, DriveItem] = {}
        token = cursor
        first = True
        try:
            async for page in self.client.change_pages(cursor, drive=tree.drive):
                first = False
                for change in page.changes:
                    for it in await self._apply(tree, change):
                        out.pop(it.id, None)  # the latest word on an item, in order
                        out[it.id] = it
                token = page.new_start_page_token or token
        except (InvalidRequest, NotFound) as exc:
            if not first:
                raise
            log.info("Google Drive refused the change cursor (%s): listing the folder anew", exc)
            return await self._full(folder)
        return DriveChanges(items=tuple(out.values()), cursor=token)

    async def _full(self, folder: DriveFolder) -> DriveChanges:
        token = await self.client.start_page_token(drive=folder.drive)
        tree = self._trees[folder.id] = _Tree(folder.id, folder.drive, warm=True)
        items = await self._list(tree, folder.id, "")
        return DriveChanges(items=tuple(items), cursor=token, reset=True)

    async def _list(self, tree: _Tree, folder_id: str, path: str) -> list[DriveItem]:
        """Everything below one folder of the tree, remembered: level by level, the folders
        of a level asked for together (:data:`~.drive.PARENTS` to a query), so a wide tree
        costs a request or two per level rather than one per folder."""
        out: list[DriveItem] = []
        level = {folder_id: path}
        while level:
            below: dict[str, str] = {}
            ids = list(level)
            for at in range(0, len(ids), drive.PARENTS):
                query = drive.children_of(ids[at : at + drive.PARENTS])
                async for f in self.client.search(query, drive=tree.drive):
                    parent = next((p for p in f.parents if p in level), None)
                    if parent is None or not drive.syncable(f):
                        continue
                    it = drive.item(f, drive.join(level[parent], f.name))
                    tree.items[f.id] = it
                    out.append(it)
                    if it.folder:
                        tree.folders[f.id] = it.path
                        tree.outside.discard(f.id)
                        below[f.id] = it.path
            level = below
        return out

    async def _apply(self, tree: _Tree, change: GChange) -> list[DriveItem]:
        f = change.file
        file_id = change.file_id or (f.id if f else None)
        if not file_id or change.change_type == "drive" or file_id == tree.root:
            return []
        known = tree.items.get(file_id)
        if change.removed or f is None:
            # Only an item this tree reported can be placed: a removed change has no parents.
            return tree.forget(known) if known is not None else []
        path = await self._path(tree, f)
        if f.trashed or path is None or not drive.syncable(f):
            if known is not None:
                return tree.forget(known)
            if f.trashed and path is not None and not tree.warm:
                return [drive.item(f, path, deleted=True)]
            return []
        it = drive.item(f, path)
        tree.items[f.id] = it
        out = [it]
        if it.folder:
            tree.folders[f.id] = path
            tree.outside.discard(f.id)
            if known is None:
                # New to this tree -- made here, or moved in with what it holds, of which
                # Drive reports nothing more: list it (a parent lookup may have placed it
                # already, so "not reported yet" is the test, not "not placed yet").
                out += await self._list(tree, f.id, path)
            elif known.path != path:
                out += self._moved(tree, known.path, path)
        return out

    def _moved(self, tree: _Tree, old: str, new: str) -> list[DriveItem]:
        """A folder's descendants, re-reported after it moved from ``old`` to ``new``."""
        out: list[DriveItem] = []
        for it in tree.below(old):
            moved = it.model_copy(update={"path": new + it.path[len(old) :]})
            tree.items[it.id] = moved
            if moved.folder:
                tree.folders[it.id] = moved.path
            out.append(moved)
        return out

    async def _path(self, tree: _Tree, f: GFile) -> str | None:
        """Where ``f`` is inside the tree, or ``None`` when it is elsewhere."""
        for parent in f.parents:
            where = await self._folder(tree, parent, 0)
            if where is not None:
                return drive.join(where, f.name)
        return None

    async def _folder(self, tree: _Tree, folder_id: str, depth: int) -> str | None:
        if folder_id in tree.folders:
            return tree.folders[folder_id]
        if folder_id in tree.outside or depth > DEPTH:
            return None
        try:
            g = await self.client.get(folder_id, fields=PARENT_FIELDS)
        except NotFound:
            g = None
        if g is not None and not g.trashed:
            for parent in g.parents:
                where = await self._folder(tree, parent, depth + 1)
                if where is not None:
                    tree.folders[folder_id] = path = drive.join(where, g.name)
                    return path
        tree.outside.add(folder_id)
        return None

    # -- contents ---------------------------------------------------------------------------
    async def download(self, item: DriveItem, *, export: str | None = None) -> bytes:
        google = item.mime_type is not None and item.mime_type.startswith(drive.GOOGLE_APPS)
        if export is not None:
            formats = item.export_formats or drive.EXPORTS.get(item.mime_type or "", ())
            if export not in formats:
                raise InvalidRequest(
                    f"Google Drive cannot export {item.path or item.id} as {export}"
                    + (f" (it can: {', '.join(formats)})" if formats else "")
                )
            return await self.client.export(item.id, export)
        if item.export_formats or google:
            named = ", ".join(item.export_formats) or "none Tieline reads"
            raise InvalidRequest(
                f"{item.path or item.id} is a Google document with no bytes of its own: "
                f"export it ({named})"
            )
        return await self.client.download(item.id)

    async def upload(
        self, folder: DriveFolder, path: str, data: bytes, *, if_match: str | None = None
    ) -> DriveItem:
        names = self._names(path)
        tree = self._tree(folder)
        parent, where = await self._parents(tree, names[:-1])
        name = names[-1]
        target = drive.join(where, name)
        existing = await self._at(tree, parent, name)
        mime = mimetypes.guess_type(name)[0] or "application/octet-stream"
        if existing is None:
            if if_match:
                raise SyncConflict(
                    f"{target} is no longer in Google Drive: it was moved or deleted"
                )
            f = await self.client.create(name, parent, data, mime)
        else:
            if drive.is_folder(existing):
                raise SyncConflict(f"{target} is a folder in Google Drive")
            if if_match is None:
                raise SyncConflict(f"{target} was created in Google Drive meanwhile")
            _same(target, existing, if_match)
            f = await self.client.replace(existing.id, data, mime)
        it = drive.item(f, target)
        tree.items[it.id] = it
        return it

    async def create_folder(self, folder: DriveFolder, path: str) -> DriveItem:
        """A folder at ``path`` (``files.create`` of the folder type, in its parent), the
        parents made first where missing. One of that name there already (made meanwhile) is
        the answer: Drive would take a second of the same name beside it, which nobody wants.
        A file of that name is a conflict."""
        names = self._names(path)
        tree = self._tree(folder)
        async with self._making:
            parent, where = await self._walk(tree, names[:-1])
            name = names[-1]
            target = drive.join(where, name)
            existing = await self._at(tree, parent, name)
            if existing is not None and not drive.is_folder(existing):
                raise SyncConflict(f"{target} is a file in Google Drive, not a folder")
            f = existing or await self.client.create_folder(name, parent)
        it = drive.item(f, target)
        tree.items[it.id] = it
        tree.folders[it.id] = target
        tree.outside.discard(it.id)
        return it

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
        """Markdown (``source``) into a Google Doc named by ``path``'s last part: a new one,
        or the content of ``replace`` converted anew, at the version ``if_match`` names."""
        if source not in IMPORTS:
            raise InvalidRequest(f"Google Drive imports no {source} into a Google Doc")
        names = self._names(path)
        tree = self._tree(folder)
        if replace is not None:
            current = await self._current(replace)
            where = replace.path or current.name
            if current.trashed:
                raise SyncConflict(f"{where} is no longer in Google Drive: it was trashed")
            if current.mime_type != drive.DOC:
                raise InvalidRequest(f"{where} is not a Google Doc; it cannot be imported into")
            if if_match is not None:
                _same(where, current, if_match)
            f = await self.client.replace(current.id, data, source)
            known = tree.items.get(current.id)
            target = known.path if known is not None else where
        else:
            parent, at = await self._parents(tree, names[:-1])
            name = names[-1]
            target = drive.join(at, name)
            if await self._at(tree, parent, name) is not None:
                raise SyncConflict(f"{target} was created in Google Drive meanwhile")
            f = await self.client.create(name, parent, data, source, convert_to=drive.DOC)
        it = drive.item(f, target)
        tree.items[it.id] = it
        return it

    async def move(
        self, folder: DriveFolder, item: DriveItem, path: str, *, if_match: str | None = None
    ) -> DriveItem:
        names = self._names(path)
        tree = self._tree(folder)
        current = await self._current(item)
        if if_match is not None:
            _same(item.path or item.id, current, if_match)
        parent, where = await self._parents(tree, names[:-1])
        name = names[-1]
        target = drive.join(where, name)
        there = await self._at(tree, parent, name)
        if there is not None and there.id != item.id:
            raise SyncConflict(f"{target} is already taken in Google Drive")
        f = await self.client.update(
            item.id,
            name=name,
            add_parents=[parent] if parent not in current.parents else [],
            remove_parents=[p for p in current.parents if p != parent],
        )
        it = drive.item(f, target)
        known = tree.items.get(item.id)
        tree.items[it.id] = it
        if it.folder:
            tree.folders[it.id] = target
            if known is not None and known.path != target:
                self._moved(tree, known.path, target)
        return it

    async def delete(self, item: DriveItem, *, if_match: str | None = None) -> None:
        try:
            current = await self._current(item)
        except NotFound:
            return  # gone already: what was asked
        if current.trashed:
            return
        if if_match is not None:
            _same(item.path or item.id, current, if_match)
        if self.delete_mode == "trash":
            await self.client.update(item.id, trashed=True)
        else:
            await self.client.delete(item.id)
        for tree in self._trees.values():
            known = tree.items.get(item.id)
            if known is not None:
                tree.forget(known)

    # -- helpers ----------------------------------------------------------------------------
    @staticmethod
    def _names(path: str) -> list[str]:
        names = drive.parts(path)
        if not names:
            raise InvalidRequest("a drive item needs a path inside the linked folder")
        return names

    async def _current(self, item: DriveItem) -> GFile:
        """The item as Drive holds it now (its version), read right before a write."""
        return await self.client.get(item.id, fresh=True)

    async def _at(self, tree: _Tree, parent: str, name: str) -> GFile | None:
        """What is at ``name`` in ``parent`` (not trashed), if anything; several things of one
        name (Drive allows that) are a conflict for the user to sort out, not a guess."""
        query = drive.children(parent, name=name)
        found = [f async for f in self.client.search(query, drive=tree.drive, fresh=True)]
        if len(found) > 1:  # Drive allows it; which one is meant cannot be told
            raise SyncConflict(f"Google Drive holds {len(found)} items named {name!r} there")
        return found[0] if found else None

    async def _parents(self, tree: _Tree, names: Sequence[str]) -> tuple[str, str]:
        """The folder ``names`` lead to from the linked folder, made where missing: its id
        and path. Asked of Drive each time (a folder may have gone since the last look), one
        caller at a time: Drive takes a second folder of a name beside the first, so two
        uploads into one new folder, sent together, must not both find it missing."""
        async with self._making:
            return await self._walk(tree, names)

    async def _walk(self, tree: _Tree, names: Sequence[str]) -> tuple[str, str]:
        """:meth:`_parents`' work, with ``_making`` held."""
        parent, where = tree.root, ""
        for name in names:
            where = drive.join(where, name)
            query = drive.children(parent, name=name, folders=True)
            match = [f async for f in self.client.search(query, drive=tree.drive, fresh=True)]
            found = match[0] if match else None
            if found is None:
                found = await self.client.create_folder(name, parent)
                tree.items[found.id] = drive.item(found, where)
            tree.folders[found.id] = where
            tree.outside.discard(found.id)
            parent = found.id
        return parent, where


def _same(where: str, current: GFile, expected: str) -> None:
    if (current.version or "") != expected:
        raise SyncConflict(
            f"{where} changed in Google Drive meanwhile (version {current.version}, "
            f"expected {expected})"
        )
