"""Citations in the editor: ``@citekey`` completion in Markdown (pandoc's ``[@key]``,
``@key``) and of ``\\cite{a,b}``, ``\\citep``, ``\\parencite``, ``\\autocite``... in LaTeX;
a hover card (authors, year, title, venue, DOI link) on a cited key; warnings for keys no
source holds and for BibTeX entries that cannot be read; ``tieline.addReference``.

Named ``citations`` because LSP's "references" is find-all-references. The sources are the
``.bib`` files of :mod:`server.hub.references.bibtex` (settings ``references.*``, the
workspace's ``*.bib``, and those an open document names) and every signed-in session with
the ``References`` capability (Zotero), merged in one
:class:`~server.hub.references.index.CitationIndex`. Files are checked again (by mtime and
size, cheaply) at most every :data:`BIB_CHECK` seconds when a request needs them; a library
is asked for its changes (a 304 when none) at most every ``references.library_refresh``
seconds, in the background once it has been read.

Bare ``@word`` in Markdown is also how people are mentioned, so it completes citations only
in a document that cites already (a ``[@...]`` or a front matter ``bibliography:``), and is
never warned about; a key inside ``[...]`` always is. pandoc-crossref's ``@fig:``,
``@sec:``, ``@tbl:``, ``@eq:`` are not citations.

``tieline.addReference`` takes ``[doi, target?]``: the DOI (or a doi.org URL), and where to
add it (a ``.bib`` path or ``zotero``; default ``references.add_to``). Given no argument (a
palette with no input box), it offers the DOIs written in the open Markdown and LaTeX
documents that no source cites yet. The server looks the work up with a ``Papers`` session
that answers DOIs.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from server.hub.references.cites import (
    Cite,
    citations_in,
    cite_at,
    completion_context,
    kind_of,
)
from server.hub.refs import index_of, split_lines
from server.hub.refs.positions import column

from ..common import hub_or_fail
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..server import TielineServer, markdown, path_of

if TYPE_CHECKING:
    from pygls.workspace import TextDocument

    from connectors.sdk.capabilities import References
    from server.hub.hub import Hub
    from server.hub.references.index import Citation
    from server.hub.sessions import Session

log = logging.getLogger("tieline.citations")

OWNER = "citations"
ADD = "tieline.addReference"
UNKNOWN = "unknown-citekey"
BROKEN = "bibtex-entry"
#: Seconds between checks of the ``.bib`` files a request relies on.
BIB_CHECK = 2.0
#: Seconds between walks of the workspace for new ``*.bib`` files (the files known are
#: checked every :data:`BIB_CHECK`).
WALK_EVERY = 30.0
#: Seconds a command waits for the sessions still being opened.
CONNECT_WAIT = 10.0
#: Seconds a request waits for a library never read yet.
FIRST_READ_WAIT = 3.0
#: Seconds a document's warnings wait for typing to pause.
DEBOUNCE = 0.3
MAX_ITEMS = 200
_CROSSREF = ("fig:", "sec:", "tbl:", "eq:", "lst:")
#: A DOI written in a document: bare, ``doi:``, or a doi.org link.
_DOI_TEXT = re.compile(
    r"(?:https?://(?:dx\.)?doi\.org/|\bdoi:\s*)?\b(10\.\d{4,9}/[^\s\"<>{}\[\]()]+)",
    re.IGNORECASE,
)


class Citations:
    def __init__(self, ls: TielineServer) -> None:
        from server.hub.references.index import CitationIndex

        self.ls = ls
        self.index = CitationIndex()
        self._bib_checked = -1e9
        self._lib_checked: dict[str, float] = {}
        self._lib_tasks: dict[str, asyncio.Task[None]] = {}
        self._pending: dict[str, asyncio.Task[None]] = {}
        self._bib_uris: set[str] = set()
        #: One reading of the files at a time: a second request waits for the first's
        #: index rather than reading a half-built one.
        self._lock = asyncio.Lock()
        #: When the workspace was last walked, for which folders, and what it held.
        self._walked: tuple[float, tuple[Path, ...], list[Path]] = (-1e9, (), [])

    # -- sources ------------------------------------------------------------------------------
    def _named(self) -> list[tuple[str, str, Path]]:
        """``(text, kind, directory)`` of each open document that may name bibliographies
        (taken on the event loop: the editor's documents change there)."""
        out: list[tuple[str, str, Path]] = []
        for uri, doc in list(self.ls.workspace.text_documents.items()):
            path = path_of(uri)
            kind = kind_of(doc.language_id or "", str(path or ""))
            if path is not None and kind is not None:
                out.append((doc.source, kind, path.parent))
        return out

    def bib_paths(
        self,
        hub: Hub,
        folders: list[Path],
        named: list[tuple[str, str, Path]],
        *,
        walk: bool = False,
    ) -> list[Path]:
        """The files to cite from; the workspace is walked again when ``walk`` or
        :data:`WALK_EVERY` seconds after the last walk."""
        from server.hub.references.bibtex import bibliographies_in, workspace_bibs

        cfg = hub.config.references
        paths = workspace_bibs(folders, cfg.bibtex, walk=False)
        if cfg.find_bib:
            when, walked, found = self._walked
            stale = time.monotonic() - when >= WALK_EVERY or walked != tuple(folders)
            if walk or stale:
                found = workspace_bibs(folders, walk=True)
                self._walked = (time.monotonic(), tuple(folders), found)
            paths += found
        for text, kind, base in named:
            paths += bibliographies_in(text, kind, base)
        return list(dict.fromkeys(p.resolve() for p in paths))

    async def refresh(self, hub: Hub, *, force: bool = False, walk: bool = False) -> None:
        """The files checked again (now when ``force``, else at most every
        :data:`BIB_CHECK` seconds; the workspace walked again too when ``walk``), and the
        libraries asked for changes when due."""
        async with self._lock:
            if force or time.monotonic() - self._bib_checked >= BIB_CHECK:
                paths = await asyncio.to_thread(
                    self.bib_paths, hub, self.ls.folder_paths(), self._named(), walk=walk
                )
                # Parsed aside; the merged view is dropped here, on the loop that reads it.
                changed = await asyncio.to_thread(self.index.bib.refresh, paths)
                if changed:
                    self.index.invalidate()
                self._bib_checked = time.monotonic()
                if changed or force:
                    self.publish_bib(hub)
        await self.refresh_libraries(hub)

    async def refresh_libraries(self, hub: Hub) -> None:
        from connectors.sdk.capabilities import References

        sessions = {s.key: s for s in hub.sessions_with(References, ask=False)}
        for key in [k for k in self.index.versions if k not in sessions]:
            self.index.drop_library(key)
        every = hub.config.references.library_refresh
        first: list[asyncio.Task[None]] = []
        for key, s in sessions.items():
            task = self._lib_tasks.get(key)
            if task is not None and not task.done():
                if key not in self.index.versions:
                    first.append(task)
                continue
            if time.monotonic() - self._lib_checked.get(key, -1e9) < every:
                continue
            self._lib_checked[key] = time.monotonic()
            task = asyncio.ensure_future(self._read_library(s))
            self._lib_tasks[key] = task
            self.ls.background.add(task)
            task.add_done_callback(self.ls.background.discard)
            if key not in self.index.versions:
                first.append(task)
        if first:
            await asyncio.wait(first, timeout=FIRST_READ_WAIT)

    async def _read_library(self, s: Session) -> None:
        from connectors.sdk.capabilities import References
        from connectors.sdk.errors import TielineError

        refs: References = s.connector.capability(References)
        known = s.key in self.index.versions
        since = self.index.versions.get(s.key) if known else None
        try:
            sync = await refs.library_items(since=since)
        except TielineError as exc:
            log.warning("%s: could not read the library: %s", s.account, exc.message)
            return
        except Exception:
            log.exception("%s: could not read the library", s.account)
            return
        if not sync.unchanged:
            self.index.put_library(
                s.key, sync.items, sync.version, full=since is None, deleted=sync.deleted
            )
            self.publish_open()

    # -- diagnostics --------------------------------------------------------------------------
    def publish_bib(self, hub: Hub) -> None:
        on = hub.config.references.diagnostics
        by_uri: dict[str, list[types.Diagnostic]] = {}
        for path, bib in self.index.bib.files.items():
            if not on or not bib.problems:
                continue
            by_uri[path.as_uri()] = [
                types.Diagnostic(
                    range=types.Range(types.Position(p.line, 0), types.Position(p.line, 1000)),
                    message=p.message,
                    severity=types.DiagnosticSeverity.Warning,
                    source="tieline",
                    code=BROKEN,
                )
                for p in bib.problems
            ]
        for uri in self._bib_uris - set(by_uri):
            self.ls.diagnostics.set(OWNER, uri, [])
        for uri, found in by_uri.items():
            self.ls.diagnostics.set(OWNER, uri, found)
        self._bib_uris = set(by_uri)

    def publish_open(self) -> None:
        hub = self.ls.hub
        if hub is None:
            return
        for uri in list(self.ls.workspace.text_documents):
            self.publish(hub, uri)

    def publish(self, hub: Hub, uri: str) -> None:
        doc = self.ls.document(uri)
        if doc is None or uri in self._bib_uris:
            return
        kind = kind_of(doc.language_id or "", str(path_of(uri) or ""))
        sources = bool(self.index.bib.files) or bool(self.index.versions)
        if kind is None or not hub.config.references.diagnostics or not sources:
            self.ls.diagnostics.set(OWNER, uri, [])
            return
        lines = split_lines(doc.source)
        out: list[types.Diagnostic] = []
        for c in citations_in(doc.source, kind):
            if not c.sure or c.key.startswith(_CROSSREF) or self.index.get(c.key) is not None:
                continue
            out.append(
                types.Diagnostic(
                    range=_range(lines, c),
                    message=f"No BibTeX entry or library item has the key {c.key!r}",
                    severity=types.DiagnosticSeverity.Warning,
                    source="tieline",
                    code=UNKNOWN,
                    data={"citekey": c.key},
                )
            )
        self.ls.diagnostics.set(OWNER, uri, out, version=doc.version)

    def changed(self, uri: str) -> None:
        """A document opened or changed: its warnings again once typing pauses."""
        doc = self.ls.document(uri)
        if doc is None:
            return
        path = path_of(uri)
        if kind_of(doc.language_id or "", str(path or "")) is None and not uri.endswith(".bib"):
            return
        old = self._pending.pop(uri, None)
        if old is not None:
            old.cancel()
        task = asyncio.ensure_future(self._changed(uri))
        self._pending[uri] = task
        self.ls.background.add(task)
        task.add_done_callback(self.ls.background.discard)

    async def _changed(self, uri: str) -> None:
        await asyncio.sleep(DEBOUNCE)
        hub = await self.ls.wait_hub()
        if hub is None:
            return
        try:
            # A .bib the editor saved: read the files again now.
            await self.refresh(hub, force=uri.endswith(".bib"))
            self.publish(hub, uri)
        except Exception:
            log.exception("could not check the citations of %s", uri)
        finally:
            if self._pending.get(uri) is asyncio.current_task():
                self._pending.pop(uri, None)

    def closed(self, uri: str) -> None:
        task = self._pending.pop(uri, None)
        if task is not None:
            task.cancel()
        if uri not in self._bib_uris:
            self.ls.diagnostics.set(OWNER, uri, [])


def feature(ls: TielineServer) -> Citations:
    got: Citations | None = getattr(ls, "_citations", None)
    if got is None:
        got = Citations(ls)
        ls._citations = got  # type: ignore[attr-defined]
    return got


def _range(lines: list[str], c: Cite) -> types.Range:
    return _line_range(lines[c.line] if c.line < len(lines) else "", c)


def _line_range(text: str, c: Cite) -> types.Range:
    """``c``'s range, on its line whose text is ``text``."""
    return types.Range(
        start=types.Position(c.line, column(text, c.start)),
        end=types.Position(c.line, column(text, c.end)),
    )


def _cites_already(doc: TextDocument) -> bool:
    from server.hub.references.bibtex import bibliographies_in

    if any(c.sure for c in citations_in(doc.source, "markdown")):
        return True
    return bool(bibliographies_in(doc.source, "markdown", Path("/")))


# -- the hooks completion, hover and the document handlers call -----------------------------


def changed(ls: TielineServer, uri: str) -> None:
    feature(ls).changed(uri)


opened = changed


def closed(ls: TielineServer, uri: str) -> None:
    feature(ls).closed(uri)


def _short_authors(authors: tuple[str, ...]) -> str:
    family = [a.split(",", 1)[0].strip() for a in authors]
    if not family:
        return ""
    if len(family) == 1:
        return family[0]
    if len(family) == 2:
        return f"{family[0]} and {family[1]}"
    return f"{family[0]} et al."


def completion_item(c: Citation, edit_range: types.Range) -> types.CompletionItem:
    from server.hub.sanitize import plain_text

    who = _short_authors(c.authors)
    detail = " ".join(x for x in (who, f"({c.year})" if c.year else "") if x)
    return types.CompletionItem(
        label=c.citekey,
        kind=types.CompletionItemKind.Reference,
        detail=plain_text(detail, 80) or None,
        documentation=markdown(card(c)),
        filter_text=f"{c.citekey} {' '.join(c.authors)} {c.title}",
        sort_text=c.citekey.lower(),
        text_edit=types.TextEdit(range=edit_range, new_text=c.citekey),
    )


def _citing_line(
    ls: TielineServer, uri: str, pos: types.Position
) -> tuple[TextDocument, str, str] | None:
    """The open document at ``uri`` if it is one that cites (Markdown, LaTeX), its kind,
    and the text of ``pos``'s line; ``None`` otherwise."""
    doc = ls.document(uri)
    if doc is None:
        return None
    kind = kind_of(doc.language_id or "", str(path_of(doc.uri) or ""))
    if kind is None:
        return None
    lines = split_lines(doc.source)
    if not 0 <= pos.line < len(lines):
        return None
    return doc, kind, lines[pos.line]


async def complete(
    ls: TielineServer, params: types.CompletionParams
) -> types.CompletionList | None:
    """Citekeys where one is being typed; ``None`` elsewhere, so the other completions answer."""
    got_line = _citing_line(ls, params.text_document.uri, params.position)
    if got_line is None:
        return None
    doc, kind, line = got_line
    pos = params.position
    before = line[: index_of(line, pos.character)]
    got = completion_context(before, kind)
    if got is None:
        return None
    prefix, start, sure = got
    if kind == "markdown" and not sure and not _cites_already(doc):
        return None
    hub = await ls.wait_hub()
    if hub is None:
        return None
    f = feature(ls)
    await f.refresh(hub)
    if not len(f.index) and not sure:
        return None
    edit_range = types.Range(
        start=types.Position(pos.line, column(line, start)),
        end=types.Position(pos.line, column(line, len(before))),
    )
    found = f.index.search(prefix, MAX_ITEMS + 1)
    items = [completion_item(c, edit_range) for c in found[:MAX_ITEMS]]
    return types.CompletionList(is_incomplete=len(found) > MAX_ITEMS, items=items)


def card(c: Citation) -> str:
    """The hover card: title, authors, year, venue, DOI link; every field sanitized."""
    from server.hub.sanitize import escape_inline, plain_text

    out = [f"**{escape_inline(plain_text(c.title, 300)) or '(untitled)'}**"]
    people = ", ".join(plain_text(a, 80) for a in c.authors[:8])
    if len(c.authors) > 8:
        people += f" and {len(c.authors) - 8} more"
    meta = " · ".join(x for x in (escape_inline(people), str(c.year) if c.year else "") if x)
    if meta:
        out.append(meta)
    if c.venue:
        out.append(f"*{escape_inline(plain_text(c.venue, 200))}*")
    links: list[str] = []
    if c.doi:
        doi = plain_text(c.doi, 200)
        target = "https://doi.org/" + "".join(ch for ch in doi if ch not in " ()<>")
        links.append(f"[doi:{escape_inline(doi)}]({target})")
    if c.url and c.url.startswith(("https://", "http://")) and not c.doi:
        links.append(f"[link]({''.join(ch for ch in c.url if ch not in ' ()<>')})")
    src = "BibTeX" if c.source == "bibtex" else "Zotero"
    where = f"{src}: `{escape_inline(c.citekey).replace('`', '')}`"
    if c.path is not None:
        where += f" in {escape_inline(c.path.name)}"
    links.append(where)
    out.append(" · ".join(links))
    return "\n\n".join(out)


async def hover(ls: TielineServer, params: types.HoverParams) -> types.Hover | None:
    got_line = _citing_line(ls, params.text_document.uri, params.position)
    if got_line is None:
        return None
    doc, kind, line = got_line
    pos = params.position
    c = cite_at(doc.source, kind, pos.line, index_of(line, pos.character))
    if c is None or c.key.startswith(_CROSSREF):
        return None
    hub = await ls.wait_hub()
    if hub is None:
        return None
    f = feature(ls)
    await f.refresh(hub)
    found = f.index.get(c.key)
    if found is None:
        if not c.sure:
            return None
        from server.hub.sanitize import escape_inline

        text = f"No BibTeX entry or library item has the key `{escape_inline(c.key)}`."
        return types.Hover(contents=markdown(text), range=_line_range(line, c))
    return types.Hover(contents=markdown(card(found)), range=_line_range(line, c))


# -- adding -------------------------------------------------------------------------------------


def code_actions(ls: TielineServer, uri: str, rng: types.Range) -> list[types.CodeAction]:
    """ "Add reference" on a DOI written in a Markdown or LaTeX document (under the cursor or
    in the selection) that no source cites yet."""
    doc = ls.document(uri)
    if doc is None or kind_of(doc.language_id or "", str(path_of(uri) or "")) is None:
        return []
    index = feature(ls).index
    lines = split_lines(doc.source)
    out: list[types.CodeAction] = []
    seen: set[str] = set()
    last = min(len(lines) - 1, rng.end.line, rng.start.line + 20)
    for n in range(max(0, rng.start.line), last + 1):
        line = lines[n]
        lo = index_of(line, rng.start.character) if n == rng.start.line else 0
        hi = index_of(line, rng.end.character) if n == rng.end.line else len(line)
        for m in _DOI_TEXT.finditer(line):
            if m.end() < lo or m.start() > hi:
                continue
            doi = m.group(1).rstrip(".,;:")
            if doi.lower() in seen or index.by_doi(doi) is not None:
                continue
            seen.add(doi.lower())
            title = f"Add reference for doi:{doi}"
            out.append(
                types.CodeAction(
                    title=title,
                    kind=types.CodeActionKind.Empty,
                    command=types.Command(title=title, command=ADD, arguments=[doi]),
                )
            )
    return out


def _target(ls: TielineServer, hub: Hub, f: Citations, wanted: str) -> tuple[str, Any]:
    """(``"bib"``, path) or (``"library"``, (source, References))."""
    from connectors.sdk.capabilities import References
    from connectors.sdk.errors import TielineError

    sessions = hub.sessions_with(References)
    if wanted.lower() == "zotero" or (not wanted and not f.index.bib.files and sessions):
        if not sessions:
            raise TielineError("sign in to Zotero to add works to your library")
        s = sessions[0]
        return "library", (s.key, s.connector.capability(References))
    if wanted:
        p = Path(wanted).expanduser()
        if not p.is_absolute():
            folders = ls.folder_paths()
            if not folders:
                raise FeatureError(code=INVALID_PARAMS, message="no workspace folder for " + wanted)
            p = folders[0] / p
        if p.suffix != ".bib":
            raise FeatureError(code=INVALID_PARAMS, message=f"not a .bib file: {wanted}")
        return "bib", p
    if f.index.bib.files:
        return "bib", next(iter(f.index.bib.files))
    raise TielineError(
        "no .bib file to add to: set references.add_to (a .bib path, or zotero) or sign in "
        "to Zotero"
    )


async def add_reference(ls: TielineServer, args: list[Any]) -> dict[str, Any]:
    from server.hub.references.add import add_from_doi, clean_doi

    if not args:  # from a palette without an input box: a DOI written in an open document
        picked = await _pick_written_doi(ls)
        if picked is None:
            return {"cancelled": True}
        args = [picked]
    if not isinstance(args[0], str) or not args[0].strip():
        raise FeatureError(code=INVALID_PARAMS, message="expected argument 1 (a DOI)")
    doi = clean_doi(args[0])
    wanted = args[1] if len(args) > 1 and isinstance(args[1], str) else ""
    hub = await hub_or_fail(ls)
    await ls.wait_connected(CONNECT_WAIT)  # just started: the paper service's session opens
    f = feature(ls)
    await f.refresh(hub, force=True, walk=True)
    have = f.index.by_doi(doi)
    if have is not None:
        return _added(have, added=False)
    where, value = _target(ls, hub, f, wanted or hub.config.references.add_to)
    bib, library = (value, None) if where == "bib" else (None, value)
    async with f._lock:  # no reading of the files while the entry is appended
        made, added = await add_from_doi(hub, f.index, doi, bib=bib, library=library)
    f.publish_bib(hub)
    f.publish_open()
    return _added(made, added=added)


#: DOIs offered at most when the command is given none.
PICK = 8


def written_dois(ls: TielineServer) -> list[str]:
    """DOIs written in the open Markdown and LaTeX documents that no source cites yet."""
    index = feature(ls).index
    out: dict[str, str] = {}
    for uri, doc in list(ls.workspace.text_documents.items()):
        if kind_of(doc.language_id or "", str(path_of(uri) or "")) is None:
            continue
        for m in _DOI_TEXT.finditer(doc.source):
            doi = m.group(1).rstrip(".,;:")
            if doi.lower() not in out and index.by_doi(doi) is None:
                out[doi.lower()] = doi
    return list(out.values())


async def _pick_written_doi(ls: TielineServer) -> str | None:
    from ..common import choose

    dois = written_dois(ls)
    if not dois:
        raise FeatureError(
            code=INVALID_PARAMS,
            message="expected argument 1 (a DOI); no open document names one not cited yet",
        )
    if len(dois) == 1:
        return dois[0]
    return await choose(ls, "Add which work to the references?", dois[:PICK])


def _added(c: Citation, *, added: bool) -> dict[str, Any]:
    return {
        "citekey": c.citekey,
        "added": added,
        "title": c.title,
        "source": c.source,
        "path": str(c.path) if c.path else None,
        "line": c.line,
    }


def setup(server: TielineServer) -> None:
    @server.command(ADD)
    @guarded(ADD)
    async def add_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        return await add_reference(ls, list(args))
