"""Comments of a hosted document beside its Markdown export in the workspace.

The folder sync (:mod:`server.hub.docsync`) pulls a service's own documents (Google Docs) as
read-only Markdown and remembers each export's remote item id. For such a file, when its
link's session provides :class:`~connectors.sdk.capabilities.DocComments`, this module reads
the document's open comment threads and places each at a line of the Markdown: the first
line where the comment's quoted passage occurs (the service's anchor points into its own
format, so the quoted words are all an export can be matched with), else line 1.

Threads are kept :data:`TTL` seconds per document, so reopening a file or asking for code
actions does not cost a request each time; *Refresh* and every reply or resolve read again.
"""

from __future__ import annotations

import re
import time
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from connectors.sdk.capabilities import DocComments, provides
from connectors.sdk.doccomments import DocComment
from connectors.sdk.errors import NoSuchRecord

from .docsync.links import session_for, specs
from .docsync.state import LinkState

if TYPE_CHECKING:
    from .hub import Hub
    from .sessions import Session

#: Seconds a document's threads are trusted before they are read again.
TTL = 60.0
_SPACE = re.compile(r"\s+")


def place(markdown: str, quoted: str | None) -> int:
    """The 0-based line of ``markdown`` where ``quoted`` first occurs, else 0.

    Looked for as written, then with runs of white space made one space (an export wraps
    and indents differently from the document), then by its first line alone (a passage
    across paragraphs keeps Markdown's markup between them)."""
    needle = (quoted or "").strip()
    if not needle:
        return 0
    at = markdown.find(needle)
    if at >= 0:
        return markdown.count("\n", 0, at)
    flat = _SPACE.sub(" ", needle)
    for n, line in enumerate(markdown.splitlines()):
        if flat in _SPACE.sub(" ", line):
            return n
    head = needle.splitlines()[0].strip()
    if head != needle:
        return place(markdown, head)
    return 0


@dataclass(frozen=True)
class Placed:
    """A thread and the line (0-based) of the Markdown it is shown at."""

    comment: DocComment
    line: int


@dataclass(frozen=True)
class Source:
    """Where a local export's comments come from: the session and the document's id."""

    session: Session
    file_id: str

    @property
    def service(self) -> str:
        """What the comments are called by (``Google`` -> ``Google Docs``)."""
        name = self.session.manifest.name
        return name if name.endswith("Docs") else f"{name} Docs"


class DocCommentsHub:
    """The document comments of one hub."""

    _of: weakref.WeakKeyDictionary[Hub, DocCommentsHub] = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, hub: Hub) -> DocCommentsHub:
        it = cls._of.get(hub)
        if it is None:
            it = cls._of[hub] = cls(hub)
        return it

    def __init__(self, hub: Hub, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.hub = hub
        self.clock = clock
        self._cache: dict[tuple[str, str], tuple[float, list[DocComment]]] = {}

    async def source(self, path: Path) -> Source | None:
        """The remote document ``path`` is an export of, when its service has comments."""
        root = self.hub.root
        if root is None:
            return None
        for spec in specs(self.hub):
            inside = _inside(root / spec.folder.strip("/"), path)
            if inside is None:
                continue
            s = session_for(self.hub, spec)
            if s is None or not provides(s.connector, DocComments):
                continue
            folder, rel = inside
            # The sync engine's key for the link's state (see DocSync.__init__).
            key = "\x1f".join((folder, spec.service, spec.account, spec.remote))
            base = (await LinkState(self.hub.store, key).bases()).get(rel)
            if base is not None and base.export is not None and not base.folder:
                return Source(s, base.remote_id)
        return None

    async def threads(self, src: Source, *, refresh: bool = False) -> list[DocComment]:
        """The document's open threads, read again when older than :data:`TTL`."""
        key = (src.session.key, src.file_id)
        now = self.clock()
        have = self._cache.get(key)
        if have is not None and not refresh and now - have[0] < TTL:
            return have[1]
        cap: DocComments = src.session.connector.capability(DocComments)
        found = [c for c in await cap.doc_comments(src.file_id, resolved=False) if not c.resolved]
        self._cache[key] = (now, found)
        return found

    async def placed(self, path: Path, markdown: str, *, refresh: bool = False) -> list[Placed]:
        """The open threads of the document ``path`` exports, each at its line (none when
        ``path`` is not such an export)."""
        src = await self.source(path)
        if src is None:
            return []
        return locate(markdown, await self.threads(src, refresh=refresh))

    async def reply(self, path: Path, comment_id: str, text: str, *, resolve: bool = False) -> None:
        """Answer a thread (and close it, with ``resolve``); the threads are read again next."""
        src = await self.source(path)
        if src is None:
            raise NoSuchRecord(f"{path.name} is not a document with comments")
        cap: DocComments = src.session.connector.capability(DocComments)
        try:
            await cap.reply_doc_comment(src.file_id, comment_id, text, resolve=resolve)
        finally:
            self._cache.pop((src.session.key, src.file_id), None)


def _inside(folder: Path, path: Path) -> tuple[str, str] | None:
    """The linked folder as the sync engine keys it and ``path`` relative to it, or None
    when ``path`` is elsewhere."""
    where, top = path.resolve(), folder.resolve()
    if not where.is_relative_to(top) or where == top:
        return None
    return str(top), where.relative_to(top).as_posix()


def locate(markdown: str, threads: Sequence[DocComment]) -> list[Placed]:
    """Each thread at its line, in the order of the lines (then of the threads)."""
    placed = [Placed(c, place(markdown, c.quoted)) for c in threads]
    return sorted(placed, key=lambda p: p.line)


__all__ = ["TTL", "DocCommentsHub", "Placed", "Source", "locate", "place"]
