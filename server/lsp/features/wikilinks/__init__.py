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
import os
import posixpath
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from lsprotocol import types

from connectors.sdk.errors import TielineError
from server.hub.mdnotes import Link, VaultIndex, parse_note
from server.hub.mdnotes.index import find_heading, stem
from server.hub.mdnotes.parse import Heading, link_heading
from server.hub.mdnotes.rename import Edit, RenamePlan, plan_heading_rename, plan_rename

from ...common import arg
from ...guard import INVALID_PARAMS, FeatureError, guarded
from ...server import TielineServer, client_supports_show_document, markdown
from .completion import (
    _Context,
    complete,
    complete_notes,
    resolve_item,
)
from .vaults import (
    _BAD_NAME,
    BROKEN,
    BY_TAG,
    CREATE,
    MAX_SYMBOLS,
    REINDEX,
    RENAME,
    Names,
    Vault,
    Vaults,
    _heading_at,
    _line_location,
    _link_at,
    _location,
    _range,
    feature,
    log,
    preview,
)

__all__ = [
    "Names",
    "Vault",
    "Vaults",
    "_Context",
    "changed",
    "closed",
    "code_actions",
    "complete",
    "complete_notes",
    "feature",
    "hover",
    "opened",
    "reconfigured",
    "resolve_item",
    "setup",
]

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
