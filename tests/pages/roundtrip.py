"""Round-trip checks for page content, shared by the hub's tests and the connectors' own.

``assert_roundtrip(markdown, to_wire=None, from_wire=None)`` (a stable signature: connector
tests parametrize it over ``tests/pages/corpus``) checks, for one Markdown document:

1. ``markdown_to_blocks(markdown)`` gives blocks ``B``;
2. with a connector's mapping, ``from_wire(to_wire(B))`` equals ``B`` (a connector maps
   blocks to its service's format with ``to_wire`` and back with ``from_wire``);
3. ``markdown_to_blocks(blocks_to_markdown(B))`` equals ``B``: the Markdown the hub writes
   reads back as what it was written from.

"Equals" is after :func:`normalise` on both sides. It returns ``B``.

:func:`corpus` lists the README corpus (``tests/pages/corpus/*.md``, see its
``PROVENANCE``) for a connector's test to parametrize::

    @pytest.mark.parametrize("path", corpus(), ids=lambda p: p.stem)
    def test_mapping_round_trips(path: Path) -> None:
        assert_roundtrip(path.read_text(encoding="utf-8"), blocks_to_wire, wire_to_blocks)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from connectors.sdk.pages import (
    Block,
    Code,
    Heading,
    ListBlock,
    ListItem,
    Paragraph,
    Quote,
    Span,
    Table,
)
from server.hub.pages.markdown import blocks_to_markdown, markdown_to_blocks

__all__ = ["assert_roundtrip", "corpus", "normalise", "normalise_spans"]


def corpus() -> list[Path]:
    """The corpus' Markdown files, sorted."""
    return sorted((Path(__file__).parent / "corpus").glob("*.md"))


def normalise_spans(spans: Sequence[Span]) -> tuple[Span, ...]:
    """Spans as Markdown can tell them apart: adjacent spans of one style merged, styling
    of whitespace-only text dropped (a bold space is a space), whitespace trimmed at the
    ends of the run and around hard line breaks, empty spans dropped."""
    cleaned: list[Span] = []
    for s in spans:
        if "\n" in s.text:
            s = s.model_copy(update={"text": "\n".join(p.strip(" \t") for p in s.text.split("\n"))})
        if s.text:
            cleaned.append(s)
    # Whitespace alone has no visible style: it takes its neighbours' when they share one.
    for n, s in enumerate(cleaned):
        if s.code or s.text.strip():
            continue
        before = cleaned[n - 1] if n else None
        after = cleaned[n + 1] if n + 1 < len(cleaned) else None
        if before is not None and after is not None and _style(before) == _style(after):
            cleaned[n] = before.model_copy(update={"text": s.text})
        else:
            cleaned[n] = Span(text=s.text)
    merged: list[Span] = []
    for s in cleaned:
        if not s.text:
            continue
        if merged and _style(merged[-1]) == _style(s):
            merged[-1] = merged[-1].model_copy(update={"text": merged[-1].text + s.text})
        else:
            merged.append(s)
    if merged and not merged[0].code:
        merged[0] = merged[0].model_copy(update={"text": merged[0].text.lstrip()})
    if merged and not merged[-1].code:
        merged[-1] = merged[-1].model_copy(update={"text": merged[-1].text.rstrip()})
    # Whitespace next to a hard break is not kept by Markdown either.
    out: list[Span] = []
    for n, s in enumerate(merged):
        text = s.text
        if not s.code:
            if n + 1 < len(merged) and merged[n + 1].text.startswith("\n"):
                text = text.rstrip(" \t")
            if n and merged[n - 1].text.endswith("\n"):
                text = text.lstrip(" \t")
        if text:
            out.append(s.model_copy(update={"text": text}))
    return tuple(out)


def _style(s: Span) -> tuple[bool, bool, bool, bool, str | None]:
    return (s.bold, s.italic, s.code, s.strike, s.href)


def normalise(blocks: Sequence[Block]) -> list[Block]:
    """Blocks compared as Markdown tells them apart: spans normalised
    (:func:`normalise_spans`), empty paragraphs dropped, code without trailing whitespace."""
    out: list[Block] = []
    for b in blocks:
        if isinstance(b, Paragraph):
            spans = normalise_spans(b.spans)
            if spans:
                out.append(Paragraph(spans=spans))
        elif isinstance(b, Heading):
            out.append(b.model_copy(update={"spans": normalise_spans(b.spans)}))
        elif isinstance(b, Code):
            out.append(b.model_copy(update={"text": b.text.rstrip()}))
        elif isinstance(b, Quote):
            out.append(Quote(blocks=tuple(normalise(b.blocks))))
        elif isinstance(b, ListBlock):
            items = tuple(
                ListItem(blocks=tuple(normalise(i.blocks)), checked=i.checked) for i in b.items
            )
            out.append(b.model_copy(update={"items": items}))
        elif isinstance(b, Table):
            rows = tuple(tuple(normalise_spans(c) for c in row) for row in b.rows)
            out.append(b.model_copy(update={"rows": rows}))
        else:
            out.append(b)
    return out


def assert_roundtrip(
    markdown: str,
    to_wire: Callable[[Sequence[Block]], Any] | None = None,
    from_wire: Callable[[Any], Sequence[Block]] | None = None,
) -> list[Block]:
    """Check ``markdown``'s blocks survive a connector's mapping (when given) and the
    hub's own Markdown; returns the blocks."""
    blocks = markdown_to_blocks(markdown)
    want = normalise(blocks)
    if to_wire is not None and from_wire is not None:
        back = list(from_wire(to_wire(blocks)))
        assert normalise(back) == want, "the wire mapping changed the blocks"
    again = markdown_to_blocks(blocks_to_markdown(blocks))
    assert normalise(again) == want, "blocks -> Markdown -> blocks changed the blocks"
    return blocks
