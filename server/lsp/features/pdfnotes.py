"""*Import PDF Annotations…*: a PDF's highlights, notes and ink into a Markdown note beside it
(:mod:`server.hub.pdfnotes`), merged into the note an earlier import wrote.

``tieline.importPdfAnnotations [pdf, note]``: the PDF by a path (relative to a workspace
folder, or absolute) or a ``file:`` URI -- or the URI object VS Code passes from the
explorer's context menu -- and optionally the note (default ``<name>.annotations.md`` beside
the PDF), which must be inside a workspace folder. Without arguments the workspace's PDFs
are offered with ``window/showMessageRequest`` (the most recently changed first), or the one
there is taken. The reading reports ``$/progress`` page by page where the client declares
``window.workDoneProgress`` (the text under highlights is the slow part of a large PDF).

A note open in the editor is merged from its buffer, unsaved edits and all, and changed with
``workspace/applyEdit`` rather than written behind the editor's back (a client without
``applyEdit`` gets the file written). An encrypted or damaged
PDF is an error that says so, and nothing is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from connectors.sdk.errors import TielineError

from ..common import choose, info
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..progress import work_done
from ..server import TielineServer, path_of

if TYPE_CHECKING:
    from server.hub.pdfnotes import ImportResult

COMMAND = "tieline.importPdfAnnotations"
#: PDFs offered from the palette, and folders never looked in for them.
OFFERED = 8
SKIPPED = frozenset({"node_modules", "__pycache__", "venv", "site-packages", "target", "dist"})
#: Files looked at, at most, when listing the workspace's PDFs.
WALK_LIMIT = 50_000
_locks: dict[Path, asyncio.Lock] = {}


def _as_path(value: Any, folders: list[Path]) -> Path | None:
    """A path, a ``file:`` URI, or VS Code's URI object (``{"scheme": "file", "fsPath"...}``)."""
    if isinstance(value, dict):
        if value.get("scheme") not in (None, "file"):
            return None
        value = value.get("fsPath") or value.get("external") or value.get("path")
    if not isinstance(value, str) or not value:
        return None
    if value.startswith("file:"):
        return path_of(value)
    path = Path(value).expanduser()
    if path.is_absolute():
        return path
    for f in folders:
        if (f / path).exists():
            return f / path
    return folders[0] / path if folders else None


def _inside(path: Path, folders: list[Path]) -> bool:
    full = path.resolve()
    return any(full == f.resolve() or f.resolve() in full.parents for f in folders)


def workspace_pdfs(folders: list[Path]) -> list[Path]:
    """The PDFs in the workspace, most recently changed first (hidden and dependency folders
    skipped)."""
    found: list[tuple[float, Path]] = []
    seen = 0
    for folder in folders:
        for top, dirs, files in os.walk(folder):
            dirs[:] = [d for d in dirs if not d.startswith(".") and d not in SKIPPED]
            for name in files:
                seen += 1
                if name.lower().endswith(".pdf"):
                    path = Path(top) / name
                    with contextlib.suppress(OSError):
                        found.append((path.stat().st_mtime, path))
            if seen > WALK_LIMIT:
                break
    return [p for _, p in sorted(found, key=lambda t: (-t[0], str(t[1])))]


def _label(path: Path, folders: list[Path]) -> str:
    for f in folders:
        with contextlib.suppress(ValueError):
            return path.relative_to(f).as_posix()
    return str(path)


async def _ask_pdf(ls: TielineServer, folders: list[Path]) -> Path | None:
    pdfs = await asyncio.to_thread(workspace_pdfs, folders)
    if not pdfs:
        raise TielineError("no PDF in the workspace; pass the PDF's path to import it")
    if len(pdfs) == 1:
        return pdfs[0]
    by_label = {_label(p, folders): p for p in pdfs[:OFFERED]}
    more = (
        f" (the {OFFERED} changed last of {len(pdfs)}; pass a path for another)"
        if len(pdfs) > OFFERED
        else ""
    )
    picked = await choose(ls, f"Import the annotations of which PDF?{more}", list(by_label))
    return by_label.get(picked) if picked is not None else None


@contextlib.asynccontextmanager
async def _progress(
    ls: TielineServer, title: str
) -> AsyncIterator[Callable[[int, int, str], None]]:
    """``$/progress`` for a client that declares it; the report may be called from the
    thread that reads the PDF."""
    loop = asyncio.get_running_loop()
    async with work_done(ls, title, kind="pdfnotes") as send:

        def report(done: int, total: int, what: str) -> None:
            if send is not None:
                message = f"{what} ({done}/{total})"
                loop.call_soon_threadsafe(send, message, done * 100 // max(total, 1))

        yield report


async def _apply(ls: TielineServer, uri: str, old: str, new: str) -> bool:
    """Replace an open note's whole text in the editor."""
    lines = old.split("\n")
    end = types.Position(line=len(lines) - 1, character=len(lines[-1].encode("utf-16-le")) // 2)
    edit = types.WorkspaceEdit(
        changes={uri: [types.TextEdit(range=types.Range(types.Position(0, 0), end), new_text=new)]}
    )
    got = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label="Import PDF annotations")
    )
    return bool(got and got.applied)


async def import_pdf(ls: TielineServer, args: list[Any]) -> dict[str, Any]:
    from server.hub import pdfnotes

    folders = ls.folder_paths()
    if args and args[0]:
        pdf = _as_path(args[0], folders)
        if pdf is None:
            raise FeatureError(code=INVALID_PARAMS, message=f"not a local PDF: {args[0]!r}")
    else:
        if not folders:
            raise FeatureError(code=INVALID_PARAMS, message="open a workspace folder first")
        pdf = await _ask_pdf(ls, folders)
        if pdf is None:
            return {"cancelled": True}
    if not pdf.is_file():
        raise FeatureError(code=INVALID_PARAMS, message=f"no such PDF: {pdf}")
    wanted = args[1] if len(args) > 1 and isinstance(args[1], str) and args[1] else None
    note = _as_path(wanted, folders) if wanted else pdfnotes.default_note(pdf)
    if note is None or not _inside(note, folders):
        raise FeatureError(
            code=INVALID_PARAMS,
            message=f"the note must be inside a workspace folder: {note or wanted}",
        )
    note = note.resolve()
    uri = note.as_uri()
    lock = _locks.setdefault(note, asyncio.Lock())
    async with lock, _progress(ls, f"Importing annotations of {pdf.name}") as report:
        caps = ls.client_capabilities
        edits = bool(caps and caps.workspace and caps.workspace.apply_edit)
        doc = ls.document(uri) if edits else None  # else the file, which the editor reloads
        current = doc.source if doc is not None else None
        result: ImportResult = await asyncio.to_thread(
            pdfnotes.import_annotations,
            pdf,
            note,
            current=current,
            progress=report,
            write=doc is None,
        )
        applied = False
        if doc is not None and current is not None and result.merged.text != current:
            applied = await _apply(ls, uri, current, result.merged.text)
    m = result.merged
    info(ls, f"{pdf.name} → {note.name}: {pdfnotes.summary(result)}")
    return {
        "pdf": pdf.resolve().as_uri(),
        "note": uri,
        "written": result.written,
        "applied": applied,
        "annotations": result.annotations,
        "added": len(m.added),
        "updated": len(m.updated) + len(m.both_changed),
        "removed": len(m.removed),
        "restored": len(m.restored),
        "unchanged": len(m.unchanged) + len(m.kept_edits),
    }


def setup(server: TielineServer) -> None:
    @server.command(COMMAND)
    @guarded(COMMAND)
    async def import_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        return await import_pdf(ls, list(args))
