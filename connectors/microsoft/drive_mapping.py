"""Graph's driveItem as the sdk's :class:`~connectors.sdk.drive.DriveItem`, and the paths
between them.

An item's id is ``{drive id}/{item id}``: Graph's item ids are unique only within a drive,
and download and delete are handed the item alone, so the drive travels with it (neither
part ever holds a ``/``; an empty drive is the account's own OneDrive, as in
:class:`~connectors.sdk.drive.DriveFolder`). Its path is relative to the linked folder.

The hash is the strongest Graph gives: ``sha256Hash`` (personal OneDrive), else
``sha1Hash``, else ``quickXorHash`` (the only one on OneDrive for Business and SharePoint);
hex digests are lower-cased, quickXor stays base64 as Graph writes it.

Office documents list PDF as an export: Graph converts them with ``?format=pdf``
(learn.microsoft.com/graph/api/driveitem-get-content-format lists doc, docx, odt, rtf, xls,
xlsx, ods, ppt, pptx, pptm, pps, ppsx, ppsxm, pot, potm, potx and odp, and csv, which is
left out here: its bytes are text worth reading as they are).
"""

from __future__ import annotations

from datetime import datetime

from connectors.sdk import InvalidRequest
from connectors.sdk.drive import PDF, DriveFolder, DriveItem

from . import drive_models as d

#: Extensions Graph converts to PDF that are Office documents.
OFFICE = frozenset(
    {"doc", "docx", "odt", "rtf"}
    | {"xls", "xlsx", "ods"}
    | {"ppt", "pptx", "pptm", "pps", "ppsx", "ppsxm", "pot", "potm", "potx", "odp"}
)


def item_id(drive: str, item: str) -> str:
    return f"{drive}/{item}"


def split_id(value: str) -> tuple[str, str]:
    """``(drive id, item id)`` of an sdk item id."""
    drive, sep, item = value.partition("/")
    if not sep or not item:
        raise InvalidRequest(f"Microsoft 365: {value!r} is not a drive item id of this connector")
    return drive, item


def join(parent: str, name: str) -> str:
    return f"{parent}/{name}" if parent else name


def split(path: str) -> tuple[str, str]:
    """``(parent, name)`` of a relative path; ``..`` and empty names are refused."""
    parts = [p for p in path.strip("/").split("/") if p]
    if not parts or any(p in (".", "..") for p in parts):
        raise InvalidRequest(f"Microsoft 365: {path!r} is not a path inside the folder")
    return "/".join(parts[:-1]), parts[-1]


def exportable(name: str) -> bool:
    return "." in name and name.rsplit(".", 1)[-1].lower() in OFFICE


def absolute(item: d.DriveItem) -> str:
    """Where a (non-delta) item is in its drive, as a person would write it: ``/`` for the
    root, ``/Documents/docs`` below it."""
    if item.root is not None:
        return "/"
    where = (item.parent.path or "").partition("root:")[2]
    return f"{where.rstrip('/')}/{item.name or ''}"


def relative(folder_path: str, path: str) -> str | None:
    """``path`` relative to ``folder_path`` (both absolute), ``None`` outside it. OneDrive
    names are case-insensitive, so the comparison is."""
    base = folder_path.rstrip("/")
    if not base:
        return path.strip("/")
    low, low_base = path.casefold(), base.casefold()
    if low == low_base:
        return ""
    if low.startswith(low_base + "/"):
        return path[len(base) + 1 :]
    return None


def folder(item: d.DriveItem) -> DriveFolder:
    drive = item.parent.drive_id or ""
    return DriveFolder(
        id=item.id,
        path=absolute(item),
        name="" if item.root is not None else item.name or "",
        drive=drive,
        url=item.web_url,
    )


def _hash(item: d.DriveItem) -> tuple[str | None, str | None]:
    if item.file is None:
        return None, None
    h = item.file.hashes
    if h.sha256:
        return h.sha256.lower(), "sha256"
    if h.sha1:
        return h.sha1.lower(), "sha1"
    if h.quick_xor:
        return h.quick_xor, "quickXor"
    return None, None


def _when(text: str | None) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def drive_item(item: d.DriveItem, path: str, *, drive: str) -> DriveItem:
    digest, kind = _hash(item)
    return DriveItem(
        id=item_id(drive, item.id),
        path=path,
        folder=item.is_folder,
        size=item.size or 0,
        etag=item.e_tag or "",
        hash=digest,
        hash_kind=kind,
        modified=_when(item.last_modified),
        mime_type=item.file.mime_type if item.file else None,
        export_formats=(PDF,) if not item.is_folder and exportable(path) else (),
        url=item.web_url,
    )


def gone(item_id_: str, path: str, *, drive: str, folder: bool = False) -> DriveItem:
    """A change-list entry for an item no longer in the folder."""
    return DriveItem(id=item_id(drive, item_id_), path=path, folder=folder, deleted=True)
