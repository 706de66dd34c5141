"""Turn what the hub holds into indexed vectors: only new or changed texts are embedded.

A :class:`Doc` is one text to find by meaning (an issue's title and body, a snippet, a note),
named by a stable id. :meth:`Indexer.index` hashes each text with the model it is embedded
by; texts whose hash and model the catalog already has are skipped, the rest are embedded in
batches and upserted, and ids the catalog has but the docs no longer name are deleted from
the store. Nothing here decides *whether* to index: the caller checks ``vectors.enabled``.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from connectors.sdk.capabilities import Embeddings, VectorStore
from connectors.sdk.errors import NotFound
from connectors.sdk.models import Issue, Snippet
from connectors.sdk.vectors import VectorPoint, collection_name

from .store import Catalog, Entry, Kind

#: Characters of a text sent to be embedded (models take a few thousand tokens at most).
MAX_CHARS = 8000

Progress = Callable[[int, int], Awaitable[None] | None]


@dataclass(frozen=True)
class Doc:
    id: str
    kind: Kind
    ref: str
    title: str
    url: str
    text: str

    def sha256(self, model: str) -> str:
        h = hashlib.sha256()
        for part in (model, self.kind, self.ref, self.title, self.url, self.text):
            h.update(part.encode())
            h.update(b"\0")
        return h.hexdigest()


@dataclass(frozen=True)
class Related:
    """A found item: what the catalog knows of it, and its cosine similarity to the query."""

    entry: Entry
    score: float


@dataclass
class Report:
    embedded: int = 0
    unchanged: int = 0
    removed: int = 0
    collection: str = ""


def issue_docs(issues: Iterable[Issue]) -> list[Doc]:
    return [
        Doc(
            id=it.key,
            kind="pr" if it.is_pull_request else "issue",
            ref=it.ref.label,
            title=it.title,
            url=it.url,
            text=f"{it.title}\n\n{it.body or ''}".strip(),
        )
        for it in issues
    ]


def snippet_docs(snippets: Iterable[Snippet]) -> list[Doc]:
    return [
        Doc(
            id=f"snippet:{s.id}",
            kind="snippet",
            ref=s.prefix or s.title,
            title=s.title,
            url=f"tieline-snippet:{s.id}",
            text="\n".join(x for x in (s.title, s.description, " ".join(s.tags), s.body) if x),
        )
        for s in snippets
    ]


def note_docs(files: Iterable[Path], *, kind: Kind = "note") -> list[Doc]:
    """One doc per Markdown file (its first heading, else its name, as the title)."""
    out: list[Doc] = []
    for f in files:
        try:
            text = f.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        title = f.stem
        for line in text.splitlines():
            if line.startswith("# "):
                title = line[2:].strip() or title
                break
        uri = f.resolve().as_uri()
        out.append(Doc(id=f"{kind}:{uri}", kind=kind, ref=f.name, title=title, url=uri, text=text))
    return out


class Indexer:
    def __init__(
        self,
        catalog: Catalog,
        store: VectorStore,
        embeddings: Embeddings,
        *,
        model: str = "",
        batch_size: int = 64,
    ) -> None:
        self.catalog = catalog
        self.store = store
        self.embeddings = embeddings
        self.model = model
        self.batch_size = max(1, batch_size)

    @property
    def model_key(self) -> str:
        return self.model or "default"

    def _collection(self) -> str | None:
        meta = self.catalog.meta()
        if meta.get("model") != self.model_key:
            return None
        return meta.get("collection") or None

    async def _embed(self, texts: Sequence[str]) -> tuple[str, list[tuple[float, ...]]]:
        batch = await self.embeddings.embed(
            [t[:MAX_CHARS] for t in texts], model=self.model or None
        )
        if len(batch.vectors) != len(texts):
            raise ValueError(
                f"the embedding service gave {len(batch.vectors)} vectors for {len(texts)} texts"
            )
        return collection_name(batch.model, batch.dimension), list(batch.vectors)

    async def index(
        self,
        docs: Iterable[Doc],
        progress: Progress | None = None,
        *,
        kinds: Iterable[Kind] | None = None,
    ) -> Report:
        """Bring the index up to ``docs``. ``kinds``: the docs are every one of these kinds
        (an issue sync's), so only indexed items of these kinds that they lack are removed;
        ``None``: the docs are everything."""
        scope = set(kinds) if kinds is not None else None
        # a blank text has no meaning to find (and embedding services refuse one)
        wanted: dict[str, Doc] = {d.id: d for d in docs if d.text.strip()}
        known = self.catalog.entries()
        collection = self._collection()
        report = Report(collection=collection or "")
        todo: list[tuple[Doc, str]] = []
        for d in wanted.values():
            sha = d.sha256(self.model_key)
            e = known.get(d.id)
            if (
                e is not None
                and collection
                and e.sha256 == sha
                and e.model == self.model_key
                and e.collection == collection
            ):
                report.unchanged += 1
            else:
                todo.append((d, sha))
        gone = {
            i for i, e in known.items() if i not in wanted and (scope is None or e.kind in scope)
        }
        total = len(todo)
        await _tell(progress, 0, total)
        for start in range(0, total, self.batch_size):
            chunk = todo[start : start + self.batch_size]
            name, vectors = await self._embed([d.text for d, _ in chunk])
            if name != collection:
                await self.store.ensure_collection(name, len(vectors[0]))
                # vectors of another model (or dimension) are of no use beside these
                gone.update(i for i, e in known.items() if e.collection != name and i in wanted)
                collection = report.collection = name
                self.catalog.set_meta({"model": self.model_key, "collection": name})
            await self.store.upsert_vectors(
                name,
                [
                    VectorPoint(id=d.id, vector=v, payload={"kind": d.kind, "ref": d.ref})
                    for (d, _), v in zip(chunk, vectors, strict=True)
                ],
            )
            self.catalog.put(
                Entry(d.id, d.kind, d.ref, d.title, d.url, sha, self.model_key, name)
                for d, sha in chunk
            )
            report.embedded += len(chunk)
            await _tell(progress, report.embedded, total)
        by_collection: dict[str, list[str]] = {}
        for i in gone:
            e = known.get(i)
            if e is not None and (i not in wanted or e.collection != collection):
                by_collection.setdefault(e.collection, []).append(i)
        for coll, ids in by_collection.items():
            with contextlib.suppress(NotFound):  # the collection itself is gone
                await self.store.delete_vectors(coll, ids)
        removed = [i for i in gone if i not in wanted]  # (the rest moved to this collection)
        self.catalog.remove(removed)
        report.removed = len(removed)
        return report

    async def search(
        self, query: str, *, limit: int = 10, exclude: Iterable[str] = ()
    ) -> list[Related]:
        """The indexed items nearest ``query`` by meaning; none while nothing is indexed."""
        collection = self._collection()
        if not collection or not query.strip():
            return []
        skip = set(exclude)
        _, vectors = await self._embed([query])
        try:
            hits = await self.store.query_vectors(collection, vectors[0], limit=limit + len(skip))
        except NotFound:
            return []
        entries = self.catalog.get(h.id for h in hits)
        out = [
            Related(entries[h.id], h.score) for h in hits if h.id in entries and h.id not in skip
        ]
        return out[:limit]

    def indexed(self) -> bool:
        return self._collection() is not None


async def _tell(progress: Progress | None, done: int, total: int) -> None:
    if progress is None:
        return
    r = progress(done, total)
    if r is not None:
        await r


__all__ = ["Doc", "Indexer", "Related", "Report", "issue_docs", "note_docs", "snippet_docs"]
