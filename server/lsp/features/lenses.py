"""Code lenses: the state of each referenced item (any connector's), at a glance, above its line,
and each diagram's *Preview* / *Export* (:mod:`.diagrams`, from the text alone).

Lenses are answered from the index only -- a lens request must never wait on the network.
References never seen before are fetched in the background (single-flight per item) and the
editor is asked to refresh its lenses when they arrive. The answer is rebuilt only where the
document or the index changed (:mod:`..answers`).
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from lsprotocol import types

from connectors.sdk.errors import TielineError

from .. import answers
from ..guard import guarded
from ..server import TielineServer
from . import diagrams, notify, publish

if TYPE_CHECKING:
    from server.hub.refs import ItemTarget

log = logging.getLogger("tieline.lsp")
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
        doc = ls.document(params.text_document.uri)
        if doc is None:
            return None
        drawn = diagrams.feature(ls).lenses(doc)
        hub = await ls.wait_hub()
        drawn = [*drawn, *publish.lenses(hub, doc)]
        if hub is None or not hub.sessions:
            return drawn or None
        memo = ls.memo("lenses")
        old = memo.get(doc.uri)
        got = answers.lenses(ls.references(doc), hub.items_state(), hub.cached, old)
        if got is not old:
            memo.put(doc.uri, got)
        if got.missing:
            task = asyncio.ensure_future(_fetch_missing(ls, got.missing[:MAX_BACKGROUND]))
            pending.add(task)
            task.add_done_callback(pending.discard)
        if drawn:
            return [*(got.out or []), *drawn]
        return got.out
