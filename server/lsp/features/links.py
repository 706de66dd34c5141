"""Document links: every reference with a URL is clickable, in any editor."""

from __future__ import annotations

from lsprotocol import types

from ..guard import guarded
from ..server import TielineServer
from .hover import _range


def setup(server: TielineServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_LINK)
    @guarded("textDocument/documentLink")
    async def links(
        ls: TielineServer, params: types.DocumentLinkParams
    ) -> list[types.DocumentLink] | None:
        doc = ls.document(params.text_document.uri)
        if doc is None or await ls.wait_hub() is None:
            return None
        return [
            types.DocumentLink(range=_range(ref), target=ref.url, tooltip=ref.url)
            for ref in ls.references(doc)
            if ref.url
        ]
