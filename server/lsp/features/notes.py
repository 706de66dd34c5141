"""Notebooks in the editor: "Import OneNote Section…" writes a section's pages into a
workspace folder as Markdown (:func:`server.hub.notes.import_section`), and "Export Markdown
to OneNote…" makes a Markdown document a new page.

Choices are asked with ``window/showMessageRequest`` (a section, then the folder, default
``notes/<section>``), or given as arguments: ``[section, folder]`` to import, ``[uri,
section]`` to export, a section named by its id or its "Notebook / Section" label. An import
reports its progress page by page where the client declares ``window.workDoneProgress``.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from connectors.sdk.errors import TielineError

from ..common import hub_or_fail, info
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..progress import work_done
from ..server import TielineServer, client_supports_show_document, path_of

if TYPE_CHECKING:
    from server.hub.hub import Hub
    from server.hub.notes import SectionChoice

IMPORT = "tieline.notes.importSection"
EXPORT = "tieline.notes.exportMarkdown"
OPEN = "Open in OneNote"


async def _ask(ls: TielineServer, message: str, titles: list[str]) -> str | None:
    choice = await ls.window_show_message_request_async(
        types.ShowMessageRequestParams(
            type=types.MessageType.Info,
            message=message,
            actions=[types.MessageActionItem(title=t) for t in titles],
        )
    )
    return choice.title if choice is not None else None


async def _section(ls: TielineServer, hub: Hub, wanted: Any, question: str) -> SectionChoice | None:
    from server.hub.notes import sections

    choices = await sections(hub)
    if not choices:
        raise TielineError("no notebook section found in the signed-in accounts")
    if isinstance(wanted, str) and wanted:
        found = [c for c in choices if wanted in (c.section.id, c.section.label)]
        if not found:
            raise FeatureError(code=INVALID_PARAMS, message=f"no section {wanted!r}")
        return found[0]
    if len(choices) == 1:
        return choices[0]
    by_label: dict[str, SectionChoice] = {}
    for c in choices:
        label, n = c.label, 2
        while label in by_label:  # two accounts' sections of one name
            label, n = f"{c.label} ({n})", n + 1
        by_label[label] = c
    picked = await _ask(ls, question, list(by_label))
    return by_label.get(picked) if picked is not None else None


def _inside(root: Path, value: str) -> Path:
    """A folder of the workspace named by a relative path, an absolute one or a file URI."""
    path = path_of(value) if value.startswith("file:") else Path(value)
    if path is None:
        raise FeatureError(code=INVALID_PARAMS, message=f"not a local folder: {value}")
    full = (path if path.is_absolute() else root / path).resolve()
    if full != root.resolve() and root.resolve() not in full.parents:
        raise FeatureError(code=INVALID_PARAMS, message=f"{value} is not inside the workspace")
    return full


async def _folder(ls: TielineServer, hub: Hub, c: SectionChoice, wanted: Any) -> Path | None:
    from server.hub.notes import default_folder, safe_name

    root = hub.root
    if root is None:
        raise FeatureError(code=INVALID_PARAMS, message="open a workspace folder first")
    if isinstance(wanted, str) and wanted:
        return _inside(root, wanted)
    default = default_folder(c.section)
    tops = sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name != "notes"
    )
    name = safe_name(c.section.name, "section")
    options = [default, *(f"{t}/{name}" for t in tops[:4])]
    picked = await _ask(ls, f"Import “{c.label}” into which folder?", options)
    return _inside(root, picked) if picked is not None else None


@contextlib.asynccontextmanager
async def _progress(
    ls: TielineServer, title: str
) -> AsyncIterator[Callable[[int, int, str], None]]:
    """``$/progress`` with a report per page, for a client that declares it."""
    async with work_done(ls, title, kind="notes") as send:

        def report(done: int, total: int, page: str) -> None:
            if send is not None and total:
                from server.hub.sanitize import plain_text

                send(f"{done}/{total} {plain_text(page, 60)}".strip(), done * 100 // total)

        yield report


async def import_section(ls: TielineServer, args: list[Any]) -> dict[str, Any]:
    from server.hub import notes

    hub = await hub_or_fail(ls)
    c = await _section(ls, hub, args[0] if args else None, "Import which OneNote section?")
    if c is None:
        return {"cancelled": True}
    folder = await _folder(ls, hub, c, args[1] if len(args) > 1 else None)
    if folder is None:
        return {"cancelled": True}
    async with _progress(ls, f"Importing {c.label}") as report:
        result = await notes.import_section(
            notes.notebooks(c.session), c.section, folder, progress=report
        )
    info(ls, f"Imported {c.label} into {folder.name}: {notes.summary(result)}")
    return {
        "folder": folder.as_uri(),
        "written": result.written,
        "unchanged": result.unchanged,
        "conflicts": result.conflicts,
        "images": result.images,
    }


def _markdown_of(ls: TielineServer, uri: str) -> tuple[str, str]:
    """The text of a Markdown document (open, else on disk) and its file's stem."""
    doc = ls.document(uri)
    path = path_of(uri)
    name = path.stem if path is not None else uri.rsplit("/", 1)[-1]
    suffix = str(path or uri).lower().endswith((".md", ".markdown"))
    is_md = suffix or (doc is not None and doc.language_id == "markdown")
    if not is_md:
        raise FeatureError(code=INVALID_PARAMS, message="export a Markdown document")
    if doc is not None:
        return doc.source, name
    if path is None or not path.is_file():
        raise FeatureError(code=INVALID_PARAMS, message=f"no such document: {uri}")
    return path.read_text(encoding="utf-8"), name


async def _open_markdown(ls: TielineServer) -> str | None:
    """From the palette (no argument): the one open Markdown document, or a choice of them."""
    docs: dict[str, str] = {
        Path(d.path).name or d.uri: d.uri
        for d in ls.open_documents()
        if d.language_id == "markdown" or d.uri.lower().endswith((".md", ".markdown"))
    }
    if not docs:
        raise TielineError("open the Markdown document to export first")
    if len(docs) == 1:
        return next(iter(docs.values()))
    picked = await _ask(ls, "Export which document to OneNote?", sorted(docs)[:8])
    return docs.get(picked) if picked is not None else None


async def export_markdown(ls: TielineServer, args: list[Any]) -> dict[str, Any]:
    from server.hub import notes

    uri = args[0] if args and isinstance(args[0], str) and args[0] else await _open_markdown(ls)
    if uri is None:
        return {"cancelled": True}
    text, name = _markdown_of(ls, uri)
    hub = await hub_or_fail(ls)
    c = await _section(
        ls, hub, args[1] if len(args) > 1 else None, f"Export {name} to which OneNote section?"
    )
    if c is None:
        return {"cancelled": True}
    page = await notes.export_markdown(notes.notebooks(c.session), c.section, text, name)
    opened = False
    said = f"Created the page “{page.title}” in {c.label}"
    if page.url and client_supports_show_document(ls):
        if await _ask(ls, said, [OPEN]) == OPEN:
            shown = await ls.window_show_document_async(
                types.ShowDocumentParams(uri=page.url, external=True)
            )
            opened = bool(shown and shown.success)
    else:
        info(ls, said + (f" ({page.url})" if page.url else ""))
    return {"id": page.id, "title": page.title, "url": page.url, "opened": opened}


def setup(server: TielineServer) -> None:
    @server.command(IMPORT)
    @guarded(IMPORT)
    async def import_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        return await import_section(ls, list(args))

    @server.command(EXPORT)
    @guarded(EXPORT)
    async def export_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        return await export_markdown(ls, list(args))
