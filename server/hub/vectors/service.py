"""The hub's search by meaning: which embedding service and vector store the settings name,
what is indexed (the sessions' mirrored issues and pull requests, the snippet library, the
notes of the workspace's vaults), reindexing and searching.

Nothing is embedded unless ``vectors.enabled`` is on and ``vectors.embeddings`` names a
signed-in connector with the Embeddings capability. The catalog (what is indexed) lives in
``vectors.db`` under the data folder beside the sqlite-vec vectors; with a Qdrant or Chroma
backend it is ``vectors-<backend>.db``, so switching backends never mixes up the two.
"""

from __future__ import annotations

import asyncio
import weakref
from pathlib import Path
from typing import TYPE_CHECKING

from connectors.sdk.capabilities import Embeddings, VectorStore
from connectors.sdk.errors import TielineError
from connectors.sdk.models import Issue

from .. import paths
from .indexer import Doc, Indexer, Progress, Related, Report, issue_docs, note_docs, snippet_docs
from .store import SqliteVectors, VectorFile

if TYPE_CHECKING:
    from ..config import VectorSettings
    from ..hub import Hub

RELATED_MEMO = 256  # items whose related items are remembered

_of: weakref.WeakKeyDictionary[Hub, Semantic] = weakref.WeakKeyDictionary()


def semantic(hub: Hub) -> Semantic:
    """The hub's one :class:`Semantic` (made on first use)."""
    s = _of.get(hub)
    if s is None:
        s = _of[hub] = Semantic(hub)
    return s


class Semantic:
    def __init__(self, hub: Hub, folder: Path | None = None) -> None:
        self.hub = hub
        self.folder = folder
        self._files: dict[str, VectorFile] = {}
        self._lock = asyncio.Lock()
        #: Related items by (item id, content hash), until the next reindex: a hover asks
        #: again and again for one item, and each search costs the embedding service a call.
        self._related: dict[tuple[str, str], list[Related]] = {}

    @property
    def settings(self) -> VectorSettings:
        return self.hub.config.vectors

    @property
    def enabled(self) -> bool:
        return self.settings.enabled and bool(self.settings.embeddings)

    def file(self) -> VectorFile:
        backend = self.settings.backend
        f = self._files.get(backend)
        if f is None:
            folder = self.folder or paths.ensure(paths.data_dir())
            name = "vectors.db" if backend == "sqlite" else f"vectors-{backend}.db"
            f = self._files[backend] = VectorFile(folder / name)
        return f

    def close(self) -> None:
        for f in self._files.values():
            f.close()
        self._files.clear()

    def embeddings(self, *, ask: bool = True) -> Embeddings:
        wanted = self.settings.embeddings
        if not self.settings.enabled:
            raise TielineError("search by meaning is off: turn on the setting vectors.enabled")
        if not wanted:
            raise TielineError("name the embedding service in the setting vectors.embeddings")
        connector, _, account = wanted.partition(":")
        for s in self.hub.sessions_with(Embeddings, ask=ask):
            if s.connector_id == connector and (
                not account or account.lower() in (s.login.lower(), s.account.lower())
            ):
                got: Embeddings = s.connector.capability(Embeddings)
                return got
        raise TielineError(f"sign in to {wanted} (vectors.embeddings) to search by meaning")

    def store(self, *, ask: bool = True) -> VectorStore:
        backend = self.settings.backend
        if backend == "sqlite":
            return SqliteVectors(self.file())
        for s in self.hub.sessions_with(VectorStore, ask=ask):
            if s.connector_id == backend:
                got: VectorStore = s.connector.capability(VectorStore)
                return got
        raise TielineError(f"sign in to {backend} (vectors.backend) to keep the vectors there")

    def indexer(self, *, ask: bool = True) -> Indexer:
        from .store import Catalog

        return Indexer(
            Catalog(self.file()),
            self.store(ask=ask),
            self.embeddings(ask=ask),
            model=self.settings.model,
            batch_size=self.settings.batch_size,
        )

    def indexed(self) -> bool:
        """Is there an index for the current settings (without asking any service)?"""
        if not self.enabled:
            return False
        from .store import Catalog

        meta = Catalog(self.file()).meta()
        return meta.get("model") == (self.settings.model or "default") and bool(
            meta.get("collection")
        )

    def issue_docs(self) -> list[Doc]:
        """The issues and pull requests the sessions mirror."""
        items: dict[str, Issue] = {}
        for s in self.hub.sessions.values():
            items.update(s.coordinator.index.items)
        return issue_docs(items.values())

    async def docs(self) -> list[Doc]:
        docs = self.issue_docs()
        docs += snippet_docs(await self.hub.snippets.all())
        docs += await asyncio.to_thread(self._notes)
        return docs

    def _notes(self) -> list[Doc]:
        from ..mdnotes.vaults import find_vaults, is_note, walk

        cfg = self.hub.config.notes
        folders = [f.path for f in self.hub.folders] or list(self.hub.paths)
        roots = find_vaults(folders, cfg.vaults, find_obsidian=cfg.find_obsidian)
        files = [r / rel for r in roots for rel in walk(r, roots) if is_note(rel)]
        return note_docs(files)

    def ready(self) -> None:
        """Raise, saying what to do, unless indexing can start (on, signed in)."""
        self.embeddings()
        self.store()

    async def reindex(
        self, progress: Progress | None = None, *, issues_only: bool = False
    ) -> Report:
        """Embed what is new or changed. ``issues_only``: after a sync, only the mirrored
        issues and pull requests are looked at (snippets and notes wait for a full pass)."""
        async with self._lock:
            ix = self.indexer()
            try:
                if issues_only:
                    return await ix.index(self.issue_docs(), progress, kinds=("issue", "pr"))
                return await ix.index(await self.docs(), progress)
            finally:
                self._related.clear()

    async def search(self, query: str, *, limit: int = 10) -> list[Related]:
        return await self.indexer().search(query, limit=limit)

    async def related(self, item: Issue, *, limit: int = 3) -> list[Related]:
        """The indexed items nearest ``item`` by meaning (itself left out); none when search
        by meaning is off or nothing is indexed yet. Asks nobody for consent (a hover)."""
        if limit < 1 or not self.indexed():
            return []
        doc = issue_docs([item])[0]
        key = (doc.id, doc.sha256(str(limit)))
        hit = self._related.get(key)
        if hit is None:
            hit = await self.indexer(ask=False).search(doc.text, limit=limit, exclude=[doc.id])
            if len(self._related) >= RELATED_MEMO:
                self._related.pop(next(iter(self._related)))
            self._related[key] = hit
        return hit


__all__ = ["Semantic", "semantic"]
