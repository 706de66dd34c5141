"""One list of diagnostics per file, merged from every feature that has some to show.

``textDocument/publishDiagnostics`` replaces a file's whole list, so two features publishing
on their own would wipe each other's (a CI failure, a workspace task's error and a broken
diagram in one ``README.md``). Each feature, an *owner* here, sets its own part of a file's
list: one file at a time (:meth:`DiagnosticsBoard.set`) or everything it has at once
(:meth:`DiagnosticsBoard.put`, which clears the files it leaves out). The board publishes a
file's union, in a fixed owner order, only when that union changed; a file no owner has
anything for any more gets ``[]`` once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from lsprotocol import types
from pygls.lsp.server import LanguageServer


class DiagnosticsBoard:
    """The diagnostics shown, per file and per owner (``"ci"``, ``"tasks"``, ``"diagrams"``)."""

    def __init__(self, server: LanguageServer) -> None:
        self._server = server
        self._parts: dict[str, dict[str, list[types.Diagnostic]]] = {}

    def get(self, owner: str, uri: str) -> list[types.Diagnostic]:
        return list(self._parts.get(uri, {}).get(owner, []))

    def uris(self, owner: str) -> set[str]:
        return {uri for uri, parts in self._parts.items() if parts.get(owner)}

    def owned(self, owner: str) -> dict[str, list[types.Diagnostic]]:
        """``owner``'s diagnostics, by file."""
        return {uri: list(parts[owner]) for uri, parts in self._parts.items() if parts.get(owner)}

    def merged(self, uri: str) -> list[types.Diagnostic]:
        """What ``uri``'s published list is: every owner's part, in owner order."""
        parts = self._parts.get(uri, {})
        return [d for key in sorted(parts) for d in parts[key]]

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
        merged = self.merged(uri)
        if not parts:
            del self._parts[uri]
        self._server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=merged, version=version)
        )

    def put(self, owner: str, by_uri: Mapping[str, Sequence[types.Diagnostic]]) -> None:
        """``owner``'s diagnostics are now ``by_uri``: the files it leaves out have none of
        its any more. Each file whose merged list changed is published."""
        for uri in sorted(self.uris(owner) - set(by_uri)):
            self.set(owner, uri, [])
        for uri in sorted(by_uri):
            self.set(owner, uri, by_uri[uri])


__all__ = ["DiagnosticsBoard"]
