"""Confluence storage format (XHTML with ``ac:``/``ri:`` elements) <-> the sdk's Block tree.

Two pure functions, :func:`blocks_to_storage` and :func:`storage_to_blocks`; neither makes a
request. The storage format is documented at
https://confluence.atlassian.com/doc/confluence-storage-format-790796544.html.

Reading:

- Storage is not well-formed XML on its own (no namespace declarations for ``ac:``/``ri:``,
  HTML entities such as ``&nbsp;``), so it is read with the standard library's lenient
  ``html.parser`` into a small element tree, never with regular expressions.
- ``h1``-``h6``, ``p``, ``strong``/``b``, ``em``/``i``, ``code``/``tt``, ``s``/``del``/
  ``strike``, ``a href``, ``br`` (a newline in the text), ``ul``/``ol``/``li`` nested,
  ``ac:task-list`` (``ListItem.checked``), the ``code`` and ``noformat`` macros, ``pre``,
  ``blockquote``, ``hr``, ``table`` (``th`` in the first row makes it a header),
  ``ac:image`` with ``ri:attachment`` or ``ri:url``.
- The ``info``, ``note``, ``warning``, ``tip`` and ``panel`` macros become a :class:`Quote`;
  another macro with a rich-text body gives that body's blocks, one with a plain-text body a
  paragraph of its text, one with no body a paragraph naming it (nothing is dropped
  silently). A panel's ``title`` opens its quote in bold; an inline macro (``status``)
  stays in its paragraph as its title's text. Links to pages and people (``ac:link``) keep
  their words (``@name`` for a person), emoticons their emoji, an image in a heading or a
  table cell its ``[alt]``; blocks inside a cell are set apart by newlines.
- Hostile content goes: ``script``, ``style``, ``iframe``, ``object``, ``embed`` and the like
  are dropped with their content; attributes are never carried (so no ``on*`` handlers),
  and a link or image whose URL has a scheme other than http(s)/mailto/tel (``javascript:``,
  ``data:``) keeps its text but loses the URL.
- An attachment image's ``url`` is what ``attachment_url(filename)`` gives (the connector
  passes the page's download links); without it, the percent-encoded file name itself.

Writing is the converse: an :class:`Image` whose ``url`` is a key of ``attachments`` (or
any URL that is not http(s)) is written as ``ri:attachment`` with the file name
``attachments`` maps it to; an http(s) URL as ``ri:url``. A list whose items are checked
(or unchecked: ``checked`` is not ``None``) is written as a task list; Confluence's task
lists are unordered, so an ordered list is written as ``ol`` whatever its items' ``checked``.

For a tree in the form this module itself reads (no empty or whitespace-only paragraphs,
adjacent spans of one style merged), ``storage_to_blocks(blocks_to_storage(b)) == b``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from html.parser import HTMLParser
from urllib.parse import quote, unquote

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
    Spans,
    Table,
)

# -- writing ---------------------------------------------------------------------------------

#: Macros read as a quote (their rich-text body the quote's blocks).
QUOTE_MACROS = frozenset({"info", "note", "warning", "tip", "panel"})
#: Macros read as a code block (their plain-text body its text).
CODE_MACROS = frozenset({"code", "noformat"})


def _text(text: str) -> str:
    return "<br/>".join(escape(part, quote=False) for part in text.split("\n"))


def _span(s: Span) -> str:
    out = _text(s.text)
    if s.code:
        out = f"<code>{out}</code>"
    if s.strike:
        out = f"<s>{out}</s>"
    if s.italic:
        out = f"<em>{out}</em>"
    if s.bold:
        out = f"<strong>{out}</strong>"
    if s.href is not None:
        out = f'<a href="{escape(s.href)}">{out}</a>'
    return out


def _spans(spans: Spans) -> str:
    return "".join(_span(s) for s in spans)


def _cdata(text: str) -> str:
    """``text`` as CDATA sections (a ``]]>`` inside splits it in two)."""
    return "<![CDATA[" + text.replace("]]>", "]]]]><![CDATA[>") + "]]>"


@dataclass
class _Writer:
    attachments: Mapping[str, str]
    task_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    def blocks(self, blocks: Sequence[Block]) -> str:
        return "".join(self.block(b) for b in blocks)

    def item_body(self, blocks: Sequence[Block]) -> str:
        """A list item's or task's content: a first paragraph inline, as Confluence writes."""
        if blocks and isinstance(blocks[0], Paragraph):
            return _spans(blocks[0].spans) + self.blocks(blocks[1:])
        return self.blocks(blocks)

    def block(self, b: Block) -> str:
        if isinstance(b, Heading):
            return f"<h{b.level}>{_spans(b.spans)}</h{b.level}>"
        if isinstance(b, Paragraph):
            return f"<p>{_spans(b.spans)}</p>"
        if isinstance(b, Code):
            lang = (
                f'<ac:parameter ac:name="language">{escape(b.language, quote=False)}</ac:parameter>'
                if b.language
                else ""
            )
            return (
                '<ac:structured-macro ac:name="code">'
                f"{lang}<ac:plain-text-body>{_cdata(b.text)}</ac:plain-text-body>"
                "</ac:structured-macro>"
            )
        if isinstance(b, Quote):
            return f"<blockquote>{self.blocks(b.blocks)}</blockquote>"
        if isinstance(b, ListBlock):
            return self.list(b)
        if isinstance(b, Table):
            return self.table(b)
        if isinstance(b, Image):
            return f"<p>{self.image(b)}</p>"
        if isinstance(b, Divider):
            return "<hr/>"
        raise TypeError(f"not a block: {b!r}")  # pragma: no cover - the union is closed

    def list(self, b: ListBlock) -> str:
        if not b.ordered and any(i.checked is not None for i in b.items):
            tasks = "".join(
                "<ac:task>"
                f"<ac:task-id>{next(self.task_ids)}</ac:task-id>"
                f"<ac:task-status>{'complete' if i.checked else 'incomplete'}</ac:task-status>"
                f"<ac:task-body>{self.item_body(i.blocks)}</ac:task-body>"
                "</ac:task>"
                for i in b.items
            )
            return f"<ac:task-list>{tasks}</ac:task-list>"
        tag = "ol" if b.ordered else "ul"
        items = "".join(f"<li>{self.item_body(i.blocks)}</li>" for i in b.items)
        return f"<{tag}>{items}</{tag}>"

    def table(self, b: Table) -> str:
        rows = []
        for n, row in enumerate(b.rows):
            cell = "th" if b.header and n == 0 else "td"
            rows.append("<tr>" + "".join(f"<{cell}>{_spans(c)}</{cell}>" for c in row) + "</tr>")
        return f"<table><tbody>{''.join(rows)}</tbody></table>"

    def image(self, b: Image) -> str:
        alt = f' ac:alt="{escape(b.alt)}"' if b.alt else ""
        if b.url in self.attachments:
            target = f'<ri:attachment ri:filename="{escape(self.attachments[b.url])}"/>'
        elif _scheme(b.url) in ("http", "https"):
            target = f'<ri:url ri:value="{escape(b.url)}"/>'
        else:
            target = f'<ri:attachment ri:filename="{escape(unquote(b.url))}"/>'
        return f"<ac:image{alt}>{target}</ac:image>"


def blocks_to_storage(
    blocks: Sequence[Block], *, attachments: Mapping[str, str] | None = None
) -> str:
    """``blocks`` in Confluence storage format. ``attachments`` maps an :class:`Image` url
    (a key of the attachments being uploaded) to the file name it is attached under."""
    return _Writer(attachments or {}).blocks(blocks)


# -- reading ---------------------------------------------------------------------------------

#: Elements dropped with everything inside them.
DROPPED = frozenset(
    {
        "script",
        "style",
        "iframe",
        "object",
        "embed",
        "applet",
        "frame",
        "frameset",
        "noscript",
        "template",
        "svg",
        "math",
        "form",
        "input",
        "button",
        "select",
        "textarea",
        "link",
        "meta",
        "base",
        "head",
        "title",
        "ac:placeholder",
    }
)
VOID = frozenset(
    {"br", "hr", "img", "col", "wbr", "area", "source", "input", "meta", "link", "embed", "param"}
    | {"base", "track", "keygen"}
)
SAFE_SCHEMES = frozenset({"", "http", "https", "mailto", "tel"})
BLOCK_TAGS = frozenset(
    {
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "p",
        "ul",
        "ol",
        "li",
        "pre",
        "blockquote",
        "hr",
        "table",
        "div",
        "section",
        "ac:task-list",
        "ac:structured-macro",
        "ac:macro",
        "ac:layout",
        "ac:layout-section",
        "ac:layout-cell",
        "ac:image",
    }
)
CONTAINERS = frozenset(
    {"div", "section", "article", "body", "ac:layout", "ac:layout-section", "ac:layout-cell"}
)


@dataclass
class _Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[_Node | str] = field(default_factory=list)

    def find(self, tag: str) -> _Node | None:
        return next((c for c in self.children if isinstance(c, _Node) and c.tag == tag), None)

    def elements(self) -> Iterator[_Node]:
        return (c for c in self.children if isinstance(c, _Node))

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)


class _TreeBuilder(HTMLParser):
    """A forgiving element tree: unclosed elements close with their parent, stray end tags are
    ignored, dropped elements never enter the tree."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = _Node("body")
        self.stack = [self.root]
        self.skipping = 0  # depth inside a dropped element

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping:
            if tag in DROPPED and tag not in VOID:
                self.skipping += 1
            return
        if tag in DROPPED:
            if tag not in VOID:
                self.skipping = 1
            return
        node = _Node(tag, {k: v or "" for k, v in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self.skipping or tag in DROPPED:
            return
        self.stack[-1].children.append(_Node(tag, {k: v or "" for k, v in attrs}))

    def handle_endtag(self, tag: str) -> None:
        if self.skipping:
            if tag in DROPPED:
                self.skipping -= 1
            return
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.stack[-1].children.append(data)

    def unknown_decl(self, data: str) -> None:
        if data.startswith("CDATA[") and not self.skipping:
            self.stack[-1].children.append(data[len("CDATA[") :])


def _parse(xhtml: str) -> _Node:
    builder = _TreeBuilder()
    builder.feed(xhtml)
    builder.close()
    return builder.root


def _scheme(url: str) -> str:
    """The URL's scheme, lower-cased, as a browser would read it (control characters and
    spaces inside ``java\\tscript:`` ignored); ``""`` for a relative URL."""
    squeezed = "".join(ch for ch in url if ord(ch) > 0x20)
    head, sep, _ = squeezed.partition(":")
    if not sep or any(ch in head for ch in "/?#"):
        return ""
    return head.lower()


def safe_url(url: str) -> str | None:
    """``url`` when a browser following it would stay a browser following a link."""
    return url if _scheme(url) in SAFE_SCHEMES else None


@dataclass(frozen=True)
class _Style:
    bold: bool = False
    italic: bool = False
    code: bool = False
    strike: bool = False
    href: str | None = None


_STYLE_TAGS: dict[str, dict[str, bool]] = {
    "strong": {"bold": True},
    "b": {"bold": True},
    "em": {"italic": True},
    "i": {"italic": True},
    "code": {"code": True},
    "tt": {"code": True},
    "s": {"strike": True},
    "del": {"strike": True},
    "strike": {"strike": True},
}


def _merge(spans: list[Span]) -> Spans:
    out: list[Span] = []
    for s in spans:
        if not s.text:
            continue
        if out and out[-1].model_copy(update={"text": ""}) == s.model_copy(update={"text": ""}):
            out[-1] = out[-1].model_copy(update={"text": out[-1].text + s.text})
        else:
            out.append(s)
    return tuple(out)


def _inline_macro(n: _Node) -> bool:
    """A macro inside a paragraph that stays part of its text (``status``, ``jira``)."""
    if n.tag not in ("ac:structured-macro", "ac:macro"):
        return False
    name = n.attrs.get("ac:name", "").lower()
    return name not in CODE_MACROS | QUOTE_MACROS and n.find("ac:rich-text-body") is None


def _blank(spans: Spans) -> bool:
    return not "".join(s.text for s in spans).strip()


class _Reader:
    def __init__(self, attachment_url: Callable[[str], str] | None) -> None:
        self.attachment_url = attachment_url

    # -- inline ----------------------------------------------------------------------------
    def inline(self, nodes: Sequence[_Node | str], style: _Style = _Style()) -> list[Span]:
        out: list[Span] = []
        for n in nodes:
            if isinstance(n, str):
                out.append(Span(text=n, **style.__dict__))
                continue
            if n.tag == "br":
                out.append(Span(text="\n", **style.__dict__))
            elif n.tag in _STYLE_TAGS:
                out += self.inline(n.children, _Style(**{**style.__dict__, **_STYLE_TAGS[n.tag]}))
            elif n.tag == "a":
                href = safe_url(n.attrs.get("href", "").strip()) or None
                out += self.inline(n.children, _Style(**{**style.__dict__, "href": href}))
            elif n.tag == "ac:link":
                out += self.link(n, style)
            elif n.tag == "ac:image":
                # Only where a block cannot stand (a heading, a table cell): its words.
                out.append(Span(text=self._image_words(n), **style.__dict__))
            elif n.tag in ("ac:parameter", "ac:task-id", "ac:task-status"):
                continue
            elif n.tag in ("ac:structured-macro", "ac:macro"):
                out.append(Span(text=self._macro_text(n), **style.__dict__))
            elif n.tag in ("ri:user", "ri:page", "ri:space", "ri:attachment"):
                out.append(Span(text=self._resource_name(n), **style.__dict__))
            elif n.tag == "ac:emoticon":
                said = n.attrs.get("ac:emoji-fallback") or f":{n.attrs.get('ac:name', '')}:"
                out.append(Span(text=said, **style.__dict__))
            elif n.tag == "time" and not n.children:
                out.append(Span(text=n.attrs.get("datetime", ""), **style.__dict__))
            else:
                out += self.inline(n.children, style)
        return out

    def link(self, n: _Node, style: _Style) -> list[Span]:
        """``ac:link``: its body's text (or the linked page's/user's/attachment's name)."""
        body = n.find("ac:link-body") or n.find("ac:plain-text-link-body")
        if body is not None:
            return self.inline(body.children, style)
        target = next(n.elements(), None)
        return [Span(text=self._resource_name(target), **style.__dict__)] if target else []

    @staticmethod
    def _resource_name(n: _Node) -> str:
        """What a link to a resource says without a body: a page's title, a file's name, a
        space's key, ``@name`` for a person (``@user`` when only an opaque id names them)."""
        a = n.attrs
        if n.tag == "ri:user":
            return "@" + (a.get("ri:username") or "user")
        return a.get("ri:content-title") or a.get("ri:filename") or a.get("ri:space-key") or ""

    @staticmethod
    def _image_words(n: _Node) -> str:
        attachment = n.find("ri:attachment")
        name = attachment.attrs.get("ri:filename", "") if attachment is not None else ""
        return f"[{n.attrs.get('ac:alt') or name or 'image'}]"

    @staticmethod
    def _macro_text(n: _Node) -> str:
        """An inline macro's text: its body's, its title's (``status``), else its name."""
        body = n.find("ac:plain-text-body") or n.find("ac:rich-text-body")
        if body is not None and body.text().strip():
            return body.text()
        for p in n.elements():
            if p.tag == "ac:parameter" and p.attrs.get("ac:name") == "title" and p.text():
                return p.text()
        return f"[{n.attrs.get('ac:name') or 'macro'}]"

    # -- blocks ----------------------------------------------------------------------------
    def blocks(self, nodes: Sequence[_Node | str]) -> list[Block]:
        out: list[Block] = []
        run: list[_Node | str] = []

        def flush() -> None:
            if run:
                spans = _merge(self.inline(run))
                if not _blank(spans):
                    out.append(Paragraph(spans=spans))
                run.clear()

        for n in nodes:
            if isinstance(n, _Node) and n.tag in BLOCK_TAGS:
                flush()
                out += self.block(n)
            else:
                run.append(n)
        flush()
        return out

    def block(self, n: _Node) -> list[Block]:
        tag = n.tag
        if len(tag) == 2 and tag[0] == "h" and tag[1] in "123456":
            return [Heading(level=int(tag[1]), spans=_merge(self.inline(n.children)))]
        if tag == "p":
            return self.paragraph(n)
        if tag in ("ul", "ol"):
            items = [ListItem(blocks=tuple(self.blocks(li.children))) for li in self._items(n)]
            return [ListBlock(ordered=tag == "ol", items=tuple(items))]
        if tag == "li":
            return [ListBlock(items=(ListItem(blocks=tuple(self.blocks(n.children))),))]
        if tag == "ac:task-list":
            return [self.tasks(n)]
        if tag == "pre":
            return [Code(text=n.text())]
        if tag == "blockquote":
            return [Quote(blocks=tuple(self.blocks(n.children)))]
        if tag == "hr":
            return [Divider()]
        if tag == "table":
            return [self.table(n)]
        if tag in ("ac:structured-macro", "ac:macro"):
            return self.macro(n)
        if tag == "ac:image":
            return self.image(n)
        return self.blocks(n.children)  # div, section, layouts

    def paragraph(self, n: _Node) -> list[Block]:
        """A ``p``; an image inside it becomes a block of its own, between the text around."""
        out: list[Block] = []
        run: list[_Node | str] = []

        def flush() -> None:
            spans = _merge(self.inline(run))
            if not _blank(spans):
                out.append(Paragraph(spans=spans))
            run.clear()

        for c in n.children:
            if isinstance(c, _Node) and c.tag == "ac:image":
                flush()
                out += self.image(c)
            elif isinstance(c, _Node) and c.tag in BLOCK_TAGS - {"p"} and not _inline_macro(c):
                flush()
                out += self.block(c)
            else:
                run.append(c)
        flush()
        return out

    @staticmethod
    def _items(n: _Node) -> list[_Node]:
        return [c for c in n.elements() if c.tag == "li"]

    def tasks(self, n: _Node) -> ListBlock:
        items = []
        for task in n.elements():
            if task.tag != "ac:task":
                continue
            status = task.find("ac:task-status")
            body = task.find("ac:task-body")
            checked = status is not None and status.text().strip() == "complete"
            blocks = tuple(self.blocks(body.children)) if body is not None else ()
            items.append(ListItem(blocks=blocks, checked=checked))
        return ListBlock(items=tuple(items))

    def table(self, n: _Node) -> Table:
        rows: list[_Node] = []
        for part in n.elements():
            if part.tag == "tr":
                rows.append(part)
            elif part.tag in ("thead", "tbody", "tfoot"):
                rows += [r for r in part.elements() if r.tag == "tr"]
        cells = [[c for c in r.elements() if c.tag in ("th", "td")] for r in rows]
        header = not cells or (bool(cells[0]) and all(c.tag == "th" for c in cells[0]))
        return Table(
            rows=tuple(tuple(self.cell(c) for c in row) for row in cells),
            header=header,
        )

    def cell(self, n: _Node) -> Spans:
        """A cell's text as spans (a cell is a run of text in the Block tree): paragraphs,
        list items and other blocks inside it are set apart by newlines."""
        spans: list[Span] = []
        self._flatten(n.children, spans)
        return _merge(spans)

    def _flatten(self, nodes: Sequence[_Node | str], spans: list[Span]) -> None:
        for c in nodes:
            if isinstance(c, _Node) and c.tag in BLOCK_TAGS and not _inline_macro(c):
                if spans and not spans[-1].text.endswith("\n"):
                    spans.append(Span(text="\n"))
                if c.tag == "ac:image":
                    spans += self.inline([c])
                else:
                    self._flatten(c.children, spans)
            else:
                spans += self.inline([c])

    def macro(self, n: _Node) -> list[Block]:
        name = n.attrs.get("ac:name", "").lower()
        params = {
            p.attrs.get("ac:name", ""): p.text() for p in n.elements() if p.tag == "ac:parameter"
        }
        plain = n.find("ac:plain-text-body")
        rich = n.find("ac:rich-text-body")
        if name in CODE_MACROS:
            return [Code(text=plain.text() if plain else "", language=params.get("language", ""))]
        if name in QUOTE_MACROS:
            inner: list[Block] = []
            title = params.get("title", "").strip()
            if title:
                inner.append(Paragraph(spans=(Span(text=title, bold=True),)))
            inner += self.blocks(rich.children) if rich is not None else []
            return [Quote(blocks=tuple(inner))]
        if rich is not None:
            return self.blocks(rich.children)
        text = plain.text() if plain is not None else ""
        return [Paragraph(spans=(Span(text=text if text.strip() else f"[{name or 'macro'}]"),))]

    def image(self, n: _Node) -> list[Block]:
        alt = n.attrs.get("ac:alt", "") or n.attrs.get("ac:title", "")
        attachment = n.find("ri:attachment")
        if attachment is not None and attachment.attrs.get("ri:filename"):
            name = attachment.attrs["ri:filename"]
            url = self.attachment_url(name) if self.attachment_url else quote(name, safe="")
            return [Image(url=url, alt=alt)]
        ref = n.find("ri:url")
        value = ref.attrs.get("ri:value", "").strip() if ref is not None else ""
        if value and _scheme(value) in ("http", "https"):
            return [Image(url=value, alt=alt)]
        return [Paragraph(spans=(Span(text=alt),))] if alt.strip() else []


def storage_to_blocks(
    xhtml: str, *, attachment_url: Callable[[str], str] | None = None
) -> list[Block]:
    """The blocks of a page's storage-format body. ``attachment_url`` maps an attached file's
    name to the URL an :class:`Image` of it names (the page's download link)."""
    return _Reader(attachment_url).blocks(_parse(xhtml).children)


__all__ = ["blocks_to_storage", "safe_url", "storage_to_blocks"]
