"""Hosted pages (Notion, Confluence) in the editor, through :mod:`server.hub.pages.sync`.

- ``tieline.searchPages [query]``: the pages matching ``query`` in every signed-in Pages
  session, offered as a choice (``window/showMessageRequest``); the one picked is imported.
- ``tieline.importPage [url-or-id, folder?]``: a page and its child pages (``pages.depth``
  levels) into a workspace folder: the one given, else the ``pages.folder`` setting, else
  one asked for (default ``pages``); with work-done progress page by page.
- ``tieline.exportPage [uri?, parent?]``: a Markdown document (the open one when not given)
  to the page its front matter names, else to a new page under a parent: ``parent`` names a
  space (``space:KEY``) or a page (its URL or id), else the space or page is asked for. The
  new id and version go back into the document's front matter as a workspace edit.
- Hover on a page URL any Pages session recognises: the page's card.

The VS Code shell asks for the query or the page when the palette gives no argument.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from connectors.sdk.errors import NotFound, TielineError

from ..common import arg, hub_or_fail, info
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..progress import work_done
from ..server import TielineServer, markdown, path_of
from .notes import _ask, _inside, _markdown_of

if TYPE_CHECKING:
    from connectors.sdk.pages import PageParent
    from server.hub.hub import Hub
    from server.hub.pages.sync import PagesSession

SEARCH = "tieline.searchPages"
IMPORT = "tieline.importPage"
EXPORT = "tieline.exportPage"
DEFAULT_FOLDER = "pages"
#: Choices offered at once (a message request shows its actions as buttons).
MAX_CHOICES = 12
LOOKUP_WAIT = 8.0  # seconds a hover waits for a page's metadata
_URL = re.compile(r"https?://[^\s<>()\[\]\"'`]+")


def _labelled(items: list[tuple[str, Any]]) -> dict[str, Any]:
    """Labels made unique (``x (2)``) for a choice."""
    out: dict[str, Any] = {}
    for label, value in items:
        name, n = label, 2
        while name in out:
            name, n = f"{label} ({n})", n + 1
        out[name] = value
    return out


async def _folder(ls: TielineServer, hub: Hub, title: str, wanted: Any) -> Path | None:
    root = hub.root
    if root is None:
        raise FeatureError(code=INVALID_PARAMS, message="open a workspace folder first")
    if isinstance(wanted, str) and wanted:
        return _inside(root, wanted)
    if hub.config.pages.folder:
        return _inside(root, hub.config.pages.folder)
    tops = sorted(
        p.name
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name != DEFAULT_FOLDER
    )
    options = [DEFAULT_FOLDER, *(f"{t}/{DEFAULT_FOLDER}" for t in tops[:4])]
    picked = await _ask(ls, f"Import “{title}” into which folder?", options)
    return _inside(root, picked) if picked is not None else None


@contextlib.asynccontextmanager
async def _progress(
    ls: TielineServer, title: str
) -> AsyncIterator[Callable[[int, int, str], None]]:
    async with work_done(ls, title, kind="pages") as send:

        def report(done: int, total: int, page: str) -> None:
            if send is not None and total:
                from server.hub.sanitize import plain_text

                send(f"{done}/{total} {plain_text(page, 60)}".strip(), done * 100 // total)

        yield report


async def _import(
    ls: TielineServer, hub: Hub, session: PagesSession, page_id: str, title: str, folder: Any
) -> dict[str, Any]:
    from server.hub.pages import sync
    from server.hub.sanitize import plain_text

    where = await _folder(ls, hub, plain_text(title, 80), folder)
    if where is None:
        return {"cancelled": True}
    service = sync.Service.of(session.connector)
    async with _progress(ls, f"Importing {plain_text(title, 80)}") as report:
        result = await sync.import_page(
            sync.pages_of(session),
            service,
            page_id,
            where,
            depth=hub.config.pages.depth,
            progress=report,
        )
    info(ls, f"Imported “{plain_text(title, 80)}”: {sync.summary(result, service.name)}")
    return {
        "folder": where.as_uri(),
        "file": (where / result.top).as_uri() if result.top else None,
        "written": result.written,
        "unchanged": result.unchanged,
        "conflicts": result.conflicts,
        "images": result.images,
        "pages": result.pages,
    }


async def search_pages(ls: TielineServer, args: list[Any]) -> dict[str, Any]:
    from server.hub.pages import sync

    query = arg(args, 0, str, "query").strip()
    if not query:
        raise FeatureError(code=INVALID_PARAMS, message="expected a query to search pages for")
    hub = await hub_or_fail(ls)
    found = await sync.search(hub, query)
    wire = [
        {"id": c.page.id, "title": c.page.title, "url": c.page.url, "space": c.page.space}
        for c in found
    ]
    if not found:
        info(ls, f"No page matches “{query}”")
        return {"query": query, "results": []}
    choices = _labelled([(c.label, c) for c in found[:MAX_CHOICES]])
    picked = await _ask(ls, f"Import which page? ({len(found)} match “{query}”)", list(choices))
    if picked is None or picked not in choices:
        return {"query": query, "results": wire, "cancelled": True}
    c = choices[picked]
    imported = await _import(ls, hub, c.session, c.page.id, c.page.title, None)
    return {"query": query, "results": wire, "imported": imported}


async def import_page(ls: TielineServer, args: list[Any]) -> dict[str, Any]:
    from server.hub.pages import sync

    wanted = arg(args, 0, str, "page URL or id").strip()
    if not wanted:
        raise FeatureError(code=INVALID_PARAMS, message="expected a page URL or id")
    hub = await hub_or_fail(ls)
    session, page_id = sync.resolve(hub, wanted)
    page = await sync.pages_of(session).page_info(page_id)
    return await _import(ls, hub, session, page.id, page.title, args[1] if len(args) > 1 else None)


# -- export ------------------------------------------------------------------------------


async def _open_markdown(ls: TielineServer) -> str | None:
    docs: dict[str, str] = {
        Path(d.path).name or str(uri): str(uri)
        for uri, d in ls.workspace.text_documents.items()
        if d.language_id == "markdown" or uri.lower().endswith((".md", ".markdown"))
    }
    if not docs:
        raise TielineError("open the Markdown document to export first")
    if len(docs) == 1:
        return next(iter(docs.values()))
    picked = await _ask(ls, "Export which document?", sorted(docs)[:MAX_CHOICES])
    return docs.get(picked) if picked is not None else None


async def _session_for(ls: TielineServer, hub: Hub, text: str) -> PagesSession | None:
    """The session of the service the front matter names, else one chosen."""
    from server.hub.pages import sync
    from server.hub.pages.markdown import META_KEY, page_meta, split_front_matter

    found = sync.sessions(hub)
    if not found:
        raise TielineError("sign in to a page service (Notion or Confluence) first")
    named = page_meta(split_front_matter(text)[0]).get("service")
    same = [s for s in found if sync.Service.of(s.connector).id == named]
    if same:
        return same[0]
    if named:  # exported elsewhere, it would lose its link to its own page
        raise TielineError(
            f"this document is a page of {named}: sign in to it to export, or remove the "
            f"`{META_KEY}` front matter to make it a new page"
        )
    if len(found) == 1:
        return found[0]
    choices = _labelled([(f"{sync.Service.of(s.connector).name} ({s.key})", s) for s in found])
    picked = await _ask(ls, "Export to which service?", list(choices)[:MAX_CHOICES])
    return choices.get(picked) if picked is not None else None


async def _parent(
    ls: TielineServer, session: PagesSession, wanted: Any, name: str
) -> PageParent | None:
    from connectors.sdk.pages import PageParent
    from server.hub.pages import sync

    pages = sync.pages_of(session)
    if isinstance(wanted, str) and wanted:
        if wanted.startswith("space:"):
            return PageParent(space=wanted[len("space:") :])
        under = await pages.page_info(pages.page_id_from_url(wanted) or wanted)
        return PageParent(page_id=under.id, space=under.space)
    spaces = list(await pages.page_spaces())
    if spaces:
        if len(spaces) == 1:
            return PageParent(space=spaces[0].key)
        by_space = _labelled([(f"{s.name} ({s.key})", s.key) for s in spaces[:MAX_CHOICES]])
        picked = await _ask(ls, f"Create “{name}” in which space?", list(by_space))
        return PageParent(space=by_space[picked]) if picked in by_space else None
    found = list(await pages.search_pages("", limit=MAX_CHOICES))
    if not found:
        raise TielineError("no page to create the new page under: share one with Tieline first")
    by_page = _labelled([(p.title or p.id, p) for p in found])
    picked = await _ask(ls, f"Create “{name}” under which page?", list(by_page))
    if picked not in by_page:
        return None
    return PageParent(page_id=by_page[picked].id, space=by_page[picked].space)


async def _apply(ls: TielineServer, uri: str, old: str, new: str) -> bool:
    """Replace the document's whole text in the editor."""
    lines = old.split("\n")
    end = types.Position(line=len(lines) - 1, character=len(lines[-1].encode("utf-16-le")) // 2)
    edit = types.WorkspaceEdit(
        changes={uri: [types.TextEdit(range=types.Range(types.Position(0, 0), end), new_text=new)]}
    )
    got = await ls.workspace_apply_edit_async(
        types.ApplyWorkspaceEditParams(edit=edit, label="Export page: its id and version")
    )
    return bool(got and got.applied)


async def export_page(ls: TielineServer, args: list[Any]) -> dict[str, Any]:
    from server.hub.pages import sync

    uri = args[0] if args and isinstance(args[0], str) and args[0] else await _open_markdown(ls)
    if uri is None:
        return {"cancelled": True}
    text, name = _markdown_of(ls, uri)
    path = path_of(uri)
    hub = await hub_or_fail(ls)
    if path is None or hub.root is None:
        raise FeatureError(code=INVALID_PARAMS, message="export a file of the workspace")
    session = await _session_for(ls, hub, text)
    if session is None:
        return {"cancelled": True}
    service = sync.Service.of(session.connector)
    parent = None
    if sync.target_of(text, service) is None:
        parent = await _parent(ls, session, args[1] if len(args) > 1 else None, name)
        if parent is None:
            return {"cancelled": True}
    result = await sync.export_markdown(
        sync.pages_of(session), service, text, path=path, root=hub.root, parent=parent
    )
    caps = ls.client_capabilities
    applied = False
    if caps and caps.workspace and caps.workspace.apply_edit:
        applied = await _apply(ls, uri, text, result.text)
    elif ls.document(uri) is None:  # no editor to ask, and no open copy to fall behind
        await asyncio.to_thread(path.write_text, result.text, encoding="utf-8")
        applied = True
    if applied:
        await asyncio.to_thread(sync.note_exported, path, result.text)
    verb = "Created" if result.created else "Updated"
    info(ls, f"{verb} the page “{result.page.title}” on {service.name}")
    return {
        "id": result.page.id,
        "title": result.page.title,
        "url": result.page.url,
        "version": result.page.version,
        "created": result.created,
        "applied": applied,
    }


# -- hover -------------------------------------------------------------------------------


def url_at(line: str, character: int) -> tuple[str, int, int] | None:
    """The http(s) URL under ``character`` of ``line``, and where it starts and ends."""
    for m in _URL.finditer(line):
        url = m.group(0).rstrip(".,;:!?*_")
        if m.start() <= character <= m.start() + len(url):
            return url, m.start(), m.start() + len(url)
    return None


async def hover(ls: TielineServer, params: types.HoverParams) -> types.Hover | None:
    """The card of the page whose URL is under the cursor, if a Pages session knows it."""
    from server.hub.pages import sync
    from server.hub.sanitize import escape_inline

    from ..cards import page_card

    doc = ls.document(params.text_document.uri)
    hub = ls.hub
    if doc is None or hub is None or params.position.line >= len(doc.lines):
        return None
    found = url_at(doc.lines[params.position.line], params.position.character)
    if found is None:
        return None
    url, start, end = found
    at = sync.page_at(hub, url)
    if at is None:
        return None
    session, page_id = at
    service = sync.Service.of(session.connector)
    try:
        page = await asyncio.wait_for(sync.pages_of(session).page_info(page_id), LOOKUP_WAIT)
        text = page_card(page, service.name)
    except NotFound:
        text = f"{escape_inline(service.name)}: no such page."
    except TimeoutError:
        text = f"{escape_inline(service.name)} page: still loading…"
    except TielineError as exc:
        text = f"{escape_inline(service.name)}: {escape_inline(exc.message)}"
    line = params.position.line
    return types.Hover(
        contents=markdown(text),
        range=types.Range(types.Position(line, start), types.Position(line, end)),
    )


def setup(server: TielineServer) -> None:
    @server.command(SEARCH)
    @guarded(SEARCH)
    async def search_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        return await search_pages(ls, list(args))

    @server.command(IMPORT)
    @guarded(IMPORT)
    async def import_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        return await import_page(ls, list(args))

    @server.command(EXPORT)
    @guarded(EXPORT)
    async def export_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        return await export_page(ls, list(args))
