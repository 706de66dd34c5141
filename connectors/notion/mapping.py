"""Notion's block objects <-> the sdk's neutral :data:`~connectors.sdk.pages.Block` tree.

Two pure functions, no I/O: :func:`blocks_to_notion` gives the block objects to append
(request shape, children nested inside the type object as Notion takes them, however deep:
the connector splits what one request may carry) and :func:`notion_to_blocks` reads block
objects whose children the connector fetched and nested the same way (``<type>.children``),
in the answer shape or the request shape alike. Developers' reference:
https://developers.notion.com/reference/block and .../rich-text.

How the two trees meet:

- Rich text: bold, italic, code, strikethrough and links are kept; underline and colours are
  not (Markdown has neither). A text object carries at most 2,000 characters
  (developers.notion.com/reference/request-limits), so longer spans are cut into several;
  reading merges adjacent runs of one style back into one span. A block's rich text holds at
  most 100 of them: a paragraph or code block longer than that continues in another block
  of its kind (and reads back as two).
- ``heading_1``..``heading_3`` are levels 1-3; Notion has no deeper headings, so levels 4-6
  are written as ``heading_3`` and read back as level 3.
- A list item's (and a quote's) first paragraph is the block's own rich text; the blocks
  after it are its children. Consecutive ``bulleted_list_item``/``toggle`` blocks make one
  unordered list, ``numbered_list_item`` an ordered one, ``to_do`` a task list (an ordered
  task list is written as ``to_do`` and read back unordered).
- ``code``: the language is mapped to Notion's enum (common aliases too); an unknown one is
  written ``plain text``, which reads back as no language.
- ``callout`` reads as a quote; ``bookmark``, ``embed`` and ``link_preview`` as a paragraph
  holding the link; ``child_page`` is not content (the connector lists child pages);
  any other block (``equation``, ``synced_block``, columns, ``unsupported``...) as a
  paragraph of its plain text followed by its children, never dropped silently.
- Images: an ``external`` or Notion-hosted ``file`` URL when read (a hosted one is a signed,
  expiring URL the connector reads through ``page_resource``); when written, an image whose
  url is a key of ``uploads`` points at that file upload, any other at its URL.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from connectors.sdk.pages import (
    Block,
    Code,
    Divider,
    Heading,
    Image,
    ListBlock,
    ListItem,
    Paragraph,
    Quote,
    Span,
    Table,
)

#: Characters in one text object (developers.notion.com/reference/request-limits).
MAX_TEXT = 2000
#: Text objects in one block's rich text (the same page).
MAX_RICH = 100
#: Notion's ``code.language`` enum (developers.notion.com/reference/block#code).
_LANGUAGE_WORDS = (
    "abap|abc|agda|arduino|ascii art|assembly|bash|basic|bnf|c|c#|c++|clojure|coffeescript|"
    "coq|css|dart|dhall|diff|docker|ebnf|elixir|elm|erlang|f#|flow|fortran|gherkin|glsl|go|"
    "graphql|groovy|haskell|hcl|html|idris|java|javascript|json|julia|kotlin|latex|less|lisp|"
    "livescript|llvm ir|lua|makefile|markdown|markup|matlab|mathematica|mermaid|nix|"
    "notion formula|objective-c|ocaml|pascal|perl|php|plain text|powershell|prolog|protobuf|"
    "purescript|python|r|racket|reason|ruby|rust|sass|scala|scheme|scss|shell|smalltalk|"
    "solidity|sql|swift|toml|typescript|vb.net|verilog|vhdl|visual basic|webassembly|xml|yaml|"
    "java/c/c++/c#"
)
NOTION_LANGUAGES = frozenset(_LANGUAGE_WORDS.split("|"))
PLAIN = "plain text"
#: Names Markdown fences use for languages Notion spells otherwise.
ALIASES = {
    "py": "python",
    "python3": "python",
    "js": "javascript",
    "jsx": "javascript",
    "mjs": "javascript",
    "ts": "typescript",
    "tsx": "typescript",
    "sh": "shell",
    "zsh": "shell",
    "console": "shell",
    "shell-session": "shell",
    "cpp": "c++",
    "cxx": "c++",
    "h": "c",
    "cs": "c#",
    "csharp": "c#",
    "fs": "f#",
    "fsharp": "f#",
    "rb": "ruby",
    "rs": "rust",
    "golang": "go",
    "kt": "kotlin",
    "yml": "yaml",
    "md": "markdown",
    "tex": "latex",
    "dockerfile": "docker",
    "make": "makefile",
    "objc": "objective-c",
    "ps1": "powershell",
    "pwsh": "powershell",
    "proto": "protobuf",
    "htm": "html",
    "xhtml": "html",
    "svg": "xml",
    "text": PLAIN,
    "txt": PLAIN,
    "plaintext": PLAIN,
    "vb": "visual basic",
    "wasm": "webassembly",
    "gql": "graphql",
    "tf": "hcl",
    "patch": "diff",
    "ml": "ocaml",
    "hs": "haskell",
    "jl": "julia",
    "ex": "elixir",
    "exs": "elixir",
    "erl": "erlang",
    "clj": "clojure",
    "scm": "scheme",
    "rkt": "racket",
}
LIST_TYPES = {"bulleted_list_item": False, "toggle": False, "numbered_list_item": True}
LINKS = ("bookmark", "embed", "link_preview", "video", "pdf", "file", "audio")
#: Block types that are pages or databases of their own, not content of this page.
CHILD_PAGES = ("child_page",)

Json = dict[str, Any]


def notion_language(language: str) -> str:
    """``language`` as Notion's code-block enum names it; ``plain text`` when unknown."""
    name = language.strip().lower()
    name = ALIASES.get(name, name)
    return name if name in NOTION_LANGUAGES else PLAIN


# -- rich text --------------------------------------------------------------------------------
def _style(span: Span) -> tuple[bool, bool, bool, bool, str | None]:
    return (span.bold, span.italic, span.code, span.strike, span.href)


def merge_spans(spans: Iterable[Span]) -> tuple[Span, ...]:
    """Adjacent spans of one style as one; empty ones dropped."""
    out: list[Span] = []
    for s in spans:
        if not s.text:
            continue
        if out and _style(out[-1]) == _style(s):
            out[-1] = out[-1].model_copy(update={"text": out[-1].text + s.text})
        else:
            out.append(s)
    return tuple(out)


def _chunks(text: str) -> list[str]:
    """``text`` in pieces of at most :data:`MAX_TEXT` characters, never cutting a surrogate
    pair's worth: Notion counts UTF-16 units, so the cut is made on those."""
    out: list[str] = []
    piece: list[str] = []
    units = 0
    for ch in text:
        width = 2 if ord(ch) > 0xFFFF else 1
        if units + width > MAX_TEXT:
            out.append("".join(piece))
            piece, units = [], 0
        piece.append(ch)
        units += width
    if piece:
        out.append("".join(piece))
    return out


def rich_text(spans: Iterable[Span]) -> list[Json]:
    """Spans as Notion text objects, long ones cut at :data:`MAX_TEXT`."""
    out: list[Json] = []
    for s in spans:
        for piece in _chunks(s.text):
            text: Json = {"content": piece}
            if s.href:
                text["link"] = {"url": s.href}
            obj: Json = {"type": "text", "text": text}
            notes = {
                k: True
                for k, on in (
                    ("bold", s.bold),
                    ("italic", s.italic),
                    ("strikethrough", s.strike),
                    ("code", s.code),
                )
                if on
            }
            if notes:
                obj["annotations"] = notes
            out.append(obj)
    return out


def _plain_rich(text: str) -> list[Json]:
    return rich_text([Span(text=text)]) if text else []


def read_rich_text(items: Sequence[Json] | None) -> tuple[Span, ...]:
    """Notion rich text (any type: text, mention, equation) as spans."""
    spans: list[Span] = []
    for item in items or ():
        text = item.get("plain_text")
        inner = item.get("text") or {}
        if text is None:
            text = inner.get("content", "")
            if item.get("type") == "equation":
                text = (item.get("equation") or {}).get("expression", "")
        link = inner.get("link") or {}
        href = item.get("href") or link.get("url") or None
        notes = item.get("annotations") or {}
        spans.append(
            Span(
                text=str(text),
                bold=bool(notes.get("bold")),
                italic=bool(notes.get("italic")),
                code=bool(notes.get("code")),
                strike=bool(notes.get("strikethrough")),
                href=str(href) if href else None,
            )
        )
    return merge_spans(spans)


def plain(items: Sequence[Json] | None) -> str:
    return "".join(s.text for s in read_rich_text(items))


# -- writing ----------------------------------------------------------------------------------
def _block(kind: str, body: Json, children: list[Json] | None = None) -> Json:
    if children:
        body = {**body, "children": children}
    return {"object": "block", "type": kind, kind: body}


def _runs(items: list[Json]) -> list[list[Json]]:
    """Rich text in runs of at most :data:`MAX_RICH` objects: a paragraph or code block
    longer than one block holds continues in the next (and reads back as several)."""
    return [items[i : i + MAX_RICH] for i in range(0, len(items), MAX_RICH)] or [[]]


def _lead(blocks: Sequence[Block], uploads: Mapping[str, str]) -> tuple[list[Json], list[Json]]:
    """A container's first paragraph as its rich text, the rest as its children."""
    if blocks and isinstance(blocks[0], Paragraph):
        return rich_text(blocks[0].spans), blocks_to_notion(blocks[1:], uploads)
    return [], blocks_to_notion(blocks, uploads)


def _write(block: Block, uploads: Mapping[str, str]) -> list[Json]:
    if isinstance(block, Paragraph):
        return [_block("paragraph", {"rich_text": r}) for r in _runs(rich_text(block.spans))]
    if isinstance(block, Heading):
        kind = f"heading_{min(block.level, 3)}"
        return [_block(kind, {"rich_text": rich_text(block.spans)})]
    if isinstance(block, Code):
        language = notion_language(block.language)
        return [
            _block("code", {"rich_text": r, "language": language})
            for r in _runs(_plain_rich(block.text))
        ]
    if isinstance(block, Quote):
        text, children = _lead(block.blocks, uploads)
        return [_block("quote", {"rich_text": text}, children)]
    if isinstance(block, ListBlock):
        out = []
        for item in block.items:
            kind = (
                "to_do"
                if item.checked is not None
                else "numbered_list_item"
                if block.ordered
                else "bulleted_list_item"
            )
            text, children = _lead(item.blocks, uploads)
            body: Json = {"rich_text": text}
            if item.checked is not None:
                body["checked"] = item.checked
            out.append(_block(kind, body, children))
        return out
    if isinstance(block, Table):
        width = max((len(r) for r in block.rows), default=0) or 1
        rows = [
            _block(
                "table_row",
                {"cells": [rich_text(c) for c in row] + [[] for _ in range(width - len(row))]},
            )
            for row in block.rows
        ] or [_block("table_row", {"cells": [[] for _ in range(width)]})]
        table: Json = {"table_width": width, "has_column_header": block.header}
        table["has_row_header"] = False
        return [_block("table", table, rows)]
    if isinstance(block, Image):
        caption = _plain_rich(block.alt)
        if block.url in uploads:
            image: Json = {"type": "file_upload", "file_upload": {"id": uploads[block.url]}}
        else:
            image = {"type": "external", "external": {"url": block.url}}
        if caption:
            image["caption"] = caption
        return [_block("image", image)]
    assert isinstance(block, Divider), block
    return [_block("divider", {})]


def blocks_to_notion(
    blocks: Sequence[Block], uploads: Mapping[str, str] | None = None
) -> list[Json]:
    """``blocks`` as Notion block objects to append. ``uploads`` maps an image's url (an
    ``attachments`` key) to the id of the file upload holding its bytes."""
    out: list[Json] = []
    for block in blocks:
        out.extend(_write(block, uploads or {}))
    return out


# -- reading ----------------------------------------------------------------------------------
def _children(block: Json) -> list[Json]:
    body = block.get(block.get("type", "")) or {}
    return list(body.get("children") or block.get("children") or ())


def _container(spans: tuple[Span, ...], children: list[Json]) -> tuple[Block, ...]:
    lead: tuple[Block, ...] = (Paragraph(spans=spans),) if spans else ()
    return lead + notion_to_blocks(children)


def _file_url(body: Json) -> str:
    kind = body.get("type", "")
    inner = body.get(kind) or body.get("external") or body.get("file") or {}
    return str(inner.get("url") or "")


def _read(block: Json) -> list[Block]:
    kind = str(block.get("type", ""))
    body: Json = block.get(kind) or {}
    spans = read_rich_text(body.get("rich_text"))
    children = _children(block)
    if kind == "paragraph":
        return [Paragraph(spans=spans), *notion_to_blocks(children)]
    if kind.startswith("heading_") and kind[-1] in "123":
        return [Heading(level=int(kind[-1]), spans=spans), *notion_to_blocks(children)]
    if kind == "code":
        language = str(body.get("language") or "")
        return [
            Code(text=plain(body.get("rich_text")), language="" if language == PLAIN else language)
        ]
    if kind in ("quote", "callout"):
        return [Quote(blocks=_container(spans, children))]
    if kind == "divider":
        return [Divider()]
    if kind == "table":
        rows = tuple(
            tuple(read_rich_text(c) for c in (row.get("table_row") or {}).get("cells") or ())
            for row in children
            if row.get("type") == "table_row"
        )
        return [Table(rows=rows, header=bool(body.get("has_column_header")))]
    if kind == "image":
        return [Image(url=_file_url(body), alt=plain(body.get("caption")))]
    if kind in LINKS:
        url = _file_url(body) or str(body.get("url") or "")
        caption = plain(body.get("caption")) or str(body.get("name") or "") or url
        return [Paragraph(spans=(Span(text=caption, href=url or None),))] if url else []
    if kind in CHILD_PAGES:
        return []
    if kind == "link_to_page":
        target = str(body.get(str(body.get("type") or "page_id")) or "")
        url = f"https://www.notion.so/{target.replace('-', '')}"
        return [Paragraph(spans=(Span(text=url, href=url),))] if target else []
    text = plain(body.get("rich_text")) or str(body.get("title") or body.get("expression") or "")
    lead: list[Block] = [Paragraph(spans=(Span(text=text),))] if text else []
    return lead + list(notion_to_blocks(children))


def notion_to_blocks(children: Sequence[Json]) -> tuple[Block, ...]:
    """Block objects (children nested at ``<type>.children``) as neutral blocks."""
    out: list[Block] = []
    for block in children:
        kind = str(block.get("type", ""))
        if kind in LIST_TYPES or kind == "to_do":
            body: Json = block.get(kind) or {}
            item = ListItem(
                blocks=_container(read_rich_text(body.get("rich_text")), _children(block)),
                checked=bool(body.get("checked")) if kind == "to_do" else None,
            )
            ordered = LIST_TYPES.get(kind, False)
            last = out[-1] if out else None
            task = kind == "to_do"
            if (
                isinstance(last, ListBlock)
                and last.ordered == ordered
                and last.items
                and (last.items[0].checked is not None) == task
            ):
                out[-1] = last.model_copy(update={"items": (*last.items, item)})
            else:
                out.append(ListBlock(ordered=ordered, items=(item,)))
            continue
        out.extend(_read(block))
    return tuple(out)


__all__ = [
    "MAX_TEXT",
    "NOTION_LANGUAGES",
    "blocks_to_notion",
    "merge_spans",
    "notion_language",
    "notion_to_blocks",
    "plain",
    "read_rich_text",
    "rich_text",
]
