"""Documentation look-up: hover on a symbol, *Look Up Docs*, *Search Docs*, the Docs panel.

Hover comes after the service references (:mod:`.hover` calls :func:`docs_hover` only where
no reference is under the cursor) and answers from memory: the installed sets are loaded once
(:class:`server.hub.docs.DocsLibrary`), the first hover waiting up to ``LOAD_WAIT`` for that.
Commands (every editor has them through ``workspace/executeCommand``):

- ``tieline.lookUpDocs [uri, {line, character}]`` -- the symbol there; opens its page when one
  set has it, else shows the matches in the Docs panel. ``[query]`` looks up a name.
- ``tieline.searchDocs [query, language?]`` -- every installed set; the results are returned
  and shown in the Docs panel's *Results* group.
- ``tieline.openDocs [url]`` -- an installed entry's page, in the browser
  (``window/showDocument`` with ``external``); for a local HTML docset page the answer carries
  ``local`` too, for a shell with a preview to show it in.
- ``tieline.docs.page [url]`` -- a local docset page sanitised for such a preview
  (:mod:`server.hub.docs.preview`): ``{title, url, local, html}``.
- ``tieline.updateDocs [set id?]`` -- fetch the URL-backed indexes again (revalidating).
"""

from __future__ import annotations

import asyncio
import weakref
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from connectors.sdk.errors import TielineError
from connectors.sdk.lazy import lazy_module

from ..common import arg, hub_or_fail, plain
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..server import TielineServer, markdown

if TYPE_CHECKING:
    from pygls.workspace import TextDocument

    from server.hub.docs import DocResult, DocsLibrary
    from server.hub.hub import Hub

    from .. import tieline_protocol as proto
else:
    proto = lazy_module("server.lsp.tieline_protocol")

LOAD_WAIT = 10.0  # seconds a hover waits for the sets' first load (the stdlib index build)
PANEL_ID = "docs"
RESULTS_ID = "docs/results"
SEARCH_LIMIT = 50
_HOVERS = 512
#: Language ids editors send for files whose docs sets are keyed otherwise.
_ALIASES = {"javascriptreact": "javascript", "typescriptreact": "typescript", "py": "python"}


class DocsState:
    """What the Docs panel shows besides the sets: the last search and its results."""

    def __init__(self) -> None:
        self.query: str | None = None
        self.results: list[DocResult] = []
        self.cards: dict[tuple[str, str], str] = {}

    def card(self, hit: DocResult) -> str:
        key = (hit.set_id, hit.url)
        text = self.cards.get(key)
        if text is None:
            text = hover_card(hit)
            if len(self.cards) >= _HOVERS:
                self.cards.pop(next(iter(self.cards)))
            self.cards[key] = text
        return text


_state = DocsState()


def language_of(doc: TextDocument) -> str:
    lang = (doc.language_id or "").lower()
    if not lang and doc.uri.endswith((".py", ".pyi")):
        lang = "python"
    return _ALIASES.get(lang, lang)


def hover_card(hit: DocResult) -> str:
    """Markdown for a hover or a tooltip. Summaries come from the sets' own text (docstrings,
    display names): sanitized like any other text Tieline did not write."""
    from server.hub.sanitize import code_span, escape_inline, sanitize_markdown

    head = f"{code_span(hit.name)} · {escape_inline(hit.kind)} · *{escape_inline(hit.set_title)}*"
    parts = [head]
    if hit.summary:
        parts.append(sanitize_markdown(hit.summary, max_chars=800, max_lines=12))
    if hit.url.startswith(("https://", "http://")):
        parts.append(f"[Open documentation]({hit.url})")
    else:
        parts.append("*Tieline: Look Up Docs* opens this page.")
    return "\n\n".join(parts)


async def _loaded(ls: TielineServer, hub: Hub, patience: float | None) -> DocsLibrary | None:
    """The library once loaded (waiting up to ``patience``); the first load tells the shells
    to redraw the Docs panel, which until then only names the sets."""
    library = hub.docs
    if library.loaded:
        return library
    try:
        await asyncio.wait_for(library.load(), patience)
    except TimeoutError:
        return None
    if library is hub.docs and library not in _announced:
        _announced.add(library)
        _panel_changed(ls)
    return library


_announced: weakref.WeakSet[DocsLibrary] = weakref.WeakSet()


_LINES: dict[str, tuple[int | None, str, list[str]]] = {}


def _lines(doc: TextDocument) -> list[str]:
    """The document's lines, split once per version: pygls splits the whole text on every
    ``doc.lines``, most of a hover's cost in a large file."""
    hit = _LINES.get(doc.uri)
    source = doc.source
    if hit is not None and hit[0] == doc.version and hit[1] is source:
        return hit[2]
    lines = source.splitlines(True)
    if len(_LINES) >= 16 and doc.uri not in _LINES:
        _LINES.pop(next(iter(_LINES)))
    _LINES[doc.uri] = (doc.version, source, lines)
    return lines


def _symbol(doc: TextDocument, position: types.Position) -> tuple[str, types.Range] | None:
    from server.hub.docs.symbols import symbol_span

    lines = _lines(doc)
    if position.line >= len(lines):
        return None
    line = lines[position.line].rstrip("\r\n")
    col = doc.position_codec.position_from_client_units(lines, position).character
    span = symbol_span(line, col)
    if span is None:
        return None
    start, end = span
    rng = doc.position_codec.range_to_client_units(
        lines,
        types.Range(
            start=types.Position(position.line, start), end=types.Position(position.line, end)
        ),
    )
    return line[start:end], rng


async def docs_hover(
    ls: TielineServer, doc: TextDocument, position: types.Position
) -> types.Hover | None:
    """The documentation of the symbol under the cursor, or ``None``."""
    from server.hub.docs import candidates

    hub = ls.hub
    if hub is None or not hub.config.docs.hover:
        return None
    found = _symbol(doc, position)
    if found is None:
        return None
    language = language_of(doc)
    if not hub.docs.serves(language):
        return None
    library = await _loaded(ls, hub, LOAD_WAIT)
    if library is None or not library.sets_for(language):
        return None
    symbol, rng = found
    hit = library.lookup(candidates(symbol, language, doc.source), language)
    if hit is None:
        return None
    return types.Hover(contents=markdown(_state.card(hit)), range=rng)


# -- the panel ------------------------------------------------------------------------------


def _result_item(hit: DocResult) -> proto.TreeItem:
    from server.hub.sanitize import plain_text

    open_cmd = proto.Command(command="tieline.openDocs", title="Open", arguments=[hit.url])
    return proto.TreeItem(
        id=f"{RESULTS_ID}/{hit.set_id}/{hit.url}",
        label=plain_text(hit.name, 120),
        description=f"{plain_text(hit.kind, 30)} · {plain_text(hit.set_title, 60)}",
        tooltip=_state.card(hit),
        icon="symbol-method" if hit.kind in ("function", "method") else "book",
        url=hit.url,
        command=open_cmd,
        context_value="docEntry",
        actions=[
            proto.ItemAction(
                id="open",
                title="Open Documentation",
                icon="link-external",
                placement="inline",
                command=open_cmd,
            )
        ],
    )


def docs_panel(hub: Hub, parent_id: str | None) -> list[proto.TreeItem]:
    """Top level: the last search's results (a group), then one item per installed set."""
    from server.hub.sanitize import plain_text

    library = hub.docs
    if parent_id == RESULTS_ID:
        return [_result_item(h) for h in _state.results]
    if parent_id is not None:
        return []
    out = []
    if _state.query is not None:
        out.append(
            proto.TreeItem(
                id=RESULTS_ID,
                label=f"Results for {plain_text(_state.query, 60)!r}",
                description=str(len(_state.results)),
                icon="search",
                has_children=bool(_state.results),
                context_value="group",
            )
        )
    if not library.loaded:
        out.append(
            proto.TreeItem(
                id="docs/unloaded",
                label="Loaded at the first look-up",
                description="hover a name, or run Look Up Docs / Search Docs",
                icon="info",
            )
        )
    for info in library.sets():
        desc: list[str]
        if not library.loaded:
            desc = [str(info.kind)]
        else:
            desc = [f"{info.entries:,} entries" if not info.error else "not available"]
        if info.languages:
            desc.append(", ".join(info.languages))
        tip = f"{info.kind}: {info.source}" + (f"\n\n{info.error}" if info.error else "")
        out.append(
            proto.TreeItem(
                id=f"docs/set/{info.id}",
                label=plain_text(info.title, 80),
                description=" · ".join(desc),
                tooltip=plain_text(tip, 500),
                icon="error" if info.error else "library",
                context_value="docSet.error" if info.error else "docSet",
                actions=[
                    proto.ItemAction(
                        id="update",
                        title="Update Docs",
                        icon="refresh",
                        command=proto.Command(
                            command="tieline.updateDocs", title="Update Docs", arguments=[info.id]
                        ),
                    )
                ],
            )
        )
    return out


def _panel_changed(ls: TielineServer) -> None:
    from ..tieline_methods import PANEL_CHANGED

    ls.protocol.notify(PANEL_CHANGED, proto.PanelChangedParams(panel_id=PANEL_ID).wire())


def _wire(results: list[DocResult]) -> list[dict[str, Any]]:
    return [r.model_dump(by_alias=True, exclude_none=True) for r in results]


async def _open(ls: TielineServer, hit: DocResult) -> bool:
    from ..server import client_supports_show_document

    if not client_supports_show_document(ls):
        return False
    result = await ls.window_show_document_async(
        types.ShowDocumentParams(uri=hit.url, external=True)
    )
    return bool(result and result.success)


def setup(server: TielineServer) -> None:
    @server.command("tieline.searchDocs")
    @guarded("tieline.searchDocs")
    async def search_docs(ls: TielineServer, *args: Any) -> dict[str, Any]:
        query = arg(list(args), 0, str, "query").strip()
        if not query:
            raise FeatureError(code=INVALID_PARAMS, message="expected a query to search for")
        language = args[1] if len(args) > 1 and isinstance(args[1], str) else None
        hub = await hub_or_fail(ls)
        library = await _loaded(ls, hub, None)
        assert library is not None
        results = await library.search_async(query, language=language, limit=SEARCH_LIMIT)
        _state.query, _state.results = query, results
        _panel_changed(ls)
        return {"query": query, "results": _wire(results)}

    @server.command("tieline.lookUpDocs")
    @guarded("tieline.lookUpDocs")
    async def look_up(ls: TielineServer, *args: Any) -> dict[str, Any]:
        from server.hub.docs import candidates

        hub = await hub_or_fail(ls)
        items = [plain(a) for a in args]  # a position may arrive as pygls' namedtuple
        language: str | None = None
        if items and isinstance(items[0], str) and len(items) == 1:
            symbol, names = items[0].strip(), [items[0].strip()]
        else:
            uri = arg(items, 0, str, "document uri")
            pos = arg(items, 1, dict, "position {line, character}")
            doc = ls.document(uri)
            try:
                position = types.Position(line=int(pos["line"]), character=int(pos["character"]))
            except (KeyError, TypeError, ValueError):
                raise FeatureError(
                    code=INVALID_PARAMS, message="expected a position {line, character}"
                ) from None
            found = _symbol(doc, position) if doc is not None else None
            if doc is None or found is None:
                raise TielineError("no symbol under the cursor to look up")
            language = language_of(doc)
            symbol = found[0]
            names = candidates(symbol, language, doc.source)
        if not symbol:
            raise FeatureError(code=INVALID_PARAMS, message="expected a name to look up")
        library = await _loaded(ls, hub, None)
        assert library is not None
        hit = library.lookup(names, language) if language else None
        if hit is None:
            for name in names:  # any set, any language
                exact = [r for r in await library.search_async(name, limit=5) if r.name == name]
                if exact:
                    hit = exact[0]
                    break
        if hit is not None:
            opened = await _open(ls, hit)
            return {
                "symbol": symbol,
                "result": hit.model_dump(by_alias=True, exclude_none=True),
                "opened": opened,
            }
        results = await library.search_async(names[0], limit=SEARCH_LIMIT)
        _state.query, _state.results = names[0], results
        _panel_changed(ls)
        return {"symbol": symbol, "results": _wire(results), "opened": False}

    @server.command("tieline.openDocs")
    @guarded("tieline.openDocs")
    async def open_docs(ls: TielineServer, *args: Any) -> dict[str, Any]:
        from server.hub.docs import DocResult

        url = arg(list(args), 0, str, "url")
        hub = await hub_or_fail(ls)
        library = await _loaded(ls, hub, None)
        assert library is not None
        entry = library.entry_by_url(url)
        if entry is None:
            raise TielineError("that page belongs to no installed documentation set")
        hit = DocResult.of(entry, entry.set_id)
        return {"opened": await _open(ls, hit), "url": hit.url, "local": hit.local}

    @server.command("tieline.docs.page")
    @guarded("tieline.docs.page")
    async def docs_page(ls: TielineServer, *args: Any) -> dict[str, Any]:
        """A local docset page, sanitised, for a shell's preview (VS Code's webview): the
        shell asks this before ``tieline.openDocs`` and opens the browser only without it."""
        from server.hub.docs.preview import read_page

        url = arg(list(args), 0, str, "url")
        hub = await hub_or_fail(ls)
        library = await _loaded(ls, hub, None)
        assert library is not None
        entry = library.entry_by_url(url)
        if entry is None:
            raise TielineError("that page belongs to no installed documentation set")
        if entry.local is None:
            raise TielineError("that page is on the web, not in a local docset: open it instead")
        page = await asyncio.to_thread(read_page, entry.local)
        return {"title": page.title, "url": entry.url, "local": entry.local, "html": page.html}

    @server.command("tieline.updateDocs")
    @guarded("tieline.updateDocs")
    async def update_docs(ls: TielineServer, *args: Any) -> dict[str, Any]:
        set_id = args[0] if args and isinstance(args[0], str) else None
        hub = await hub_or_fail(ls)
        sets = await hub.docs.update(set_id)
        _state.cards.clear()
        _panel_changed(ls)
        return {"sets": [s.model_dump(by_alias=True, exclude_none=True) for s in sets]}
