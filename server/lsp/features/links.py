"""Document links: every reference with a URL is clickable, in any editor.

A reference whose page the rules cannot build (a Linear key: its URL carries the workspace)
links to the item's own URL once the item is known. ``tooltip`` is sent only to clients
that declare ``textDocument.documentLink.tooltipSupport``. The answer is rebuilt only where
the document or the index changed (:mod:`..answers`).
"""

from __future__ import annotations

from lsprotocol import types

from .. import answers
from ..guard import guarded
from ..server import TielineServer, client_supports_link_tooltips


def setup(server: TielineServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_LINK)
    @guarded("textDocument/documentLink")
    async def links(
        ls: TielineServer, params: types.DocumentLinkParams
    ) -> list[types.DocumentLink] | None:
        doc = ls.document(params.text_document.uri)
        hub = await ls.wait_hub()
        if doc is None or hub is None:
            return None
        memo = ls.memo("links")
        old = memo.get(doc.uri)
        tooltips = client_supports_link_tooltips(ls)
        got = answers.links(ls.references(doc), hub.items_state(), hub.cached, tooltips, old)
        if got is not old:
            memo.put(doc.uri, got)
        return got.out
