"""Make text imported from a service safe to show in a hover or panel.

Issue bodies, comments and titles are Markdown written by anyone who can open an issue, and
Markdown may carry raw HTML. Editors render hovers and panel tooltips as Markdown (VS Code in
a webview-like renderer, JetBrains as HTML), and a VS Code ``MarkdownString`` that the shell
marks trusted would even run ``command:`` links. So nothing from a service reaches the editor
unsanitized:

* Raw HTML goes through nh3 (the Rust ``ammonia`` sanitizer) with a conservative allow-list:
  no scripts, styles, iframes, forms, event handlers or ``style`` attributes; link and image
  URLs only http(s) (and mailto for links).
* Markdown links are checked too -- nh3 sees them as plain text -- and a destination that is
  not http(s), mailto or a ``#fragment`` becomes a harmless fragment (``[x](#javascript:...)``),
  which defeats ``command:``/``javascript:`` links however they are spelled. A reference
  definition (``[r]: javascript:...``, at the top level or inside a quote or list item) with
  such a destination loses its ``]:`` to ``\\]:``: no definition, and text that only looked like
  one renders as before.
* Code is kept verbatim: fenced blocks, and inline code spans (on one line) that hold nothing
  tag-like that could matter if a renderer disagreed with us about where the span ends.
  Everything else is HTML-escaped by nh3, which Markdown renders back as the same characters.
* What is kept of prose (code spans, autolinks ``<https://...>``) is put back as it was only
  where Markdown reads it as Markdown. Inside a tag (``<a title="`...`">``) it is attribute
  text, and in an HTML block (from a line that opens with a tag, such as ``<div>``, to the next
  blank line, or to ``</pre>`` after ``<pre>``) CommonMark passes every line through as raw
  HTML, where an autolink is a tag (``<https: ... onfocus="...">``) and a span's ``<p `` can take
  the attributes written after it. There it is HTML-escaped instead, which shows the same
  characters. Where that is uncertain it is taken to be raw HTML: at worst a code span shows
  an entity.
* Control and bidirectional-override characters are removed (they can make a title read
  differently from what it is, the "Trojan Source" trick), before nh3 and again after it,
  since nh3 turns a character reference (``&#x202e;``) into the character.

:func:`escape_inline` is for a title placed inside our own Markdown (``**#12 title**``): every
Markdown-active character is backslash-escaped, so ``](javascript:...)`` or a stray backtick
cannot break out. :func:`plain_text` is for places that are not Markdown at all (code-lens
titles, completion details).
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import nh3

ALLOWED_TAGS = frozenset(
    {
        "a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl",
        "dt", "em", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "kbd", "li",
        "ol", "p", "pre", "s", "samp", "span", "strike", "strong", "sub", "summary", "sup",
        "table", "tbody", "td", "tfoot", "th", "thead", "tr", "tt", "ul",
    }
)  # fmt: skip
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align"},
    "th": {"align"},
    "details": {"open"},
    "ol": {"start"},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})

#: Default size of a body excerpt in a hover.
EXCERPT_CHARS = 1200
EXCERPT_LINES = 24

_CONTROL = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069\ue000\ue001]"
)
_FENCE_OPEN = re.compile(r"^( {0,3})(`{3,}|~{3,})(.*)$")
_INFO = re.compile(r"[\w+#.-]{1,40}")
_CODE_SPAN = re.compile(r"(?<![`\\])(`+)(?!`)(.+?)(?<!`)\1(?!`)", re.DOTALL)
_AUTOLINK = re.compile(r"<((?:https?://|mailto:)[^\s<>\"'`]+)>", re.IGNORECASE)
_RISKY = re.compile(
    r"<\s*[!?]|<[^>]*=|<\s*/?\s*(?:script|style|iframe|frame|object|embed|svg|math|form|input|"
    r"button|textarea|select|xmp|noscript|noembed|noframes|template|base|link|meta|title|"
    r"plaintext|img|video|audio|source|a)\b",
    re.IGNORECASE,
)
#: The start of an inline link destination, ``](``.
_DEST = re.compile(r"\]\(\s*<?")
#: The end of what may be a reference definition's label, an unescaped ``]:``, and the
#: start of its destination (on the next line of a quote, after the ``>``).
_REF_DEST = re.compile(r"(?<!\\)((?:\\\\)*)\]:[ \t]*(?:\n[ \t>]*)?<?")
#: A tag as nh3 writes it (every attribute value double-quoted, with ``"`` escaped).
_TAG = re.compile(r"</?[a-zA-Z][^\s/>]*(?:\s+[^\s/>=]+(?:=\"[^\"]*\")?)*\s*/?>")
#: A line that may open an HTML block: a tag first, after any quote and list markers
#: (generously: in a paragraph or an indented code block it would open none).
_HTML_BLOCK_START = re.compile(
    r"^(?:[ \t>]|[-+*](?=[ \t]|$)|\d{1,9}[.)](?=[ \t]|$))*<(pre\b)?", re.IGNORECASE
)
_SAFE_DEST = re.compile(r"(?:https?://|mailto:|#)", re.IGNORECASE)
_URL_SPACE = re.compile(r"[ \t\n\r\f\v]")
_PLACEHOLDER = re.compile("\ue000(\\d+)\ue001")
_INLINE_ESCAPE = re.compile(r"([\\`*_{}\[\]()<>#+\-!|~&$])")
_WS = re.compile(r"\s+")


#: The same, without the private-use pair the prose cleaner marks kept pieces with.
_CONTROL_DECODED = re.compile(
    r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069]"
)


def strip_controls(text: str) -> str:
    """Remove control and bidi-override characters (keeping tab and newline)."""
    return _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))


def _absolute_urls_only(tag: str, attribute: str, value: str) -> str | None:
    """nh3 attribute filter: a hover has no base URL, so relative links and images go; and a
    URL holds no white space (percent-encoded, as a browser sends it), so no renderer that
    misreads where the attribute ends finds words in it to take for attributes."""
    if attribute in ("href", "src"):
        if not _SAFE_DEST.match(value):
            return None
        return _URL_SPACE.sub(lambda m: f"%{ord(m.group(0)):02X}", value)
    return value


def _clean_html(text: str) -> str:
    # Controls are stripped again after nh3: it decodes character references, so ``&#x202e;``
    # written in the text comes out as the override itself.
    return _CONTROL_DECODED.sub(
        "",
        nh3.clean(
            text,
            tags=set(ALLOWED_TAGS),
            attributes=ALLOWED_ATTRIBUTES,
            url_schemes=set(URL_SCHEMES),
            strip_comments=True,
            link_rel="noopener noreferrer nofollow",
            attribute_filter=_absolute_urls_only,
        ),
    )


#: Elements dropped *with* their content from a mail body: what is code, metadata or an
#: embedded document rather than something the sender meant to be read.
MAIL_CLEAN_CONTENT = frozenset(
    {
        "script", "style", "title", "template", "noscript", "noembed", "noframes", "xmp",
        "iframe", "frame", "frameset", "object", "embed", "applet", "textarea", "select",
        "option", "svg", "math", "head",
    }
)  # fmt: skip


#: Cleaning passes at most, until the output is what parsing it again gives.
MAX_PASSES = 3


def sanitize_html(text: str | None) -> str:
    """An HTML body from a service (an e-mail) made safe to show or convert to Markdown.

    The hover allow-list, except that images keep no source: a remote image in a mail is how
    a sender learns it was opened and from where (a tracking pixel), so none is ever fetched;
    what remains is its ``alt`` text. Scripts, style sheets and embedded documents go with
    their content, which is code or an unseen page rather than text for a reader.

    Misnested markup can serialise as a tree no parser builds (an ``<a>`` inside an ``<a>``,
    which a browser splits in two): what is handed on is cleaned again until it is what a
    parser makes of it, so the document checked is the document shown (the mutation-XSS rule).
    """
    if not text:
        return ""
    attributes = dict(ALLOWED_ATTRIBUTES)
    attributes["img"] = {"alt", "title"}
    return _stable_clean(text, attributes, set(URL_SCHEMES), _absolute_urls_only)


#: An image a docset preview keeps: a raster inlined by value (no file, no host is read).
_DATA_IMAGE = re.compile(r"data:image/(?:png|jpeg|gif|webp);base64,[A-Za-z0-9+/]+=*\Z")


def _docs_urls(tag: str, attribute: str, value: str) -> str | None:
    """As :func:`_absolute_urls_only`, except that an ``img`` may hold an inlined raster."""
    if tag == "img" and attribute == "src":
        return value if _DATA_IMAGE.match(value) else None
    return _absolute_urls_only(tag, attribute, value)


def sanitize_docs_html(text: str | None) -> str:
    """A local docset page made safe for a preview: :func:`sanitize_html`'s allow-list, with
    images kept only as inlined rasters (``data:image/png;base64,...``, which
    :mod:`server.hub.docs.preview` makes of the docset's own files) -- never a file or a
    host to load, and never a ``data:`` link."""
    if not text:
        return ""
    attributes = dict(ALLOWED_ATTRIBUTES)
    attributes["img"] = {"src", "alt", "title", "width", "height"}
    return _stable_clean(text, attributes, {*URL_SCHEMES, "data"}, _docs_urls)


def _stable_clean(
    text: str,
    attributes: dict[str, set[str]],
    schemes: set[str],
    url_filter: Callable[[str, str, str], str | None],
) -> str:
    out = strip_controls(text)
    for _ in range(MAX_PASSES):
        cleaned = nh3.clean(
            out,
            tags=set(ALLOWED_TAGS),
            attributes=attributes,
            url_schemes=schemes,
            strip_comments=True,
            link_rel="noopener noreferrer nofollow",
            attribute_filter=url_filter,
            clean_content_tags=set(MAIL_CLEAN_CONTENT),
        )
        # Controls again: nh3 decodes ``&#x202e;`` to the override itself.
        cleaned = _CONTROL_DECODED.sub("", cleaned)
        if cleaned == out:
            break
        out = cleaned
    return out


def _one_line_tags(text: str) -> str:
    """Every tag on one line: a line break inside an attribute value becomes ``&#10;``.

    Markdown cuts the text into blocks by lines before it reads any HTML, so a tag whose
    ``title`` spans a quote's or a list item's last line is cut in two, and its open quote
    then ends at the next tag's first ``"``: what followed inside that tag's attribute (an
    image ``src`` may hold spaces) is read as attributes of the first, ``onmouseover`` among
    them. In a value the entity is the same character to a browser."""
    return _TAG.sub(lambda m: m.group(0).replace("\n", "&#10;"), text)


def _safe_links(text: str, kept: list[str]) -> str:
    """Turn every link destination that is not http(s)/mailto/#fragment into a fragment, and
    every reference definition with such a destination into text. A kept autolink is a safe
    destination (``[x](<https://...>)``); a kept code span is not."""

    def safe(pos: int) -> bool:
        if _SAFE_DEST.match(text, pos):
            return True
        piece = _PLACEHOLDER.match(text, pos)
        return piece is not None and _AUTOLINK.fullmatch(kept[int(piece.group(1))]) is not None

    out: list[str] = []
    pos = 0
    for m in _DEST.finditer(text):
        out.append(text[pos : m.end()])
        pos = m.end()
        if not safe(pos):
            out.append("#")
    out.append(text[pos:])
    text = "".join(out)

    def reference(m: re.Match[str]) -> str:
        if safe(m.end()):
            return m.group(0)
        return m.group(1) + "\\" + m.group(0)[len(m.group(1)) :]

    return _REF_DEST.sub(reference, text)


def _restore(text: str, kept: list[str]) -> str:
    """Put the kept pieces back: as they were where Markdown reads them, HTML-escaped inside a
    tag and in what may be an HTML block (see the module docstring)."""

    def escaped(m: re.Match[str]) -> str:
        return html.escape(kept[int(m.group(1))])

    text = _TAG.sub(lambda t: _PLACEHOLDER.sub(escaped, t.group(0)), text)
    lines = text.split("\n")
    raw = until_pre = False
    for n, line in enumerate(lines):
        if raw and not until_pre and not line.strip():
            raw = False
        if not raw and (start := _HTML_BLOCK_START.match(line)):
            raw, until_pre = True, start.group(1) is not None
        if raw:
            lines[n] = _PLACEHOLDER.sub(escaped, line)
            if until_pre and "</pre>" in line.lower():
                raw = until_pre = False
    return _PLACEHOLDER.sub(lambda m: kept[int(m.group(1))], "\n".join(lines))


def _unkeepable(code: str) -> bool:
    """Whether a code span's content must go through nh3 like prose: it is tag-like, or it could
    stop being one span -- it spans lines (a line of it could open an HTML block, which comes
    before spans), holds a ``]:`` (a reference label may end there, and labels come before
    spans too), or a ``|`` beside a ``<`` (a table row is cut into cells at every ``|``)."""
    return bool(
        _RISKY.search(code) or "\n" in code or "]:" in code or ("|" in code and "<" in code)
    )


def _clean_prose(text: str) -> str:
    kept: list[str] = []

    def keep(value: str) -> str:
        kept.append(value)
        return f"\ue000{len(kept) - 1}\ue001"

    def code(m: re.Match[str]) -> str:
        return m.group(0) if _unkeepable(m.group(2)) else keep(m.group(0))

    text = _CODE_SPAN.sub(code, text)
    text = _AUTOLINK.sub(lambda m: keep(m.group(0)), text)
    text = _one_line_tags(_clean_html(text).replace("&gt;", ">"))
    text = _safe_links(text, kept)
    return _restore(text, kept)


def _blocks(lines: list[str]) -> list[tuple[bool, list[str]]]:
    """Split lines into (is_fenced_code, lines) blocks, CommonMark's fence rules."""
    blocks: list[tuple[bool, list[str]]] = []
    prose: list[str] = []
    i = 0
    while i < len(lines):
        m = _FENCE_OPEN.match(lines[i])
        if m is None or (m.group(2)[0] == "`" and "`" in m.group(3)):
            prose.append(lines[i])
            i += 1
            continue
        if prose:
            blocks.append((False, prose))
            prose = []
        fence = m.group(2)
        close = re.compile(rf"^ {{0,3}}{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        info = _INFO.match(m.group(3).strip())
        body = [m.group(1) + fence + (info.group(0) if info else "")]
        i += 1
        while i < len(lines) and not close.match(lines[i]):
            body.append(lines[i])
            i += 1
        body.append(m.group(1) + fence)  # the closing fence, added if the text had none
        i += 1
        blocks.append((True, body))
    if prose:
        blocks.append((False, prose))
    return blocks


def _truncate(lines: list[str], max_chars: int, max_lines: int) -> tuple[list[str], bool]:
    out: list[str] = []
    used = 0
    for n, line in enumerate(lines):
        if n >= max_lines:
            return out, True
        if used + len(line) > max_chars:
            room = max_chars - used
            if room > 20:
                cut = line[:room]
                space = cut.rfind(" ")
                out.append(cut[: space if space > room // 2 else room].rstrip())
            return out, True
        out.append(line)
        used += len(line) + 1
    return out, False


def sanitize_markdown(
    text: str | None, *, max_chars: int | None = None, max_lines: int | None = None
) -> str:
    """Safe Markdown for display, optionally cut to an excerpt (whole lines where possible,
    code fences closed, an ellipsis paragraph appended)."""
    if not text:
        return ""
    lines = strip_controls(text).split("\n")
    truncated = False
    if max_chars is not None or max_lines is not None:
        lines, truncated = _truncate(lines, max_chars or 1 << 30, max_lines or 1 << 30)
        while lines and not lines[-1].strip():
            lines.pop()
    parts: list[str] = []
    for is_code, block in _blocks(lines):
        if is_code:
            # A blank line first ends any HTML block a renderer might still consider open.
            parts.append("\n".join(block))
        else:
            parts.append(_clean_prose("\n".join(block)).strip("\n"))
    out = "\n\n".join(p for p in parts if p.strip()).strip("\n")
    if truncated:
        out += "\n\n…"
    return out


def excerpt(text: str | None) -> str:
    """A short sanitized excerpt of an issue or PR body for a hover card."""
    return sanitize_markdown(text, max_chars=EXCERPT_CHARS, max_lines=EXCERPT_LINES)


def plain_text(text: str | None, max_len: int = 80) -> str:
    """One line of plain text (no Markdown meaning), whitespace collapsed, cut with "…"."""
    if not text:
        return ""
    one = _WS.sub(" ", strip_controls(text)).strip()
    if len(one) > max_len:
        one = one[: max(max_len - 1, 0)].rstrip() + "…"
    return one


def escape_inline(text: str | None, max_len: int = 200) -> str:
    """A service-supplied string made inert for use inside our own Markdown on one line."""
    return _INLINE_ESCAPE.sub(r"\\\1", plain_text(text, max_len))


def code_span(text: str) -> str:
    """``text`` as an inline code span, whatever backticks it contains."""
    one = _WS.sub(" ", strip_controls(text)).strip()
    longest = max((len(run) for run in re.findall(r"`+", one)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if one.startswith("`") or one.endswith("`") else ""
    return f"{fence}{pad}{one}{pad}{fence}"


SVG_TAGS = frozenset(
    {
        "svg", "g", "defs", "symbol", "use", "title", "desc", "style", "rect", "circle",
        "ellipse", "line", "polyline", "polygon", "path", "text", "tspan", "textPath",
        "marker", "linearGradient", "radialGradient", "stop", "pattern", "clipPath", "mask",
        "filter", "feGaussianBlur", "feOffset", "feBlend", "feFlood", "feComposite",
        "feMerge", "feMergeNode", "feColorMatrix", "feDropShadow", "switch", "a",
        # Mermaid writes its labels as HTML inside <foreignObject>.
        "foreignObject", "div", "span", "p", "br", "b", "i", "em", "strong", "code", "sub",
        "sup", "ul", "ol", "li", "table", "tr", "td", "th", "tbody", "thead", "hr",
    }
)  # fmt: skip
SVG_ATTRIBUTES = frozenset(
    {
        "id", "class", "style", "x", "y", "x1", "x2", "y1", "y2", "cx", "cy", "r", "rx",
        "ry", "width", "height", "d", "points", "transform", "viewBox", "preserveAspectRatio",
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-opacity",
        "stroke-dasharray", "stroke-dashoffset", "stroke-linecap", "stroke-linejoin",
        "stroke-miterlimit", "opacity", "font-family", "font-size", "font-weight",
        "font-style", "text-anchor", "dominant-baseline", "alignment-baseline",
        "text-decoration", "textLength", "lengthAdjust", "dx", "dy", "rotate", "offset",
        "stop-color", "stop-opacity", "gradientUnits", "gradientTransform", "spreadMethod",
        "fx", "fy", "markerWidth", "markerHeight", "markerUnits", "refX", "refY", "orient",
        "marker-start", "marker-mid", "marker-end", "clip-path", "clipPathUnits", "mask",
        "filter", "stdDeviation", "in", "in2", "result", "mode", "operator", "flood-color",
        "flood-opacity", "values", "type", "patternUnits", "patternTransform", "visibility",
        "display", "xmlns", "version", "role", "aria-roledescription", "aria-label",
        "data-id", "data-node", "data-look", "href", "xlink:href", "colspan", "rowspan",
        "align", "letter-spacing", "word-spacing", "white-space", "overflow",
        "vector-effect", "shape-rendering", "text-rendering", "color",
    }
)  # fmt: skip


#: CSS that runs something in some engine: IE's ``expression()`` and ``behavior``, Firefox's
#: old ``-moz-binding``, and script URLs however they are reached.
_ACTIVE_CSS = re.compile(
    r"expression\s*\(|behavior\s*:|-moz-binding|javascript:|vbscript:", re.IGNORECASE
)


def _local_refs_only(tag: str, attribute: str, value: str) -> str | None:
    """A drawing may point inside itself (``#marker``, ``url(#g)``) and nowhere else: no
    remote images or fonts, no ``javascript:`` or ``data:`` links, no active CSS."""
    if attribute in ("href", "xlink:href"):
        return value if value.startswith("#") else None
    if _ACTIVE_CSS.search(_CSS_ESCAPE.sub(_unescape_css, value)):
        return None
    if "url(" in value.replace(" ", "").lower() and not all(
        part.lstrip().startswith("#") for part in value.lower().split("url(")[1:]
    ):
        return None
    return value


_CSS_IMPORT = re.compile(
    r"@import[^;]*;?|url\(\s*['\"]?(?!#)[^)]*(?:\)|$)|expression\s*\(|behavior\s*:|-moz-binding",
    re.IGNORECASE,
)

_STYLE_BLOCK = re.compile(r"(<style[^>]*>)(.*?)(</style>)", re.IGNORECASE | re.DOTALL)


def sanitize_svg(svg: str) -> str:
    """An SVG drawing made safe to place inline in a page (a webview): no scripts, event
    handlers, external references or embedded documents, whatever the diagram's source said.

    Diagram sources come from the repository being edited, and a label or link in one can
    carry markup into the drawing (PlantUML's ``[[javascript:...]]`` links, Mermaid's HTML
    labels). nh3 parses the drawing as HTML does when it is inlined -- the context it will be
    shown in -- keeping only drawing elements and presentation attributes, and links only
    to fragments of the drawing itself. Style sheets stay (the drawing's look) minus any
    ``@import``, ``url(...)`` that is not a fragment, active CSS and ``<``.
    """
    start = svg.find("<svg")
    body = svg[start:] if start >= 0 else svg
    cleaned = nh3.clean(
        strip_controls(body),
        tags=set(SVG_TAGS),
        attributes={"*": set(SVG_ATTRIBUTES)},
        strip_comments=True,
        link_rel=None,
        url_schemes=set(),
        attribute_filter=_local_refs_only,
        clean_content_tags={"script", "iframe", "object", "embed"},
    )
    return _STYLE_BLOCK.sub(lambda m: m.group(1) + _style_text(m.group(2)) + m.group(3), cleaned)


def _style_text(css: str) -> str:
    """A drawing's style sheet without imports, remote ``url()`` or active CSS, and without
    ``<`` (escapes read first, so none is spelled around): an HTML parser reads a style
    element as text, but an XML one (the drawing saved as an ``.svg`` file) reads markup
    there, so ``</td><img onerror=...>`` must not survive in it. ``\\3c `` is the same
    character to CSS."""
    return _CSS_IMPORT.sub("", _CSS_ESCAPE.sub(_unescape_css, css)).replace("<", "\\3c ")


#: A CSS escape: ``\\65 `` (hex, one optional space after) or ``\\x`` (the character).
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n]?|([^\n0-9a-fA-F]))")


def _unescape_css(m: re.Match[str]) -> str:
    """What a CSS escape stands for, so ``e\\xpression(`` is seen as ``expression(``."""
    if m.group(2) is not None:
        return m.group(2)
    code = int(m.group(1), 16)
    return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
