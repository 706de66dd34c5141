"""Hover: the card of the issue or pull request under the cursor, or an autolink's target."""

from __future__ import annotations

import asyncio

from lsprotocol import types

from connectors.sdk.errors import AuthError, NotFound, TielineError
from server.hub.refs import CommitTarget, IssueTarget, LinkTarget, Reference, reference_at
from server.hub.sanitize import escape_inline

from ..cards import hover_card
from ..guard import guarded
from ..server import TielineServer, markdown

LOOKUP_WAIT = 8.0  # seconds a hover waits for an item never seen before


def _range(ref: Reference) -> types.Range:
    r = ref.range
    return types.Range(
        start=types.Position(line=r.line, character=r.start),
        end=types.Position(line=r.line, character=r.end),
    )


async def hover_text(ls: TielineServer, ref: Reference) -> str | None:
    target = ref.target
    if isinstance(target, LinkTarget):
        return f"[{escape_inline(ref.text)}]({target.url})"
    if isinstance(target, CommitTarget):
        return f"Commit [`{target.sha[:12]}`]({ref.url})" if ref.url else None
    if not isinstance(target, IssueTarget) or ls.hub is None:
        return None
    hub = ls.hub
    item = hub.cached(target.repo, target.number)
    if item is None:
        try:
            item = await asyncio.wait_for(hub.lookup(target.repo, target.number), LOOKUP_WAIT)
        except NotFound:
            return f"{escape_inline(ref.text)}: no such issue or pull request."
        except AuthError as exc:
            return f"{escape_inline(ref.text)}: {escape_inline(exc.message)} (Tieline: Sign in)."
        except TimeoutError:
            return f"{escape_inline(ref.text)}: still loading…"
        except TielineError as exc:
            return f"{escape_inline(ref.text)}: {escape_inline(exc.message)}"
    return hover_card(item)


def setup(server: TielineServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @guarded("textDocument/hover")
    async def hover(ls: TielineServer, params: types.HoverParams) -> types.Hover | None:
        doc = ls.document(params.text_document.uri)
        if doc is None or await ls.wait_hub() is None:
            return None
        ref = reference_at(ls.references(doc), params.position.line, params.position.character)
        if ref is None:
            return None
        text = await hover_text(ls, ref)
        return types.Hover(contents=markdown(text), range=_range(ref)) if text else None
