"""The code lenses and document links of one document, rebuilt only where they changed.

Editors ask for lenses and links again on every edit, focus, scroll and refresh; for a file
with 1,000 references, building 1,000 lsprotocol objects (and looking 1,000 items up) costs
more than pygls' serialization of the answer. So each answer remembers what it was built
from -- the scanner's reference list (a new list only when some reference changed, see
:meth:`~server.hub.refs.ReferenceScanner.scan`) and the hub's :meth:`~server.hub.hub.Hub.
items_state` (a new value whenever an index changes) -- and the object it built for each
reference:

* the same list and state: the very answer of before, with nothing rebuilt;
* a new list (an edit): each reference that is the very object of before keeps its lens or
  link; a reference that moved (lines inserted above it) gets a new range around the lens
  command or link target of before; only the references an edit made are looked up;
* a new state (a sync): lenses are rebuilt; links whose URL the text gave are kept.

Reuse is by identity, never by equality, so a reused part is always the one a fresh build
would make: :func:`lenses` and :func:`links` answer exactly what they answer with no
previous answer (``tests/refs/test_properties.py`` checks this).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from lsprotocol import types

if TYPE_CHECKING:
    from connectors.sdk.models import Issue
    from server.hub.refs import ItemTarget, Reference

OPEN_COMMAND = "tieline.openInBrowser"

Cached = Callable[["ItemTarget"], "Issue | None"]


@dataclass(slots=True)
class Lenses:
    """A document's code lenses and what they were built from."""

    refs: Sequence[Reference]
    state: object
    out: list[types.CodeLens]
    #: Items never seen (with a known scope): fetched in the background.
    missing: list[ItemTarget]
    #: ``id(ref)`` -> the reference, its item, and its lens (``None``: the line already has
    #: one for that item). The references are kept alive here, so their ids stay theirs.
    parts: dict[int, tuple[Reference, Issue | None, types.CodeLens | None]]
    #: Each target's item and lens command, for references that moved.
    targets: dict[ItemTarget, tuple[Issue | None, types.Command | None]] = field(
        default_factory=dict
    )


def lenses(
    refs: Sequence[Reference], state: object, cached: Cached, old: Lenses | None = None
) -> Lenses:
    """The lenses of ``refs`` -- one per item per line, at the reference's start -- from the
    items ``cached`` knows (``state`` names what it answers from), reusing ``old``."""
    from server.hub.refs import ItemTarget

    from .cards import lens_title

    if old is not None and old.refs is refs and old.state == state:
        return old
    same = old is not None and old.state == state
    old_parts = old.parts if old is not None and same else {}
    targets = old.targets if old is not None and same else {}
    parts: dict[int, tuple[Reference, Issue | None, types.CodeLens | None]] = {}
    out: list[types.CodeLens] = []
    missing: dict[ItemTarget, None] = {}
    seen: set[tuple[int, str]] = set()
    for ref in refs:
        target = ref.target
        if not isinstance(target, ItemTarget):
            continue
        hit = old_parts.get(id(ref))
        lens: types.CodeLens | None = None
        command: types.Command | None = None
        if hit is not None and hit[0] is ref:
            item, lens = hit[1], hit[2]
        else:
            known = targets.get(target)
            if known is None:
                item = cached(target)
                targets[target] = known = (item, None)
            item, command = known
        if item is None:
            if target.scope is not None:
                missing[target] = None
            parts[id(ref)] = (ref, None, None)
            continue
        line = ref.range.line
        if (line, item.key) in seen:
            parts[id(ref)] = (ref, item, None)  # the same item twice on one line: one lens
            continue
        seen.add((line, item.key))
        if lens is None:
            if command is None:
                command = types.Command(
                    title=lens_title(item), command=OPEN_COMMAND, arguments=[item.url]
                )
                targets[target] = (item, command)
            pos = types.Position(line=line, character=ref.range.start)
            lens = types.CodeLens(range=types.Range(start=pos, end=pos), command=command)
        out.append(lens)
        parts[id(ref)] = (ref, item, lens)
    return Lenses(refs, state, out, list(missing), parts, targets)


@dataclass(slots=True)
class Links:
    """A document's links and what they were built from."""

    refs: Sequence[Reference]
    state: object
    tooltips: bool
    out: list[types.DocumentLink]
    #: ``id(ref)`` -> the reference, and its link (``None``: no URL known).
    parts: dict[int, tuple[Reference, types.DocumentLink | None]]


def links(
    refs: Sequence[Reference],
    state: object,
    cached: Cached,
    tooltips: bool,
    old: Links | None = None,
) -> Links:
    """The links of ``refs``: the URL the text gives, else the item's own (a Linear key),
    with a tooltip only for clients that declare ``tooltipSupport``; reusing ``old``."""
    from server.hub.refs import ItemTarget

    if old is not None and old.refs is refs and old.state == state and old.tooltips == tooltips:
        return old
    usable = old is not None and old.tooltips == tooltips
    same = usable and old is not None and old.state == state
    old_parts = old.parts if old is not None and usable else {}
    parts: dict[int, tuple[Reference, types.DocumentLink | None]] = {}
    out: list[types.DocumentLink] = []
    for ref in refs:
        hit = old_parts.get(id(ref))
        # A link whose URL the text gave does not depend on the index: kept across syncs.
        if hit is not None and hit[0] is ref and (same or ref.url is not None):
            link = hit[1]
        else:
            url = ref.url
            if url is None and isinstance(ref.target, ItemTarget):
                item = cached(ref.target)
                if item is not None:
                    url = item.url
            link = None
            if url:
                r = ref.range
                link = types.DocumentLink(
                    range=types.Range(
                        start=types.Position(line=r.line, character=r.start),
                        end=types.Position(line=r.line, character=r.end),
                    ),
                    target=url,
                    tooltip=url if tooltips else None,
                )
        parts[id(ref)] = (ref, link)
        if link is not None:
            out.append(link)
    return Links(refs, state, tooltips, out, parts)
