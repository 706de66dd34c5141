"""One list of diagnostics per file, whoever found them.

``textDocument/publishDiagnostics`` replaces a file's whole list, so two features that each
published their own (CI failures, a workspace task's errors) would wipe each other's. Each
*owner* here puts what it has now, per file URI; the file's published list is every owner's
merged, and a file no owner has anything for any more gets ``[]`` once.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from .server import TielineServer


class Diagnostics:
    """The diagnostics this server has published, by owner and file."""

    def __init__(self, ls: TielineServer) -> None:
        self.ls = ls
        self._owned: dict[str, dict[str, list[types.Diagnostic]]] = {}

    def put(self, owner: str, by_uri: Mapping[str, Sequence[types.Diagnostic]]) -> None:
        """``owner``'s diagnostics are now ``by_uri`` (files it leaves out have none of
        its); every file whose merged list may have changed is published."""
        before = set(self._owned.get(owner, {}))
        now = {uri: list(diags) for uri, diags in by_uri.items() if diags}
        if now:
            self._owned[owner] = now
        else:
            self._owned.pop(owner, None)
        for uri in sorted(before | set(now)):
            self.ls.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=self.merged(uri))
            )

    def merged(self, uri: str) -> list[types.Diagnostic]:
        return [d for owned in self._owned.values() for d in owned.get(uri, ())]

    def owned(self, owner: str) -> dict[str, list[types.Diagnostic]]:
        return dict(self._owned.get(owner, {}))


__all__ = ["Diagnostics"]
