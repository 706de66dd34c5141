"""Markdown vaults in the editor: ``[[wikilink]]`` completion, go to definition, hover
previews, backlinks, renaming a note with every link to it, broken-link warnings, tags.

A vault is a workspace folder (or one under it) with ``.obsidian/``, or a folder named in
``notes.vaults`` (:mod:`server.hub.mdnotes.vaults`). Each vault's index
(:class:`~server.hub.mdnotes.VaultIndex`) is built after the hub opens, off the event loop
a chunk of files at a time with ``$/progress``, and then kept current from three sources: the
editor's open documents (their text wins over the disk's, as the editor shows it), file
events (``workspace/didChangeWatchedFiles``, registered where the client allows dynamic
registration; ``workspace/didRenameFiles``), and the server's own changes (a note created by
the quick fix, a rename it made on disk). A client that can do neither keeps what it opens
and saves current; ``tieline.notes.reindex`` reads the vaults again.

What the editor declared decides the shape of the answers: completion items use
``InsertReplaceEdit`` only where ``insertReplaceSupport`` is declared, ``labelDetails`` only
with ``labelDetailsSupport``, and are plain text (never snippets, so every client inserts
the same); their preview comes with ``completionItem/resolve``. A rename is a
``WorkspaceEdit`` with ``documentChanges`` and a ``RenameFile`` where the client declares both
(``workspace.workspaceEdit.documentChanges`` and ``resourceOperations: rename``); elsewhere
``tieline.notes.rename`` renames the file on disk and sends only the link edits. Rename on
a heading's text renames the heading and the links to it (text edits only, in any client).
Editors that rename files themselves and declare ``workspace.fileOperations.willRename`` get
the link edits before the move (``workspace/willRenameFiles``).

Previews are Markdown read from the vault's files, which may hold raw HTML: they go through
:func:`server.hub.sanitize.sanitize_markdown` like any text from a service.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import posixpath
import re
import uuid
from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from connectors.sdk.errors import TielineError
from server.hub.mdnotes import Link, Note, VaultIndex, parse_note
from server.hub.mdnotes.index import Hit, find_heading, stem
from server.hub.mdnotes.parse import Heading, heading_key, link_heading
from server.hub.mdnotes.rename import Edit, RenamePlan, plan_heading_rename, plan_rename
from server.hub.mdnotes.vaults import NewNotePlace
from server.hub.refs.positions import column, index_of, split_lines

from ..common import arg
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..server import TielineServer, client_supports_show_document, markdown, path_of

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
        from server.hub.mdnotes.vaults import read_chunk, walk

        all_roots = [v.root for v in self.vaults]
        token = await self._progress_begin("Indexing notes")
        try:
            for v in vaults:
                files = await asyncio.to_thread(walk, v.root, all_roots)
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
        from .lifecycle import settle_heap

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
        """Ask the client to tell us about files of the vaults (dynamic registration)."""
        caps = self.ls.client_capabilities
        ws = caps.workspace if caps else None
        watched = ws.did_change_watched_files if ws else None
        if not (watched and watched.dynamic_registration) or not self.vaults:
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
            log.warning("could not register file watching: %s", exc)
            self._watch = None

    # -- open documents ----------------------------------------------------------------------

    def adopt_open(self) -> None:
        for uri in list(self.ls.workspace.text_documents):
            self.sync_open(uri)

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


# -- hooks the document, lifecycle, completion, hover and action handlers call ---------------


def opened(ls: TielineServer, uri: str) -> None:
    feature(ls).sync_open(uri)


changed = opened


async def closed(ls: TielineServer, uri: str) -> None:
    await feature(ls).closed(uri)


async def reconfigured(ls: TielineServer) -> None:
    """After the hub opened, or its settings or the workspace folders changed."""
    hub = ls.hub
    if hub is None:
        return
    try:
        await feature(ls).reconfigure(hub)
    except Exception:
        log.exception("could not look for vaults")


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


async def hover(ls: TielineServer, params: types.HoverParams) -> types.Hover | None:
    """The preview of the link under the cursor, or what a tag gathers; ``None`` elsewhere
    (and outside vaults), so the other hovers answer."""
    from server.hub.sanitize import escape_inline

    got = feature(ls).note_at(params.text_document.uri)
    if got is None:
        return None
    vault, rel, note = got
    link = _link_at(note, params.position)
    if link is not None:
        hit = vault.index.target(link, rel)
        rng = _range(link.line, link.start, link.end)
        if hit is None:
            text = f"No note named {escape_inline(link.target)} yet (the quick fix creates it)."
            return types.Hover(contents=markdown(text), range=rng)
        return types.Hover(contents=markdown(await preview(ls, vault, hit, link)), range=rng)
    pos = params.position
    tag = next(
        (
            t
            for t in note.tags
            if t.line == pos.line and t.start <= pos.character <= t.end and t.end > t.start
        ),
        None,
    )
    if tag is None:
        return None
    tagged = vault.index.tagged(tag.name)
    names = ", ".join(escape_inline(stem(p)) for p in tagged[:20])
    more = f" and {len(tagged) - 20} more" if len(tagged) > 20 else ""
    text = f"**\\#{escape_inline(tag.name)}**: {len(tagged)} notes: {names}{more}"
    return types.Hover(contents=markdown(text), range=_range(tag.line, tag.start, tag.end))


# -- completion --------------------------------------------------------------------------------


@dataclass
class _Context:
    line: int
    embed: bool
    note_part: str
    start: int  # UTF-16 column where the part being completed starts
    cursor: int
    end: int  # where the part ends (for a replace range)
    closed: bool  # ``]]`` already follows
    part: str  # "note", "heading" or "block"
    query: str


def _context(line_text: str, line: int, character: int) -> _Context | None:
    cut = index_of(line_text, character)
    before, after = line_text[:cut], line_text[cut:]
    i = before.rfind("[[")
    if i < 0 or "]]" in before[i:]:
        return None
    inner = before[i + 2 :]
    if "|" in inner:
        return None  # an alias is free text
    close = after.find("]]")
    reopen = after.find("[[")
    closed = close >= 0 and (reopen < 0 or reopen > close)
    tail = after[:close] if closed else ""
    tail_end = len(tail)
    for stop in "#|" if "#" not in inner else "|":
        j = tail.find(stop)
        if j >= 0:
            tail_end = min(tail_end, j)
    note_part, hash_, rest = inner.partition("#")
    if hash_:
        part, query = ("block", rest[1:]) if rest.startswith("^") else ("heading", rest)
        start_idx = cut - len(query)
    else:
        part, query = "note", inner
        start_idx = i + 2
    return _Context(
        line=line,
        embed=i > 0 and before[i - 1] == "!",
        note_part=note_part,
        start=column(line_text, start_idx),
        cursor=character,
        end=column(line_text, cut + tail_end),
        closed=closed,
        part=part,
        query=query,
    )


def _completion_caps(ls: TielineServer) -> tuple[bool, bool]:
    caps = ls.client_capabilities
    td = caps.text_document if caps else None
    item = td.completion.completion_item if td and td.completion else None
    return (bool(item and item.insert_replace_support), bool(item and item.label_details_support))


def _edit(
    ctx: _Context, text: str, insert_replace: bool
) -> types.TextEdit | types.InsertReplaceEdit:
    if not ctx.closed:
        text += "]]"
    ins = _range(ctx.line, ctx.start, ctx.cursor)
    if insert_replace:
        return types.InsertReplaceEdit(
            new_text=text, insert=ins, replace=_range(ctx.line, ctx.start, max(ctx.end, ctx.cursor))
        )
    return types.TextEdit(range=ins, new_text=text)


def complete_notes(
    vault: Vault, rel: str, ctx: _Context, insert_replace: bool, label_details: bool
) -> types.CompletionList:
    q = ctx.query.strip().casefold()
    names = vault.names(files=ctx.embed)
    hits, more = names.find(q, MAX_ITEMS)
    found = [(names.entries[k][2], names.entries[k][3]) for k in hits]
    items: list[types.CompletionItem] = []
    for n, (path, alias) in enumerate(found):
        text = vault.index.link_text(path, rel)
        label = alias or stem(path)
        folder = posixpath.dirname(path)
        item = types.CompletionItem(
            label=label,
            kind=types.CompletionItemKind.Reference if alias else types.CompletionItemKind.File,
            sort_text=f"{n:04d}",
            filter_text=(path[:-3] if "/" in q else label) if ctx.query else label,
            text_edit=_edit(ctx, text + (f"|{alias}" if alias else ""), insert_replace),
            insert_text_format=types.InsertTextFormat.PlainText,
            data={"tieline": "note", "uri": vault.uri(path)},
        )
        where = folder or "/"
        if alias:
            where = f"→ {stem(path)}" + (f" · {folder}" if folder else "")
        if label_details:
            item.label_details = types.CompletionItemLabelDetails(description=where)
        else:
            item.detail = where
        items.append(item)
    return types.CompletionList(is_incomplete=more, items=items)


def complete_parts(
    vault: Vault, rel: str, ctx: _Context, insert_replace: bool
) -> types.CompletionList | None:
    target = vault.index.resolve_path(ctx.note_part, rel)
    note = vault.index.notes.get(target) if target else None
    if note is None:
        return None
    items: list[types.CompletionItem] = []
    if ctx.part == "block":
        for n, (block, line) in enumerate(sorted(note.blocks.items(), key=lambda b: b[1])):
            items.append(
                types.CompletionItem(
                    label=f"^{block}",
                    kind=types.CompletionItemKind.Reference,
                    detail=f"line {line + 1}",
                    sort_text=f"{n:04d}",
                    filter_text=block,
                    text_edit=_edit(ctx, block, insert_replace),
                )
            )
    else:
        for n, h in enumerate(note.headings):
            text = link_heading(h.text)
            if not text:
                continue
            items.append(
                types.CompletionItem(
                    label=text,
                    kind=types.CompletionItemKind.Reference,
                    detail="#" * h.level,
                    sort_text=f"{n:04d}",
                    filter_text=text,
                    text_edit=_edit(ctx, text, insert_replace),
                )
            )
    return types.CompletionList(is_incomplete=False, items=items)


def complete_tags(
    vault: Vault, line: int, character: int, typed: str
) -> types.CompletionList | None:
    tags = vault.index.tags()
    if not tags:
        return None
    start = character - len(typed) - 1
    rng = _range(line, start, character)
    items = [
        types.CompletionItem(
            label=f"#{tag}",
            kind=types.CompletionItemKind.Keyword,
            detail=f"{count} note{'s' if count != 1 else ''}",
            filter_text=f"#{tag}",
            text_edit=types.TextEdit(range=rng, new_text=f"#{tag}"),
        )
        for tag, count in sorted(tags.items(), key=lambda t: (-t[1], t[0]))[:MAX_ITEMS]
    ]
    return types.CompletionList(is_incomplete=len(tags) > MAX_ITEMS, items=items)


def complete(ls: TielineServer, params: types.CompletionParams) -> types.CompletionList | None:
    """Completion in a note of a vault: notes inside ``[[``, then headings after ``#`` or
    block ids after ``#^``; tags after a ``#`` that starts a word (unless only digits follow:
    that is an issue number). ``None``: not a place for any of these."""
    got = feature(ls).of(params.text_document.uri)
    doc = ls.document(params.text_document.uri)
    if got is None or doc is None:
        return None
    vault, rel = got
    lines = split_lines(doc.source)
    pos = params.position
    if not 0 <= pos.line < len(lines):
        return None
    line_text = lines[pos.line]
    insert_replace, label_details = _completion_caps(ls)
    ctx = _context(line_text, pos.line, pos.character)
    if ctx is not None:
        if ctx.part == "note":
            return complete_notes(vault, rel, ctx, insert_replace, label_details)
        return complete_parts(vault, rel, ctx, insert_replace)
    before = line_text[: index_of(line_text, pos.character)]
    m = _TAG_BEFORE.search(before)
    if m is not None and not m.group(1).isdigit() and not (m.start() == 0 and not m.group(1)):
        return complete_tags(vault, pos.line, pos.character, m.group(1))
    return None


async def resolve_item(ls: TielineServer, item: types.CompletionItem) -> types.CompletionItem:
    data = item.data
    if not (isinstance(data, dict) and data.get("tieline") == "note") or item.documentation:
        return item
    got = feature(ls).of(str(data.get("uri", "")))
    if got is None:
        return item
    vault, rel = got
    text = await preview(ls, vault, Hit(rel), None)
    item.documentation = markdown(text)
    return item


# -- code actions -----------------------------------------------------------------------------


def code_actions(ls: TielineServer, uri: str, context: types.CodeActionContext) -> list[Any]:
    """ "Create note" on a link to a note that does not exist."""
    if feature(ls).of(uri) is None:
        return []
    out: list[types.CodeAction] = []
    seen: set[str] = set()
    for d in context.diagnostics:
        data = d.data if isinstance(d.data, dict) else {}
        target = data.get("target")
        if d.code != BROKEN or data.get("missing") != "note" or not isinstance(target, str):
            continue
        if not target or target in seen:
            continue
        seen.add(target)
        title = f"Create note {target!r}"
        out.append(
            types.CodeAction(
                title=title,
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[d],
                is_preferred=True,
                command=types.Command(title=title, command=CREATE, arguments=[uri, target]),
            )
        )
    return out


# -- edits ------------------------------------------------------------------------------------


def _edits_caps(ls: TielineServer) -> tuple[bool, bool]:
    """(``documentChanges``, ``resourceOperations`` has ``rename``) as the client declared."""
    caps = ls.client_capabilities
    we = caps.workspace.workspace_edit if caps and caps.workspace else None
    changes = bool(we and we.document_changes)
    ops = we.resource_operations if we else None
    return changes, bool(changes and ops and types.ResourceOperationKind.Rename in ops)


def _text_edits(edits: Sequence[Edit]) -> list[types.TextEdit]:
    return [
        types.TextEdit(range=_range(e.line, e.start, e.end), new_text=e.new_text) for e in edits
    ]


def workspace_edit(
    ls: TielineServer, vault: Vault, plans: Sequence[RenamePlan], *, move: bool
) -> types.WorkspaceEdit:
    """The link edits of ``plans`` (and with ``move`` each file's ``RenameFile`` after them),
    in the form the client declared it takes."""
    document_changes, _ = _edits_caps(ls)
    if not document_changes:
        changes: dict[str, list[types.TextEdit]] = {}
        for plan in plans:
            for rel, edits in plan.edits.items():
                changes.setdefault(vault.uri(rel), []).extend(_text_edits(edits))
        return types.WorkspaceEdit(changes=changes)
    out: list[Any] = []
    for plan in plans:
        for rel, edits in plan.edits.items():
            uri = vault.uri(rel)
            doc = ls.document(uri)
            out.append(
                types.TextDocumentEdit(
                    text_document=types.OptionalVersionedTextDocumentIdentifier(
                        uri=uri, version=doc.version if doc else None
                    ),
                    edits=list(_text_edits(edits)),
                )
            )
        if move:
            out.append(types.RenameFile(old_uri=vault.uri(plan.old), new_uri=vault.uri(plan.new)))
    return types.WorkspaceEdit(document_changes=out)


def new_path(vault: Vault, old: str, name: str) -> str:
    """The vault path a note renamed to ``name`` gets: in its own folder, unless ``name``
    holds a ``/`` (then from the vault's root). Refused: a name a link cannot hold, or one
    another file has."""
    name = name.strip().strip("/")
    if name.casefold().endswith(".md"):
        name = name[:-3]
    parts = [p.strip() for p in name.split("/")]
    if not name or any(not p or p in (".", "..") or _BAD_NAME.search(p) for p in parts):
        raise FeatureError(
            code=INVALID_PARAMS,
            message=f'{name!r} cannot name a note (no \\ : * ? " < > | # ^ [ ] in a name)',
        )
    rel = "/".join(parts) if "/" in name else posixpath.join(posixpath.dirname(old), parts[0])
    rel += ".md" if old.casefold().endswith(".md") else posixpath.splitext(old)[1]
    taken = vault.index._lookup_exact(rel.casefold())
    if taken is not None and taken != old:
        raise TielineError(f"{rel} already exists in the vault")
    return rel


def _rename_target(
    ls: TielineServer, uri: str, pos: types.Position
) -> tuple[Vault, str, Link] | None:
    got = feature(ls).note_at(uri)
    if got is None:
        return None
    vault, rel, note = got
    link = _link_at(note, pos)
    if link is None or not link.target:
        return None
    target = vault.index.resolve_link(link, rel)
    return (vault, target, link) if target is not None else None


def _heading_target(
    ls: TielineServer, uri: str, pos: types.Position
) -> tuple[Vault, str, Heading] | None:
    """The heading whose text the cursor is on, in a note of a vault."""
    got = feature(ls).note_at(uri)
    if got is None:
        return None
    vault, rel, note = got
    h = _heading_at(note, pos.line)
    if h is None or not h.text or not h.start <= pos.character <= h.end:
        return None
    return vault, rel, h


def _iter_locations(vault: Vault, hits: Iterator[tuple[str, Link]]) -> list[types.Location]:
    return [_location(vault, rel, link) for rel, link in hits]


def setup(server: TielineServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    @guarded("textDocument/definition")
    def definition(ls: TielineServer, params: types.DefinitionParams) -> types.Location | None:
        got = feature(ls).note_at(params.text_document.uri)
        if got is None:
            return None
        vault, rel, note = got
        link = _link_at(note, params.position)
        hit = vault.index.target(link, rel) if link is not None else None
        return _line_location(vault, hit.path, hit.line) if hit is not None else None

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    @guarded("textDocument/references")
    def references(ls: TielineServer, params: types.ReferenceParams) -> list[types.Location] | None:
        """Backlinks: of the note or heading the link under the cursor names; on a heading
        of this note, of that heading; anywhere else in a note, of the note."""
        got = feature(ls).note_at(params.text_document.uri)
        if got is None:
            return None
        vault, rel, note = got
        index = vault.index
        link = _link_at(note, params.position)
        path, heading = rel, _heading_at(note, params.position.line)
        if link is not None:
            hit = index.target(link, rel)
            if hit is None:
                return []
            target = index.notes.get(hit.path)
            path = hit.path
            heading = (
                find_heading(target.headings, link.heading)
                if link.heading and target is not None
                else None
            )
        if heading is not None:
            out = _iter_locations(vault, index.heading_backlinks(path, heading))
            decl = heading.line
        else:
            out = _iter_locations(vault, index.backlinks(path))
            decl = 0
        if params.context.include_declaration:
            out.insert(0, _line_location(vault, path, decl))
        return out

    @server.feature(types.TEXT_DOCUMENT_PREPARE_RENAME)
    @guarded("textDocument/prepareRename")
    def prepare_rename(
        ls: TielineServer, params: types.PrepareRenameParams
    ) -> types.PrepareRenamePlaceholder | None:
        on = _heading_target(ls, params.text_document.uri, params.position)
        if on is not None:
            h = on[2]
            return types.PrepareRenamePlaceholder(
                range=_range(h.line, h.start, h.end), placeholder=h.text
            )
        got = _rename_target(ls, params.text_document.uri, params.position)
        if got is None:
            return None
        _, target, link = got
        return types.PrepareRenamePlaceholder(
            range=_range(link.line, link.target_start, link.target_end),
            placeholder=stem(target),
        )

    @server.feature(types.TEXT_DOCUMENT_RENAME)
    @guarded("textDocument/rename")
    def rename(ls: TielineServer, params: types.RenameParams) -> types.WorkspaceEdit | None:
        on = _heading_target(ls, params.text_document.uri, params.position)
        if on is not None:
            vault, rel, heading = on
            if not link_heading(params.new_name):
                raise FeatureError(code=INVALID_PARAMS, message="a heading needs some text")
            plan = plan_heading_rename(vault.index, rel, heading, params.new_name)
            return workspace_edit(ls, vault, [plan], move=False)
        got = _rename_target(ls, params.text_document.uri, params.position)
        if got is None:
            return None
        vault, target, _ = got
        if not _edits_caps(ls)[1]:
            raise TielineError(
                "this editor cannot rename files through a rename edit; run "
                f"{RENAME} with the note and the new name instead"
            )
        new = new_path(vault, target, params.new_name)
        return workspace_edit(ls, vault, [plan_rename(vault.index, target, new)], move=True)

    @server.feature(
        types.WORKSPACE_WILL_RENAME_FILES,
        types.FileOperationRegistrationOptions(
            filters=[
                types.FileOperationFilter(
                    pattern=types.FileOperationPattern(
                        glob="**/*.md", matches=types.FileOperationPatternKind.File
                    )
                )
            ]
        ),
    )
    @guarded("workspace/willRenameFiles")
    def will_rename(
        ls: TielineServer, params: types.RenameFilesParams
    ) -> types.WorkspaceEdit | None:
        """The editor is about to rename notes itself: the link edits that go with it."""
        vaults = feature(ls)
        by_vault: dict[Path, tuple[Vault, list[RenamePlan]]] = {}
        for f in params.files:
            old, new = vaults.of(f.old_uri), vaults.of(f.new_uri)
            if old is None or new is None or old[0] is not new[0]:
                continue
            entry = by_vault.setdefault(old[0].root, (old[0], []))
            entry[1].append(plan_rename(old[0].index, old[1], new[1]))
        edits = [workspace_edit(ls, v, plans, move=False) for v, plans in by_vault.values()]
        if not edits:
            return None
        if len(edits) == 1:
            return edits[0]
        merged = types.WorkspaceEdit(changes={}, document_changes=[])
        for e in edits:
            merged.changes.update(e.changes or {})  # type: ignore[union-attr]
            merged.document_changes.extend(e.document_changes or [])  # type: ignore[union-attr]
        return merged

    @server.feature(types.WORKSPACE_DID_RENAME_FILES)
    async def did_rename(ls: TielineServer, params: types.RenameFilesParams) -> None:
        vaults = feature(ls)
        for f in params.files:
            for uri in (f.old_uri, f.new_uri):
                got = vaults.of(uri)
                if got is not None:
                    await vaults.refresh(got[0], [got[1]])

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def watched(ls: TielineServer, params: types.DidChangeWatchedFilesParams) -> None:
        vaults = feature(ls)
        by_vault: dict[Path, tuple[Vault, list[str]]] = {}
        for change in params.changes:
            got = vaults.of(change.uri)
            if got is not None and not any(part.startswith(".") for part in got[1].split("/")):
                by_vault.setdefault(got[0].root, (got[0], []))[1].append(got[1])
        for vault, rels in by_vault.values():
            await vaults.refresh(vault, sorted(set(rels)))

    @server.feature(types.WORKSPACE_SYMBOL)
    @guarded("workspace/symbol")
    def symbols(
        ls: TielineServer, params: types.WorkspaceSymbolParams
    ) -> list[types.SymbolInformation]:
        """Notes by name; with ``#tag``, the notes carrying that tag (nested ones too)."""
        out: list[types.SymbolInformation] = []
        query = params.query.strip()
        for vault in feature(ls).vaults:
            index = vault.index
            if query.startswith("#"):
                for rel in index.tagged(query[1:]):
                    out.append(
                        types.SymbolInformation(
                            name=stem(rel),
                            kind=types.SymbolKind.File,
                            location=_line_location(vault, rel, 0),
                            container_name=query,
                        )
                    )
                continue
            q = query.casefold()
            names = vault.names()
            hits, _ = names.find(q, MAX_SYMBOLS)
            for k in hits:
                _, _, rel, alias = names.entries[k]
                if alias is None:
                    out.append(
                        types.SymbolInformation(
                            name=stem(rel),
                            kind=types.SymbolKind.File,
                            location=_line_location(vault, rel, 0),
                            container_name=posixpath.dirname(rel) or None,
                        )
                    )
                if len(out) >= MAX_SYMBOLS:
                    return out
        return out[:MAX_SYMBOLS]

    @server.command(BY_TAG)
    @guarded(BY_TAG)
    def by_tag(ls: TielineServer, *args: Any) -> dict[str, Any]:
        """``[tag]``: the notes carrying it; no argument: every tag and how many notes."""
        tag = args[0] if args and isinstance(args[0], str) else None
        vaults = feature(ls).vaults
        if tag is None:
            counts: dict[str, int] = {}
            for v in vaults:
                for t, n in v.index.tags().items():
                    counts[t] = counts.get(t, 0) + n
            return {"tags": [{"tag": t, "count": n} for t, n in sorted(counts.items())]}
        notes = [
            {"uri": v.uri(rel), "name": stem(rel), "path": rel}
            for v in vaults
            for rel in v.index.tagged(tag)
        ]
        return {"tag": tag.lstrip("#"), "notes": notes}

    @server.command(CREATE)
    @guarded(CREATE)
    async def create(ls: TielineServer, *args: Any) -> dict[str, Any]:
        """``[uri of the linking note, target]``: a new, empty note the link then finds."""
        uri = arg(list(args), 0, str, "uri of the linking note")
        target = arg(list(args), 1, str, "link target").strip().replace("\\", "/")
        vaults = feature(ls)
        got = vaults.of(uri)
        if got is None:
            raise FeatureError(code=INVALID_PARAMS, message="that document is in no vault")
        vault, rel = got
        if vault.index.resolve_path(target, rel) is not None:
            raise TielineError(f"{target!r} exists already")
        name = target if target.casefold().endswith(".md") else target + ".md"
        if target.startswith(("./", "../")):
            new = posixpath.normpath(posixpath.join(posixpath.dirname(rel), name))
        elif "/" in target:
            new = posixpath.normpath(name.lstrip("/"))
        elif vault.place.where == "current":
            new = posixpath.join(posixpath.dirname(rel), name)
        elif vault.place.where == "folder" and vault.place.folder:
            new = posixpath.join(vault.place.folder, name)
        else:
            new = name
        if new.startswith("../") or any(_BAD_NAME.search(p) for p in new.split("/")):
            raise FeatureError(code=INVALID_PARAMS, message=f"{target!r} cannot name a note")
        path = vault.root / new

        def write() -> None:
            path.parent.mkdir(parents=True, exist_ok=True)
            with path.open("x", encoding="utf-8"):
                pass

        try:
            await asyncio.to_thread(write)
        except FileExistsError:
            raise TielineError(f"{new} exists already") from None
        vault.index.put(new, parse_note(""))
        vaults.publish_all(vault)
        new_uri = vault.uri(new)
        if client_supports_show_document(ls):
            with contextlib.suppress(Exception):
                await ls.window_show_document_async(
                    types.ShowDocumentParams(uri=new_uri, take_focus=True)
                )
        return {"uri": new_uri, "path": new}

    @server.command(RENAME)
    @guarded(RENAME)
    async def rename_note(ls: TielineServer, *args: Any) -> dict[str, Any]:
        """``[uri of a note, new name]``: rename it and update every link to it. Where the
        client cannot rename files in an edit, the file is moved here, after the links."""
        uri = arg(list(args), 0, str, "uri of the note")
        name = arg(list(args), 1, str, "new name")
        vaults = feature(ls)
        got = vaults.of(uri)
        if got is None or got[1] not in got[0].index.files:
            raise FeatureError(code=INVALID_PARAMS, message="that file is no note of a vault")
        vault, old = got
        new = new_path(vault, old, name)
        plan = plan_rename(vault.index, old, new)
        movable = _edits_caps(ls)[1]
        edit = workspace_edit(ls, vault, [plan], move=movable)
        if plan.edits or movable:
            result = await ls.workspace_apply_edit_async(
                types.ApplyWorkspaceEditParams(edit=edit, label=f"Rename {stem(old)}")
            )
            if not result.applied:
                raise TielineError(f"the editor did not apply the edit: {result.failure_reason}")
        if not movable:
            src, dst = vault.root / old, vault.root / new

            def move() -> None:
                dst.parent.mkdir(parents=True, exist_ok=True)
                if dst.exists() and dst.resolve() != src.resolve():
                    raise TielineError(f"{new} already exists")
                os.replace(src, dst)

            await asyncio.to_thread(move)
        await vaults.refresh(vault, [old, new])
        return {"from": vault.uri(old), "to": vault.uri(new), "links": plan.count}

    @server.command(REINDEX)
    @guarded(REINDEX)
    async def reindex(ls: TielineServer, *args: Any) -> dict[str, Any]:
        vaults = feature(ls)
        for v in vaults.vaults:
            v.index, v.ready = VaultIndex(), False
        await vaults.build(list(vaults.vaults))
        return {"vaults": [{"root": v.root.as_uri(), "notes": len(v.index)} for v in vaults.vaults]}
