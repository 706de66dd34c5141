"""One list of diagnostics per file, merged from every feature that has some to show.

``textDocument/publishDiagnostics`` replaces a file's whole list, so two features publishing
on their own would wipe each other's (a CI failure in ``README.md`` and a broken diagram in
it). Each feature sets its own part of a file's list here, by owner; the board publishes the
union in a fixed owner order, and only when that union changed.
"""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types
from pygls.lsp.server import LanguageServer


class DiagnosticsBoard:
    """The diagnostics shown, per file and per owner (``"ci"``, ``"diagrams"``)."""

    def __init__(self, server: LanguageServer) -> None:
        self._server = server
        self._parts: dict[str, dict[str, list[types.Diagnostic]]] = {}

    def get(self, owner: str, uri: str) -> list[types.Diagnostic]:
        return list(self._parts.get(uri, {}).get(owner, []))

    def uris(self, owner: str) -> set[str]:
        return {uri for uri, parts in self._parts.items() if parts.get(owner)}

    def set(
        self,
        owner: str,
        uri: str,
        diagnostics: Sequence[types.Diagnostic],
        *,
        version: int | None = None,
    ) -> None:
        """Make ``owner``'s part of ``uri``'s list ``diagnostics`` (empty: none) and publish
        the file's merged list if that changed it."""
        parts = self._parts.setdefault(uri, {})
        before = parts.get(owner, [])
        now = list(diagnostics)
        if now == before:
            if not parts:
                del self._parts[uri]
            return
        if now:
            parts[owner] = now
        else:
            parts.pop(owner, None)
        merged = [d for key in sorted(parts) for d in parts[key]]
        if not parts:
            del self._parts[uri]
        self._server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=merged, version=version)
        )
