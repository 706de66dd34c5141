"""The vaults of the workspace and their indexes: found, built off the event loop, kept
current from open documents and file events, and their broken links published."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import posixpath
import re
import uuid
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from server.hub.mdnotes import Link, Note, VaultIndex, parse_note
from server.hub.mdnotes.index import Hit, find_heading, stem
from server.hub.mdnotes.parse import Heading, heading_key
from server.hub.mdnotes.vaults import NewNotePlace
from server.hub.refs.positions import split_lines

from ...server import TielineServer, path_of

if TYPE_CHECKING:
    from server.hub.hub import Hub

log = logging.getLogger("tieline.lsp.notes")

OWNER = "notes"  # this feature's part of the diagnostics board
SOURCE = "Tieline notes"
BROKEN = "broken-link"
CREATE = "tieline.notes.create"
RENAME = "tieline.notes.rename"
BY_TAG = "tieline.notes.byTag"
REINDEX = "tieline.notes.reindex"
CHUNK = 500  # files read and parsed per trip to a thread while an index is built
MAX_ITEMS = 50  # completion items per answer (the list says it is incomplete beyond)
MAX_SYMBOLS = 200
PREVIEW_LINES = 24
PREVIEW_CHARS = 1500
_BAD_NAME = re.compile(r'[\\:*?"<>|#^\[\]\x00-\x1f]')
_TAG_BEFORE = re.compile(r"(?:^|(?<=[\s(,;]))#([\w/-]*)$")


Entry = tuple[str, str, str, str | None]  # (name casefolded, path casefolded, path, alias)


class Names:
    """The names completion offers, searched at C speed: every entry's casefolded name (and
    path) joined into one string, each after a ``\\n``, so ``str.find`` does the scanning
    and a match's entry is a bisection away. Entries are in order of the name's length, then
    the path, so the first matches are the shortest names."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries
        self.name_blob, self.name_starts = self._blob(e[0] for e in entries)
        self.path_blob, self.path_starts = self._blob(e[1] for e in entries)

    @staticmethod
    def _blob(parts: Iterable[str]) -> tuple[str, list[int]]:
        starts: list[int] = []
        chunks: list[str] = []
        at = 0
        for part in parts:
            starts.append(at)
            chunks.append("\n" + part)
            at += len(part) + 1
        return "".join(chunks), starts

    def find(self, query: str, limit: int) -> tuple[list[int], bool]:
        """Entries whose name starts with ``query``, then whose name holds it, then whose
        path does, at most ``limit``; and whether there may be more."""
        if not query:
            return list(range(min(limit, len(self.entries)))), len(self.entries) > limit
        out: list[int] = []
        seen: set[int] = set()
        for blob, starts, needle in (
            (self.name_blob, self.name_starts, "\n" + query),
            (self.name_blob, self.name_starts, query),
            (self.path_blob, self.path_starts, query),
        ):
            i = blob.find(needle)
            while i >= 0:
                k = bisect_right(starts, i) - 1
                if k not in seen:
                    if len(out) >= limit:
                        return out, True
                    seen.add(k)
                    out.append(k)
                nxt = starts[k + 1] if k + 1 < len(starts) else len(blob)
                i = blob.find(needle, nxt)
        return out, False


@dataclass
class Vault:
    root: Path
    index: VaultIndex = field(default_factory=VaultIndex)
    ready: bool = False
    place: NewNotePlace = field(default_factory=NewNotePlace)
    #: Each file's signature when the vault was last read or polled (polling only).
    seen: dict[str, tuple[int, int]] = field(default_factory=dict)
    #: (index generation, notes only, every file) for completion.
    _names: tuple[int, Names | None, Names | None] = (-1, None, None)

    def rel(self, path: Path) -> str | None:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return None

    def uri(self, rel: str) -> str:
        return (self.root / rel).as_uri()

    def names(self, *, files: bool = False) -> Names:
        """What completion offers: the notes and their aliases (``files``: every file,
        for embeds), rebuilt only when a file comes or goes or aliases change."""
        gen, notes, every = self._names
        if gen != self.index.names_generation or notes is None or every is None:
            got: list[Entry] = []
            for p in self.index.files:
                got.append((stem(p).casefold(), p.casefold(), p, None))
                note = self.index.notes.get(p)
                for a in note.aliases if note else ():
                    got.append((a.casefold(), p.casefold(), p, a))
            got.sort(key=lambda t: (len(t[0]), t[1]))
            every = Names(got)
            notes = Names([e for e in got if e[1].endswith(".md")])
            self._names = (self.index.names_generation, notes, every)
        return every if files else notes


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path))


class Vaults:
    """Every vault of the workspace, and the open documents that are notes of one."""

    def __init__(self, ls: TielineServer) -> None:
        self.ls = ls
        self.vaults: list[Vault] = []  # innermost first: a note belongs to the first match
        self.open: dict[str, tuple[Vault, str]] = {}  # uri -> its vault and path there
        self.diagnostics = True
        self._build: asyncio.Task[None] | None = None
        self._watch: str | None = None
        self.poll_seconds = 0.0
        self._poll: asyncio.Task[None] | None = None
        self._polling_wanted = False  # the client cannot watch files for us

    # -- which vault -------------------------------------------------------------------------

    def of(self, uri: str) -> tuple[Vault, str] | None:
        hit = self.open.get(uri)
        if hit is not None:
            return hit
        path = path_of(uri)
        if path is None:
            return None
        real = _real(path)
        for v in self.vaults:
            rel = v.rel(real)
            if rel is not None and rel != ".":
                return v, rel
        return None

    def note_at(self, uri: str) -> tuple[Vault, str, Note] | None:
        got = self.of(uri)
        if got is None:
            return None
        vault, rel = got
        note = vault.index.notes.get(rel)
        return (vault, rel, note) if note is not None else None

    # -- building ----------------------------------------------------------------------------

    async def reconfigure(self, hub: Hub) -> None:
        """Find the vaults again (settings or folders changed) and build the new ones."""
        from server.hub.mdnotes.vaults import find_vaults, new_note_place

        cfg = hub.config.notes
        self.diagnostics = cfg.diagnostics
        if cfg.poll_seconds != self.poll_seconds:
            self.poll_seconds = cfg.poll_seconds
            self._stop_polling()
            if self._polling_wanted:
                self._start_polling()
        roots = await asyncio.to_thread(
            find_vaults,
            [_real(p) for p in self.ls.folder_paths()],
            cfg.vaults,
            find_obsidian=cfg.find_obsidian,
        )
        kept = {v.root: v for v in self.vaults}
        fresh = [Vault(r) for r in roots if r not in kept]
        for v in fresh:
            v.place = await asyncio.to_thread(new_note_place, v.root)
        vaults = [kept.get(r) or next(v for v in fresh if v.root == r) for r in roots]
        self.vaults = sorted(vaults, key=lambda v: len(v.root.parts), reverse=True)
        for uri in list(self.open):
            self.open.pop(uri, None)
            self.ls.diagnostics.set(OWNER, uri, [])
        self.adopt_open()  # documents opened before the vaults were known, or now in one
        if fresh:
            if self._build is not None and not self._build.done():
                self._build.cancel()
            self._build = asyncio.ensure_future(self.build(fresh))
            self.ls.background.add(self._build)
            self._build.add_done_callback(self.ls.background.discard)
        self.publish_all()

    def of_fresh(self, uri: str) -> tuple[Vault, str] | None:
        self.open.pop(uri, None)
        got = self.of(uri)
        if got is not None:
            self.open[uri] = got
        return got

    async def build(self, vaults: Sequence[Vault]) -> None:
        from server.hub.mdnotes.vaults import read_chunk, snapshot

        all_roots = [v.root for v in self.vaults]
        token = await self._progress_begin("Indexing notes")
        try:
            for v in vaults:
                # Signatures first, then the reading: a file changed while the index is
                # built differs from its signature at the next poll.
                v.seen = await asyncio.to_thread(snapshot, v.root, all_roots)
                files = sorted(v.seen)
                for i in range(0, len(files), CHUNK):
                    chunk = files[i : i + CHUNK]
                    got = await asyncio.to_thread(read_chunk, v.root, chunk)
                    opened = {rel for vv, rel in self.open.values() if vv is v}
                    for rel, note in got:
                        if rel in opened:
                            continue  # the editor's text is the note's text
                        if note is None:
                            v.index.put_file(rel)
                        else:
                            v.index.put(rel, note)
                    if token:
                        done = min(i + CHUNK, len(files))
                        self.ls.work_done_progress.report(
                            token,
                            types.WorkDoneProgressReport(
                                message=f"{v.root.name}: {done:,} of {len(files):,} files",
                                percentage=int(100 * done / max(len(files), 1)),
                            ),
                        )
                v.ready = True
                log.info("vault %s: %d notes, %d files", v.root, len(v.index), len(files))
        finally:
            if token:
                self.ls.work_done_progress.end(token, types.WorkDoneProgressEnd(message="done"))
        self.adopt_open()
        self.publish_all()
        from ..lifecycle import settle_heap

        settle_heap()  # the index lives as long as the server: no collection walks it
        await self.watch()

    async def _progress_begin(self, title: str) -> str | None:
        caps = self.ls.client_capabilities
        if not (caps and caps.window and caps.window.work_done_progress):
            return None
        token = str(uuid.uuid4())
        try:
            await asyncio.wait_for(self.ls.work_done_progress.create_async(token), 5)
        except Exception:
            return None
        self.ls.work_done_progress.begin(
            token, types.WorkDoneProgressBegin(title=title, cancellable=False, percentage=0)
        )
        return token

    async def watch(self) -> None:
        """Ask the client to tell us about files of the vaults (dynamic registration), or,
        where it cannot, look at them every ``notes.poll_seconds`` ourselves."""
        caps = self.ls.client_capabilities
        ws = caps.workspace if caps else None
        watched = ws.did_change_watched_files if ws else None
        if not self.vaults:
            return
        if not (watched and watched.dynamic_registration):
            self._start_polling()
            return
        if self._watch is not None:
            with contextlib.suppress(Exception):
                await self.ls.client_unregister_capability_async(
                    types.UnregistrationParams(
                        unregisterations=[
                            types.Unregistration(
                                id=self._watch, method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES
                            )
                        ]
                    )
                )
        relative = bool(watched.relative_pattern_support)
        watchers = [
            types.FileSystemWatcher(
                glob_pattern=types.RelativePattern(base_uri=v.root.as_uri(), pattern="**/*")
                if relative
                else f"{v.root.as_posix()}/**/*"
            )
            for v in self.vaults
        ]
        self._watch = str(uuid.uuid4())
        try:
            await self.ls.client_register_capability_async(
                types.RegistrationParams(
                    registrations=[
                        types.Registration(
                            id=self._watch,
                            method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                            register_options=types.DidChangeWatchedFilesRegistrationOptions(
                                watchers=watchers
                            ),
                        )
                    ]
                )
            )
        except Exception as exc:
            log.warning("could not register file watching: %s; polling instead", exc)
            self._watch = None
            self._start_polling()

    def _start_polling(self) -> None:
        self._polling_wanted = True
        if self.poll_seconds <= 0 or (self._poll is not None and not self._poll.done()):
            return
        self._poll = asyncio.ensure_future(self._polling(self.poll_seconds))
        self.ls.background.add(self._poll)
        self._poll.add_done_callback(self.ls.background.discard)

    def _stop_polling(self) -> None:
        if self._poll is not None:
            self._poll.cancel()
            self._poll = None

    async def _polling(self, every: float) -> None:
        """Compare each built vault's files with what was last seen, and read again the
        ones created, changed or gone. One failing round is logged, not the end."""
        from server.hub.mdnotes.vaults import changed, snapshot

        while True:
            await asyncio.sleep(every)
            roots = [v.root for v in self.vaults]
            for v in list(self.vaults):
                if not v.ready:
                    continue
                try:
                    now = await asyncio.to_thread(snapshot, v.root, roots)
                    rels = changed(v.seen, now)
                    v.seen = now
                    if rels:
                        log.debug("vault %s: %d files changed on disk", v.root, len(rels))
                        await self.refresh(v, rels)
                except Exception:
                    log.exception("checking vault %s for changes failed", v.root)

    # -- open documents ----------------------------------------------------------------------

    def adopt_open(self) -> None:
        for doc in self.ls.open_documents():
            self.sync_open(doc.uri)

    def sync_open(self, uri: str) -> None:
        """The open document's text into its vault's index (it wins over the disk)."""
        got = self.of_fresh(uri)
        doc = self.ls.document(uri)
        if got is None or doc is None:
            return
        vault, rel = got
        before = vault.index.notes.get(rel)
        note = parse_note(doc.source)
        vault.index.put(rel, note)
        if before is None or _names_of(before) != _names_of(note):
            self.publish_all(vault)  # other open notes may link to its headings
        else:
            self.publish(uri)

    async def closed(self, uri: str) -> None:
        got = self.open.pop(uri, None)
        self.ls.diagnostics.set(OWNER, uri, [])
        if got is not None:
            await self.refresh(got[0], [got[1]])

    async def refresh(self, vault: Vault, rels: Sequence[str]) -> None:
        """Read ``rels`` (files or folders) from disk again: changed, created or gone."""
        from server.hub.mdnotes.vaults import is_note, read_note, walk

        opened = {rel for v, rel in self.open.values() if v is vault}

        def read() -> list[tuple[str, str, Note | None]]:
            out: list[tuple[str, str, Note | None]] = []
            for rel in rels:
                p = vault.root / rel
                if p.is_dir():
                    out += [
                        ("put", f"{rel}/{r}", read_note(p, r) if is_note(r) else None)
                        for r in walk(p)
                    ]
                elif p.is_file():
                    out.append(("put", rel, read_note(vault.root, rel) if is_note(rel) else None))
                else:
                    out.append(("gone", rel, None))
            return out

        for what, rel, note in await asyncio.to_thread(read):
            if rel in opened:
                continue
            if what == "gone":
                vault.index.remove(rel)
            elif note is None:
                vault.index.put_file(rel)
            else:
                vault.index.put(rel, note)
        self.publish_all(vault)

    # -- diagnostics -------------------------------------------------------------------------

    def publish_all(self, vault: Vault | None = None) -> None:
        for uri, (v, _) in list(self.open.items()):
            if vault is None or v is vault:
                self.publish(uri)

    def publish(self, uri: str) -> None:
        got = self.open.get(uri)
        if got is None:
            return
        vault, rel = got
        note = vault.index.notes.get(rel)
        if note is None or not vault.ready or not self.diagnostics:
            self.ls.diagnostics.set(OWNER, uri, [])
            return
        out: list[types.Diagnostic] = []
        for link in note.links:
            hit = vault.index.target(link, rel)
            if hit is not None and hit.found:
                continue
            out.append(_broken(link, hit))
        doc = self.ls.document(uri)
        self.ls.diagnostics.set(OWNER, uri, out, version=doc.version if doc else None)


def _names_of(note: Note) -> tuple[object, ...]:
    """What other notes' links can name in a note (its headings, blocks, aliases, tags)."""
    return (
        tuple(heading_key(h.text) for h in note.headings),
        tuple(sorted(note.blocks)),
        note.aliases,
        tuple(t.name for t in note.tags),
    )


def _broken(link: Link, hit: Hit | None) -> types.Diagnostic:
    what = link.target or "this note"
    if hit is None:
        message = f"No note or file named {link.target!r} in this vault."
    elif link.block is not None:
        message = f"No block ^{link.block} in {what}."
    else:
        message = f"No heading {link.heading!r} in {what}."
    return types.Diagnostic(
        range=_range(link.line, link.start, link.end),
        message=message,
        severity=types.DiagnosticSeverity.Warning,
        source=SOURCE,
        code=BROKEN,
        data={"target": link.target, "missing": "note" if hit is None else "part"},
    )


def _range(line: int, start: int, end: int) -> types.Range:
    return types.Range(start=types.Position(line, start), end=types.Position(line, end))


def _location(vault: Vault, rel: str, link: Link) -> types.Location:
    return types.Location(uri=vault.uri(rel), range=_range(link.line, link.start, link.end))


def _line_location(vault: Vault, rel: str, line: int) -> types.Location:
    return types.Location(uri=vault.uri(rel), range=_range(line, 0, 0))


def feature(ls: TielineServer) -> Vaults:
    got: Vaults | None = getattr(ls, "_vaults", None)
    if got is None:
        got = Vaults(ls)
        ls._vaults = got  # type: ignore[attr-defined]
    return got


def _link_at(note: Note, pos: types.Position) -> Link | None:
    for link in note.links:
        if link.contains(pos.line, pos.character):
            return link
    return None


def _heading_at(note: Note, line: int) -> Heading | None:
    return next((h for h in note.headings if h.line == line), None)


async def _text_of(ls: TielineServer, vault: Vault, rel: str) -> str | None:
    doc = ls.document(vault.uri(rel))
    if doc is not None:
        return doc.source

    def read() -> str | None:
        try:
            return (vault.root / rel).read_text(encoding="utf-8", errors="replace")
        except OSError:
            return None

    return await asyncio.to_thread(read)


async def preview(ls: TielineServer, vault: Vault, hit: Hit, link: Link | None) -> str:
    """A note's start, or the section or block a link names, as safe Markdown."""
    from server.hub.mdnotes.vaults import is_note
    from server.hub.sanitize import escape_inline, sanitize_markdown

    title = f"**{escape_inline(stem(hit.path))}**"
    folder = posixpath.dirname(hit.path)
    if folder:
        title += f" · {escape_inline(folder)}"
    if not is_note(hit.path):
        return title
    text = await _text_of(ls, vault, hit.path)
    note = vault.index.notes.get(hit.path)
    if text is None or note is None:
        return title
    lines = split_lines(text)
    start, end = note.body_line, len(lines)
    if link is not None and link.heading and hit.found:
        h = find_heading(note.headings, link.heading)
        if h is not None:
            start = h.line
            later = [x.line for x in note.headings if x.line > h.line and x.level <= h.level]
            end = later[0] if later else len(lines)
            title += f" > {escape_inline(h.text)}"
    elif link is not None and link.block is not None and hit.found:
        start = hit.line
        while start > 0 and lines[start - 1].strip():
            start -= 1
        end = hit.line + 1
    body = sanitize_markdown(
        "\n".join(lines[start:end]), max_chars=PREVIEW_CHARS, max_lines=PREVIEW_LINES
    )
    return f"{title}\n\n---\n\n{body}" if body else title
