"""Hosted pages across every Pages session: a page and its child pages imported into a
workspace folder as Markdown, and a Markdown file exported back to a page.

Nothing here knows a page service: it codes against
:class:`~connectors.sdk.capabilities.Pages` only, and converts with :mod:`.markdown`.

Import. A page becomes ``<title>.md`` in the folder, its child pages (to ``depth`` levels)
``<title>/<child>.md``. Each file starts with front matter naming its page::

    ---
    tieline: {service: notion, page_id: ..., version: ..., url: ..., space: ...}
    ---

then the title as a heading and the page's blocks as Markdown. Links other than
http(s)/mailto become text, and the Markdown goes through
:func:`~server.hub.sanitize.sanitize_markdown`. An image is read with
:meth:`~connectors.sdk.capabilities.Pages.page_resource` (the connector refuses a URL not of
its service), saved as ``_resources/<sha256[:16]>.<ext>`` and linked relatively; one the
connector will not read stays a link to its URL if that is http(s), else its alt text. The
relative image links are put back after the sanitiser (which keeps only absolute links), as
markers of letters and digits holding a nonce a page cannot guess.
The sanitiser keeps everything else the Markdown says, but for what it cannot tell from
HTML: a code span holding something tag-like (``<b>``, ``a<=b``, ``|`` beside ``<``) shows
its ``<`` as ``&lt;``, and a code block's language is cut to its first word.

Re-import finds a page's file by the ``page_id`` of its front matter (anywhere in the
folder) and writes over it only if it is what the last import wrote (its hash is in
``.tieline-pages.json`` in the folder); a file changed since is left alone and the page goes
to ``<title> (from <Service>).md`` beside it.

Export. A Markdown file whose front matter names a page of this service updates that page
(``if_match`` its version: a page changed on the service meanwhile is a
:class:`~connectors.sdk.errors.SyncConflict`, and the user is told to re-import first);
another creates a page under the parent chosen. A leading ``# heading`` is the title.
Images with a relative path are read from beside the file and handed as ``attachments``
(key: the path as written). The result carries the file's text with the new id and version
in its front matter, for the editor to apply (the hub never writes an open document).
"""

from __future__ import annotations

import asyncio
import posixpath
import re
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import quote, unquote, urlsplit

from connectors.sdk.capabilities import Pages
from connectors.sdk.connector import Connector
from connectors.sdk.errors import InvalidRequest, SyncConflict, TielineError
from connectors.sdk.pages import (
    Block,
    Heading,
    Image,
    ListBlock,
    ListItem,
    PageInfo,
    PageParent,
    PageSpace,
    Paragraph,
    Quote,
    Span,
    Table,
)

from ..imported import WriteRecord, Written, digest, safe_name, write_kept
from ..sanitize import plain_text, sanitize_markdown
from .markdown import (
    META_KEY,
    blocks_to_markdown,
    markdown_to_blocks,
    page_meta,
    split_front_matter,
    with_front_matter,
)

if TYPE_CHECKING:
    from ..hub import Hub

RESOURCES = "_resources"
RECORD = ".tieline-pages.json"
#: Child pages imported below the page asked for, unless told otherwise.
DEFAULT_DEPTH = 3
#: Pages one import writes at most (a wiki's whole tree is not one click away).
MAX_PAGES = 500
_SAFE_SCHEMES = ("http", "https", "mailto")
#: Image types kept, by their first bytes, and the extension each is saved with.
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"BM", "bmp"),
)
#: Progress: (pages done, pages known so far, the page being imported).
Progress = Callable[[int, int, str], None]


class PagesSession(Protocol):
    """What this module needs of a hub session."""

    @property
    def key(self) -> str: ...

    @property
    def connector(self) -> Connector: ...


@dataclass(frozen=True)
class Service:
    """A page service as files name it (``id``, in front matter) and people do (``name``)."""

    id: str
    name: str

    @classmethod
    def of(cls, connector: Connector) -> Service:
        m = connector.manifest()
        return cls(m.id, m.name)


def sessions(hub: Hub, *, ask: bool = True) -> list[PagesSession]:
    return list(hub.sessions_with(Pages, ask=ask))


def pages_of(session: PagesSession) -> Pages:
    got: Pages = session.connector.capability(Pages)
    return got


@dataclass(frozen=True)
class PageChoice:
    """A page and the session that reaches it."""

    session: PagesSession
    page: PageInfo

    @property
    def service(self) -> Service:
        return Service.of(self.session.connector)

    @property
    def label(self) -> str:
        where = f" ({plain_text(self.page.space, 40)})" if self.page.space else ""
        return plain_text(self.page.title, 100) + where


def _signed_in(hub: Hub) -> list[PagesSession]:
    found = sessions(hub)
    if not found:
        raise TielineError("sign in to a page service (Notion or Confluence) first")
    return found


async def search(hub: Hub, query: str, *, limit: int = 20) -> list[PageChoice]:
    """Pages matching ``query`` in every Pages session, each service's best first."""
    out: list[PageChoice] = []
    for s in _signed_in(hub):
        out += [PageChoice(s, p) for p in await pages_of(s).search_pages(query, limit=limit)]
    return out


def resolve(hub: Hub, wanted: str) -> tuple[PagesSession, str]:
    """The session and page id a URL names (a service recognising it), or a bare page id
    (with one Pages session signed in)."""
    found = _signed_in(hub)
    for s in found:
        page_id = pages_of(s).page_id_from_url(wanted)
        if page_id:
            return s, page_id
    if re.match(r"[a-z][a-z0-9+.-]*://", wanted, re.I):
        raise InvalidRequest(f"no signed-in page service knows the page {wanted}")
    if len(found) > 1:
        raise InvalidRequest("name the page by its URL: more than one page service is signed in")
    return found[0], wanted.strip()


def page_at(hub: Hub, url: str) -> tuple[PagesSession, str] | None:
    """The session and page id of a page URL, without a request and asking nobody."""
    for s in sessions(hub, ask=False):
        page_id = pages_of(s).page_id_from_url(url)
        if page_id:
            return s, page_id
    return None


async def spaces(session: PagesSession) -> Sequence[PageSpace]:
    return await pages_of(session).page_spaces()


def default_folder(title: str) -> str:
    return f"pages/{safe_name(title, 'page')}"


@dataclass
class ImportResult(Written):
    #: The file of the page asked for (relative to ``folder``).
    top: str = ""
    pages: int = 0


def _index(folder: Path, service: str) -> dict[str, str]:
    """Page id -> the file (relative to ``folder``) whose front matter names it."""
    out: dict[str, str] = {}
    for path in sorted(folder.rglob("*.md")):
        rel = path.relative_to(folder).as_posix()
        if rel.startswith((RESOURCES + "/", ".")) or "/." in rel:
            continue
        try:
            with path.open(encoding="utf-8") as f:
                head = f.read(4096)
        except (OSError, UnicodeDecodeError):
            continue
        meta = page_meta(split_front_matter(head)[0])
        if meta.get("service") == service and meta.get("page_id"):
            # A conflict copy names the page too: the file without "(from ...)" wins.
            out.setdefault(meta["page_id"], rel)
            if " (from " not in rel:
                out[meta["page_id"]] = rel
    return out


# -- one page ----------------------------------------------------------------------------


def _safe_href(href: str | None) -> str | None:
    if href is None:
        return None
    scheme = urlsplit(href.strip()).scheme.lower()
    return href.strip() if scheme in _SAFE_SCHEMES else None


def _clean_spans(spans: Sequence[Span]) -> tuple[Span, ...]:
    return tuple(
        s if s.href is None or _safe_href(s.href) == s.href else s.model_copy(update={"href": None})
        for s in spans
    )


def _is_public(url: str) -> bool:
    return urlsplit(url).scheme.lower() in ("http", "https")


def _sniff(data: bytes) -> str | None:
    for magic, ext in _MAGIC:
        if data.startswith(magic):
            return ext
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


@dataclass
class _PageWriter:
    """Writes one import's pages, sharing its record, result and images."""

    pages: Pages
    service: Service
    folder: Path
    record: WriteRecord
    result: ImportResult
    #: Image URL -> resource path (relative to ``folder``), or "" when not saved.
    images: dict[str, str] = field(default_factory=dict)
    #: Makes the image markers of this import ones no page can guess.
    nonce: str = field(default_factory=lambda: secrets.token_hex(8))

    async def _image(self, url: str) -> str:
        if url in self.images:
            return self.images[url]
        saved = ""
        try:
            data = await self.pages.page_resource(url)
        except TielineError:
            data = b""
        ext = _sniff(data) if data else None
        if ext is not None:
            saved = await asyncio.to_thread(
                write_kept,
                self.folder,
                f"{RESOURCES}/{digest(data)[:16]}.{ext}",
                data,
                self.record,
                self.result,
                self.service.name,
            )
            self.result.images += 1
        self.images[url] = saved
        return saved

    async def _blocks(
        self, blocks: Sequence[Block], here: PurePosixPath, local: dict[str, Image]
    ) -> list[Block]:
        out: list[Block] = []
        for b in blocks:
            if isinstance(b, Image):
                saved = await self._image(b.url)
                if saved:
                    key = f"TLIMG{self.nonce}N{len(local)}X"
                    local[key] = Image(url=quote(posixpath.relpath(saved, here)), alt=b.alt)
                    out.append(Paragraph(spans=(Span(text=key),)))
                elif _is_public(b.url):
                    out.append(b)
                elif b.alt.strip():
                    out.append(Paragraph(spans=(Span(text=b.alt),)))
            elif isinstance(b, Paragraph | Heading):
                out.append(b.model_copy(update={"spans": _clean_spans(b.spans)}))
            elif isinstance(b, Quote):
                out.append(Quote(blocks=tuple(await self._blocks(b.blocks, here, local))))
            elif isinstance(b, ListBlock):
                items = [
                    ListItem(
                        blocks=tuple(await self._blocks(i.blocks, here, local)), checked=i.checked
                    )
                    for i in b.items
                ]
                out.append(b.model_copy(update={"items": tuple(items)}))
            elif isinstance(b, Table):
                rows = tuple(tuple(_clean_spans(c) for c in row) for row in b.rows)
                out.append(b.model_copy(update={"rows": rows}))
            else:
                out.append(b)
        return out

    async def text(self, page: PageInfo, blocks: Sequence[Block], rel: str) -> bytes:
        """The file for a page written at ``rel``: front matter, title, safe Markdown."""
        here = PurePosixPath(rel).parent
        local: dict[str, Image] = {}
        body = await self._blocks(blocks, here, local)
        title = Heading(level=1, spans=(Span(text=plain_text(page.title, 300) or "Untitled"),))
        md = sanitize_markdown(blocks_to_markdown([title, *body]))
        for key, image in local.items():
            md = md.replace(key, blocks_to_markdown([image]).strip())
        entry: dict[str, Any] = {"service": self.service.id, "page_id": page.id}
        if page.version is not None:
            entry["version"] = page.version
        if page.url and _is_public(page.url):
            entry["url"] = page.url
        if page.space:
            entry["space"] = page.space
        return with_front_matter({META_KEY: entry}, md + "\n").encode()


def _free(name: str, taken: set[str]) -> str:
    stem, n = name, 2
    while name.lower() in taken:
        name, n = f"{stem} ({n})", n + 1
    taken.add(name.lower())
    return name


async def import_page(
    pages: Pages,
    service: Service,
    page_id: str,
    folder: Path,
    *,
    depth: int = DEFAULT_DEPTH,
    progress: Progress | None = None,
) -> ImportResult:
    """The page ``page_id`` and its child pages (``depth`` levels) into ``folder`` (see the
    module docstring)."""
    record = await asyncio.to_thread(WriteRecord.load, folder, RECORD)
    known = await asyncio.to_thread(_index, folder, service.id)
    result = ImportResult(folder)
    writer = _PageWriter(pages, service, folder, record, result)
    # (page id, directory of its file relative to folder, levels of children still wanted)
    queue: list[tuple[str, str, int]] = [(page_id, "", depth)]
    taken: dict[str, set[str]] = {}
    seen: set[str] = set()
    done = 0
    while queue and done < MAX_PAGES:
        pid, where, levels = queue.pop(0)
        if pid in seen:
            continue
        seen.add(pid)
        doc = await pages.get_page(pid)
        if progress is not None:
            progress(done, done + len(queue) + 1, doc.page.title)
        rel = known.get(doc.page.id) or known.get(pid)
        if rel is None:
            name = _free(safe_name(doc.page.title), taken.setdefault(where, set()))
            rel = f"{where}/{name}.md" if where else f"{name}.md"
        else:
            taken.setdefault(str(PurePosixPath(rel).parent).strip("."), set()).add(
                PurePosixPath(rel).stem.lower()
            )
        data = await writer.text(doc.page, doc.blocks, rel)
        wrote = await asyncio.to_thread(write_kept, folder, rel, data, record, result, service.name)
        if not result.top:
            result.top = wrote
        done += 1
        result.pages = done
        if levels > 0:
            below = rel[: -len(".md")]
            queue += [(c.id, below, levels - 1) for c in doc.children]
    await asyncio.to_thread(record.save)
    if progress is not None:
        progress(done, done, "")
    return result


def summary(result: ImportResult, service: str) -> str:
    """What an import did, in a line."""
    pages = [w for w in result.written if w.endswith(".md")]
    same = [w for w in result.unchanged if w.endswith(".md")]
    parts = [f"{len(pages)} page(s) written"]
    if same:
        parts.append(f"{len(same)} unchanged")
    if result.conflicts:
        parts.append(f"{len(result.conflicts)} changed here, written beside as “(from {service})”")
    if result.images:
        parts.append(f"{result.images} image(s)")
    return ", ".join(parts)


# -- export ------------------------------------------------------------------------------


@dataclass
class ExportResult:
    page: PageInfo
    created: bool
    #: The file's text with the page's id and version in its front matter.
    text: str


def target_of(text: str, service: Service) -> str | None:
    """The page id a Markdown file's front matter names on ``service`` (``None``: none)."""
    meta = page_meta(split_front_matter(text)[0])
    return meta.get("page_id") if meta.get("service") == service.id else None


def _title_and_blocks(blocks: list[Block], fallback: str) -> tuple[str, list[Block]]:
    if blocks and isinstance(blocks[0], Heading) and blocks[0].level == 1:
        title = "".join(s.text for s in blocks[0].spans).strip()
        if title:
            return plain_text(title, 200), blocks[1:]
    return plain_text(fallback, 200) or "Untitled page", blocks


def _local_images(blocks: Sequence[Block]) -> list[str]:
    out: list[str] = []
    for b in blocks:
        if isinstance(b, Image):
            parts = urlsplit(b.url)
            if not parts.scheme and not parts.netloc and b.url and not b.url.startswith("#"):
                out.append(b.url)
        elif isinstance(b, Quote):
            out += _local_images(b.blocks)
        elif isinstance(b, ListBlock):
            for i in b.items:
                out += _local_images(i.blocks)
    return out


def _read_images(keys: Sequence[str], base: Path, root: Path) -> dict[str, bytes]:
    """Each relative image path's bytes, read from beside the file and inside ``root``."""
    out: dict[str, bytes] = {}
    top = root.resolve()
    for key in keys:
        path = (base / unquote(key.split("#", 1)[0].split("?", 1)[0])).resolve()
        if path != top and top not in path.parents:
            raise InvalidRequest(f"the image {key} is outside the workspace")
        try:
            out[key] = path.read_bytes()
        except OSError as exc:
            raise InvalidRequest(f"cannot read the image {key}: {exc.strerror}") from None
    return out


async def export_markdown(
    pages: Pages,
    service: Service,
    text: str,
    *,
    path: Path,
    root: Path,
    parent: PageParent | None = None,
) -> ExportResult:
    """``text`` (the Markdown file at ``path``, inside the workspace ``root``) to its page on
    ``service``: the one its front matter names, else a new one under ``parent``."""
    meta, body = split_front_matter(text)
    entry = page_meta(meta)
    page_id = entry.get("page_id") if entry.get("service") == service.id else None
    title, blocks = _title_and_blocks(markdown_to_blocks(body), path.stem)
    keys = _local_images(blocks)
    attachments = await asyncio.to_thread(_read_images, keys, path.parent, root) if keys else {}
    if page_id:
        try:
            info = await pages.update_page(
                page_id,
                title,
                blocks,
                attachments=attachments or None,
                if_match=entry.get("version"),
            )
        except SyncConflict:
            raise SyncConflict(
                f"“{title}” was changed on {service.name} since it was imported: import it "
                "again (Tieline: Import Page), merge your changes, then export"
            ) from None
        created = False
    else:
        if parent is None:
            raise InvalidRequest(f"choose where on {service.name} the new page goes")
        info = await pages.create_page(parent, title, blocks, attachments=attachments or None)
        created = True
    new_entry: dict[str, Any] = {"service": service.id, "page_id": info.id}
    if info.version is not None:
        new_entry["version"] = info.version
    if info.url and _is_public(info.url):
        new_entry["url"] = info.url
    space = info.space or (parent.space if parent is not None else "") or entry.get("space", "")
    if space:
        new_entry["space"] = space
    new_meta = {**meta, META_KEY: new_entry}
    return ExportResult(page=info, created=created, text=with_front_matter(new_meta, body))


def note_exported(path: Path, text: str) -> None:
    """After an export's text is in ``path``: the import record of the folder above it (if
    any) takes it as what the last import wrote, so a re-import may update it in place."""
    for folder in path.parents:
        record_path = folder / RECORD
        if record_path.is_file():
            record = WriteRecord.load(folder, RECORD)
            record.written[path.relative_to(folder).as_posix()] = digest(text.encode())
            record.save()
            return


__all__ = [
    "DEFAULT_DEPTH",
    "ExportResult",
    "ImportResult",
    "PageChoice",
    "PagesSession",
    "Service",
    "default_folder",
    "export_markdown",
    "import_page",
    "note_exported",
    "page_at",
    "pages_of",
    "resolve",
    "safe_name",
    "search",
    "sessions",
    "spaces",
    "summary",
    "target_of",
]
