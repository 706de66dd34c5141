"""The local side of a linked folder: what is there, and writes that never leave half a file.

A walk stats every file and hashes only those whose size or mtime moved since the last
agreement, so an unchanged folder of a thousand files costs a thousand ``stat`` calls and no
reads. Every write goes to a temporary file in the same folder and is renamed over the
target (atomic on one file system): a process killed mid-write leaves the real file as it
was, and at worst a stray ``.tieline-*.part`` file, which the walk ignores and the next
write of the same path replaces.
"""

from __future__ import annotations

import contextlib
import fnmatch
import hashlib
import os
import stat
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from connectors.sdk.drive import MARKDOWN, PDF

#: Temporary files of :func:`write_atomic`; never synced.
PART_PREFIX = ".tieline-"
PART_SUFFIX = ".part"
#: What a conflict copy's name holds (see :func:`conflict_name`); never synced.
CONFLICT_MARK = " (conflict "

EXPORT_SUFFIX = {MARKDOWN: ".md", PDF: ".pdf"}


@dataclass(frozen=True)
class LocalFile:
    path: str
    size: int
    mtime_ns: int
    folder: bool = False


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def hash_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


class Ignore:
    """Glob patterns matched against each path segment and against the whole relative path
    (``.git`` ignores the folder anywhere; ``build/*.log`` a place)."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)

    def __call__(self, rel: str) -> bool:
        name = rel.rsplit("/", 1)[-1]
        if name.startswith(PART_PREFIX) and name.endswith(PART_SUFFIX):
            return True
        if CONFLICT_MARK in name:
            return True
        for p in self.patterns:
            if fnmatch.fnmatchcase(name, p) or fnmatch.fnmatchcase(rel, p):
                return True
        return False


def walk(root: Path, ignore: Ignore) -> dict[str, LocalFile]:
    """Every file and folder under ``root`` by relative path, ignored ones (and what is
    inside an ignored folder) left out; symbolic links are not followed."""
    out: dict[str, LocalFile] = {}
    if not root.is_dir():
        return out
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        rel_dir = base.relative_to(root).as_posix()
        prefix = "" if rel_dir == "." else rel_dir + "/"
        keep = []
        for d in sorted(dirnames):
            rel = prefix + d
            if ignore(rel) or (base / d).is_symlink():
                continue
            keep.append(d)
            out[rel] = LocalFile(rel, 0, 0, folder=True)
        dirnames[:] = keep
        for name in sorted(filenames):
            rel = prefix + name
            if ignore(rel):
                continue
            st = (base / name).lstat()
            if not stat.S_ISREG(st.st_mode):
                continue
            out[rel] = LocalFile(rel, st.st_size, st.st_mtime_ns)
    return out


def write_atomic(target: Path, data: bytes, *, read_only: bool = False) -> os.stat_result:
    """Write ``data`` to ``target`` through a temporary file renamed over it; returns the
    written file's stat (for the size and mtime the next walk compares with)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=PART_PREFIX, suffix=PART_SUFFIX, dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if read_only:
            os.chmod(tmp, 0o444)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return target.stat()


def remove(target: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        target.unlink()
    prune(target.parent)


def prune(folder: Path, stop: Path | None = None) -> None:
    """Remove ``folder`` if it is empty (a deleted file's emptied parent), not above ``stop``."""
    with contextlib.suppress(OSError):
        if stop is not None and folder == stop:
            return
        folder.rmdir()


def iter_parents(rel: str) -> Iterator[str]:
    """``a/b/c.md`` -> ``a``, ``a/b``."""
    parts = rel.split("/")[:-1]
    for i in range(1, len(parts) + 1):
        yield "/".join(parts[:i])


def export_path(remote_path: str, fmt: str) -> str:
    """Where an exported document is kept: ``Plan`` or ``Plan.docx`` -> ``Plan.md``."""
    p = PurePosixPath(remote_path)
    stem = p.stem if p.suffix else p.name
    name = stem + EXPORT_SUFFIX.get(fmt, "")
    return name if str(p.parent) == "." else f"{p.parent}/{name}"


def conflict_name(rel: str, service: str, when: datetime) -> str:
    """``guide.md`` -> ``guide (conflict onedrive 2026-12-02 1430).md``, beside it."""
    p = PurePosixPath(rel)
    stamp = when.strftime("%Y-%m-%d %H%M")
    name = f"{p.stem}{CONFLICT_MARK}{service} {stamp}){p.suffix}"
    return name if str(p.parent) == "." else f"{p.parent}/{name}"
