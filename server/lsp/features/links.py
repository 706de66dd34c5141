"""Document links: every reference with a URL is clickable, in any editor.

A reference whose page the rules cannot build (a Linear key: its URL carries the workspace)
links to the item's own URL once the item is known. ``tooltip`` is sent only to clients
that declare ``textDocument.documentLink.tooltipSupport``.
"""

from __future__ import annotations

from lsprotocol import types

from ..common import lsp_range
from ..guard import guarded
from ..server import TielineServer, client_supports_link_tooltips


def setup(server: TielineServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_LINK)
    @guarded("textDocument/documentLink")
    async def links(
        ls: TielineServer, params: types.DocumentLinkParams
    ) -> list[types.DocumentLink] | None:
        from server.hub.refs import ItemTarget

        doc = ls.document(params.text_document.uri)
        hub = await ls.wait_hub()
        if doc is None or hub is None:
            return None
        refs = ls.references(doc)
        inputs: list[object] = [refs]
        found: list[tuple[object, str]] = []
        for ref in refs:
            url = ref.url
            if url is None and isinstance(ref.target, ItemTarget):
                item = hub.cached(ref.target)
                if item is not None:
                    url = item.url
                    inputs.append(item)
            if url:
                found.append((ref, url))
        memo = ls.memo("links")
        out: list[types.DocumentLink] | None = memo.get(doc.uri, inputs)
        if out is None:
            tooltips = client_supports_link_tooltips(ls)
            out = [
                types.DocumentLink(
                    range=lsp_range(ref),  # type: ignore[arg-type]
                    target=url,
                    tooltip=url if tooltips else None,
                )
                for ref, url in found
            ]
            memo.put(doc.uri, inputs, out)
        return out
