"""Notebooks across every Notebooks session: a section imported into a workspace folder as
Markdown, and a Markdown document exported as a new page.

Nothing here knows a note service: it codes against
:class:`~connectors.sdk.capabilities.Notebooks` only.

Import. Each page becomes ``<title>.md`` in the folder: its HTML goes through
:func:`~server.hub.sanitize.sanitize_html` (no script, no event handler, links only
http(s)/mailto) and :func:`~server.hub.mail_markdown.html_to_markdown`, then
:func:`~server.hub.sanitize.sanitize_markdown`. Images are the one thing put back after the
cleaning: each image the page names as one of its resources is read through the connector
(with the account's credentials, never fetched from a URL the page chose), saved in
``_resources/`` under a name made of its hash, and linked relatively. An image that cannot be
read stays its alt text. Before cleaning, each such ``<img>`` is replaced by a marker of
letters and digits (which every step keeps as it is and a page cannot guess: it holds a
nonce), and after it the marker becomes ``![alt](_resources/...)`` written here.

Re-import writes over a file only if it is what the last import wrote (its hash is in
``.tieline-notes.json`` in the folder); a file changed since, or one this never wrote,
is left alone and the page goes to ``<title> (from OneNote).md`` beside it.
"""

from __future__ import annotations

import asyncio
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import quote

from connectors.sdk.capabilities import Notebooks
from connectors.sdk.connector import Connector
from connectors.sdk.errors import TielineError
from connectors.sdk.notes import NotePage, NoteSection

from .imported import WriteRecord, Written, digest, safe_name, write_kept
from .mail_markdown import escape_text, html_to_markdown
from .sanitize import plain_text, sanitize_html, sanitize_markdown

if TYPE_CHECKING:
    from .hub import Hub

RESOURCES = "_resources"
SOURCE = "OneNote"  # what a copy beside a changed file is named after
RECORD = ".tieline-notes.json"  # files are written off the event loop (asyncio.to_thread)
#: Image types kept, and the extension each is saved with (anything else is not saved).
_IMAGE_TYPES = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/bmp": "bmp",
}
_IMG_TAG = re.compile(r"<img\b[^>]*>", re.IGNORECASE)
#: Progress: (pages done, pages in all, the page being imported).
Progress = Callable[[int, int, str], None]


class NotesSession(Protocol):
    """What this module needs of a hub session."""

    @property
    def key(self) -> str: ...

    @property
    def connector(self) -> Connector: ...


@dataclass(frozen=True)
class SectionChoice:
    """A section and the session that reaches it."""

    session: NotesSession
    section: NoteSection

    @property
    def label(self) -> str:
        return plain_text(self.section.label, 120)


def sessions(hub: Hub) -> list[NotesSession]:
    return list(hub.sessions_with(Notebooks))


def notebooks(session: NotesSession) -> Notebooks:
    got: Notebooks = session.connector.capability(Notebooks)
    return got


async def sections(hub: Hub) -> list[SectionChoice]:
    """Every section of every Notebooks session, in the order the services give them."""
    found = sessions(hub)
    if not found:
        raise TielineError("sign in to a notebook service (Microsoft 365 for OneNote) first")
    out: list[SectionChoice] = []
    for s in found:
        out += [SectionChoice(s, sec) for sec in await notebooks(s).list_sections()]
    return out


def default_folder(section: NoteSection) -> str:
    return f"notes/{safe_name(section.name, 'section')}"


@dataclass
class ImportResult(Written):
    """What importing a section did to its folder."""


# -- one page --------------------------------------------------------------------------------
class _ImgAttrs(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.attrs: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.attrs = {k: v or "" for k, v in attrs}


def _img_attrs(tag: str) -> dict[str, str]:
    p = _ImgAttrs()
    p.feed(tag)
    p.close()
    return p.attrs


def page_markdown(page_html: str, images: dict[str, str]) -> str:
    """A page's HTML as safe Markdown, its images (source URL -> relative path) linked."""
    nonce = secrets.token_hex(8)
    links: dict[str, str] = {}

    def marker(m: re.Match[str]) -> str:
        a = _img_attrs(m.group(0))
        rel = images.get(a.get("data-fullres-src", "")) or images.get(a.get("src", ""))
        if rel is None:
            return m.group(0)  # left to the sanitiser: its alt text at most
        key = f"TLIMG{nonce}N{len(links)}X"
        alt = escape_text(plain_text(a.get("alt", ""), 200))
        links[key] = f"![{alt}]({rel})"
        return f" {key} "

    marked = _IMG_TAG.sub(marker, page_html)
    md = sanitize_markdown(html_to_markdown(sanitize_html(marked)))
    for key, link in links.items():
        md = md.replace(key, link)
    return md


async def _page_file(
    nb: Notebooks, page: NotePage, folder: Path, record: WriteRecord, result: ImportResult
) -> bytes:
    content = await nb.page_html(page)
    images: dict[str, str] = {}
    for res in content.resources:
        try:
            data = await nb.page_resource(res.url)
        except TielineError:
            continue  # the image stays its alt text
        ext = _IMAGE_TYPES.get((res.mime_type or "").lower())
        if ext is None:
            continue
        rel = await asyncio.to_thread(
            write_kept,
            folder,
            f"{RESOURCES}/{digest(data)[:16]}.{ext}",
            data,
            record,
            result,
            SOURCE,
        )
        images[res.url] = quote(rel)
        result.images += 1
    title = escape_text(plain_text(page.title, 300))
    body = page_markdown(content.html, images)
    return f"# {title}\n\n{body}\n".encode()


async def import_section(
    nb: Notebooks, section: NoteSection, folder: Path, *, progress: Progress | None = None
) -> ImportResult:
    """Every page of ``section`` into ``folder`` (see the module docstring)."""
    record = await asyncio.to_thread(WriteRecord.load, folder, RECORD)
    result = ImportResult(folder)
    pages = list(await nb.list_pages(section))
    names: set[str] = set()
    for n, page in enumerate(pages):
        if progress is not None:
            progress(n, len(pages), page.title)
        name = safe_name(page.title)
        stem, i = name, 2
        while name.lower() in names:
            name, i = f"{stem} ({i})", i + 1
        names.add(name.lower())
        data = await _page_file(nb, page, folder, record, result)
        await asyncio.to_thread(write_kept, folder, f"{name}.md", data, record, result, SOURCE)
    await asyncio.to_thread(record.save)
    if progress is not None:
        progress(len(pages), len(pages), "")
    return result


# -- export ----------------------------------------------------------------------------------
def markdown_html(text: str) -> str:
    """Markdown as sanitised HTML for a new page: raw HTML in the Markdown is not passed
    through (it shows as text), and what the renderer makes is cleaned again. Images become
    their alt text: a page is created from its HTML alone, and a local image would have to be
    uploaded with it (a multipart request), which this does not do."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
    return sanitize_html(md.render(text))


def title_of(text: str, fallback: str) -> str:
    """The first ``# heading``, else ``fallback`` (the file's name)."""
    m = re.search(r"^ {0,3}# +(.+?)\s*#*\s*$", text, re.MULTILINE)
    return plain_text(m.group(1) if m else fallback, 200) or "Untitled page"


async def export_markdown(
    nb: Notebooks, section: NoteSection, text: str, fallback_title: str
) -> NotePage:
    return await nb.create_page(section, title_of(text, fallback_title), markdown_html(text))


def summary(result: ImportResult) -> str:
    """What an import did, in a line."""
    pages = [w for w in result.written if w.endswith(".md")]
    same = [w for w in result.unchanged if w.endswith(".md")]
    parts = [f"{len(pages)} page(s) written"]
    if same:
        parts.append(f"{len(same)} unchanged")
    if result.conflicts:
        parts.append(f"{len(result.conflicts)} changed here, written beside as “(from OneNote)”")
    if result.images:
        parts.append(f"{result.images} image(s)")
    return ", ".join(parts)


__all__ = [
    "ImportResult",
    "SectionChoice",
    "default_folder",
    "export_markdown",
    "import_section",
    "markdown_html",
    "page_markdown",
    "safe_name",
    "sections",
    "sessions",
    "summary",
    "title_of",
]
