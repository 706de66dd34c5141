"""An e-mail's HTML body as Markdown, for a read-only document in the editor.

The input is HTML that :func:`server.hub.sanitize.sanitize_html` already cleaned: well formed,
only the allow-listed elements, links only http(s)/mailto, images without sources. This module
only *converts* it; it decides nothing about safety, and what it writes goes through
:func:`~server.hub.sanitize.sanitize_markdown` once more, so a gap here is not an opening.

Text is written so Markdown reads it as text: the characters Markdown gives a meaning are
backslash-escaped, and ``<`` and ``&`` become entities (``&lt;script&gt;`` in a mail stays
visible words, never a tag). An image becomes its alt text in brackets (nothing, without
one); it is never fetched. Preformatted text becomes a fence longer than any backtick run in
it, and tags inside it only lay it out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote

_MD_ACTIVE = re.compile(r"([\\`*_{}\[\]()#+\-!|~>])")
_WS = re.compile(r"[ \t\r\n\f]+")
_BLOCKS = frozenset(
    {
        "p", "div", "blockquote", "pre", "ul", "ol", "li", "table", "tr", "h1", "h2", "h3",
        "h4", "h5", "h6", "hr", "dl", "dt", "dd", "details", "summary", "thead", "tbody",
        "tfoot",
    }
)  # fmt: skip
_EMPHASIS = {"b": "**", "strong": "**", "i": "*", "em": "*", "del": "~~", "s": "~~",
             "strike": "~~"}  # fmt: skip
_LINK = re.compile(r"(?:https?://|mailto:)", re.IGNORECASE)


def _destination(href: str) -> str:
    """A link's URL as a Markdown destination: every character that could end one (``>``,
    ``<``, a space, a backslash, a quote, a parenthesis) percent-encoded, as a browser would
    send it anyway."""
    return quote(href, safe=":/?#[]@!$&*+,;=%~-._")


def escape_text(text: str) -> str:
    """Text that Markdown shows as written (entities for ``&`` and ``<``)."""
    return _MD_ACTIVE.sub(r"\\\1", text.replace("&", "&amp;").replace("<", "&lt;"))


@dataclass
class _Link:
    href: str | None
    text: list[str] = field(default_factory=list)


class _Converter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line: list[str] = []
        self.quote = 0
        self.lists: list[list[int]] = []  # per open list: [next number] (0: bullets)
        self.pre = 0
        self.link: _Link | None = None
        self.cells: list[str] | None = None
        self.cell: list[str] | None = None

    # -- output ---------------------------------------------------------------------------

    def _prefix(self) -> str:
        return "> " * self.quote

    def _emit(self, text: str) -> None:
        if self.cell is not None:
            self.cell.append(text)
        elif self.link is not None:
            self.link.text.append(text)
        else:
            self.line.append(text)

    def _flush(self) -> None:
        text = "".join(self.line).strip()
        self.line = []
        if text:
            indent = "  " * max(len(self.lists) - 1, 0)
            self.lines.append(self._prefix() + indent + text)

    def _blank(self) -> None:
        self._flush()
        if self.lines and self.lines[-1].strip("> ") != "":
            self.lines.append(self._prefix().rstrip())

    # -- parser callbacks -----------------------------------------------------------------

    def _in_pre(self, tag: str, attrs: dict[str, str | None]) -> bool:
        """Inside preformatted text every tag is text layout: a block or a break is a new
        line, an image its alt text, anything else nothing (the fence shows it as code)."""
        if not self.pre:
            return False
        if tag == "pre":  # a <pre> inside one: still the same code
            self.pre += 1
        elif tag in _BLOCKS or tag == "br":
            self.line.append("\n")
        elif tag == "img" and attrs.get("alt"):
            self.line.append(f"[image: {attrs['alt']}]")
        return True

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if self._in_pre(tag, a):
            return
        if tag in ("ul", "ol") and self.lists:
            self._flush()  # a list inside an item: no blank line, which would end the item
        elif tag in _BLOCKS and tag not in ("li", "tr", "thead", "tbody", "tfoot"):
            self._blank()
        if tag == "br":
            self._flush()
        elif tag == "hr":
            self.lines.append(self._prefix() + "---")
        elif tag == "blockquote":
            self.quote += 1
        elif tag in ("ul", "ol"):
            start = a.get("start") or "1"
            self.lists.append([int(start) if tag == "ol" and start.isdigit() else 0])
        elif tag == "li":
            self._flush()
            if self.lists and self.lists[-1][0]:
                self.line.append(f"{self.lists[-1][0]}. ")
                self.lists[-1][0] += 1
            else:
                self.line.append("- ")
        elif tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            self.line.append("#" * int(tag[1]) + " ")
        elif tag in _EMPHASIS:
            self._emit(_EMPHASIS[tag])
        elif tag == "code" and not self.pre:
            self._emit("`")
        elif tag == "pre":
            self.pre += 1
            if self.pre == 1:
                self._flush()
        elif tag == "a":
            href = a.get("href")
            self.link = _Link(_destination(href) if href and _LINK.match(href) else None)
        elif tag == "img":
            alt = _WS.sub(" ", a.get("alt") or "").strip()
            if alt:  # one without words is a spacer or a tracking pixel: nothing to read
                self._emit(escape_text(f"[image: {alt}]"))
        elif tag == "tr":
            self._flush()
            self.cells = []
        elif tag in ("td", "th") and self.cells is not None:
            self.cell = []

    def handle_endtag(self, tag: str) -> None:
        if self.pre and tag != "pre":
            return
        if self.pre > 1:  # the end of a <pre> inside one
            self.pre -= 1
            return
        if tag == "blockquote":
            self._flush()
            while self.lines and self.lines[-1].strip("> ") == "":
                self.lines.pop()  # the quote's own trailing blank line
            self.quote = max(self.quote - 1, 0)
            self._blank()
        elif tag in ("ul", "ol"):
            self._flush()
            if self.lists:
                self.lists.pop()
            if not self.lists:
                self._blank()
        elif tag in ("li", "dt", "dd"):
            self._flush()
        elif tag in _EMPHASIS:
            self._emit(_EMPHASIS[tag])
        elif tag == "code" and not self.pre:
            self._emit("`")
        elif tag == "pre" and self.pre:
            self.pre -= 1
            if not self.pre:
                self._flush_pre()
        elif tag == "a" and self.link is not None:
            link, self.link = self.link, None
            text = "".join(link.text).strip() or escape_text(link.href or "")
            self._emit(f"[{text}](<{link.href}>)" if link.href else text)
        elif tag in ("td", "th") and self.cell is not None and self.cells is not None:
            self.cells.append("".join(self.cell).strip().replace("|", "\\|"))
            self.cell = None
        elif tag == "tr" and self.cells is not None:
            if self.cells:
                self.lines.append(self._prefix() + " · ".join(c for c in self.cells if c))
            self.cells = None
        elif tag in _BLOCKS:
            self._blank()

    def _flush_pre(self) -> None:
        """The preformatted text as a fence longer than any run of backticks in it."""
        text = "".join(self.line).strip("\n")
        self.line = []
        longest = max((len(r) for r in re.findall(r"`+", text)), default=0)
        fence = "`" * max(3, longest + 1)
        self.lines.append(self._prefix() + fence)
        self.lines.extend(self._prefix() + raw for raw in text.split("\n"))
        self.lines.append(self._prefix() + fence)

    def handle_data(self, data: str) -> None:
        if self.pre:
            self.line.append(data)
            return
        text = _WS.sub(" ", data)
        if not text.strip() and not "".join(self.line).strip():
            return
        self._emit(escape_text(text))

    def markdown(self) -> str:
        self._flush()
        out = "\n".join(self.lines).strip("\n")
        return re.sub(r"\n(?:>? ?\n)+(?=\n)", "\n", out) if out else ""


def html_to_markdown(clean_html: str) -> str:
    """Markdown for already sanitised HTML (see the module docstring)."""
    conv = _Converter()
    conv.feed(clean_html)
    conv.close()
    return conv.markdown()


def text_to_markdown(text: str) -> str:
    """A plain-text body as Markdown that shows it as written: paragraphs and line breaks
    kept, nothing in it read as markup."""
    paragraphs = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n").strip())
    return "\n\n".join(
        "  \n".join(escape_text(line.strip()) for line in p.split("\n")) for p in paragraphs
    )


__all__ = ["escape_text", "html_to_markdown", "text_to_markdown"]
