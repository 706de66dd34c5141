"""Atlassian Document Format (ADF) to Markdown, and plain text to ADF or wiki markup.

Jira Cloud's REST v3 holds descriptions and comments as ADF, a ProseMirror-style JSON tree
(developer.atlassian.com/cloud/jira/platform/apis/document/structure/); Data Center's v2
holds them as wiki markup strings. Tieline shows bodies as Markdown and writes plain text.

Hand-written on purpose, and small. The PyPI converters there are (``pyadf``, native and
alpha; ``adf-bridge``, alpha, which raises on any node outside its profile -- a panel or a
mention in a real description would fail the whole card; ``adflux``, which brings panflute,
typer, structlog and YAML) are young single-maintainer projects, and a connector imports
only the sdk, httpx and pydantic. What is needed here is narrow: a *tolerant* reader (an
unknown or malformed node degrades to its text, never raises) and a writer for the text an
editor sends (paragraphs, line breaks, fenced code, bare links).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

Node = Mapping[str, Any]
MAX_DEPTH = 64  # a document nested deeper than this is malformed; stop, keep what we have

# -- reading: ADF -> Markdown -------------------------------------------------------------


def to_markdown(doc: Any) -> str:
    """The document as Markdown. ``None`` is empty; a string (a v2 wiki body) is returned
    unchanged; anything malformed degrades to whatever text it holds."""
    if doc is None:
        return ""
    if isinstance(doc, str):
        return doc
    if not isinstance(doc, Mapping):
        return ""
    if _kind(doc) == "doc":
        return _join_blocks(_children(doc), 0).strip("\n")
    return _block(doc, 0).strip("\n")


def to_plain_text(doc: Any, limit: int | None = None) -> str:
    """A one-paragraph summary: the Markdown with line breaks folded into spaces."""
    text = " ".join(to_markdown(doc).split())
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


def _children(node: Node) -> list[Node]:
    content = node.get("content")
    if not isinstance(content, Sequence) or isinstance(content, str | bytes):
        return []
    return [c for c in content if isinstance(c, Mapping)]


def _kind(node: Node) -> str:
    kind = node.get("type")
    return kind if isinstance(kind, str) else ""


def _attrs(node: Node) -> Mapping[str, Any]:
    attrs = node.get("attrs")
    return attrs if isinstance(attrs, Mapping) else {}


def _join_blocks(nodes: Iterable[Node], depth: int, sep: str = "\n\n") -> str:
    return sep.join(b for b in (_block(n, depth + 1) for n in nodes) if b)


def _prefix_lines(text: str, first: str, rest: str | None = None) -> str:
    rest = first if rest is None else rest
    lines = text.split("\n")
    out = []
    for i, line in enumerate(lines):
        prefix = first if i == 0 else rest
        out.append(prefix + line if line.strip() else prefix.rstrip())  # no trailing blanks
    return "\n".join(out)


def _block(node: Node, depth: int) -> str:
    if depth > MAX_DEPTH:
        return ""
    kind = _kind(node)
    attrs = _attrs(node)
    kids = _children(node)
    if kind == "paragraph":
        return _inline(kids, depth)
    if kind == "heading":
        level = attrs.get("level")
        level = level if isinstance(level, int) and 1 <= level <= 6 else 1
        return "#" * level + " " + _inline(kids, depth)
    if kind == "codeBlock":
        lang = attrs.get("language")
        body = "".join(str(k.get("text", "")) for k in kids)
        return f"```{lang if isinstance(lang, str) else ''}\n{body}\n```"
    if kind in ("blockquote", "panel"):
        inner = _join_blocks(kids, depth)
        return _prefix_lines(inner, "> ") if inner else ""
    if kind == "rule":
        return "---"
    if kind in ("bulletList", "orderedList"):
        return _list(node, depth)
    if kind in ("taskList", "decisionList"):
        return "\n".join(b for b in (_item(k, depth) for k in kids) if b)
    if kind in ("taskItem", "decisionItem"):
        return _item(node, depth)
    if kind in ("expand", "nestedExpand"):
        title = attrs.get("title")
        inner = _join_blocks(kids, depth)
        head = f"**{title}**" if isinstance(title, str) and title else ""
        return "\n\n".join(p for p in (head, inner) if p)
    if kind == "table":
        return _table(node, depth)
    if kind in ("mediaSingle", "mediaGroup"):
        return " ".join(_media(k) for k in kids if _kind(k) == "media")
    if kind == "media":
        return _media(node)
    if kind in ("blockCard", "embedCard"):
        url = attrs.get("url")
        return str(url) if isinstance(url, str) else ""
    if kind == "text" or _is_inline(node):
        return _inline([node], depth)
    # layoutSection/layoutColumn, bodiedExtension, listItem out of place, and any node this
    # reader does not know: keep what it holds.
    if kids:
        if all(_is_inline(k) for k in kids):
            return _inline(kids, depth)
        return _join_blocks(kids, depth)
    text = node.get("text") or attrs.get("text")
    return str(text) if isinstance(text, str) else ""


def _list(node: Node, depth: int) -> str:
    ordered = _kind(node) == "orderedList"
    start = _attrs(node).get("order", 1)
    n = start if isinstance(start, int) else 1
    out: list[str] = []
    for item in _children(node):
        marker = f"{n}. " if ordered else "- "
        n += 1
        body = _join_blocks(_children(item), depth, sep="\n") if item else ""
        out.append(_prefix_lines(body, marker, " " * len(marker)))
    return "\n".join(out)


def _item(node: Node, depth: int) -> str:
    kids = _children(node)
    if _kind(node) == "taskItem":
        done = str(_attrs(node).get("state", "")).upper() == "DONE"
        marker = "- [x] " if done else "- [ ] "
    elif _kind(node) == "decisionItem":
        marker = "- "
    else:
        return _block(node, depth)
    if kids and all(_is_inline(k) for k in kids):
        body = _inline(kids, depth)
    else:
        body = _join_blocks(kids, depth, sep="\n")
    return _prefix_lines(body, marker, " " * len(marker))


def _table(node: Node, depth: int) -> str:
    rows: list[list[str]] = []
    header = False
    for i, row in enumerate(_children(node)):
        cells = [c for c in _children(row) if _kind(c) in ("tableCell", "tableHeader")]
        if i == 0:
            header = bool(cells) and all(_kind(c) == "tableHeader" for c in cells)
        rows.append([_cell(c, depth) for c in cells])
    if not rows:
        return ""
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(r) + " |" for r in rows]
    rule = "| " + " | ".join("---" for _ in range(width)) + " |"
    if header:
        return "\n".join([lines[0], rule, *lines[1:]])
    # GFM tables need a header row: give a headerless table an empty one.
    return "\n".join(["| " + " | ".join(" " for _ in range(width)) + " |", rule, *lines])


def _cell(node: Node, depth: int) -> str:
    text = _join_blocks(_children(node), depth, sep=" ")
    return " ".join(text.split()).replace("|", "\\|")


def _media(node: Node) -> str:
    alt = _attrs(node).get("alt")
    return f"[attachment: {alt}]" if isinstance(alt, str) and alt else "[attachment]"


_INLINE = {
    "text",
    "hardBreak",
    "mention",
    "emoji",
    "date",
    "status",
    "inlineCard",
    "placeholder",
    "mediaInline",
    "inlineExtension",
}


def _is_inline(node: Node) -> bool:
    return _kind(node) in _INLINE


def _inline(nodes: Iterable[Node], depth: int) -> str:
    return "".join(_inline_one(n, depth) for n in nodes)


def _inline_one(node: Node, depth: int) -> str:
    kind = _kind(node)
    attrs = _attrs(node)
    if kind == "text":
        text = node.get("text")
        return _marked(text if isinstance(text, str) else "", node.get("marks"))
    if kind == "hardBreak":
        return "  \n"
    if kind == "mention":
        text = attrs.get("text")
        if isinstance(text, str) and text:
            return text if text.startswith("@") else "@" + text
        return "@" + str(attrs.get("id", "someone"))
    if kind == "emoji":
        text = attrs.get("text") or attrs.get("shortName")
        return str(text) if isinstance(text, str) else ""
    if kind == "date":
        return _date(attrs.get("timestamp"))
    if kind == "status":
        text = attrs.get("text")
        return f"[{text}]" if isinstance(text, str) and text else ""
    if kind == "inlineCard":
        url = attrs.get("url")
        return str(url) if isinstance(url, str) else ""
    if kind == "mediaInline":
        return _media(node)
    if kind == "placeholder":
        return ""
    if depth > MAX_DEPTH:
        return ""
    # Unknown inline node (or a block where inline content belongs): its text, if any.
    kids = _children(node)
    if kids:
        return _inline(kids, depth + 1)
    text = node.get("text") or attrs.get("text")
    return str(text) if isinstance(text, str) else ""


def _marked(text: str, marks: Any) -> str:
    if not text or not isinstance(marks, Sequence) or isinstance(marks, str):
        return text
    kinds = {_kind(m): m for m in marks if isinstance(m, Mapping)}
    if "code" in kinds:
        fence = "``" if "`" in text else "`"
        text = f"{fence}{text}{fence}"
    if "strike" in kinds:
        text = f"~~{text}~~"
    if "em" in kinds:
        text = f"*{text}*"
    if "strong" in kinds:
        text = f"**{text}**"
    link = kinds.get("link")
    if link is not None:
        href = _attrs(link).get("href")
        if isinstance(href, str) and href and href != text:
            text = f"[{text}]({href})"
    return text


def _date(timestamp: Any) -> str:
    """ADF dates are milliseconds since the epoch, as a string, at UTC midnight."""
    try:
        ms = int(str(timestamp))
        return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")
    except (ValueError, OverflowError, OSError):
        return ""


# -- writing: plain text -> ADF or wiki markup ---------------------------------------------

_FENCE = re.compile(r"^```[ \t]*([\w+#.-]*)[ \t]*\n(.*?)\n?^```[ \t]*$", re.MULTILINE | re.DOTALL)
_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def _segments(text: str) -> list[tuple[str, str, str]]:
    """``(kind, language, text)`` pieces: fenced code blocks and the prose between them."""
    out: list[tuple[str, str, str]] = []
    pos = 0
    for m in _FENCE.finditer(text):
        if m.start() > pos:
            out.append(("prose", "", text[pos : m.start()]))
        out.append(("code", m.group(1), m.group(2)))
        pos = m.end()
    if pos < len(text):
        out.append(("prose", "", text[pos:]))
    return out


def _paragraphs(prose: str) -> list[str]:
    return [
        p.strip("\n") for p in re.split(r"\n[ \t]*\n", prose.replace("\r\n", "\n")) if p.strip()
    ]


def _text_nodes(line: str) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    pos = 0
    for m in _URL.finditer(line):
        if m.start() > pos:
            nodes.append({"type": "text", "text": line[pos : m.start()]})
        url = m.group(0)
        nodes.append(
            {"type": "text", "text": url, "marks": [{"type": "link", "attrs": {"href": url}}]}
        )
        pos = m.end()
    if pos < len(line):
        nodes.append({"type": "text", "text": line[pos:]})
    return nodes


def from_text(text: str) -> dict[str, Any]:
    """An ADF document for text an editor sends: blank lines part paragraphs, single line
    breaks stay line breaks, fenced code becomes a code block, bare URLs become links.
    Nothing else is interpreted, so no character of the text is lost or changed."""
    content: list[dict[str, Any]] = []
    for kind, lang, piece in _segments(text.replace("\r\n", "\n")):
        if kind == "code":
            block: dict[str, Any] = {"type": "codeBlock"}
            if lang:
                block["attrs"] = {"language": lang}
            if piece:
                block["content"] = [{"type": "text", "text": piece}]
            content.append(block)
            continue
        for para in _paragraphs(piece):
            inline: list[dict[str, Any]] = []
            for i, line in enumerate(para.split("\n")):
                if i:
                    inline.append({"type": "hardBreak"})
                inline += _text_nodes(line)
            content.append({"type": "paragraph", "content": inline})
    return {"type": "doc", "version": 1, "content": content}


def to_wiki(text: str) -> str:
    """Wiki markup (Data Center's v2 bodies) for the same text: fenced code becomes a
    ``{code}`` macro; prose is kept as written."""
    parts: list[str] = []
    for kind, lang, piece in _segments(text.replace("\r\n", "\n")):
        if kind == "code":
            parts.append(
                f"{{code:{lang}}}\n{piece}\n{{code}}" if lang else f"{{code}}\n{piece}\n{{code}}"
            )
        else:
            parts.append(piece.strip("\n"))
    return "\n\n".join(p for p in parts if p)
