"""Drive files as sdk drive items, and the bits of Drive's query language a sync needs.

- ``version`` is the item's :attr:`~connectors.sdk.drive.DriveItem.etag` (Drive v3 has no
  etag); ``sha256Checksum`` (else ``md5Checksum``) its hash -- only files with bytes of their
  own have either.
- Google Docs, Sheets and Slides have no bytes: they list what ``files.export`` turns them
  into (developers.google.com/workspace/drive/api/guides/ref-export-formats), Markdown first
  for a Doc; a Sheet's CSV holds its first sheet only, and Drive exports at most 10 MB.
  Other Google types (Forms, Drawings, shortcuts, Sites, ...) can be neither downloaded nor
  exported to a file worth syncing, so a listing leaves them out.
- Queries (guides/search-files) quote values in single quotes, with ``\\'`` and ``\\\\`` inside.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from connectors.sdk import InvalidRequest
from connectors.sdk.drive import MARKDOWN, PDF, DriveItem

from .drive_client import FOLDER
from .models import GFile

GOOGLE_APPS = "application/vnd.google-apps."
DOC = GOOGLE_APPS + "document"
SHEET = GOOGLE_APPS + "spreadsheet"
SLIDES = GOOGLE_APPS + "presentation"
EXPORTS: dict[str, tuple[str, ...]] = {
    DOC: (MARKDOWN, PDF),
    SHEET: ("text/csv", PDF),
    SLIDES: (PDF,),
}


def rfc3339(value: str | None) -> datetime | None:
    """Drive's times (``2026-12-02T14:00:00.000Z``) as aware datetimes."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def literal(value: str) -> str:
    """``value`` as a quoted string of Drive's query language."""
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def children(parent: str, *, name: str | None = None, folders: bool = False) -> str:
    """The query for what is in ``parent`` (not trashed), by ``name``, only folders."""
    terms = [f"{literal(parent)} in parents"]
    if name is not None:
        terms.append(f"name = {literal(name)}")
    if folders:
        terms.append(f"mimeType = {literal(FOLDER)}")
    terms.append("trashed = false")
    return " and ".join(terms)


#: Folders one listing query names (``'a' in parents or 'b' in parents``): enough to list a
#: wide level in a request or two, short enough for any URL.
PARENTS = 40


def children_of(parents: Sequence[str]) -> str:
    """The query for what is in any of ``parents`` (not trashed)."""
    either = " or ".join(f"{literal(p)} in parents" for p in parents)
    return (
        f"({either}) and trashed = false" if len(parents) > 1 else f"{either} and trashed = false"
    )


def parts(path: str) -> list[str]:
    """A ``/``-separated relative path as names; ``.``/``..`` and empty names refused (a
    name may hold anything else Drive allows, but never climb out of the linked folder)."""
    names = [p for p in path.strip().strip("/").split("/") if p != ""]
    if any(n in (".", "..") for n in names):
        raise InvalidRequest(f"a drive path may not contain . or ..: {path!r}")
    return names


def join(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent else name


def is_folder(f: GFile) -> bool:
    return f.mime_type == FOLDER


def syncable(f: GFile) -> bool:
    """A folder, a file with bytes, or a Google type that can be exported."""
    return is_folder(f) or not f.mime_type.startswith(GOOGLE_APPS) or f.mime_type in EXPORTS


def item(f: GFile, path: str, *, deleted: bool = False) -> DriveItem:
    """One Drive file at ``path`` inside the linked folder."""
    if f.sha256_checksum:
        digest, kind = f.sha256_checksum, "sha256"
    elif f.md5_checksum:
        digest, kind = f.md5_checksum, "md5"
    else:
        digest, kind = None, None
    modified = rfc3339(f.modified_time)
    return DriveItem(
        id=f.id,
        path=path,
        folder=is_folder(f),
        size=int(f.size or 0),
        etag=f.version or "",
        hash=digest,
        hash_kind=kind,
        modified=modified,
        mime_type=f.mime_type or None,
        deleted=deleted,
        export_formats=EXPORTS.get(f.mime_type, ()),
        url=f.web_view_link,
    )
