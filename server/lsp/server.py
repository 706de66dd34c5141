"""The Tieline language server: a pygls server whose features are small modules.

Each feature module exposes ``setup(server)`` and registers its handlers there (the esbonio
habit), so a feature can be read, tested and switched off alone. The hub is opened after
``initialized`` -- not during ``initialize`` -- so the editor gets its answer as fast as a bare
server would; a request that needs the hub before it is ready waits for it briefly.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from lsprotocol import types
from pygls.exceptions import FeatureRequestError
from pygls.lsp.server import LanguageServer
from pygls.workspace import TextDocument

from server import __version__

from .diagnostics import DiagnosticsBoard
from .protocol import TielineProtocol

if TYPE_CHECKING:
    from server.hub.hub import Hub
    from server.hub.refs import Reference

log = logging.getLogger("tieline.lsp")

HUB_WAIT = 15.0  # seconds a request waits for the hub to open before answering without it
PANEL_HOLD = 600.0  # seconds a panel counts as open after the shell last asked for its items


class TielineServer(LanguageServer):
    """The server object passed to every handler."""

    def __init__(self) -> None:
        super().__init__(name="tieline", version=__version__, protocol_cls=TielineProtocol)
        self.hub: Hub | None = None
        self.hub_ready = asyncio.Event()
        self._releases: dict[str, Any] = {}  # uri -> listener release (docs with references)
        self.background: set[asyncio.Future[Any]] = set()  # work that outlives a request
        self._panel_timer: asyncio.TimerHandle | None = None
        self._memos: dict[str, AnswerMemo] = {}
        self.initialization_options: Any = None  # what the editor sent at initialize
        #: URI schemes whose documents this server serves with ``workspace/textDocumentContent``
        #: (offered to clients that declare that capability).
        self.content_schemes: list[str] = []
        #: What the Snippets panel is searching for ("" lists the newest).
        self.snippet_query = ""
        #: The CI failures shown as diagnostics (:mod:`.features.ci_diagnostics`).
        self.ci_diagnostics: Any = None
        #: Every feature's diagnostics, merged per file (:mod:`.diagnostics`).
        self.diagnostics = DiagnosticsBoard(self)
        #: The diagrams of open documents (:mod:`.features.diagrams`).
        self.diagrams: Any = None
        self._reporting = False  # a failure outside a request is being shown to the editor

    def report_server_error(self, error: Exception, source: Any) -> None:
        """A failure outside any request (pygls shows "Error in server: <error>").

        Nothing is sent once the editor has asked the server to shut down, nor while such a
        report is on its way: when stdout is closed, sending the report fails too, and
        reporting that failure would send again -- an endless cascade of tracebacks at exit.
        And the message names the kind of failure only, never its text (which may hold a
        path or a service's reply): the details are in the log."""
        if source is FeatureRequestError or self._reporting or self.protocol._shutdown:
            return
        self._reporting = True
        try:
            self.window_show_message(
                types.ShowMessageParams(
                    message=f"Tieline hit an internal error ({type(error).__name__}); "
                    "the Tieline log has the details.",
                    type=types.MessageType.Error,
                )
            )
        finally:
            self._reporting = False

    # -- hub access -------------------------------------------------------------------------

    async def wait_connected(self, patience: float) -> None:
        """Wait (briefly) until the hub has opened the sessions it can."""
        hub = self.hub
        if hub is None or not hub.connecting:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(hub.connected.wait(), patience)

    async def wait_hub(self, patience: float = HUB_WAIT) -> Hub | None:
        """The hub once it is open, or ``None`` if it failed or is not open in time."""
        if self.hub is None:
            try:
                await asyncio.wait_for(self.hub_ready.wait(), patience)
            except TimeoutError:
                return None
        return self.hub

    def root_path(self) -> Path | None:
        """The first workspace folder (or the root), as pygls recorded it at initialize."""
        paths = self.folder_paths()
        return paths[0] if paths else None

    def folder_paths(self) -> list[Path]:
        """Every workspace folder (pygls keeps them current from
        ``didChangeWorkspaceFolders``), else the root the editor opened."""
        ws = self.workspace
        uris = [f.uri for f in ws.folders.values()] or ([ws.root_uri] if ws.root_uri else [])
        return [p for p in (path_of(u) for u in uris) if p is not None]

    # -- documents --------------------------------------------------------------------------

    def document(self, uri: str) -> TextDocument | None:
        """An open document, or ``None``: Tieline never reads unopened files from disk.

        pygls keys its documents by the *unquoted* URI (``.../My note.md``) while editors
        send it quoted (``.../My%20note.md``), so the look-up unquotes as pygls does: a path
        with a space or any escaped character is as open as any other."""
        doc: TextDocument | None = self.workspace.text_documents.get(unquote(uri))
        return doc

    def open_documents(self) -> list[TextDocument]:
        """Every open document; each one's ``uri`` is the editor's own (quoted) spelling,
        the one to answer and publish diagnostics with (pygls' keys are unquoted)."""
        return list(self.workspace.text_documents.values())

    def references(self, doc: TextDocument) -> Sequence[Reference]:
        hub = self.hub
        if hub is None or doc.uri.split(":", 1)[0] in self.content_schemes:
            return ()  # the server's own documents (a 10 MB CI log) are not scanned
        return hub.scanner.scan(
            doc.source,
            language_id=doc.language_id,
            uri=doc.uri,
            version=doc.version,
            context=hub.scan_context_for(path_of(doc.uri)),
        )

    def track_listening(self, doc: TextDocument, has_refs: bool) -> None:
        """A document with references keeps the sync polling; closing it lets polling stop."""
        hub = self.hub
        if hub is None:
            return
        held = doc.uri in self._releases
        if has_refs and not held:
            self._releases[doc.uri] = hub.listeners.acquire("sync")
        elif not has_refs and held:
            self._releases.pop(doc.uri)()

    def panel_shown(self, hold: float = PANEL_HOLD) -> None:
        """A shell is showing a panel: keep the sync polling while it keeps asking.

        Shells fetch panel items when a panel is visible and after each change notification,
        so "asked within the last ``hold`` seconds" is how the server knows a panel is open.
        """
        hub = self.hub
        if hub is None:
            return
        if "panel:" not in self._releases:
            self._releases["panel:"] = hub.listeners.acquire("sync")
        if self._panel_timer is not None:
            self._panel_timer.cancel()
        self._panel_timer = asyncio.get_running_loop().call_later(hold, self.release, "panel:")

    def release(self, uri: str) -> None:
        release = self._releases.pop(uri, None)
        if release is not None:
            release()
        for memo in self._memos.values():
            memo.forget(uri)

    def memo(self, feature: str) -> AnswerMemo:
        """The per-document answer memo of one feature (dropped when the document closes)."""
        memo = self._memos.get(feature)
        if memo is None:
            memo = self._memos[feature] = AnswerMemo()
        return memo


class AnswerMemo:
    """A feature's last answer per document (an :mod:`.answers` object that says what it was
    built from), for the next request to reuse -- whole, or part by part after an edit.
    Least recently used documents are forgotten first; a closed document at once."""

    def __init__(self, size: int = 32) -> None:
        self._size = size
        self._answers: OrderedDict[str, Any] = OrderedDict()

    def get(self, uri: str) -> Any | None:
        hit = self._answers.get(uri)
        if hit is not None:
            self._answers.move_to_end(uri)
        return hit

    def put(self, uri: str, answer: Any) -> None:
        self._answers[uri] = answer
        self._answers.move_to_end(uri)
        while len(self._answers) > self._size:
            self._answers.popitem(last=False)

    def forget(self, uri: str) -> None:
        self._answers.pop(uri, None)


@functools.lru_cache(maxsize=512)
def path_of(uri: str) -> Path | None:
    parts = urlsplit(uri)
    if parts.scheme != "file":
        return None
    return Path(unquote(parts.path))


def build_server() -> TielineServer:
    """Create the server with every feature registered."""
    from .features import FEATURES

    server = TielineServer()
    for setup in FEATURES:
        setup(server)
    return server


def client_supports_code_lens_refresh(server: LanguageServer) -> bool:
    caps = server.client_capabilities
    ws = caps.workspace if caps else None
    return bool(ws and ws.code_lens and ws.code_lens.refresh_support)


def client_supports_link_tooltips(server: LanguageServer) -> bool:
    """``textDocument.documentLink.tooltipSupport``: Emacs 29 and Neovim do not declare it,
    and a field a client did not ask for must not be sent."""
    caps = server.client_capabilities
    td = caps.text_document if caps else None
    return bool(td and td.document_link and td.document_link.tooltip_support)


def client_supports_snippets(server: LanguageServer) -> bool:
    caps = server.client_capabilities
    td = caps.text_document if caps else None
    item = td.completion.completion_item if td and td.completion else None
    return bool(item and item.snippet_support)


def client_supports_show_document(server: LanguageServer) -> bool:
    caps = server.client_capabilities
    window = caps.window if caps else None
    return bool(window and window.show_document and window.show_document.support)


def markdown(value: str) -> types.MarkupContent:
    return types.MarkupContent(kind=types.MarkupKind.Markdown, value=value)
