"""The installed documentation sets of a workspace, loaded once and searched in memory.

Which sets there are comes from ``docs.*`` settings: the Python standard library
(``docs.stdlib``), each ``[[docs.sets]]`` entry, and every ``*.docset`` directory in the
docset folders. Loading reads each index from disk -- fetching an inventory or DevDocs index
from its URL first if it was never fetched -- on worker threads, and a set that fails to load
is reported (``SetInfo.error``) without keeping the others from working. After that, hover and
search never touch the disk or the network.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from connectors.sdk.errors import TielineError

from ..config import DocSetSettings, DocsSettings
from . import stdlib
from .dash import docset_info, read_docset
from .devdocs import DEVDOCS, read_index, read_meta
from .fetch import fetch_index
from .index import FORMAT, SetIndex
from .inventory import read_inventory
from .model import DocEntry, DocResult, DocSet, SetInfo, SetKind

log = logging.getLogger("tieline.docs")

STDLIB_ID = "python"
DOCSETS_DIR = "docsets"
INDEX_DIR = "index"


@dataclass(frozen=True)
class SetSpec:
    """A set as configured, before loading."""

    id: str
    kind: SetKind
    title: str
    languages: tuple[str, ...]
    url: str = ""
    index: str = ""
    fallback: bool = False  # stdlib "auto": this interpreter's names when the fetch fails


@dataclass
class _Loaded:
    spec: SetSpec
    set: DocSet | None
    index: SetIndex | None
    error: str | None = None


ClientFactory = Callable[[], httpx.AsyncClient]


class DocsLibrary:
    """Every set of one configuration. ``load`` once, then ``lookup`` and ``search``."""

    def __init__(
        self,
        settings: DocsSettings,
        *,
        data_dir: Path,
        client: ClientFactory,
        root: Path | None = None,
    ) -> None:
        self.settings = settings
        self.docs_dir = data_dir / "docs"
        self.root = root
        self._client_factory = client
        self._client: httpx.AsyncClient | None = None
        self._loaded: dict[str, _Loaded] = {}
        self._loading: asyncio.Task[None] | None = None
        self.specs = self._specs()

    # -- configuration ---------------------------------------------------------------------

    def _specs(self) -> list[SetSpec]:
        s = self.settings
        out: list[SetSpec] = []
        if s.stdlib != "off":
            root = s.stdlib_url or stdlib.docs_root()
            root = root if root.endswith("/") else root + "/"
            out.append(
                SetSpec(
                    id=STDLIB_ID,
                    kind="stdlib" if s.stdlib == "interpreter" else "inventory",
                    title="Python standard library",
                    languages=("python",),
                    url=root,
                    index=root + "objects.inv",
                    fallback=s.stdlib == "auto",
                )
            )
        out += [self._spec_of(c) for c in s.sets]
        taken = {sp.id for sp in out}
        for folder in self.docset_dirs():
            for docset in sorted(folder.glob("*.docset")) if folder.is_dir() else ():
                sid = _slug(docset.stem)
                if sid in taken:
                    sid += "-docset"
                if sid in taken or any(str(docset) == sp.index for sp in out):
                    continue
                taken.add(sid)
                langs: tuple[str, ...]
                try:
                    info = docset_info(docset)
                except TielineError:
                    title, langs = "", ()  # loading reports what is wrong with it
                else:
                    title, langs = info.title, info.languages
                out.append(
                    SetSpec(id=sid, kind="dash", title=title, languages=langs, index=str(docset))
                )
        return out

    def _spec_of(self, c: DocSetSettings) -> SetSpec:
        index = c.index
        if c.kind == "inventory" and not index and c.url:
            index = c.url.rstrip("/") + "/objects.inv"
        return SetSpec(
            id=c.id,
            kind=c.kind,
            title=c.title,
            languages=tuple(c.languages),
            url=c.url,
            index=index,
        )

    def docset_dirs(self) -> list[Path]:
        """Where ``*.docset`` directories are picked up from."""
        return [self.docs_dir / DOCSETS_DIR] + [self._path(d) for d in self.settings.docset_dirs]

    def _path(self, value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() or self.root is None else self.root / p

    # -- loading ---------------------------------------------------------------------------

    @property
    def loaded(self) -> bool:
        return self._loading is not None and self._loading.done()

    async def load(self) -> None:
        """Load every set (single-flight: concurrent callers wait for the same load)."""
        if self._loading is None:
            self._loading = asyncio.ensure_future(self._load_all(update=False))
        await asyncio.shield(self._loading)

    async def update(self, set_id: str | None = None) -> list[SetInfo]:
        """Fetch the URL-backed sets again (revalidating: unchanged costs a 304) and reload
        them; ``set_id`` limits it to one."""
        await self.load()
        specs = [s for s in self.specs if set_id is None or s.id == set_id]
        if set_id is not None and not specs:
            raise TielineError(f"no documentation set {set_id!r} is installed")
        for spec in specs:
            old = self._loaded.get(spec.id)
            self._loaded[spec.id] = await self._load_one(spec, update=True)
            if old is not None and old.index is not None:
                old.index.close()  # the reload opened its index anew
        return self.sets()

    async def _load_all(self, *, update: bool) -> None:
        results = await asyncio.gather(*(self._load_one(s, update=update) for s in self.specs))
        self._loaded = {r.spec.id: r for r in results}

    async def _load_one(self, spec: SetSpec, *, update: bool) -> _Loaded:
        note = ""
        try:
            found = await self._locate(spec, update=update)
        except TielineError as exc:
            if not spec.fallback:
                log.warning("docs set %s: %s", spec.id, exc.message)
                return _Loaded(spec, None, None, exc.message)
            note = f" ({spec.index}: {exc.message})"
            try:
                found = await self._locate_stdlib(spec)
            except TielineError as again:
                return _Loaded(spec, None, None, again.message)
        try:
            index = await asyncio.to_thread(self._index, spec, found)
        except TielineError as exc:
            log.warning("docs set %s: %s", spec.id, exc.message)
            return _Loaded(spec, None, None, exc.message)
        m = index.meta
        docset = DocSet(
            id=spec.id,
            kind=m.get("kind", spec.kind),
            title=str(m.get("title") or spec.id),
            languages=tuple(m.get("languages") or ()),
            source=str(m.get("source", "")) + note,
            version=str(m.get("version", "")),
        )
        return _Loaded(spec, docset, index)

    def _index(self, spec: SetSpec, found: _Found) -> SetIndex:
        """The set's index file, built from its source unless one for this very source is
        already there (on a worker thread: reading a large docset takes a second or two)."""
        folder = self.docs_dir / INDEX_DIR
        path = folder / f"{spec.id}-{_key(spec, found.files)}.sqlite"
        if path.is_file():
            try:
                return SetIndex(path, spec.id)
            except TielineError:
                log.info("docs set %s: rebuilding its index", spec.id)
        docset = found.read()
        meta = {
            "kind": docset.kind,
            "title": docset.title,
            "languages": list(docset.languages),
            "source": docset.source,
            "version": docset.version,
        }
        index = SetIndex.build(path, spec.id, docset.entries, meta)
        for old in folder.glob(f"{spec.id}-*.sqlite"):
            if old != path:
                with contextlib.suppress(OSError):
                    old.unlink()
        return index

    async def _locate(self, spec: SetSpec, *, update: bool) -> _Found:
        """Where the set's index is (fetching it first if it comes from a URL and is not
        here yet, or ``update``), and how to read it."""
        if spec.kind == "stdlib":
            return await self._locate_stdlib(spec)
        if spec.kind == "dash":
            path = self._path(spec.index)
            files = [
                path / "Contents" / "Info.plist",
                path / "Contents" / "Resources" / "docSet.dsidx",
            ]

            def read_dash() -> DocSet:
                info, entries = read_docset(path, set_id=spec.id)
                return DocSet(
                    id=spec.id,
                    kind="dash",
                    title=spec.title or info.title,
                    languages=spec.languages or info.languages,
                    entries=entries,
                    source=str(path),
                )

            return _Found(files, read_dash)
        if spec.kind == "devdocs":
            return await self._locate_devdocs(spec, update=update)
        file, source = await self._file(spec, "objects.inv", update=update)
        base = spec.url or _parent_url(spec.index) or file.parent.resolve().as_uri()

        def read_inv() -> DocSet:
            entries, project, version = read_inventory(
                _read_bytes(file), set_id=spec.id, base_url=base
            )
            return DocSet(
                id=spec.id,
                kind="inventory",
                title=spec.title or project or spec.id,
                languages=spec.languages,
                entries=entries,
                source=source,
                version=version,
            )

        return _Found([file], read_inv)

    async def _locate_stdlib(self, spec: SetSpec) -> _Found:
        file = await stdlib.ensure_built(self.docs_dir / "stdlib")

        def read_stdlib() -> DocSet:
            return DocSet(
                id=spec.id,
                kind="stdlib",
                title=spec.title,
                languages=spec.languages,
                entries=stdlib.read(file, set_id=spec.id),
                source="this interpreter",
            )

        return _Found([file], read_stdlib)

    async def _locate_devdocs(self, spec: SetSpec, *, update: bool) -> _Found:
        folder: Path | None = None
        if spec.index.startswith(("http://", "https://")):
            file, source = await self._file(spec, "index.json", update=update)
        else:
            path = self._path(spec.index)
            folder = path if path.is_dir() else path.parent
            file = path / "index.json" if path.is_dir() else path
            source = str(file)
        files = [file] + ([folder / "meta.json"] if folder is not None else [])

        def read_devdocs() -> DocSet:
            meta = read_meta(folder, spec.id)
            base = spec.url or f"{DEVDOCS}{meta.slug}/"
            entries = read_index(_read_bytes(file), set_id=spec.id, base_url=base)
            return DocSet(
                id=spec.id,
                kind="devdocs",
                title=spec.title or meta.title,
                languages=spec.languages or meta.languages,
                entries=entries,
                source=source,
                version=meta.release,
            )

        return _Found(files, read_devdocs)

    async def _file(self, spec: SetSpec, name: str, *, update: bool) -> tuple[Path, str]:
        """The index file: a local one, or the kept copy of a URL (fetched if missing)."""
        if not spec.index.startswith(("http://", "https://")):
            return self._path(spec.index), str(self._path(spec.index))
        dest = self.docs_dir / spec.id / name
        here = await asyncio.to_thread(dest.is_file)
        if spec.fallback and not here and not update:
            # The default standard-library set was configured by nobody: it is fetched
            # from docs.python.org only when the person asks (Update Docs), never by a
            # hover. Until then this Python's own names serve.
            raise TielineError(f"not fetched yet ({spec.index}); Update Docs fetches it")
        if not here and not self.settings.fetch:
            raise TielineError(f"not fetched yet ({spec.index}) and docs.fetch is off")
        if self.settings.fetch:
            try:
                await fetch_index(self.client, spec.index, dest, update=update)
            except TielineError:
                if not await asyncio.to_thread(dest.is_file):
                    raise
                log.info("docs set %s: %s unreachable, using the kept copy", spec.id, spec.index)
        return dest, spec.index

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = self._client_factory()
        return self._client

    async def aclose(self) -> None:
        if self._loading is not None and not self._loading.done():
            self._loading.cancel()
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        for got in self._loaded.values():
            if got.index is not None:
                got.index.close()

    # -- answers ---------------------------------------------------------------------------

    def sets(self) -> list[SetInfo]:
        out = []
        for spec in self.specs:
            got = self._loaded.get(spec.id)
            ds = got.set if got else None
            out.append(
                SetInfo(
                    id=spec.id,
                    kind=ds.kind if ds else spec.kind,
                    title=(ds.title if ds else spec.title) or spec.id,
                    languages=ds.languages if ds else spec.languages,
                    entries=got.index.count if got and got.index else 0,
                    source=ds.source if ds else spec.index,
                    version=ds.version if ds else "",
                    error=got.error if got else None,
                )
            )
        return out

    def _title(self, set_id: str) -> str:
        got = self._loaded.get(set_id)
        return (got.set.title if got and got.set else "") or set_id

    def serves(self, language: str) -> bool:
        """Whether any set is meant for ``language``'s hovers (known before loading, so a
        file no set serves never starts a load)."""
        if language in self.settings.languages:
            return bool(self.settings.languages[language])
        return any(language in spec.languages for spec in self.specs)

    def sets_for(self, language: str) -> list[str]:
        """Ids of the loaded sets serving ``language``'s hovers, in configured order."""
        wanted = self.settings.languages.get(language)
        if wanted is not None:
            return [i for i in wanted if i in self._loaded]
        return [
            sid
            for sid, got in self._loaded.items()
            if got.set is not None and language in got.set.languages
        ]

    def lookup(self, names: Sequence[str], language: str) -> DocResult | None:
        """The entry of the first of ``names`` any set serving ``language`` has."""
        indexes = [self._loaded[s].index for s in self.sets_for(language)]
        for name in names:
            for index in indexes:
                hit = index.get(name) if index is not None else None
                if hit is not None:
                    return DocResult.of(hit, self._title(hit.set_id))
        return None

    def search(
        self,
        query: str,
        *,
        language: str | None = None,
        sets: Sequence[str] | None = None,
        limit: int = 50,
    ) -> list[DocResult]:
        """Entries matching ``query`` across the sets (all, those of ``language``, or the
        ones named), best matches first: whole name, last name part, prefix, anywhere."""
        if sets is not None:
            ids = list(sets)
        else:
            ids = self.sets_for(language) if language else list(self._loaded)
        ranked: list[tuple[int, int, int, DocEntry]] = []
        for order, sid in enumerate(ids):
            got = self._loaded.get(sid)
            if got is None or got.index is None:
                continue
            for tier, entry in got.index.matches(query, limit):
                ranked.append((tier, len(entry.name), order, entry))
        ranked.sort(key=lambda r: r[:3])
        return [DocResult.of(e, self._title(e.set_id)) for *_, e in ranked[:limit]]

    async def search_async(self, query: str, **kwargs: Any) -> list[DocResult]:
        """:meth:`search` on a worker thread (a substring search scans the sets)."""
        return await asyncio.to_thread(lambda: self.search(query, **kwargs))

    def entry_by_url(self, url: str) -> DocEntry | None:
        """An installed entry whose URL or local page is ``url`` (what may be opened)."""
        for got in self._loaded.values():
            hit = got.index.by_url(url) if got.index is not None else None
            if hit is not None:
                return hit
        return None


@dataclass(frozen=True)
class _Found:
    """A set's source files (their size and time say whether its index is current) and the
    reader that turns them into entries."""

    files: list[Path]
    read: Callable[[], DocSet]


def _key(spec: SetSpec, files: Sequence[Path]) -> str:
    stamps = []
    for f in files:
        try:
            st = f.stat()
        except OSError:
            stamps.append((str(f), 0, 0))
        else:
            stamps.append((str(f), st.st_size, st.st_mtime_ns))
    ident = json.dumps(
        [FORMAT, spec.kind, spec.url, spec.index, spec.title, spec.languages, stamps]
    )
    return hashlib.sha256(ident.encode()).hexdigest()[:16]


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise TielineError(f"cannot read {path}: {exc.strerror}") from exc


def _parent_url(index: str) -> str:
    if index.startswith(("http://", "https://")):
        return index.rsplit("/", 1)[0] + "/"
    return ""


def _slug(stem: str) -> str:
    return re.sub(r"[^a-z0-9_.~-]+", "-", stem.lower()).strip("-") or "docset"
