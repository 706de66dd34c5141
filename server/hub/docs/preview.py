"""A local docset page made safe for an editor's preview (VS Code's webview).

A Dash docset's pages are whatever its generator wrote -- scripts, style sheets, frames,
trackers -- from whoever made the docset. The preview shows only their text and structure:
the page goes through the mail allow-list (:func:`server.hub.sanitize.sanitize_docs_html`),
so no script, handler, style, frame or foreign reference survives, and the webview itself
runs no script and loads nothing. Images of the docset are kept by value: each one the page
names relatively, found inside the docset's ``Documents`` folder and of a raster type, is
inlined as a ``data:`` URL (the webview loads no file), and any other image is only its
``alt`` text. Links keep only absolute http(s) and mailto targets (the browser opens them).
"""

from __future__ import annotations

import base64
import html
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from connectors.sdk.errors import TielineError

#: A page larger than this is not previewed (the browser still opens it).
MAX_PAGE = 2 * 1024 * 1024
#: Images inlined per page, and the size of each.
MAX_IMAGES = 40
MAX_IMAGE = 512 * 1024
_RASTER = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif"}
_RASTER[".webp"] = "image/webp"
_DOCUMENTS = ".docset/Contents/Resources/Documents/"
_IMG_SRC = re.compile(r"(<img\b[^>]*?\bsrc\s*=\s*)(\"[^\"]*\"|'[^']*'|[^\s>]+)", re.IGNORECASE)
_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)


class PreviewError(TielineError):
    """The page cannot be previewed (not a local docset page, missing, too large)."""


@dataclass(frozen=True)
class DocPage:
    title: str
    html: str


def _page_path(local: str) -> tuple[Path, Path]:
    """The page's file and its docset's ``Documents`` folder, from a ``file://`` URL."""
    parts = urlsplit(local)
    if parts.scheme != "file":
        raise PreviewError("only a local docset page can be previewed")
    path = Path(unquote(parts.path))
    text = path.as_posix()
    at = text.find(_DOCUMENTS)
    if at < 0:
        raise PreviewError("the page is not inside a docset's Documents folder")
    return path, Path(text[: at + len(_DOCUMENTS)])


def _inline(src: str, page: Path, root: Path, budget: list[int]) -> str | None:
    """``src`` as a ``data:`` URL when it is a raster image inside ``root``; else None."""
    value = html.unescape(src.strip("\"'"))
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or not parts.path or budget[0] <= 0:
        return None
    target = (page.parent / unquote(parts.path)).resolve()
    mime = _RASTER.get(target.suffix.lower())
    if mime is None or not target.is_relative_to(root.resolve()) or not target.is_file():
        return None
    if target.stat().st_size > MAX_IMAGE:
        return None
    budget[0] -= 1
    return f"data:{mime};base64,{base64.b64encode(target.read_bytes()).decode()}"


def read_page(local: str) -> DocPage:
    """The page at ``local`` (a docset entry's ``local`` URL), sanitised for a preview."""
    from server.hub.sanitize import plain_text, sanitize_docs_html

    page, root = _page_path(local)
    try:
        size = page.stat().st_size
    except OSError as exc:
        raise PreviewError(f"the page is not there: {page.name}") from exc
    if size > MAX_PAGE:
        raise PreviewError(f"the page is too large to preview ({size // 1024} KB)")
    raw = page.read_bytes().decode("utf-8", errors="replace")
    found = _TITLE.search(raw)
    title = plain_text(html.unescape(found.group(1)), 120) if found else page.stem
    budget = [MAX_IMAGES]

    def swap(m: re.Match[str]) -> str:
        inlined = _inline(m.group(2), page, root, budget)
        return f'{m.group(1)}"{inlined}"' if inlined else f'{m.group(1)}""'

    return DocPage(title=title or page.stem, html=sanitize_docs_html(_IMG_SRC.sub(swap, raw)))
