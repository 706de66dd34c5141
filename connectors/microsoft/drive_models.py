"""Graph's driveItem and upload session, as far as the Drive capability reads them
(learn.microsoft.com/graph/api/resources/driveitem, .../uploadsession).

Delta answers the same driveItem with less in it: no ``parentReference.path``, and a
deleted item may carry only ``id``, ``deleted`` and ``parentReference`` (business drives
leave out its ``name``, personal ones its ``size``), so everything but ``id`` is optional.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from .models import _Wire


class ItemReference(_Wire):
    drive_id: str | None = Field(default=None, alias="driveId")
    #: ``personal``, ``business`` (OneDrive for Business) or ``documentLibrary`` (SharePoint).
    drive_type: str | None = Field(default=None, alias="driveType")
    id: str | None = None
    #: ``/drives/{drive-id}/root:/Documents/docs`` (or ``/drive/root:...``): where the
    #: parent is; never in delta answers.
    path: str | None = None


class Hashes(_Wire):
    sha256: str | None = Field(default=None, alias="sha256Hash")
    sha1: str | None = Field(default=None, alias="sha1Hash")
    quick_xor: str | None = Field(default=None, alias="quickXorHash")


class FileFacet(_Wire):
    mime_type: str | None = Field(default=None, alias="mimeType")
    hashes: Hashes = Field(default_factory=Hashes)


class DriveItem(_Wire):
    id: str
    name: str | None = None
    e_tag: str | None = Field(default=None, alias="eTag")
    c_tag: str | None = Field(default=None, alias="cTag")
    size: int | None = None
    last_modified: str | None = Field(default=None, alias="lastModifiedDateTime")
    web_url: str | None = Field(default=None, alias="webUrl")
    parent: ItemReference = Field(default_factory=ItemReference, alias="parentReference")
    file: FileFacet | None = None
    folder: dict[str, Any] | None = None
    deleted: dict[str, Any] | None = None
    root: dict[str, Any] | None = None

    @property
    def is_folder(self) -> bool:
        return self.folder is not None or self.root is not None


class UploadSession(_Wire):
    upload_url: str | None = Field(default=None, alias="uploadUrl")
    #: ``["26-"]`` or ``["0-9", "30-"]``: what the service still wants, lowest first.
    next_expected_ranges: tuple[str, ...] = Field(default=(), alias="nextExpectedRanges")
    expiration: str | None = Field(default=None, alias="expirationDateTime")
