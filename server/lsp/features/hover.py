"""Hover: the card of the item under the cursor (any connector's), or an autolink's target;
in a note of a Markdown vault, the preview of the note a link names (:mod:`.wikilinks`);
on an arXiv id, a DOI or a Semantic Scholar id, the paper's card (:mod:`.papers`);
elsewhere the documentation of the symbol under the cursor (:mod:`.docs`). A pull request's
card adds its requested reviewers' presence from chat, when it is known in time."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from lsprotocol import types

from connectors.sdk.errors import AuthError, NotFound, TielineError

from ..common import lsp_range
from ..guard import guarded
from ..server import TielineServer, markdown

if TYPE_CHECKING:
    from connectors.sdk.models import Issue
    from server.hub.refs import Reference

LOOKUP_WAIT = 8.0  # seconds a hover waits for an item never seen before
CONNECT_WAIT = 3.0  # seconds a hover waits for sessions still being opened
CARDS = 256  # hover cards remembered


class CardMemo:
    """The card of each recently hovered item, by the item object itself: an index holds
    frozen items and a sync replaces them, so a hit is always today's card. Hovering the
    same reference again (the mouse resting, the editor re-asking) costs a lookup, not a
    render with its sanitizing."""

    def __init__(self, size: int = CARDS) -> None:
        self._size = size
        self._cards: dict[int, tuple[object, str]] = {}

    def card(self, item: Issue) -> str:
        from ..cards import hover_card

        hit = self._cards.get(id(item))
        if hit is not None and hit[0] is item:
            return hit[1]
        text = hover_card(item)
        if len(self._cards) >= self._size:
            self._cards.pop(next(iter(self._cards)))
        self._cards[id(item)] = (item, text)
        return text


_cards = CardMemo()


async def hover_text(ls: TielineServer, ref: Reference) -> str | None:
    from connectors.sdk.models import PullRequest
    from server.hub.refs import CommitTarget, ItemTarget, LinkTarget
    from server.hub.sanitize import escape_inline

    target = ref.target
    if isinstance(target, LinkTarget):
        return f"[{escape_inline(ref.text)}]({target.url})"
    if isinstance(target, CommitTarget):
        return f"Commit [`{target.sha[:12]}`]({ref.url})" if ref.url else None
    if not isinstance(target, ItemTarget) or ls.hub is None:
        return None
    hub = ls.hub
    item = hub.cached(target)
    if item is None:
        if hub.connecting:  # a token may be on its way: do not tell the person to sign in
            await ls.wait_connected(CONNECT_WAIT)
        try:
            item = await asyncio.wait_for(hub.lookup(target), LOOKUP_WAIT)
        except NotFound:
            return f"{escape_inline(ref.text)}: no such item."
        except AuthError as exc:
            return f"{escape_inline(ref.text)}: {escape_inline(exc.message)} (Tieline: Sign in)."
        except TimeoutError:
            return f"{escape_inline(ref.text)}: still loading…"
        except TielineError as exc:
            return f"{escape_inline(ref.text)}: {escape_inline(exc.message)}"
    card = _cards.card(item)
    if isinstance(item, PullRequest) and item.requested_reviewers:
        from .chat import presence_line

        line = await presence_line(hub, item)  # time-boxed: never holds the card up
        if line:
            card += "\n\n" + line
    from .semantic import related_section

    related = await related_section(hub, item)  # off, or time-boxed
    if related:
        card += "\n\n" + related
    return card


def setup(server: TielineServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    @guarded("textDocument/hover")
    async def hover(ls: TielineServer, params: types.HoverParams) -> types.Hover | None:
        from server.hub.refs import reference_at

        doc = ls.document(params.text_document.uri)
        if doc is None or await ls.wait_hub() is None:
            return None
        from .wikilinks import hover as note_hover

        note = await note_hover(ls, params)
        if note is not None:
            return note
        from .pages import hover as page_hover

        page = await page_hover(ls, params)
        if page is not None:
            return page
        from .papers import hover as paper_hover

        paper = await paper_hover(ls, params)
        if paper is not None:
            return paper
        from .citations import hover as citation_hover

        cite = await citation_hover(ls, params)
        if cite is not None:
            return cite
        ref = reference_at(ls.references(doc), params.position.line, params.position.character)
        if ref is None:
            from .docs import docs_hover

            return await docs_hover(ls, doc, params.position)
        text = await hover_text(ls, ref)
        return types.Hover(contents=markdown(text), range=lsp_range(ref)) if text else None
