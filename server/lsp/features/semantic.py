"""Search by meaning in the editor (:mod:`server.hub.vectors`).

- ``tieline.semanticSearch`` ``[query, pick?]``: the indexed items nearest the query, offered
  with ``window/showMessageRequest`` (a quick pick of titles); the one picked opens with
  ``window/showDocument`` (a service's page outside the editor, a note inside). ``pick``
  false: only the list is answered, for a shell that shows its own picker.
- ``tieline.reindex``: embed what is new or changed, with ``$/progress``.
- An issue's hover adds a *Related* section (:func:`related_section`): the nearest few
  items, only when search by meaning is on and an index exists; time-boxed, so the card is
  never held up by the embedding service.

Everything here is off until the user turns on ``vectors.enabled``: nothing is sent to an
embedding service before.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ..common import choose, hub_or_fail, info
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..progress import work_done
from ..server import TielineServer, client_supports_show_document

if TYPE_CHECKING:
    from connectors.sdk.models import Issue
    from server.hub.hub import Hub
    from server.hub.vectors.indexer import Related

SEARCH = "tieline.semanticSearch"
REINDEX = "tieline.reindex"
RELATED_WAIT = 1.5  # seconds a hover waits for its related items
PICKS = 8  # results offered in the quick pick

log = logging.getLogger("tieline.semantic")

_KIND = {"issue": "issue", "pr": "pull request", "snippet": "snippet", "note": "note", "doc": "doc"}


def _json(r: Related) -> dict[str, Any]:
    e = r.entry
    return {
        "kind": e.kind,
        "ref": e.ref,
        "title": e.title,
        "url": e.url,
        "score": round(r.score, 4),
    }


def _label(r: Related) -> str:
    from server.hub.sanitize import plain_text

    e = r.entry
    ref = f"{e.ref} " if e.kind in ("issue", "pr") else ""
    return f"{ref}{plain_text(e.title, 80)} ({_KIND.get(e.kind, e.kind)})"


async def search(ls: TielineServer, args: list[Any]) -> dict[str, Any]:
    from server.hub.vectors.service import semantic

    query = args[0] if args and isinstance(args[0], str) else ""
    if not query.strip():
        raise FeatureError(code=INVALID_PARAMS, message="give the text to search for")
    pick = not (len(args) > 1 and args[1] is False)
    hub = await hub_or_fail(ls)
    found = await semantic(hub).search(query, limit=PICKS)
    items = [_json(r) for r in found]
    if not pick:
        return {"items": items}
    if not found:
        info(ls, f"Nothing indexed is near “{query}” (Tieline: Reindex for search by meaning)")
        return {"items": items, "opened": None}
    labels: dict[str, Related] = {}
    for r in found:
        label, n = _label(r), 2
        while label in labels:
            label, n = f"{_label(r)} [{n}]", n + 1
        labels[label] = r
    picked = await choose(ls, f"Related to “{query}”:", list(labels))
    chosen = labels.get(picked) if picked is not None else None
    if chosen is None:
        return {"items": items, "opened": None}
    url = chosen.entry.url
    opened = False
    if client_supports_show_document(ls) and url.startswith(("http:", "https:", "file:")):
        shown = await ls.window_show_document_async(
            types.ShowDocumentParams(uri=url, external=not url.startswith("file:"))
        )
        opened = bool(shown and shown.success)
    else:
        info(ls, f"{chosen.entry.title}: {url}")
    return {"items": items, "opened": url if opened else None, "picked": _json(chosen)}


async def reindex(ls: TielineServer) -> dict[str, Any]:
    from server.hub.vectors.service import semantic

    hub = await hub_or_fail(ls)
    s = semantic(hub)
    s.ready()  # off, or not signed in: said before any progress shows
    async with work_done(ls, "Indexing for search by meaning", kind="vectors") as send:

        def progress(done: int, total: int) -> None:
            if send is not None and total:
                send(f"{done}/{total}", done * 100 // total)

        report = await s.reindex(progress)
    info(
        ls,
        f"Search by meaning: {report.embedded} embedded, {report.unchanged} unchanged, "
        f"{report.removed} removed",
    )
    return {
        "embedded": report.embedded,
        "unchanged": report.unchanged,
        "removed": report.removed,
        "collection": report.collection,
    }


async def related_section(hub: Hub, item: Issue) -> str | None:
    """A hover card's *Related* section: Markdown, or ``None`` (off, no index, too slow)."""
    from server.hub.sanitize import escape_inline, plain_text
    from server.hub.vectors.service import semantic

    s = semantic(hub)
    n = s.settings.related
    if not n or not s.indexed():
        return None
    try:
        found = await asyncio.wait_for(s.related(item, limit=n), RELATED_WAIT)
    except Exception as exc:  # a hover never fails for its extras
        log.debug("no related items for %s: %s", item.key, exc)
        return None
    if not found:
        return None
    lines = ["**Related**", ""]
    for r in found:
        e = r.entry
        title = escape_inline(plain_text(e.title, 80))
        ref = f"{escape_inline(e.ref)} " if e.kind in ("issue", "pr") else ""
        link = f"[{ref}{title}]({e.url})" if e.url.startswith(("http", "file:")) else ref + title
        lines.append(f"- {link} ({_KIND.get(e.kind, e.kind)})")
    return "\n".join(lines)


def subscribe(ls: TielineServer, hub: Hub) -> None:
    """After syncs, embed the issues and pull requests they changed -- only once the person
    has an index for the current settings (search by meaning on, and Reindex run once): no
    sync sends anything to an embedding service before. Debounced like refreshes
    (``sync.refresh_debounce``): a burst of syncs costs one pass. Snippets and notes wait
    for the next Reindex."""
    from server.hub.events import EventKind
    from server.hub.vectors.service import semantic

    pending: list[asyncio.TimerHandle] = []

    async def catch_up() -> None:
        if ls.hub is not hub:
            return
        try:
            report = await semantic(hub).reindex(issues_only=True)
        except Exception as exc:  # the next sync tries again
            log.info("search by meaning not brought up to date: %s", exc)
            return
        if report.embedded or report.removed:
            log.info(
                "search by meaning: %d embedded, %d removed after sync",
                report.embedded,
                report.removed,
            )

    def start() -> None:
        pending.clear()
        task = asyncio.ensure_future(catch_up())
        ls.background.add(task)
        task.add_done_callback(ls.background.discard)

    def on_sync(_event: object) -> None:
        if not semantic(hub).indexed():
            return
        for h in pending:
            h.cancel()
        wait = hub.config.sync.refresh_debounce
        pending[:] = [asyncio.get_running_loop().call_later(wait, start)]

    hub.bus.subscribe(EventKind.SYNC_COMPLETED, on_sync)


def setup(server: TielineServer) -> None:
    @server.command(SEARCH)
    @guarded(SEARCH)
    async def search_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        return await search(ls, list(args))

    @server.command(REINDEX)
    @guarded(REINDEX)
    async def reindex_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        return await reindex(ls)
