"""Drive models: one shape for OneDrive / SharePoint (Microsoft Graph) and Google Drive.

The hub links a folder of the workspace (``docs/``) to a folder of a drive and keeps the two
in step. Everything the sync engine needs of a service is here and in the
:class:`~connectors.sdk.capabilities.Drive` capability; everything about *deciding* (what
changed where, what is a conflict, what a conflict file is called) is the hub's alone, so
both services behave the same.

- An item is named inside the linked folder by :attr:`DriveItem.path` (``/``-separated,
  relative, no leading slash: ``guides/setup.md``), and at the service by :attr:`DriveItem.id`,
  which survives renames and moves.
- :attr:`DriveItem.etag` is the service's version of the item (Graph's ``eTag``, Drive's
  ``version``): a write names the version it replaces and the service refuses it, as
  :class:`~connectors.sdk.errors.SyncConflict`, when someone changed the item meanwhile.
  That is what makes "never a silent overwrite" hold even between the engine's look and its
  write.
- :class:`DriveChanges` is what changed since a cursor (Graph's ``deltaLink``, Drive's
  ``pageToken`` of the changes API): an unchanged folder costs one request. ``reset`` says
  the service no longer knows the cursor; the listing is then complete and the engine
  reconciles it against what it last saw.
- Documents the service keeps in its own format (Google Docs, Office files where Graph
  converts them) list the formats they can be exported to; the engine downloads one of them
  (Markdown first) rather than bytes that mean nothing outside the service.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .models import _Model

if TYPE_CHECKING:
    from .capabilities import Drive

#: Export formats the engine asks for, best first, when an item has no bytes of its own.
MARKDOWN = "text/markdown"
PDF = "application/pdf"


class DriveFolder(_Model):
    """The drive folder a workspace folder is linked to."""

    id: str
    #: Where it is in the drive, as the person would name it (``/Documents/docs``).
    path: str
    name: str
    #: The drive it is on (a OneDrive or SharePoint drive id; ``""``: the account's own).
    drive: str = ""
    url: str | None = None


class DriveItem(_Model):
    """A file or folder inside a linked folder."""

    id: str
    #: Relative to the linked folder, ``/``-separated, no leading slash.
    path: str
    folder: bool = False
    size: int = 0
    #: The service's version of the item, for conditional writes.
    etag: str = ""
    #: A content hash when the service gives one (to tell a touch from an edit), and its kind
    #: (``sha256``, ``sha1``, ``quickXor``, ``md5``).
    hash: str | None = None
    hash_kind: str | None = None
    modified: datetime | None = None
    mime_type: str | None = None
    #: Set in a change list for an item removed from the folder (deleted, or moved out).
    deleted: bool = False
    #: Formats a document held in the service's own format can be exported to (MIME types);
    #: empty for ordinary files, whose bytes are downloaded as they are.
    export_formats: tuple[str, ...] = ()
    url: str | None = None

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]


class DriveChanges(_Model):
    """What changed in a linked folder since a cursor, every page of it."""

    items: tuple[DriveItem, ...] = ()
    #: Hand back next time to get only what changed after this listing.
    cursor: str
    #: The old cursor was unknown (expired, or none was given): ``items`` is the whole folder.
    reset: bool = False


class DriveThrough:
    """Mixin for a connector whose :class:`~connectors.sdk.capabilities.Drive` methods live on
    a helper of its own (``self.drive``: the Graph or Drive API side of the sync), so the
    connector class lists the capability's methods without writing each delegation out."""

    drive: Drive

    async def find_folder(self, path: str) -> DriveFolder:
        return await self.drive.find_folder(path)

    async def changes(self, folder: DriveFolder, cursor: str | None = None) -> DriveChanges:
        return await self.drive.changes(folder, cursor)

    async def download(self, item: DriveItem, *, export: str | None = None) -> bytes:
        return await self.drive.download(item, export=export)

    async def upload(
        self, folder: DriveFolder, path: str, data: bytes, *, if_match: str | None = None
    ) -> DriveItem:
        return await self.drive.upload(folder, path, data, if_match=if_match)

    async def create_folder(self, folder: DriveFolder, path: str) -> DriveItem:
        return await self.drive.create_folder(folder, path)

    async def move(
        self, folder: DriveFolder, item: DriveItem, path: str, *, if_match: str | None = None
    ) -> DriveItem:
        return await self.drive.move(folder, item, path, if_match=if_match)

    async def delete(self, item: DriveItem, *, if_match: str | None = None) -> None:
        await self.drive.delete(item, if_match=if_match)
