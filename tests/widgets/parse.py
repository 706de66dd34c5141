"""Read a widget back as a browser would: an element tree from :mod:`html.parser` for cards,
and an audit of everything in a card or badge that could run, load or leave the page."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from xml.etree.ElementTree import Element

from defusedxml import ElementTree as SafeET

from server.hub.widgets.markup import CSS

_VOID = {"br", "hr", "img", "meta", "link", "input", "source", "wbr", "area", "base", "col"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self) -> list[Node]:
        out = [self]
        for c in self.children:
            if isinstance(c, Node):
                out += c.iter()
        return out

    def find_all(self, tag: str | None = None, cls: str | None = None) -> list[Node]:
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag) and (cls is None or cls in n.classes)
        ]

    def find(self, tag: str | None = None, cls: str | None = None) -> Node:
        found = self.find_all(tag, cls)
        assert found, f"no <{tag} class={cls}> in the document"
        return found[0]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]
        self.declarations: list[str] = []
        self.comments: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        for n in range(len(self.stack) - 1, 0, -1):
            if self.stack[n].tag == tag:
                del self.stack[n:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)

    def handle_decl(self, decl: str) -> None:
        self.declarations.append(decl)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)


def parse(document: str) -> Node:
    b = _Builder()
    b.feed(document)
    b.close()
    assert b.declarations == ["doctype html"], b.declarations
    assert not b.comments, b.comments
    return b.root


#: Everything a card may contain: the page's own elements, and what nh3 keeps of a body.
CARD_TAGS = {
    "html", "head", "meta", "title", "style", "body", "article", "div", "span", "h1", "ul",
    "li", "p", "a", "time",
    # a body's Markdown, through nh3's allow-list
    "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "dl", "dt", "em", "h2",
    "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "ol", "pre", "s", "samp", "strike",
    "strong", "sub", "summary", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
    "tt",
}  # fmt: skip
CARD_ATTRIBUTES = {
    "lang", "charset", "name", "content", "class", "href", "target", "rel", "title",
    "datetime", "aria-label", "aria-hidden", "style", "alt", "width", "height", "align",
    "open", "start",
}  # fmt: skip
_META = {("charset", "utf-8"), ("viewport", None), ("color-scheme", None)}
#: A fragment (``#command:x``, what the sanitizer makes of an unsafe Markdown link) goes
#: nowhere in a page without script.
_SAFE_URL = re.compile(r"(?:(?:https?://|mailto:)\S+|#\S*)\Z", re.IGNORECASE)
_LABEL_STYLE = re.compile(r"--label:#[0-9a-f]{6}\Z")


def audit_card(document: str) -> list[str]:
    """Every reason ``document`` could run script, load something or look like something
    else: unknown elements or attributes, a handler, a URL that is not http(s)/mailto, a
    source to fetch, a style that is not ours, a second style sheet."""
    problems: list[str] = []
    root = parse(document)
    styles = root.find_all("style")
    if len(styles) != 1 or styles[0].text() != CSS:
        problems.append("the style sheet is not exactly the card's own")
    for n in root.iter()[1:]:
        if n.tag not in CARD_TAGS:
            problems.append(f"element <{n.tag}>")
        for name, value in n.attrs.items():
            if name not in CARD_ATTRIBUTES or name.startswith("on"):
                problems.append(f"attribute {name}= on <{n.tag}>")
            elif name == "href" and not _SAFE_URL.match(value or ""):
                problems.append(f"href={value!r}")
            elif name == "style" and not _LABEL_STYLE.match(value or ""):
                problems.append(f"style={value!r}")
        if n.tag == "img" and "src" in n.attrs:
            problems.append("an image with a source")
        if n.tag == "meta":
            key = (
                ("charset", n.attrs["charset"])
                if "charset" in n.attrs
                else (n.attrs.get("name"), None)
            )
            if key not in _META:
                problems.append(f"meta {n.attrs}")
        if n.tag == "style" and n is not styles[0]:
            problems.append("a second style element")
    return problems


SVG_NS = "{http://www.w3.org/2000/svg}"
BADGE_TAGS = {"svg", "title", "linearGradient", "stop", "clipPath", "rect", "g", "text"}


def parse_svg(svg: str) -> Element:
    """The badge as an XML parser reads it (defusedxml: no entities, no external DTD)."""
    root: Element = SafeET.fromstring(svg)
    return root


def audit_badge(svg: str) -> list[str]:
    problems: list[str] = []
    root = parse_svg(svg)
    for e in root.iter():
        tag = e.tag.removeprefix(SVG_NS)
        if tag not in BADGE_TAGS:
            problems.append(f"element <{tag}>")
        for name, value in e.attrib.items():
            if name.startswith("on") or "href" in name:
                problems.append(f"attribute {name}={value!r}")
            inert = name == "aria-label"  # an accessible name is text to every reader
            if not inert and "url(" in value and value not in ("url(#r)", "url(#s)"):
                problems.append(f"a reference {value!r}")
    return problems


def svg_texts(svg: str) -> list[str]:
    return [e.text or "" for e in parse_svg(svg).iter(f"{SVG_NS}text")]
