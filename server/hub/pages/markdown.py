"""Markdown <-> the neutral page blocks of :mod:`connectors.sdk.pages`, and front matter.

:func:`markdown_to_blocks` reads CommonMark with the GFM additions pages use (tables,
strikethrough, task lists); :func:`blocks_to_markdown` writes one canonical Markdown for a
block tree, so that ``markdown_to_blocks(blocks_to_markdown(b))`` gives ``b`` back (up to
merging adjacent spans of one style and whitespace at the ends of a block).

What Markdown can say and the tree cannot is mapped to the nearest, never dropped:

- raw HTML becomes a paragraph of its *text* (``<script>``/``<style>`` contents dropped);
  HTML is never passed on as HTML;
- an image inside a paragraph splits it (an :class:`~connectors.sdk.pages.Image` is a
  block); an image inside a link (a README badge), a heading or a table cell becomes a
  link span of its alt text;
- soft line breaks become spaces, hard breaks a ``"\\n"`` in the span's text.

Links markdown-it refuses (``javascript:``, ``vbscript:``, ``file:``, ``data:`` but for
images) stay text. Task-list items (``- [ ]``/``- [x]``) are recognised here rather than
with mdit-py-plugins' ``tasklists``, which renders the box as raw HTML this module would
have to read back.

Front matter: :func:`split_front_matter` and :func:`with_front_matter` read and write a
leading YAML block; the hub keeps what names a file's page under ``tieline:`` (see
:func:`page_meta`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from html.parser import HTMLParser
from typing import Any

import yaml
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

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

__all__ = [
    "META_KEY",
    "blocks_to_markdown",
    "markdown_to_blocks",
    "page_meta",
    "split_front_matter",
    "with_front_matter",
]

#: The front matter key holding ``{service, page_id, version, url, space}``.
META_KEY = "tieline"

_md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])

#: The markdown-it environment of the document being read (its link references).
_ENV: ContextVar[dict[str, Any]] = ContextVar("pages_markdown_env", default={})  # noqa: B039

_TASK = re.compile(r"\[([ xX])\](?:[ \t]+|$)")


# -- Markdown -> blocks ------------------------------------------------------------------


def markdown_to_blocks(text: str) -> list[Block]:
    """The blocks of a Markdown document (without front matter: see
    :func:`split_front_matter`)."""
    env: dict[str, Any] = {}
    root = SyntaxTreeNode(_md.parse(text, env))
    token = _ENV.set(env)
    try:
        return list(_blocks(root.children))
    finally:
        _ENV.reset(token)


def _blocks(nodes: Iterable[SyntaxTreeNode]) -> Iterator[Block]:
    for node in nodes:
        yield from _block(node)


def _block(node: SyntaxTreeNode) -> Iterator[Block]:
    t = node.type
    if t == "heading":
        yield Heading(level=int(node.tag[1]), spans=_flat(_inline(node), in_text=True))
    elif t == "paragraph":
        yield from _paragraph(_inline(node))
    elif t in ("bullet_list", "ordered_list"):
        yield ListBlock(ordered=t == "ordered_list", items=tuple(_item(c) for c in node.children))
    elif t == "blockquote":
        yield Quote(blocks=tuple(_blocks(node.children)))
    elif t in ("fence", "code_block"):
        info = node.info.strip().split(maxsplit=1) if t == "fence" else []
        yield Code(text=_chomp(node.content), language=info[0] if info else "")
    elif t == "hr":
        yield Divider()
    elif t == "html_block":
        text = _html_text(node.content).strip()
        if text:
            yield Paragraph(spans=(Span(text=" ".join(text.split())),))
    elif t == "table":
        rows: list[tuple[tuple[Span, ...], ...]] = []
        for section in node.children:
            for tr in section.children:
                rows.append(tuple(_flat(_inline(cell), in_text=True) for cell in tr.children))
        yield Table(rows=tuple(rows), header=True)
    else:  # anything a plugin might add: its text, never nothing
        text = node.content.strip() if hasattr(node, "content") else ""
        if text:
            yield Paragraph(spans=(Span(text=text),))


def _chomp(text: str) -> str:
    return text[:-1] if text.endswith("\n") else text


def _inline(node: SyntaxTreeNode) -> list[SyntaxTreeNode]:
    """The inline children of a block holding one ``inline`` node."""
    for child in node.children:
        if child.type == "inline":
            return list(child.children)
    return []


def _item(node: SyntaxTreeNode) -> ListItem:
    children = list(node.children)
    first = children[0] if children else None
    if first is not None and first.type == "paragraph":
        inline = next((c for c in first.children if c.type == "inline"), None)
        m = _TASK.match(inline.content) if inline is not None else None
        if m is not None and inline is not None:
            head = list(_paragraph(_inline_of(inline.content[m.end() :])))
            rest = list(_blocks(children[1:]))
            return ListItem(blocks=(*head, *rest), checked=m.group(1) != " ")
    return ListItem(blocks=tuple(_blocks(children)))


def _inline_of(source: str) -> list[SyntaxTreeNode]:
    """``source`` read as inline content only (what follows a task item's box), with the
    document's link reference definitions."""
    root = SyntaxTreeNode(_md.parseInline(source, dict(_ENV.get())))
    return _inline(root)


def _paragraph(nodes: list[SyntaxTreeNode]) -> Iterator[Block]:
    """A paragraph's inline nodes as blocks: images (outside links) split it."""
    run: list[Span] = []
    for item in _walk(nodes, _Style()):
        if isinstance(item, Image):
            if _has_text(run):
                yield Paragraph(spans=tuple(run))
            run = []
            yield item
        else:
            run.append(item)
    if _has_text(run):
        yield Paragraph(spans=tuple(run))


def _has_text(spans: Sequence[Span]) -> bool:
    return any(s.text.strip() for s in spans)


def _flat(nodes: list[SyntaxTreeNode], *, in_text: bool) -> tuple[Span, ...]:
    """Inline nodes as spans alone (images become link spans of their alt text)."""
    out: list[Span] = []
    for item in _walk(nodes, _Style(), images_as_spans=in_text):
        if isinstance(item, Span):
            out.append(item)
    return tuple(s.model_copy(update={"text": s.text.replace("\n", " ")}) for s in out)


class _Style:
    __slots__ = ("bold", "code", "href", "italic", "skip", "strike")

    def __init__(self) -> None:
        self.bold = self.italic = self.strike = self.code = self.skip = False
        self.href: str | None = None

    def span(self, text: str, *, code: bool = False) -> Span:
        return Span(
            text=text,
            bold=self.bold,
            italic=self.italic,
            strike=self.strike,
            code=code,
            href=self.href,
        )


_MARKS = {"strong": "bold", "em": "italic", "s": "strike"}
_SKIP_OPEN = re.compile(r"<(script|style)\b", re.I)
_SKIP_CLOSE = re.compile(r"</(script|style)\b", re.I)


def _walk(
    nodes: Iterable[SyntaxTreeNode], style: _Style, *, images_as_spans: bool = False
) -> Iterator[Span | Image]:
    for node in nodes:
        t = node.type
        if t == "text":
            if node.content and not style.skip:
                yield style.span(node.content)
        elif t == "softbreak":
            yield style.span(" ")
        elif t == "hardbreak":
            yield style.span("\n")
        elif t == "code_inline":
            yield style.span(node.content, code=True)
        elif t in _MARKS:
            attr = _MARKS[t]
            before = getattr(style, attr)
            setattr(style, attr, True)
            yield from _walk(node.children, style, images_as_spans=images_as_spans)
            setattr(style, attr, before)
        elif t == "link":
            before_href = style.href
            style.href = str(node.attrs.get("href", ""))
            yield from _walk(node.children, style, images_as_spans=True)
            style.href = before_href
        elif t == "image":
            src = str(node.attrs.get("src", ""))
            alt = "".join(s.text for s in _walk(node.children, _Style()) if isinstance(s, Span))
            if images_as_spans or style.href is not None:
                text = alt or src
                if style.href is None:
                    yield Span(text=text, href=src)
                else:
                    yield style.span(text)
            else:
                yield Image(url=src, alt=alt)
        elif t == "html_inline":
            if _SKIP_OPEN.match(node.content):
                style.skip = True
            elif _SKIP_CLOSE.match(node.content):
                style.skip = False
        elif node.children:
            yield from _walk(node.children, style, images_as_spans=images_as_spans)


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"):
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def _html_text(html: str) -> str:
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


# -- blocks -> Markdown ------------------------------------------------------------------


def blocks_to_markdown(blocks: Sequence[Block]) -> str:
    """Canonical Markdown for ``blocks``: ATX headings, ``-`` bullets (``*`` for a list
    right after another), ``1.`` numbers, backtick fences, GFM pipe tables, ``___`` dividers;
    one blank line between blocks, a newline at the end."""
    out = _render(blocks)
    return out + "\n" if out else ""


def _render(blocks: Sequence[Block]) -> str:
    parts: list[str] = []
    prev: Block | None = None
    alt = False
    for block in blocks:
        if isinstance(block, ListBlock):
            # A list right after one of its kind would join it: the other marker splits them.
            follows = isinstance(prev, ListBlock) and prev.ordered == block.ordered
            alt = not alt if follows else False
        text = _render_block(block, alt=alt)
        if text:
            parts.append(text)
            prev = block
    return "\n\n".join(parts)


def _render_block(block: Block, *, alt: bool = False) -> str:
    if isinstance(block, Heading):
        text = _spans_md(block.spans, single_line=True)
        return "#" * block.level + (" " + text if text else "")
    if isinstance(block, Paragraph):
        return _spans_md(block.spans)
    if isinstance(block, Code):
        return _fence(block)
    if isinstance(block, Quote):
        inner = _render(block.blocks)
        return "\n".join(">" + (" " + line if line else "") for line in inner.split("\n"))
    if isinstance(block, ListBlock):
        return _list(block, alt=alt)
    if isinstance(block, Table):
        return _table(block)
    if isinstance(block, Image):
        return f"![{_escape(block.alt, single_line=True)}]({_dest(block.url)})"
    if isinstance(block, Divider):
        return "___"
    return ""


def _list(block: ListBlock, *, alt: bool) -> str:
    lines: list[str] = []
    loose = any(len(item.blocks) > 1 for item in block.items)
    for n, item in enumerate(block.items, 1):
        bullet = "* " if alt else "- "
        marker = f"{n}{')' if alt else '.'} " if block.ordered else bullet
        body = _render(item.blocks)
        if item.checked is not None:
            box = "[x]" if item.checked else "[ ]"
            first = item.blocks[0] if item.blocks else None
            if isinstance(first, Paragraph):
                body = box + " " + body
            else:
                body = box + ("\n" + body if body else "")
        pad = " " * len(marker)
        rows = body.split("\n") if body else [""]
        text = (marker + rows[0]).rstrip() + "".join(
            "\n" + (pad + row if row else "") for row in rows[1:]
        )
        lines.append(text)
    return ("\n\n" if loose else "\n").join(lines)


def _fence(block: Code) -> str:
    longest = max((len(m) for m in re.findall(r"`+", block.text)), default=0)
    ticks = "`" * max(3, longest + 1)
    lang = block.language.strip().replace("`", "")
    fence = ticks if "`" not in block.language else "~" * max(3, longest + 1)
    return f"{fence}{lang}\n{block.text}\n{fence}" if block.text else f"{fence}{lang}\n{fence}"


def _table(block: Table) -> str:
    if not block.rows:
        return ""
    width = max(1, max(len(r) for r in block.rows))
    rows = [
        [_spans_md(cell, single_line=True, in_table=True) for cell in row]
        + [""] * (width - len(row))
        for row in block.rows
    ]
    head, body = rows[0], rows[1:]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join([" --- "] * width) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in body]
    return "\n".join(line.replace("|  |", "| |") for line in lines)


# Punctuation Markdown may read as markup anywhere in a line; ``&`` and ``<`` are written
# as entities, which an HTML sanitiser passing over the Markdown leaves as they are.
_INLINE_ESC = re.compile(r"([\\`*_\[\]~|!])")
_ENTITIES = {"&": "&amp;", "<": "&lt;"}
_LINE_START = re.compile(r"^(\s*)([#+=>-]|\d+[.)])")


def _escape(text: str, *, single_line: bool = False) -> str:
    out = _INLINE_ESC.sub(r"\\\1", text)
    out = re.sub(r"[&<]", lambda m: _ENTITIES[m.group(0)], out)
    # ``](`` opens a link destination to a sanitiser that reads past the escaped bracket.
    out = out.replace("\\](", "\\]\\(")
    if single_line:
        out = out.replace("\n", " ")
    return out


def _escape_line_starts(text: str) -> str:
    lines = text.split("\n")
    return "\n".join(_LINE_START.sub(_esc_start, line) for line in lines)


def _esc_start(m: re.Match[str]) -> str:
    mark = m.group(2)
    if mark[0].isdigit():
        return m.group(1) + mark[:-1] + "\\" + mark[-1]
    return m.group(1) + "\\" + mark


def _dest(url: str) -> str:
    if re.search(r"[\s()<>]", url) or not url:
        return "<" + url.replace("<", "%3C").replace(">", "%3E").replace("\n", "%0A") + ">"
    return url.replace("\\", "%5C")


def _code_span(text: str) -> str:
    text = text.replace("\n", " ")
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    if (
        text.startswith("`")
        or text.endswith("`")
        or (text.startswith(" ") and text.endswith(" ") and text.strip())
    ):
        text = " " + text + " "
    return ticks + text + ticks


_DELIMS = (("bold", "**"), ("italic", "*"), ("strike", "~~"))


def _plain(span: Span, single_line: bool) -> str:
    """One span's text, escaped (a code span in backticks), without emphasis or link."""
    if span.code:
        return _code_span(span.text)
    text = _escape(span.text, single_line=single_line)
    return text.replace("\n", " ") if single_line else text.replace("\n", "\\\n")


def _emphasised(spans: Sequence[Span], single_line: bool, level: int = 0) -> str:
    """Spans with their emphasis: a run sharing a mark is wrapped once, whitespace at its
    ends kept outside the delimiters (where CommonMark would not see them as marks)."""
    if level == len(_DELIMS):
        return "".join(_plain(s, single_line) for s in spans)
    attr, delim = _DELIMS[level]
    out: list[str] = []
    i = 0
    while i < len(spans):
        on = getattr(spans[i], attr)
        j = i
        while j < len(spans) and getattr(spans[j], attr) == on:
            j += 1
        inner = _emphasised(spans[i:j], single_line, level + 1)
        if on and inner.strip(" "):
            core = inner.strip(" ")
            lead = inner[: len(inner) - len(inner.lstrip(" "))]
            trail = inner[len(inner.rstrip(" ")) :]
            inner = f"{lead}{delim}{core}{delim}{trail}"
        out.append(inner)
        i = j
    return "".join(out)


def _merge(spans: Sequence[Span]) -> list[Span]:
    out: list[Span] = []
    for s in spans:
        if not s.text:
            continue
        if out and out[-1].model_copy(update={"text": ""}) == s.model_copy(update={"text": ""}):
            out[-1] = out[-1].model_copy(update={"text": out[-1].text + s.text})
        else:
            out.append(s)
    return out


def _spans_md(spans: Sequence[Span], *, single_line: bool = False, in_table: bool = False) -> str:
    spans = _merge(spans)
    parts: list[str] = []
    i = 0
    while i < len(spans):
        href = spans[i].href
        j = i
        while j < len(spans) and spans[j].href == href:
            j += 1
        inner = _emphasised(spans[i:j], single_line)
        if href is not None and inner.strip(" "):
            core = inner.strip(" ")
            lead = inner[: len(inner) - len(inner.lstrip(" "))]
            trail = inner[len(inner.rstrip(" ")) :]
            inner = f"{lead}[{core}]({_dest(href)}){trail}"
        parts.append(inner)
        i = j
    text = "".join(parts)
    if not single_line:
        # A hard break at the very end means nothing to Markdown.
        while text.rstrip(" ").endswith("\\\n"):
            text = text.rstrip(" ")[:-2]
        while text.lstrip(" ").startswith("\\\n"):
            text = text.lstrip(" ")[2:]
        text = text.strip(" ")
        text = _escape_line_starts(text)
    else:
        text = _escape_line_starts(text.strip())
    if in_table:
        text = text.replace("|", "\\|").replace("\\\\|", "\\|")
    return text.strip(" \t") if single_line else text


# -- front matter ------------------------------------------------------------------------

_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?\r?\n)?(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S)


def split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    """``(meta, body)``: a leading YAML mapping between ``---`` lines and the rest. No front
    matter, or one that is not a YAML mapping: ``({}, text)``."""
    m = _FRONT.match(text)
    if m is None:
        return {}, text
    try:
        meta = yaml.safe_load(m.group(1) or "")
    except yaml.YAMLError:
        return {}, text
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        return {}, text
    body = text[m.end() :]
    return {str(k): v for k, v in meta.items()}, body.lstrip("\r\n")


def with_front_matter(meta: Mapping[str, Any], body: str) -> str:
    """``body`` behind a YAML front matter of ``meta`` (none when ``meta`` is empty)."""
    if not meta:
        return body
    dumped = yaml.safe_dump(
        dict(meta), sort_keys=False, allow_unicode=True, default_flow_style=False
    )
    return f"---\n{dumped}---\n\n{body}"


def page_meta(meta: Mapping[str, Any]) -> dict[str, str]:
    """The ``tieline:`` entry of front matter (``service``, ``page_id``, ``version``, ``url``,
    ``space``) as strings; ``{}`` when absent or not a mapping."""
    entry = meta.get(META_KEY)
    if not isinstance(entry, Mapping):
        return {}
    return {str(k): str(v) for k, v in entry.items() if v is not None}
