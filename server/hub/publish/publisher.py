"""Publishing a Markdown document as a blog post, on any Publishing session.

Nothing here knows a blogging service: it codes against
:class:`~connectors.sdk.capabilities.Publishing` only. One publish:

1. the front matter (:mod:`.frontmatter`) gives the title (else the first ``# heading``,
   which then leaves the body: services show the title themselves), tags, excerpt,
   canonical URL, cover image and status; the status asked for wins over it, and without
   either an update keeps the status the post was last published with (else: a draft);
2. local images -- ``![alt](relative/path.png)`` and a relative ``cover_image`` -- are read
   (only from inside the workspace, or the document's folder without one) and uploaded
   through the connector, and the Markdown is rewritten to the URLs the service gives back
   (the record keeps each image's URL and hash: an unchanged image is not uploaded again).
   A service with no image upload (dev.to) fails the publish before anything is sent, with
   the list of local images that need an absolute URL;
3. the body goes in the service's format: Markdown as it is, or HTML rendered with
   markdown-it-py (CommonMark and tables; raw HTML in the Markdown is not passed through,
   and markdown-it refuses ``javascript:`` and the like in links);
4. a document already published to the service (``tieline.publish.<connector>.id`` in its
   front matter) updates that post, naming the ``updated_at`` recorded there (Ghost refuses
   an update of a post changed since: :class:`~connectors.sdk.errors.SyncConflict`);
   otherwise a new post is created;
5. the result carries the document's new front matter with the record, for the editor to
   apply as an edit (the document on disk is not written here).

Titles and URLs the service answers are shown back only as plain text
(:func:`~server.hub.sanitize.plain_text`).
"""

from __future__ import annotations

import hashlib
import mimetypes
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol
from urllib.parse import unquote, urlsplit

from connectors.sdk.capabilities import Publishing
from connectors.sdk.connector import Connector
from connectors.sdk.errors import InvalidRequest, TielineError
from connectors.sdk.publishing import Post, PostDraft, PostStatus

from ..sanitize import plain_text
from .frontmatter import PostRecord, UploadedImage, meta, render, split, with_record

if TYPE_CHECKING:
    from ..hub import Hub

#: ``![alt](src "title")`` / ``![alt](<src>)``: group 2 is the source (see :func:`_src`).
_IMAGE = re.compile(
    r"(!\[(?:[^\]\\]|\\.)*\]\(\s*)"  # ![alt](
    r"(<[^>\n]+>|[^)\s]+)"  # the source, <in brackets> when it has spaces
    r"((?:\s+(?:\"[^\"]*\"|'[^']*'))?\s*\))"  # "title" )
)
_H1 = re.compile(r"^ {0,3}# +(.+?)\s*#*\s*$", re.MULTILINE)
#: The largest image uploaded (services refuse more; Ghost's default limit is 10 MB).
MAX_IMAGE = 10 * 1024 * 1024
#: Progress: (what is being done).
Progress = Callable[[str], None]


class PublishSession(Protocol):
    @property
    def key(self) -> str: ...

    @property
    def connector(self) -> Connector: ...

    @property
    def connector_id(self) -> str: ...


def sessions(hub: Hub) -> list[PublishSession]:
    return list(hub.sessions_with(Publishing))


def publishing(session: PublishSession) -> Publishing:
    got: Publishing = session.connector.capability(Publishing)
    return got


def service_name(session: PublishSession) -> str:
    return session.connector.manifest().name


class PublishError(TielineError):
    """The document cannot be published as it is (a missing image, no upload, no title)."""


@dataclass
class Published:
    """What one publish did. ``front_matter`` replaces the document's first
    ``end_line`` lines (plus ``end_character`` characters of the next): an insertion at the
    top when the document had none."""

    post: Post
    created: bool
    front_matter: str
    end_line: int
    end_character: int
    images: dict[str, str] = field(default_factory=dict)  # local source -> uploaded URL
    #: The sources uploaded this time (the others were uploaded before with the same bytes).
    uploaded: list[str] = field(default_factory=list)

    @property
    def summary(self) -> str:
        verb = "Published" if self.post.status == "published" else "Saved the draft"
        what = "" if self.created else " (updated)"
        return f"{verb} “{plain_text(self.post.title, 80)}”{what}"


def title_and_body(body: str, said: str | None, fallback: str) -> tuple[str, str]:
    """The post's title and the Markdown without a leading ``# heading`` used as one."""
    if said:
        return plain_text(said, 250), body
    m = _H1.search(body)
    if m is not None and not body[: m.start()].strip():
        rest = body[m.end() :].lstrip("\r\n")
        return plain_text(m.group(1), 250), rest
    return plain_text(fallback, 250) or "Untitled", body


def _is_local(src: str) -> bool:
    parts = urlsplit(src)
    return parts.scheme in ("", "file") and not src.startswith("//") and not src.startswith("#")


def _resolve(src: str, base: Path, root: Path) -> Path:
    parts = urlsplit(src)
    raw = unquote(parts.path)
    path = Path(raw) if parts.scheme == "file" or Path(raw).is_absolute() else base / raw
    full = path.resolve()
    if full != root and root not in full.parents:
        raise PublishError(f"the image {src} is outside the workspace: it is not uploaded")
    return full


def _src(m: re.Match[str]) -> str:
    raw = m.group(2)
    return raw[1:-1] if raw.startswith("<") else raw


def local_images(markdown: str, cover: str | None) -> list[str]:
    """The local image sources the Markdown (and the cover image) name, in order, once each."""
    found = [_src(m) for m in _IMAGE.finditer(markdown)]
    if cover:
        found.append(cover)
    return list(dict.fromkeys(s for s in found if _is_local(s)))


def markdown_html(text: str) -> str:
    """Markdown rendered as HTML for a post: CommonMark with tables and strikethrough; raw
    HTML in the Markdown shows as text."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False})
    md.enable(["table", "strikethrough"])
    html: str = md.render(text)
    return html


async def _upload(
    pub: Publishing,
    service: str,
    sources: Sequence[str],
    base: Path,
    root: Path,
    read: Callable[[Path], bytes],
    progress: Progress | None,
    known: Mapping[str, UploadedImage],
) -> dict[str, UploadedImage]:
    """Each source's uploaded image; one the last publish uploaded with the same bytes is
    not uploaded again."""
    files: dict[str, Path] = {}
    missing: list[str] = []
    for src in sources:
        path = _resolve(src, base, root)
        if not path.is_file():
            missing.append(src)
        files[src] = path
    if missing:
        raise PublishError("no such image: " + ", ".join(missing))
    urls: dict[str, UploadedImage] = {}
    for n, (src, path) in enumerate(files.items(), 1):
        data = read(path)
        digest = hashlib.sha256(data).hexdigest()
        before = known.get(src)
        if before is not None and before.sha256 == digest:
            urls[src] = before
            continue
        if len(data) > MAX_IMAGE:
            raise PublishError(f"the image {src} is larger than {MAX_IMAGE // (1024 * 1024)} MB")
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if not mime.startswith("image/"):
            raise PublishError(f"{src} is not an image")
        if progress is not None:
            progress(f"uploading {path.name} ({n}/{len(files)})")
        try:
            urls[src] = UploadedImage(await pub.upload_image(path.name, data, mime), digest)
        except InvalidRequest as exc:
            if n == 1 and exc.status is None:  # refused before any request: no upload at all
                raise PublishError(
                    f"{service} takes only absolute image URLs (http or https): host these "
                    f"images elsewhere and link them: {', '.join(files)}"
                ) from exc
            raise
    return urls


def kept_status(record: PostRecord | None) -> PostStatus | None:
    """The status a post published from here had: an update keeps it unless told."""
    if record is None or record.status not in ("draft", "published"):
        return None
    return "published" if record.status == "published" else "draft"


def _rewrite(markdown: str, urls: dict[str, str]) -> str:
    def swap(m: re.Match[str]) -> str:
        new = urls.get(_src(m))
        return m.group(0) if new is None else f"{m.group(1)}<{new}>{m.group(3)}"

    return _IMAGE.sub(swap, markdown)


async def publish(
    pub: Publishing,
    service: str,
    text: str,
    *,
    connector_id: str,
    path: Path | None = None,
    root: Path | None = None,
    status: PostStatus | None = None,
    fallback_title: str = "Untitled",
    read: Callable[[Path], bytes] = Path.read_bytes,
    progress: Progress | None = None,
    force: bool = False,
) -> Published:
    """Create or update the post ``text`` (a Markdown document at ``path``) stands for.
    ``force``: update the post even if it changed on the service since it was recorded."""
    parts = split(text)
    m = meta(parts.data)
    title, body = title_and_body(parts.body, m.title, fallback_title)
    cover = m.cover_image
    sources = local_images(body, cover)
    record = m.records.get(connector_id)
    images: dict[str, UploadedImage] = {}
    if sources:
        if path is None:
            raise PublishError("save the document first: its images are named relative to it")
        base = path.parent.resolve()
        known = record.images if record is not None else {}
        images = await _upload(
            pub, service, sources, base, (root or base).resolve(), read, progress, known
        )
    urls = {src: i.url for src, i in images.items()}
    if urls:
        body = _rewrite(body, urls)
        cover = urls.get(cover, cover) if cover else None
    formats = list(pub.publish_formats())
    fmt = formats[0] if formats else "markdown"
    draft = PostDraft(
        title=title,
        body=markdown_html(body) if fmt == "html" else body,
        format=fmt,
        tags=m.tags,
        description=m.description,
        canonical_url=m.canonical_url,
        cover_image=cover,
    )
    wanted: PostStatus = status or m.status or kept_status(record) or "draft"
    if progress is not None:
        progress(f"{'updating' if record else 'creating'} the post on {service}")
    if record is not None:
        version = None if force else record.updated_at
        post = await pub.update_post(record.id, draft, status=wanted, if_match=version)
    else:
        post = await pub.create_post(draft, status=wanted)
    data = with_record(
        parts.data, connector_id, PostRecord(post.id, post.url, post.version, post.status, images)
    )
    prefix = text[: parts.end]
    end_line = prefix.count("\n")
    end_character = len(prefix) - (prefix.rfind("\n") + 1)
    uploaded = [src for src, i in images.items() if record is None or record.images.get(src) != i]
    return Published(post, record is None, render(data), end_line, end_character, urls, uploaded)


def lens_title(text: str, service: str, connector_id: str) -> str:
    """A code lens' words for a document: "Publish to Ghost", or "Update on dev.to · draft"
    once it was published there."""
    try:
        m = meta(split(text).data)
    except ValueError:
        return f"Publish to {service}"
    record = m.records.get(connector_id)
    if record is not None:
        return f"Update on {service} · {record.status or m.status or 'draft'}"
    return f"Publish to {service}"


__all__ = [
    "PublishError",
    "Published",
    "Publishing",
    "kept_status",
    "lens_title",
    "local_images",
    "markdown_html",
    "publish",
    "publishing",
    "service_name",
    "sessions",
    "title_and_body",
]
