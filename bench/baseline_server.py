"""The floor Tieline is measured against: a bare pygls server answering constant results.

A hover is always the same short Markdown; a completion always the same 50 snippet items (or,
with ``BENCH_PAYLOAD`` naming a file with ``"completion"``, exactly that list); code lenses and
document links are always the same 1,000 items, shaped like Tieline's (a lens with a command
title and a URL argument, a link with a target and tooltip), built on the first request (not
at start: the cold-start floor stays a bare server) -- what pygls and the client cost with no
work done. With
``BENCH_PAYLOAD`` naming a JSON file ``{"lenses": [...], "links": [...]}`` (what Tieline
answered for the same file), it answers exactly those instead: the floor for the same payload.
"""

from __future__ import annotations

import json
import os
from functools import cache
from pathlib import Path

from lsprotocol import types
from lsprotocol.converters import get_converter
from pygls.lsp.server import LanguageServer

ITEMS = 1000

server = LanguageServer(name="baseline", version="0")


def _range(i: int) -> types.Range:
    pos = types.Position(line=5 * i + 1, character=10)
    return types.Range(start=pos, end=types.Position(line=5 * i + 1, character=14))


@cache
def _items() -> tuple[list[types.CodeLens], list[types.DocumentLink]]:
    payload = os.environ.get("BENCH_PAYLOAD")
    if payload:
        data = json.loads(Path(payload).read_text(encoding="utf-8"))
        conv = get_converter()
        return (
            [conv.structure(x, types.CodeLens) for x in data["lenses"]],
            [conv.structure(x, types.DocumentLink) for x in data["links"]],
        )
    urls = [f"https://github.com/octo/app/issues/{i % 250 + 1}" for i in range(ITEMS)]
    lenses = [
        types.CodeLens(
            range=types.Range(start=_range(i).start, end=_range(i).start),
            command=types.Command(
                title=f"#{i % 250 + 1} open · @octocat",
                command="tieline.openInBrowser",
                arguments=[urls[i]],
            ),
        )
        for i in range(ITEMS)
    ]
    links = [
        types.DocumentLink(range=_range(i), target=urls[i], tooltip=urls[i]) for i in range(ITEMS)
    ]
    return lenses, links


@server.feature(types.TEXT_DOCUMENT_HOVER)
def hover(ls: LanguageServer, params: types.HoverParams) -> types.Hover:
    return types.Hover(contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="hi"))


@server.feature(types.TEXT_DOCUMENT_CODE_LENS)
def lenses(ls: LanguageServer, params: types.CodeLensParams) -> list[types.CodeLens]:
    return _items()[0]


@server.feature(types.TEXT_DOCUMENT_DOCUMENT_LINK)
def links(ls: LanguageServer, params: types.DocumentLinkParams) -> list[types.DocumentLink]:
    return _items()[1]


@cache
def _completion() -> types.CompletionList:
    payload = os.environ.get("BENCH_PAYLOAD")
    if payload:
        data = json.loads(Path(payload).read_text(encoding="utf-8"))
        if "completion" in data:
            return get_converter().structure(data["completion"], types.CompletionList)
    edit_range = types.Range(start=types.Position(0, 4), end=types.Position(0, 9))
    items = [
        types.CompletionItem(
            label=f"snippet{i}",
            kind=types.CompletionItemKind.Snippet,
            detail=f"Snippet number {i}",
            filter_text=f"snip:snippet{i}",
            sort_text=f"{i:04d}",
            insert_text_format=types.InsertTextFormat.Snippet,
            text_edit=types.TextEdit(range=edit_range, new_text=f"call_{i}(${{1:arg}})\n$0"),
        )
        for i in range(50)
    ]
    return types.CompletionList(is_incomplete=True, items=items)


@server.feature(types.TEXT_DOCUMENT_COMPLETION)
def completion(ls: LanguageServer, params: types.CompletionParams) -> types.CompletionList:
    return _completion()


if __name__ == "__main__":
    server.start_io()
