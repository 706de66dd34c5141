"""Mermaid and PlantUML diagrams: code lenses to preview and export each block, its syntax
errors as diagnostics on the block, and the commands that draw it.

- Code lenses above each block (a fenced ``mermaid`` / ``plantuml`` block in Markdown, or a
  diagram in a ``.mmd`` / ``.puml`` file): *Preview diagram*, *Export SVG*, *Export PNG*. A
  client that declares no code-lens support (Helix, say) gets the same three as code actions
  on the block's lines. Lenses are answered from the text alone: never from a drawing.
- ``tieline.diagrams.preview [uri, index]`` draws the block as SVG under the cache directory
  and answers ``{path, format, renderer, kind, title}``, telling the path in a message: an
  editor without a Tieline shell opens that file. The VS Code shell owns this command id and
  shows the drawing in a webview instead, from ``tieline.diagrams.draw [uri, index,
  format?]``, which answers the same plus ``svg`` (sanitized: :func:`server.hub.sanitize.
  sanitize_svg`) and says nothing.
- ``tieline.diagrams.export [uri, index, "svg"|"png"]`` writes the picture next to the
  document (``README.md`` -> ``README-diagram-2.svg``; ``flow.mmd`` -> ``flow.svg``) and
  answers ``{path}``.
- Diagnostics: after an edit settles (:data:`DEBOUNCE`), each block of the open document is
  drawn in the background -- through the cache, so an unchanged block costs nothing -- and
  a syntax error becomes an error on the line the renderer named (the opening line when it
  named none). Drawing runs as child processes or HTTP requests awaited on the event loop,
  which stays free: a hover never waits for a diagram. ``tieline.diagrams.diagnostics =
  false`` turns this off. Where nothing can draw a kind (no local renderer, no Kroki URL),
  its blocks get no diagnostics, and the commands say what to install or set.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from connectors.sdk.errors import TielineError

from ..common import arg, hub_or_fail, info
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..server import TielineServer, path_of

if TYPE_CHECKING:
    from pygls.workspace import TextDocument

    from server.hub.config import DiagramSettings
    from server.hub.diagrams import Block, Diagrams, Format, Problem

log = logging.getLogger("tieline.lsp")

OWNER = "diagrams"  # this feature's part of each file's diagnostics
SOURCE = "Tieline diagrams"
DEBOUNCE = 0.6  # seconds an edit must settle before its blocks are drawn
MOST_BLOCKS = 50  # blocks of one document drawn for diagnostics at most
PREVIEW = "tieline.diagrams.preview"
DRAW = "tieline.diagrams.draw"
EXPORT = "tieline.diagrams.export"
SYNTAX_DOCS = {
    "plantuml": "https://plantuml.com/sitemap-language-specification",
    "mermaid": "https://mermaid.js.org/intro/syntax-reference.html",
}
NAMES = {"plantuml": "PlantUML", "mermaid": "Mermaid"}


class DiagramsFeature:
    """The diagrams of one editor session: blocks per open document, the drawing service
    for the current settings, and the background checks in flight."""

    def __init__(self, ls: TielineServer) -> None:
        self.ls = ls
        self._service: Diagrams | None = None
        self._settings: DiagramSettings | None = None
        self._blocks: dict[str, tuple[int, list[Block]]] = {}
        self._checks: dict[str, asyncio.Task[None]] = {}
        self._said: set[str] = set()  # renderer failures already logged

    # -- blocks and the service --------------------------------------------------------------
    def blocks(self, doc: TextDocument) -> list[Block]:
        from server.hub.diagrams import find_blocks

        version = doc.version or 0
        hit = self._blocks.get(doc.uri)
        if hit is not None and hit[0] == version:
            return hit[1]
        path = path_of(doc.uri)
        found = find_blocks(
            doc.source,
            path=str(path) if path else doc.uri.rsplit("/", 1)[-1],
            language_id=doc.language_id,
        )
        self._blocks[doc.uri] = (version, found)
        return found

    def settings(self) -> DiagramSettings:
        from server.hub.config import DiagramSettings

        hub = self.ls.hub
        return hub.config.diagrams if hub is not None else DiagramSettings()

    def service(self) -> Diagrams:
        """The drawing service for the current settings (rebuilt when they change)."""
        from server.hub import paths
        from server.hub.diagrams import Diagrams
        from server.hub.diagrams.service import prune
        from server.hub.http import NetworkSettings

        settings = self.settings()
        if self._service is not None and settings == self._settings:
            return self._service
        old = self._service
        if old is not None:
            task = asyncio.ensure_future(old.aclose())
            self.ls.background.add(task)
            task.add_done_callback(self.ls.background.discard)
        hub = self.ls.hub
        net = hub.config.network if hub is not None else None
        network = NetworkSettings(
            ca_bundle=Path(net.ca_bundle) if net is not None and net.ca_bundle else None,
            timeout=net.timeout if net is not None else 20.0,
        )
        cache = paths.cache_dir() / "diagrams"
        self._service = Diagrams(settings, cache, network=network)
        if self._settings is None:  # once per server: old drawings nobody used go
            pruning = asyncio.ensure_future(asyncio.to_thread(prune, cache))
            self.ls.background.add(pruning)
            pruning.add_done_callback(self.ls.background.discard)
        self._settings = settings
        return self._service

    async def aclose(self) -> None:
        for task in self._checks.values():
            task.cancel()
        if self._service is not None:
            await self._service.aclose()
            self._service = None

    def block_arg(self, args: list[Any]) -> tuple[TextDocument, int, Block]:
        uri = arg(args, 0, str, "document uri")
        index = arg(args, 1, int, "diagram index")
        doc = self.ls.document(uri)
        if doc is None:
            raise FeatureError(code=INVALID_PARAMS, message="no such open document")
        blocks = self.blocks(doc)
        if not 0 <= index < len(blocks):
            raise FeatureError(
                code=INVALID_PARAMS,
                message=f"the document has {len(blocks)} diagram(s), not one numbered {index}",
            )
        return doc, index, blocks[index]

    # -- what the editor shows ----------------------------------------------------------------
    def commands_for(self, doc: TextDocument, index: int) -> list[types.Command]:
        args: list[Any] = [doc.uri, index]
        return [
            types.Command(title="Preview diagram", command=PREVIEW, arguments=args),
            types.Command(title="Export SVG", command=EXPORT, arguments=[*args, "svg"]),
            types.Command(title="Export PNG", command=EXPORT, arguments=[*args, "png"]),
        ]

    def lenses(self, doc: TextDocument) -> list[types.CodeLens]:
        out: list[types.CodeLens] = []
        for i, block in enumerate(self.blocks(doc)):
            at = types.Range(
                start=types.Position(line=block.start, character=0),
                end=types.Position(line=block.start, character=0),
            )
            out.extend(types.CodeLens(range=at, command=c) for c in self.commands_for(doc, i))
        return out

    def actions(self, doc: TextDocument, at: types.Range) -> list[types.CodeAction]:
        """The lenses' commands as code actions, for clients that show no code lenses."""
        if _client_shows_lenses(self.ls):
            return []
        out: list[types.CodeAction] = []
        for i, block in enumerate(self.blocks(doc)):
            if block.start <= at.start.line < max(block.end + 1, block.start + 1):
                out.extend(
                    types.CodeAction(title=c.title, kind=types.CodeActionKind.Empty, command=c)
                    for c in self.commands_for(doc, i)
                )
        return out

    def title(self, doc: TextDocument, index: int) -> str:
        path = path_of(doc.uri)
        name = path.name if path else doc.uri.rsplit("/", 1)[-1]
        count = len(self.blocks(doc))
        return name if count == 1 else f"{name} · diagram {index + 1}"

    # -- diagnostics ---------------------------------------------------------------------------
    def changed(self, uri: str) -> None:
        """A document opened or changed: check its diagrams once the edit settles."""
        old = self._checks.pop(uri, None)
        if old is not None and not old.done():
            old.cancel()
        doc = self.ls.document(uri)
        if doc is None:
            return
        if not self.blocks(doc) and not self.ls.diagnostics.get(OWNER, uri):
            return
        task = asyncio.ensure_future(self._check(uri))
        self._checks[uri] = task
        self.ls.background.add(task)
        task.add_done_callback(self.ls.background.discard)
        task.add_done_callback(lambda t: self._checked(uri, t))

    def closed(self, uri: str) -> None:
        task = self._checks.pop(uri, None)
        if task is not None and not task.done():
            task.cancel()
        self._blocks.pop(uri, None)
        self.ls.diagnostics.set(OWNER, uri, [])

    def reconfigured(self) -> None:
        """Settings changed: check every open document with diagrams again."""
        for uri in list(self._blocks):
            self.changed(uri)

    def _checked(self, uri: str, task: asyncio.Task[None]) -> None:
        if self._checks.get(uri) is task:
            del self._checks[uri]
        if not task.cancelled() and task.exception() is not None:
            log.error("diagram check failed", exc_info=task.exception())

    async def _check(self, uri: str) -> None:
        from server.hub.diagrams import DiagramSyntaxError

        await asyncio.sleep(DEBOUNCE)
        await self.ls.wait_hub()
        doc = self.ls.document(uri)
        if doc is None:
            return
        version = doc.version
        if not self.settings().diagnostics:
            self.ls.diagnostics.set(OWNER, uri, [])
            return
        service = self.service()
        caps = _diagnostic_caps(self.ls)
        todo = [b for b in self.blocks(doc)[:MOST_BLOCKS] if service.can_draw(b.kind)]
        # All at once: the service draws two at a time and each shares any draw in flight.
        drawn = await asyncio.gather(
            *(service.draw(b.kind, b.source, "svg") for b in todo), return_exceptions=True
        )
        current = self.ls.document(uri)
        if current is None or current.version != version:
            return  # edited meanwhile: the newer check publishes
        found: list[types.Diagnostic] = []
        for block, got in zip(todo, drawn, strict=True):
            if isinstance(got, DiagramSyntaxError):
                found.append(to_diagnostic(doc, block, got.problem, got.service, caps))
            elif isinstance(got, TielineError):
                if got.message not in self._said:  # once per kind of failure, not per edit
                    self._said.add(got.message)
                    log.warning("diagram not drawn: %s", got.message)
            elif isinstance(got, BaseException):
                raise got
        self.ls.diagnostics.set(OWNER, uri, found, version=version)

    # -- commands --------------------------------------------------------------------------------
    async def draw(self, args: list[Any], *, with_svg: bool) -> dict[str, Any]:
        from server.hub.diagrams import FORMATS
        from server.hub.sanitize import sanitize_svg

        doc, index, block = self.block_arg(args)
        fmt: Format = "svg"
        if len(args) > 2:
            wanted = args[2]
            if wanted not in FORMATS:
                raise FeatureError(code=INVALID_PARAMS, message="format must be svg or png")
            fmt = wanted
        await hub_or_fail(self.ls)
        drawing = await self.service().draw(block.kind, block.source, fmt)
        out: dict[str, Any] = {
            "path": str(drawing.path),
            "format": fmt,
            "renderer": drawing.renderer,
            "kind": block.kind,
            "title": self.title(doc, index),
        }
        if with_svg and fmt == "svg":
            data = await asyncio.to_thread(drawing.read)
            out["svg"] = sanitize_svg(data.decode("utf-8", "replace"))
        return out

    async def export(self, args: list[Any]) -> dict[str, str]:
        from server.hub.diagrams import FORMATS

        doc, index, block = self.block_arg(args)
        fmt = args[2] if len(args) > 2 else None
        if fmt not in FORMATS:
            raise FeatureError(code=INVALID_PARAMS, message="expected argument 3: svg or png")
        path = path_of(doc.uri)
        if path is None:
            raise TielineError("save the document first: an export is written next to it")
        await hub_or_fail(self.ls)
        dest = export_path(path, index, len(self.blocks(doc)), fmt)
        await self.service().export(block.kind, block.source, fmt, dest)
        info(self.ls, f"Diagram exported to {dest}")
        return {"path": str(dest)}


def export_path(doc: Path, index: int, count: int, fmt: str) -> Path:
    """Where an export of diagram ``index`` of ``doc`` goes: beside it, named after it."""
    from server.hub.diagrams import kind_of_file

    if kind_of_file(str(doc)) is not None:
        name = doc.stem if count == 1 else f"{doc.stem}-{index + 1}"
    else:
        name = f"{doc.stem}-diagram-{index + 1}"
    return doc.with_name(f"{name}.{fmt}")


def to_diagnostic(
    doc: TextDocument,
    block: Block,
    problem: Problem,
    renderer: str,
    caps: types.PublishDiagnosticsClientCapabilities | None,
) -> types.Diagnostic:
    line = block.document_line(problem.line)
    lines = doc.lines
    text = lines[line].rstrip("\r\n") if line < len(lines) else ""
    indent = len(text) - len(text.lstrip())
    diag = types.Diagnostic(
        range=types.Range(
            start=types.Position(line=line, character=indent),
            end=types.Position(line=line, character=max(len(text), indent)),
        ),
        message=f"{NAMES[block.kind]}: {problem.message}",
        severity=types.DiagnosticSeverity.Error,
        source=SOURCE,
    )
    if caps is not None and caps.code_description_support:
        diag.code = "syntax"
        diag.code_description = types.CodeDescription(href=SYNTAX_DOCS[block.kind])
    if caps is not None and caps.data_support:
        diag.data = {"renderer": renderer, "kind": block.kind, "block": block.start}
    return diag


def _diagnostic_caps(ls: TielineServer) -> types.PublishDiagnosticsClientCapabilities | None:
    caps = ls.client_capabilities
    td = caps.text_document if caps else None
    return td.publish_diagnostics if td else None


def _client_shows_lenses(ls: TielineServer) -> bool:
    caps = ls.client_capabilities
    td = caps.text_document if caps else None
    return bool(td and td.code_lens)


def feature(ls: TielineServer) -> DiagramsFeature:
    if ls.diagrams is None:
        ls.diagrams = DiagramsFeature(ls)
    got: DiagramsFeature = ls.diagrams
    return got


def setup(server: TielineServer) -> None:
    @server.command(PREVIEW)
    @guarded(PREVIEW)
    async def preview(ls: TielineServer, *args: Any) -> dict[str, Any]:
        out = await feature(ls).draw(list(args[:2]), with_svg=False)
        info(ls, f"Diagram drawn: {out['path']}")
        return out

    @server.command(DRAW)
    @guarded(DRAW)
    async def draw(ls: TielineServer, *args: Any) -> dict[str, Any]:
        return await feature(ls).draw(list(args), with_svg=True)

    @server.command(EXPORT)
    @guarded(EXPORT)
    async def export(ls: TielineServer, *args: Any) -> dict[str, str]:
        return await feature(ls).export(list(args))
