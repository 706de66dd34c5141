"""Files an import writes into the workspace (OneNote sections, Notion and Confluence page
trees), and how a later import writes them again without losing what the user changed.

- :func:`safe_name`: a title as a file name any OS takes.
- :class:`WriteRecord`: a folder's record (a JSON file of its own) of what the last import
  wrote where, as SHA-256 digests of the bytes.
- :func:`write_kept`: write a file unless the one there was changed since an import wrote
  it; then write the first free copy beside it (``x (from Notion).md``, then
  ``x (from Notion 2).md``), so the import loses nothing and neither does the user. A file
  holding what some import wrote, even under another name (the user moved it), is the
  import's to write over.

Everything here blocks on the disk: callers on the event loop run it in a thread.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from connectors.sdk.errors import TielineError

from .sanitize import plain_text

_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]+')


def safe_name(title: str, fallback: str = "Untitled page") -> str:
    """A file name of a title: no separators, controls or characters Windows refuses, no
    leading dot, at most 100 characters."""
    name = re.sub(r"\s+", " ", _UNSAFE_NAME.sub(" ", plain_text(title, 200)))
    return name.strip(" .")[:100].strip(" .") or fallback


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass
class WriteRecord:
    """Relative path -> sha256 of what the last import wrote there, kept in ``path``."""

    path: Path
    written: dict[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, folder: Path, name: str) -> WriteRecord:
        """The record ``name`` of ``folder`` (made if missing); an unreadable one is empty."""
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = {}
        files = raw.get("files") if isinstance(raw, dict) else None
        if not isinstance(files, dict):
            return cls(path)
        return cls(path, {str(k): str(v) for k, v in files.items()})

    def save(self) -> None:
        body = {"files": dict(sorted(self.written.items()))}
        self.path.write_text(json.dumps(body, indent=1) + "\n", encoding="utf-8")


@dataclass
class Written:
    """What one import did to its folder's files (paths relative to ``folder``)."""

    folder: Path
    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: Files changed here since the last import: the new one was written beside them.
    conflicts: list[str] = field(default_factory=list)
    images: int = 0


def write_kept(
    folder: Path, rel: str, data: bytes, record: WriteRecord, result: Written, source: str
) -> str:
    """Write ``rel`` unless a change made here would be lost, else the first free copy
    beside it (``x (from <source>).md``, ``x (from <source> 2).md``); the path written or
    found already holding ``data``."""
    stem, dot, ext = rel.rpartition(".")
    if not dot:
        stem, ext = rel, ""
    n = 1
    for n in range(1, 100):
        if n > 1:
            suffix = f" (from {source})" if n == 2 else f" (from {source} {n - 1})"
            rel = f"{stem}{suffix}.{ext}" if ext else f"{stem}{suffix}"
        target = folder / rel
        if not target.exists():
            break
        current = target.read_bytes()
        if current == data:
            record.written[rel] = digest(data)
            result.unchanged.append(rel)
            return rel
        if digest(current) in record.written.values():
            # What an import wrote (here, or where the user moved it from), unchanged.
            record.written.pop(rel, None)
            break
    else:
        raise TielineError(f"too many changed copies of {stem!r} in {folder}")
    if n > 1:
        result.conflicts.append(rel)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    record.written[rel] = digest(data)
    result.written.append(rel)
    return rel


__all__ = ["WriteRecord", "Written", "digest", "safe_name", "write_kept"]
