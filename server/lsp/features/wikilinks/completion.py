"""Completion in a note: notes inside ``[[``, headings after ``#``, block ids after ``#^``,
tags after a ``#`` that starts a word; previews through ``completionItem/resolve``."""

from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lsprotocol import types

from server.hub.mdnotes.index import Hit, stem
from server.hub.mdnotes.parse import link_heading
from server.hub.refs.positions import column, index_of, split_lines

from ...server import TielineServer, markdown

if TYPE_CHECKING:
    pass

from .vaults import _TAG_BEFORE, MAX_ITEMS, Vault, _range, feature, preview

# -- completion --------------------------------------------------------------------------------


@dataclass
class _Context:
    line: int
    embed: bool
    note_part: str
    start: int  # UTF-16 column where the part being completed starts
    cursor: int
    end: int  # where the part ends (for a replace range)
    closed: bool  # ``]]`` already follows
    part: str  # "note", "heading" or "block"
    query: str


def _context(line_text: str, line: int, character: int) -> _Context | None:
    cut = index_of(line_text, character)
    before, after = line_text[:cut], line_text[cut:]
    i = before.rfind("[[")
    if i < 0 or "]]" in before[i:]:
        return None
    inner = before[i + 2 :]
    if "|" in inner:
        return None  # an alias is free text
    close = after.find("]]")
    reopen = after.find("[[")
    closed = close >= 0 and (reopen < 0 or reopen > close)
    tail = after[:close] if closed else ""
    tail_end = len(tail)
    for stop in "#|" if "#" not in inner else "|":
        j = tail.find(stop)
        if j >= 0:
            tail_end = min(tail_end, j)
    note_part, hash_, rest = inner.partition("#")
    if hash_:
        part, query = ("block", rest[1:]) if rest.startswith("^") else ("heading", rest)
        start_idx = cut - len(query)
    else:
        part, query = "note", inner
        start_idx = i + 2
    return _Context(
        line=line,
        embed=i > 0 and before[i - 1] == "!",
        note_part=note_part,
        start=column(line_text, start_idx),
        cursor=character,
        end=column(line_text, cut + tail_end),
        closed=closed,
        part=part,
        query=query,
    )


def _completion_caps(ls: TielineServer) -> tuple[bool, bool]:
    caps = ls.client_capabilities
    td = caps.text_document if caps else None
    item = td.completion.completion_item if td and td.completion else None
    return (bool(item and item.insert_replace_support), bool(item and item.label_details_support))


def _edit(
    ctx: _Context, text: str, insert_replace: bool
) -> types.TextEdit | types.InsertReplaceEdit:
    if not ctx.closed:
        text += "]]"
    ins = _range(ctx.line, ctx.start, ctx.cursor)
    if insert_replace:
        return types.InsertReplaceEdit(
            new_text=text, insert=ins, replace=_range(ctx.line, ctx.start, max(ctx.end, ctx.cursor))
        )
    return types.TextEdit(range=ins, new_text=text)


def complete_notes(
    vault: Vault, rel: str, ctx: _Context, insert_replace: bool, label_details: bool
) -> types.CompletionList:
    q = ctx.query.strip().casefold()
    names = vault.names(files=ctx.embed)
    hits, more = names.find(q, MAX_ITEMS)
    found = [(names.entries[k][2], names.entries[k][3]) for k in hits]
    items: list[types.CompletionItem] = []
    for n, (path, alias) in enumerate(found):
        text = vault.index.link_text(path, rel)
        label = alias or stem(path)
        folder = posixpath.dirname(path)
        item = types.CompletionItem(
            label=label,
            kind=types.CompletionItemKind.Reference if alias else types.CompletionItemKind.File,
            sort_text=f"{n:04d}",
            filter_text=(path[:-3] if "/" in q else label) if ctx.query else label,
            text_edit=_edit(ctx, text + (f"|{alias}" if alias else ""), insert_replace),
            insert_text_format=types.InsertTextFormat.PlainText,
            data={"tieline": "note", "uri": vault.uri(path)},
        )
        where = folder or "/"
        if alias:
            where = f"→ {stem(path)}" + (f" · {folder}" if folder else "")
        if label_details:
            item.label_details = types.CompletionItemLabelDetails(description=where)
        else:
            item.detail = where
        items.append(item)
    return types.CompletionList(is_incomplete=more, items=items)


def complete_parts(
    vault: Vault, rel: str, ctx: _Context, insert_replace: bool
) -> types.CompletionList | None:
    target = vault.index.resolve_path(ctx.note_part, rel)
    note = vault.index.notes.get(target) if target else None
    if note is None:
        return None
    items: list[types.CompletionItem] = []
    if ctx.part == "block":
        for n, (block, line) in enumerate(sorted(note.blocks.items(), key=lambda b: b[1])):
            items.append(
                types.CompletionItem(
                    label=f"^{block}",
                    kind=types.CompletionItemKind.Reference,
                    detail=f"line {line + 1}",
                    sort_text=f"{n:04d}",
                    filter_text=block,
                    text_edit=_edit(ctx, block, insert_replace),
                )
            )
    else:
        for n, h in enumerate(note.headings):
            text = link_heading(h.text)
            if not text:
                continue
            items.append(
                types.CompletionItem(
                    label=text,
                    kind=types.CompletionItemKind.Reference,
                    detail="#" * h.level,
                    sort_text=f"{n:04d}",
                    filter_text=text,
                    text_edit=_edit(ctx, text, insert_replace),
                )
            )
    return types.CompletionList(is_incomplete=False, items=items)


def complete_tags(
    vault: Vault, line: int, character: int, typed: str
) -> types.CompletionList | None:
    tags = vault.index.tags()
    if not tags:
        return None
    start = character - len(typed) - 1
    rng = _range(line, start, character)
    items = [
        types.CompletionItem(
            label=f"#{tag}",
            kind=types.CompletionItemKind.Keyword,
            detail=f"{count} note{'s' if count != 1 else ''}",
            filter_text=f"#{tag}",
            text_edit=types.TextEdit(range=rng, new_text=f"#{tag}"),
        )
        for tag, count in sorted(tags.items(), key=lambda t: (-t[1], t[0]))[:MAX_ITEMS]
    ]
    return types.CompletionList(is_incomplete=len(tags) > MAX_ITEMS, items=items)


def complete(ls: TielineServer, params: types.CompletionParams) -> types.CompletionList | None:
    """Completion in a note of a vault: notes inside ``[[``, then headings after ``#`` or
    block ids after ``#^``; tags after a ``#`` that starts a word (unless only digits follow:
    that is an issue number). ``None``: not a place for any of these."""
    got = feature(ls).of(params.text_document.uri)
    doc = ls.document(params.text_document.uri)
    if got is None or doc is None:
        return None
    vault, rel = got
    lines = split_lines(doc.source)
    pos = params.position
    if not 0 <= pos.line < len(lines):
        return None
    line_text = lines[pos.line]
    insert_replace, label_details = _completion_caps(ls)
    ctx = _context(line_text, pos.line, pos.character)
    if ctx is not None:
        if ctx.part == "note":
            return complete_notes(vault, rel, ctx, insert_replace, label_details)
        return complete_parts(vault, rel, ctx, insert_replace)
    before = line_text[: index_of(line_text, pos.character)]
    m = _TAG_BEFORE.search(before)
    if m is not None and not m.group(1).isdigit() and not (m.start() == 0 and not m.group(1)):
        return complete_tags(vault, pos.line, pos.character, m.group(1))
    return None


async def resolve_item(ls: TielineServer, item: types.CompletionItem) -> types.CompletionItem:
    data = item.data
    if not (isinstance(data, dict) and data.get("tieline") == "note") or item.documentation:
        return item
    got = feature(ls).of(str(data.get("uri", "")))
    if got is None:
        return item
    vault, rel = got
    text = await preview(ls, vault, Hit(rel), None)
    item.documentation = markdown(text)
    return item
