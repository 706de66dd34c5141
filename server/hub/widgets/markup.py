"""A small HTML builder that escapes by construction, and the page every card sits in.

Cards are built from :func:`el` calls, never by pasting strings: every ``str`` child and every
attribute value is HTML-escaped (after control and bidi-override characters are removed, the
"Trojan Source" trick), and only a :class:`Markup` -- made here, or by nh3 through
:func:`rich_text` -- passes through as HTML. A title like ``</a><script>`` is therefore text
wherever it lands. Tag and attribute names come from this package's code only, and are checked
against a strict pattern anyway, so a programming slip fails loudly instead of emitting markup.

Links keep only http(s) and mailto destinations (:func:`safe_url`); anything else (a
``javascript:`` or ``command:`` URL from a service) leaves the element without an ``href``.

Why not a template engine: a card is a dozen elements, and Jinja's autoescape would still need
this module's URL rule and Markup discipline; one fewer dependency for the same guarantees.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from typing import Literal, TypeAlias

from markdown_it import MarkdownIt

from ..sanitize import excerpt, sanitize_html, strip_controls


class Markup(str):
    """A string that is already safe HTML: built by :func:`el` or cleaned by nh3."""

    __slots__ = ()


#: What an element may hold: text (escaped), Markup (as is), nothing, or several of them.
Child: TypeAlias = "str | Iterable[Child] | None"

_NAME = re.compile(r"[a-z][a-z0-9-]*\Z")
_VOID = frozenset({"br", "hr", "img", "meta", "link"})
_SAFE_URL = re.compile(r"(?:https?://|mailto:)[^\s\x00-\x1f\x7f]+\Z", re.IGNORECASE)
_HEX_COLOUR = re.compile(r"#?([0-9a-fA-F]{6})\Z")


def esc(text: str) -> Markup:
    """``text`` as HTML text (or an attribute value): escaped, controls removed."""
    return Markup(html.escape(strip_controls(text), quote=True))


def safe_url(url: str | None) -> str | None:
    """``url`` when it is an absolute http(s) or mailto URL without white space, else None."""
    if not url:
        return None
    url = url.strip()
    return url if _SAFE_URL.match(url) else None


def hex_colour(value: str | None) -> str | None:
    """``#rrggbb`` for a service's label colour (``d73a4a`` or ``#d73a4a``), else None: only
    a value of exactly that shape ever reaches a ``style`` attribute."""
    if not value:
        return None
    m = _HEX_COLOUR.match(value.strip())
    return f"#{m.group(1).lower()}" if m else None


def _children(out: list[str], child: Child) -> None:
    if child is None:
        return
    if isinstance(child, Markup):
        out.append(child)
    elif isinstance(child, str):
        out.append(esc(child))
    else:
        for c in child:
            _children(out, c)


def el(tag: str, *children: Child, **attrs: str | bool | None) -> Markup:
    """``<tag attrs>children</tag>``. Attribute names are Python names (``class_`` for
    ``class``, ``aria_label`` for ``aria-label``); None or False leaves one out, True writes
    it bare. ``href`` goes through :func:`safe_url`."""
    if not _NAME.match(tag):
        raise ValueError(f"not a tag name: {tag!r}")
    parts = [f"<{tag}"]
    for key, value in attrs.items():
        name = key.rstrip("_").replace("_", "-")
        if not _NAME.match(name) or name.startswith("on"):
            raise ValueError(f"not an attribute this builder writes: {name!r}")
        if name == "href" and isinstance(value, str):
            value = safe_url(value)
        if value is None or value is False:
            continue
        parts.append(f" {name}" if value is True else f' {name}="{esc(value)}"')
    parts.append(">")
    if tag in _VOID:
        return Markup("".join(parts))
    _children(parts, children)
    parts.append(f"</{tag}>")
    return Markup("".join(parts))


def join(*children: Child) -> Markup:
    """Children side by side, escaped as :func:`el` would."""
    out: list[str] = []
    _children(out, children)
    return Markup("".join(out))


#: CommonMark with raw HTML read as HTML: what a service's Markdown means. Its output is
#: never trusted as is -- :func:`rich_text` hands it to nh3 -- so links are not filtered here.
_MARKDOWN = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def rich_text(markdown: str | None) -> Markup | None:
    """A service's Markdown body as safe HTML: cut to an excerpt and made safe as Markdown
    (:func:`~server.hub.sanitize.excerpt`), rendered, then cleaned by nh3
    (:func:`~server.hub.sanitize.sanitize_html`: allow-listed elements, http(s)/mailto links,
    no image sources -- nothing is fetched when the card is shown)."""
    md = excerpt(markdown)
    if not md.strip():
        return None
    cleaned = sanitize_html(_MARKDOWN.render(md))
    return Markup(cleaned) if cleaned.strip() else None


_LIGHT = (
    "--bg:#ffffff;--fg:#1f2328;--muted:#59636e;--border:#d1d9e0;--chip:#eff2f5;--link:#0969da;"
    "--ok:#1a7f37;--bad:#cf222e;--warn:#9a6700;--done:#8250df;--off:#6e7781"
)
_DARK = (
    "--bg:#0d1117;--fg:#e6edf3;--muted:#9198a1;--border:#3d444d;--chip:#212830;--link:#4493f8;"
    "--ok:#3fb950;--bad:#f85149;--warn:#d29922;--done:#ab7df8;--off:#9198a1"
)

#: A scheme forced by the embedder (``?theme=dark``: a webview whose editor theme the page
#: cannot see); otherwise the viewer's ``prefers-color-scheme`` decides.
Theme = Literal["light", "dark"]
THEMES: tuple[Theme, ...] = ("light", "dark")

#: One style sheet for every card: light by default, dark when the viewer prefers it (or the
#: embedder asks), and colours as custom properties so a state pill reads the same in both.
CSS = (
    f":root{{color-scheme:light dark;{_LIGHT}}}\n"
    f"@media (prefers-color-scheme: dark){{:root{{{_DARK}}}}}\n"
    f":root.light{{color-scheme:light;{_LIGHT}}}:root.dark{{color-scheme:dark;{_DARK}}}\n"
    """*{box-sizing:border-box}
body{margin:0;padding:8px;background:var(--bg);color:var(--fg);
font:14px/1.45 -apple-system,BlinkMacSystemFont,"Segoe UI",Helvetica,Arial,sans-serif}
a{color:var(--link);text-decoration:none}a:hover{text-decoration:underline}
.card{border:1px solid var(--border);border-radius:8px;padding:12px 14px;max-width:640px}
.head{display:flex;gap:8px;align-items:center;color:var(--muted);font-size:12px}
.ref{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.title{margin:6px 0;font-size:16px;font-weight:600;overflow-wrap:anywhere}
.meta{color:var(--muted);font-size:12px;margin:4px 0;padding:0;list-style:none;
display:flex;flex-wrap:wrap;gap:4px 12px}
.pill{border-radius:999px;padding:1px 8px;color:#fff;font-size:12px;font-weight:600}
.state-open,.state-available,.state-success{background:var(--ok)}
.state-closed,.state-failure,.state-busy,.state-dnd{background:var(--bad)}
.state-merged{background:var(--done)}
.state-draft,.state-offline,.state-unknown,.state-neutral{background:var(--off)}
.state-pending,.state-away{background:var(--warn)}
.labels{display:flex;flex-wrap:wrap;gap:4px;margin:6px 0;padding:0;list-style:none}
.label{border:1px solid var(--border);border-left:4px solid var(--label,var(--border));
border-radius:999px;padding:0 8px;font-size:12px;background:var(--chip)}
.body{border-top:1px solid var(--border);margin-top:8px;padding-top:8px;overflow-wrap:anywhere}
.body pre{background:var(--chip);padding:8px;border-radius:6px;overflow:auto}
.body img{display:none}
.rows{margin:6px 0 0;padding:0;list-style:none}
.rows li{display:flex;gap:10px;padding:6px 0;border-top:1px solid var(--border)}
.rows li:first-child{border-top:0}
.when{flex:0 0 7.5em;color:var(--muted);font-variant-numeric:tabular-nums}
.what{flex:1;min-width:0;overflow-wrap:anywhere}
.sub{color:var(--muted);font-size:12px}
.cancelled .what{text-decoration:line-through;color:var(--muted)}
.declined .what{color:var(--muted)}
.dot{flex:0 0 10px;height:10px;border-radius:50%;margin-top:5px}
.empty{color:var(--muted);margin:6px 0 0}
"""
)


def page(title: str, body: Markup, *, theme: Theme | None = None) -> str:
    """A whole document: no script, one inline style sheet, light and dark schemes."""
    if theme is not None and theme not in THEMES:
        raise ValueError(f"not a theme: {theme!r}")
    return "".join(
        (
            "<!doctype html>",
            f'<html lang="en" class="{theme}">' if theme else '<html lang="en">',
            '<head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="color-scheme" content="light dark">',
            el("title", title),
            el("style", Markup(CSS)),
            "</head><body>",
            body,
            "</body></html>",
        )
    )


__all__ = [
    "CSS",
    "THEMES",
    "Markup",
    "Theme",
    "el",
    "esc",
    "hex_colour",
    "join",
    "page",
    "rich_text",
    "safe_url",
]
