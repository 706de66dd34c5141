"""Finding vaults and reading their files. Everything here blocks on the disk, so callers on
the event loop run it in a thread (``asyncio.to_thread``), a chunk of files at a time.

A vault is a workspace folder, or a folder under one, that holds ``.obsidian/`` (Obsidian
made it), or a folder named in ``notes.vaults`` (relative to each workspace folder, or
absolute). Inside a vault, hidden folders (``.obsidian``, ``.git``, ``.trash``) and
``node_modules`` are skipped, and so is a folder that is a vault of its own.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .parse import Note, parse_note

MARKER = ".obsidian"
SKIP = frozenset({"node_modules", "__pycache__"})
SEARCH_DEPTH = 3  # how deep under a workspace folder ``.obsidian/`` is looked for
MAX_NOTE_BYTES = 2_000_000  # a bigger .md file is a file, not a note (a data dump)


def _skipped(name: str) -> bool:
    return name.startswith(".") or name in SKIP


def find_vaults(
    folders: Sequence[Path], configured: Sequence[str] = (), *, find_obsidian: bool = True
) -> list[Path]:
    """The vault roots of the workspace, outermost first, each once."""
    found: list[Path] = []
    for folder in folders:
        for name in configured:
            p = Path(name).expanduser()
            p = p if p.is_absolute() else folder / p
            if p.is_dir():
                found.append(p.resolve())
        if find_obsidian:
            found += _obsidian_roots(folder)
    out: list[Path] = []
    for p in sorted(set(found), key=lambda p: (len(p.parts), str(p))):
        if p not in out:
            out.append(p)
    return out


def _obsidian_roots(folder: Path) -> list[Path]:
    out: list[Path] = []
    base_depth = len(folder.parts)
    for dirpath, dirnames, _ in os.walk(folder):
        here = Path(dirpath)
        if MARKER in dirnames and (here / MARKER).is_dir():
            out.append(here.resolve())
        depth = len(here.parts) - base_depth
        dirnames[:] = [] if depth >= SEARCH_DEPTH else [d for d in dirnames if not _skipped(d)]
    return out


def walk(root: Path, others: Iterable[Path] = ()) -> list[str]:
    """Every file of the vault at ``root``, by its ``/``-separated path from the root; the
    vaults in ``others`` that lie inside it are left out (they are vaults of their own)."""
    inner = {p for p in others if p != root}
    out: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(d for d in dirnames if not _skipped(d) and (here / d) not in inner)
        rel = here.relative_to(root).as_posix()
        prefix = "" if rel == "." else rel + "/"
        out += [prefix + f for f in sorted(filenames) if not f.startswith(".")]
    return out


Signature = tuple[int, int]  # (mtime in ns, size): what a poll compares


def snapshot(root: Path, others: Iterable[Path] = ()) -> dict[str, Signature]:
    """Every file of the vault at ``root`` (as :func:`walk` finds them) with its
    :data:`Signature`, in one ``scandir`` pass: 10,000 notes take milliseconds."""
    inner = {p for p in others if p != root}
    out: dict[str, Signature] = {}
    stack: list[tuple[Path, str]] = [(root, "")]
    while stack:
        here, prefix = stack.pop()
        try:
            entries = list(os.scandir(here))
        except OSError:
            continue
        for e in entries:
            name = e.name
            try:
                if e.is_dir():
                    if e.is_symlink():
                        continue  # as os.walk (and so walk) does not go into it
                    path = here / name
                    if not _skipped(name) and path not in inner:
                        stack.append((path, prefix + name + "/"))
                elif not name.startswith("."):
                    st = e.stat()
                    out[prefix + name] = (st.st_mtime_ns, st.st_size)
            except OSError:
                continue  # gone between the listing and the stat
    return out


def changed(before: dict[str, Signature], after: dict[str, Signature]) -> list[str]:
    """The files created, changed or gone between two snapshots, sorted."""
    out = [rel for rel, sig in after.items() if before.get(rel) != sig]
    out += [rel for rel in before if rel not in after]
    return sorted(out)


def is_note(path: str) -> bool:
    return path.casefold().endswith(".md")


def read_note(root: Path, rel: str) -> Note | None:
    """A note parsed from disk; ``None`` when it cannot be read (gone, too big, not text)."""
    p = root / rel
    try:
        if p.stat().st_size > MAX_NOTE_BYTES:
            return None
        text = p.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return parse_note(text)


def read_chunk(root: Path, rels: Sequence[str]) -> list[tuple[str, Note | None]]:
    """Each path with its parsed note (``None`` for a file that is not a note)."""
    return [(rel, read_note(root, rel) if is_note(rel) else None) for rel in rels]


@dataclass(frozen=True)
class NewNotePlace:
    """Where Obsidian puts a new note (``.obsidian/app.json``: ``newFileLocation``):
    ``root`` the vault's root (Obsidian's default), ``current`` beside the linking note,
    ``folder`` in ``newFileFolderPath``."""

    where: str = "root"
    folder: str = ""


def new_note_place(root: Path) -> NewNotePlace:
    try:
        data = json.loads((root / MARKER / "app.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return NewNotePlace()
    if not isinstance(data, dict):
        return NewNotePlace()
    where = data.get("newFileLocation")
    folder = data.get("newFileFolderPath")
    return NewNotePlace(
        where if where in ("root", "current", "folder") else "root",
        folder.strip("/") if isinstance(folder, str) else "",
    )
