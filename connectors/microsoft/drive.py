"""The Drive capability on Microsoft Graph: OneDrive (personal and for Business) and
SharePoint document libraries.

What changed is read with delta (learn.microsoft.com/graph/api/driveitem-delta): on a
personal drive, the linked folder's own delta; on OneDrive for Business and SharePoint,
where delta works on the root only, the root's, kept to the folder's subtree. A round's
pages are followed to its ``@odata.deltaLink``, the next cursor, so an unchanged folder
costs one request. A cursor Graph no longer answers (``410 Gone``, ``resyncRequired``) is
replaced by a full listing with ``reset``.

Delta items carry no ``parentReference.path`` (renaming a folder does not list its
descendants), so paths are worked out from ids: from the folders listed in the same round,
from what this instance saw before, from the parent's path where Graph gives one after all,
and otherwise by reading the parent once (a plain read has the path). An item whose place
resolves outside the folder is left out, or, when it was inside before, reported as deleted
(moved out). A deletion of an item this instance cannot place is reported only on a folder
delta (where everything listed is inside), under the name Graph gives, if any.

Writes name the version they replace (``If-Match``: :class:`SyncConflict` on 412); a new
file or a move onto a taken name (409 ``nameAlreadyExists``) is a conflict too. Files under
4 MB go in one PUT, larger ones in an upload session, in fragments of a multiple of
320 KiB, each starting where the session's ``nextExpectedRanges`` says.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connectors.sdk import InvalidRequest, NotFound, ServiceUnavailable
from connectors.sdk.drive import PDF, DriveChanges, DriveFolder, DriveItem
from connectors.sdk.errors import SyncConflict, TransportError
from connectors.sdk.paging import check_link

from . import drive_mapping as m
from . import drive_models as d
from .drive_client import FRAGMENT, SIMPLE_LIMIT, DriveClient

log = logging.getLogger("tieline.connector.microsoft.drive")
MAX_PAGES = 2000
#: Upload session fragment size: 16 x 320 KiB = 5 MiB (Graph suggests 5-10 MiB).
CHUNK = 16 * FRAGMENT


@dataclass
class _Seen:
    """What this instance knows of one linked folder: item id -> path inside it."""

    paths: dict[str, str] = field(default_factory=dict)

    def moved(self, old: str, new: str) -> None:
        """A folder's new path, for everything known below it too (delta lists only it)."""
        for key, value in list(self.paths.items()):
            if value.startswith(old + "/"):
                self.paths[key] = new + value[len(old) :]


def _conflict(exc: InvalidRequest, what: str) -> SyncConflict | None:
    if exc.status == 409:
        return SyncConflict(f"Microsoft 365: {what}: an item of that name is already there")
    return None


def _start(ranges: tuple[str, ...], fallback: int) -> int:
    """Where a session wants the next bytes: the start of its first expected range."""
    for r in ranges:
        head = r.split("-", 1)[0]
        if head.isdigit():
            return int(head)
    return fallback


class OneDrive:
    """One account's drives; ``settings["drive"]`` names a SharePoint library's drive id."""

    chunk = CHUNK

    def __init__(self, client: DriveClient, settings: Mapping[str, Any]) -> None:
        self.client = client
        self.default_drive = str(settings.get("drive") or "") or None
        self._kinds: dict[str, str] = {}
        self._seen: dict[str, _Seen] = {}

    # -- finding ----------------------------------------------------------------------------
    def _where(self, path: str) -> tuple[str | None, str]:
        """``(drive, path from its root)``: ``sites/{site}/drives/{drive}:/docs`` or
        ``drives/{drive}:/docs`` name a drive, anything else is on the ``drive`` setting's
        drive or the account's own."""
        head, sep, rest = path.partition(":")
        parts = head.strip("/").split("/")
        if sep and len(parts) >= 2 and parts[-2] == "drives":
            return parts[-1], rest
        return self.default_drive, path

    async def find_folder(self, path: str) -> DriveFolder:
        """``docs`` in the account's OneDrive (or the ``drive`` setting's library), or
        ``sites/{site}/drives/{drive}:/docs`` in a SharePoint document library."""
        drive, rel = self._where(path)
        item = await self.client.item_at(drive, rel)
        if not item.is_folder:
            raise InvalidRequest(f"Microsoft 365: {path!r} is a file, not a folder")
        if item.parent.drive_id and item.parent.drive_type:
            self._kinds[item.parent.drive_id] = item.parent.drive_type
        return m.folder(item)

    async def _kind(self, folder: DriveFolder) -> str:
        if folder.drive not in self._kinds:
            item = await self.client.item(folder.drive, folder.id)
            self._kinds[folder.drive] = item.parent.drive_type or "personal"
        return self._kinds[folder.drive]

    # -- changes ----------------------------------------------------------------------------
    async def changes(self, folder: DriveFolder, cursor: str | None = None) -> DriveChanges:
        own = await self._kind(folder) == "personal"
        reset = cursor is None
        if cursor is not None:
            check_link(self.client.http, cursor)
        try:
            raw, link = await self._round(folder, own, cursor)
        except NotFound as exc:
            if exc.status != 410 or cursor is None:
                raise
            log.info("Microsoft 365: drive delta starts over (%s)", exc.message)
            raw, link = await self._round(folder, own, None)
            reset = True
        seen = self._seen.setdefault(folder.id, _Seen())
        if reset:
            seen.paths.clear()
        items = await _Placer(self.client, folder, seen, own).place(raw)
        return DriveChanges(items=tuple(items), cursor=link, reset=reset)

    async def _round(
        self, folder: DriveFolder, own: bool, link: str | None
    ) -> tuple[list[d.DriveItem], str]:
        scope = folder.id if own else None
        page = await self.client.drive_delta(folder.drive, scope, link=link)
        out: list[d.DriveItem] = []
        for _ in range(MAX_PAGES):
            out += [d.DriveItem.model_validate(v) for v in page.value]
            if page.delta_link:
                return out, page.delta_link
            if not page.next_link:
                raise InvalidRequest("Microsoft 365: a delta page had neither next nor delta link")
            page = await self.client.drive_delta(folder.drive, scope, link=page.next_link)
        raise ServiceUnavailable("Microsoft 365: the drive's delta did not end")

    # -- reading ----------------------------------------------------------------------------
    async def download(self, item: DriveItem, *, export: str | None = None) -> bytes:
        drive, iid = m.split_id(item.id)
        if export is None:
            return await self.client.content(drive, iid)
        if export != PDF or not m.exportable(item.name):
            raise InvalidRequest(
                f"Microsoft 365: Graph converts only Office documents, to PDF; not "
                f"{item.name!r} to {export}"
            )
        return await self.client.content(drive, iid, format="pdf")

    # -- writing ----------------------------------------------------------------------------
    async def _parent(self, folder: DriveFolder, rel: str) -> str:
        """The id of the folder at ``rel`` inside ``folder``, made (with its parents) when
        missing; a folder made meanwhile by someone else (409) is used as it is."""
        if not rel:
            return folder.id
        try:
            found = await self.client.item(folder.drive, folder.id, rel)
        except NotFound:
            pass
        else:
            if not found.is_folder:
                raise SyncConflict(f"Microsoft 365: {rel!r} is a file in the drive, not a folder")
            return found.id
        parent, so_far = folder.id, ""
        for name in rel.split("/"):
            so_far = m.join(so_far, name)
            parent = (await self._made(folder, parent, name, so_far)).id
        return parent

    async def _made(self, folder: DriveFolder, parent: str, name: str, where: str) -> d.DriveItem:
        """The folder ``name`` in ``parent``, created with ``conflictBehavior: fail``; one
        made meanwhile (409 ``nameAlreadyExists``) is read and used as it is, and a file of
        that name is a conflict (never renamed to ``name 1`` nor replaced)."""
        try:
            return await self.client.create_folder(folder.drive, parent, name)
        except InvalidRequest as exc:
            if exc.status != 409:
                raise
            made = await self.client.item(folder.drive, parent, name)
            if not made.is_folder:
                raise SyncConflict(
                    f"Microsoft 365: {where!r} is a file in the drive, not a folder"
                ) from exc
            return made

    async def create_folder(self, folder: DriveFolder, path: str) -> DriveItem:
        """A folder at ``path`` (POST .../items/{parent-id}/children), its parents made first
        where missing; an empty folder of the workspace is mirrored so."""
        rel, name = m.split(path)
        clean = m.join(rel, name)
        parent = await self._parent(folder, rel)
        made = await self._made(folder, parent, name, clean)
        self._seen.setdefault(folder.id, _Seen()).paths[made.id] = clean
        return m.drive_item(made, clean, drive=folder.drive)

    async def upload(
        self, folder: DriveFolder, path: str, data: bytes, *, if_match: str | None = None
    ) -> DriveItem:
        rel, name = m.split(path)
        clean = m.join(rel, name)
        parent = await self._parent(folder, rel)
        try:
            if len(data) < SIMPLE_LIMIT:
                item = await self.client.put_content(
                    folder.drive, parent, name, data, if_match=if_match
                )
            else:
                item = await self._session(folder.drive, parent, name, data, if_match)
        except InvalidRequest as exc:
            raise (_conflict(exc, clean) or exc) from exc
        self._seen.setdefault(folder.id, _Seen()).paths[item.id] = clean
        return m.drive_item(item, clean, drive=folder.drive)

    async def _session(
        self, drive: str, parent: str, name: str, data: bytes, if_match: str | None
    ) -> d.DriveItem:
        session = await self.client.upload_session(drive, parent, name, if_match=if_match)
        url = session.upload_url
        if not url:
            raise ServiceUnavailable("Microsoft 365: the upload session came without a URL")
        offset, total, retries = _start(session.next_expected_ranges, 0), len(data), 0
        for _ in range(total // FRAGMENT + 16):
            piece = data[offset : offset + self.chunk]
            sent = len(piece)
            try:
                answer = await self.client.put_range(url, piece, offset, total)
            except (ServiceUnavailable, TransportError, InvalidRequest) as exc:
                # A lost or refused fragment (416: not where the session is): ask the
                # session where it stands and go on from there.
                if isinstance(exc, InvalidRequest) and exc.status != 416:
                    raise
                retries += 1
                if retries > 3:
                    raise
                answer, sent = await self.client.session_status(url), 0
            if isinstance(answer, d.DriveItem):
                return answer
            offset = _start(answer.next_expected_ranges, offset + sent)
        raise ServiceUnavailable("Microsoft 365: the upload session did not finish")

    async def move(
        self, folder: DriveFolder, item: DriveItem, path: str, *, if_match: str | None = None
    ) -> DriveItem:
        drive, iid = m.split_id(item.id)
        rel, name = m.split(path)
        clean = m.join(rel, name)
        parent = await self._parent(folder, rel)
        try:
            moved = await self.client.update(
                drive, iid, parent=parent, name=name, if_match=if_match
            )
        except InvalidRequest as exc:
            raise (_conflict(exc, clean) or exc) from exc
        seen = self._seen.setdefault(folder.id, _Seen())
        if item.folder:
            seen.moved(item.path, clean)
        seen.paths[moved.id] = clean
        return m.drive_item(moved, clean, drive=drive)

    async def delete(self, item: DriveItem, *, if_match: str | None = None) -> None:
        """Deleted (to the recycle bin); an item already gone is left so."""
        drive, iid = m.split_id(item.id)
        try:
            await self.client.remove(drive, iid, if_match=if_match)
        except NotFound as exc:
            if exc.status != 404:
                raise


class _Placer:
    """Paths for one delta round's items (see the module docstring)."""

    def __init__(self, client: DriveClient, folder: DriveFolder, seen: _Seen, own: bool) -> None:
        self.client = client
        self.folder = folder
        self.seen = seen
        self.own = own
        self.batch: dict[str, d.DriveItem] = {}
        self.cache: dict[str, str | None] = {}

    async def where(self, iid: str) -> str | None:
        """The path of ``iid`` inside the folder, ``None`` outside it."""
        if iid == self.folder.id:
            return ""
        if iid in self.cache:
            return self.cache[iid]
        item = self.batch.get(iid)
        place: str | None
        if item is not None and item.deleted is None:
            parent = item.parent.id
            if item.root is not None or not parent or not item.name:
                place = None
            elif item.parent.path and parent not in self.batch and parent not in self.seen.paths:
                # Where Graph does give the parent's path, it saves reading the parent.
                place = m.relative(self.folder.path, m.absolute(item))
            else:
                up = await self.where(parent)
                place = None if up is None else m.join(up, item.name)
        elif iid in self.seen.paths:
            place = self.seen.paths[iid]
        else:
            place = await self._read(iid)
        self.cache[iid] = place
        return place

    async def _read(self, iid: str) -> str | None:
        try:
            item = await self.client.item(self.folder.drive, iid)
        except NotFound:
            return None
        return m.relative(self.folder.path, m.absolute(item))

    async def place(self, raw: list[d.DriveItem]) -> list[DriveItem]:
        for item in raw:  # the last occurrence of an item is its state
            self.batch.pop(item.id, None)
            self.batch[item.id] = item
        out: list[DriveItem] = []
        drive = self.folder.drive
        for item in self.batch.values():
            if item.id == self.folder.id or item.root is not None:
                continue
            before = self.seen.paths.get(item.id)
            if item.deleted is not None:
                path = before
                if path is None and self.own and item.parent.id:
                    up = await self.where(item.parent.id)
                    path = m.join(up or "", item.name or "") if item.name else None
                self.seen.paths.pop(item.id, None)
                if path is not None:
                    out.append(m.gone(item.id, path, drive=drive, folder=item.is_folder))
                continue
            path = await self.where(item.id)
            if path is None:
                if before is not None:
                    self.seen.paths.pop(item.id)
                    out.append(m.gone(item.id, before, drive=drive, folder=item.is_folder))
                continue
            if before is not None and before != path and item.is_folder:
                self.seen.moved(before, path)
            self.seen.paths[item.id] = path
            out.append(m.drive_item(item, path, drive=drive))
        return out
