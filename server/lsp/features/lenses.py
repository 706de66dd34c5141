"""Code lenses: the state of each referenced item (any connector's), at a glance, above its line.

Lenses are answered from the index only -- a lens request must never wait on the network.
References never seen before are fetched in the background (single-flight per item) and the
editor is asked to refresh its lenses when they arrive.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from connectors.sdk.errors import TielineError

from ..guard import guarded
from ..server import TielineServer
from . import notify

if TYPE_CHECKING:
    from connectors.sdk.models import Issue
    from server.hub.refs import ItemTarget, Reference

log = logging.getLogger("tieline.lsp")
OPEN_COMMAND = "tieline.openInBrowser"
MAX_BACKGROUND = 20  # items fetched per lens request at most; the rest on the next one


async def _fetch_missing(ls: TielineServer, wanted: list[ItemTarget]) -> None:
    hub = ls.hub
    if hub is None:
        return
    results = await asyncio.gather(*(hub.lookup(t) for t in wanted), return_exceptions=True)
    for r in results:
        if isinstance(r, TielineError):
            log.debug("lens item not loaded: %s", r.message)
    if any(not isinstance(r, BaseException) for r in results):
        notify.refresh_lenses(ls)


def setup(server: TielineServer) -> None:
    pending: set[asyncio.Task[None]] = set()

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    @guarded("textDocument/codeLens")
    async def lenses(
        ls: TielineServer, params: types.CodeLensParams
    ) -> list[types.CodeLens] | None:
        from server.hub.refs import ItemTarget

        from ..cards import lens_title

        doc = ls.document(params.text_document.uri)
        hub = await ls.wait_hub()
        if doc is None or hub is None or not hub.sessions:
            return None
        missing: dict[ItemTarget, None] = {}
        refs = ls.references(doc)
        found: list[tuple[Reference, Issue]] = []
        inputs: list[object] = [refs]  # the answer is a function of these very objects
        for ref in refs:
            target = ref.target
            if not isinstance(target, ItemTarget):
                continue
            item = hub.cached(target)
            if item is None:
                if target.scope is not None:
                    missing[target] = None
                continue
            found.append((ref, item))
            inputs.append(item)
        memo = ls.memo("lenses")
        out: list[types.CodeLens] | None = memo.get(doc.uri, inputs)
        if out is None:
            out = []
            seen: set[tuple[int, str]] = set()
            for ref, item in found:
                if (ref.range.line, item.key) in seen:
                    continue  # the same item twice on one line: one lens
                seen.add((ref.range.line, item.key))
                pos = types.Position(line=ref.range.line, character=ref.range.start)
                out.append(
                    types.CodeLens(
                        range=types.Range(start=pos, end=pos),
                        command=types.Command(
                            title=lens_title(item), command=OPEN_COMMAND, arguments=[item.url]
                        ),
                    )
                )
            memo.put(doc.uri, inputs, out)
        if missing:
            task = asyncio.ensure_future(_fetch_missing(ls, list(missing)[:MAX_BACKGROUND]))
            pending.add(task)
            task.add_done_callback(pending.discard)
        return out
