"""A vault's notes in memory, and Obsidian's rules for what a link names.

Files are kept by their path relative to the vault's root (``folder/Note.md``, ``/``-separated,
spelled as on disk). Every file counts as a link target -- ``![[diagram.png]]`` names an
attachment -- but only ``.md`` files are parsed.

Resolution of a wikilink's target (Obsidian's ``getFirstLinkpathDest``):

1. empty (``[[#heading]]``): the linking note itself;
2. ``./x`` or ``../x``: relative to the linking note's folder;
3. the exact path from the vault's root (``[[folder/Note]]``; with a leading ``/``,
   ``[[/folder/Note]]``, nothing else);
4. otherwise every file whose path ends with the target, compared without regard to case
   (``[[note]]`` finds ``Projects/Note.md``; ``[[projects/note]]`` finds
   ``Work/Projects/Note.md``). Several: the one in the linking note's own folder, else the
   one with the shortest path, else the first by name.

``.md`` is implied: ``[[Note]]`` is ``Note.md``, and a target naming another file
(``[[a.pdf]]``) means that file. A Markdown link's destination is a path relative to the
note (or, with a leading ``/``, to the vault's root), as in any Markdown renderer.

Backlinks need no scan: each link is filed under the file name its target ends in, so the
notes that may link to ``Note.md`` are those filed under ``note.md`` -- a handful -- and each
of their links is resolved to be sure.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from .parse import Heading, Link, Note, heading_key, slug


def _name_keys(target: str) -> tuple[str, ...]:
    """The file names (lowercase) a link's target may end in: ``note`` -> ``note.md`` and
    ``note``; ``note.md`` -> ``note.md``."""
    base = posixpath.basename(target.replace("\\", "/").rstrip("/")).casefold()
    if not base:
        return ()
    return (base,) if base.endswith(".md") else (base + ".md", base)


@dataclass(frozen=True, slots=True)
class Hit:
    """Where a link leads: a file, and for a heading or block link its line (else 0) and
    whether that part exists."""

    path: str
    line: int = 0
    found: bool = True


def stem(path: str) -> str:
    name = posixpath.basename(path)
    return name[:-3] if name.lower().endswith(".md") else name


class VaultIndex:
    """The notes and other files of one vault. Not thread-safe: it is changed and read on
    the event loop only (reading files off the loop is :mod:`.vaults`' part)."""

    def __init__(self) -> None:
        self.notes: dict[str, Note] = {}
        self.files: set[str] = set()  # every file, notes included
        self._exact: dict[str, str] = {}  # casefolded path -> path
        self._by_name: dict[str, set[str]] = {}  # casefolded file name -> paths
        self._linkers: dict[str, set[str]] = {}  # name key -> notes with a link filed there
        self._tags: dict[str, set[str]] = {}  # casefolded tag -> notes
        self._tag_names: dict[str, str] = {}  # casefolded tag -> its spelling
        self.generation = 0  # bumped on every change, for answers that depend on the index
        #: Bumped only when a file comes or goes or a note's aliases change: what the list
        #: of names that completion offers is made of (an edit of a note's text is not).
        self.names_generation = 0

    # -- changes -----------------------------------------------------------------------------

    def put_file(self, path: str) -> None:
        """A file other than a note (an attachment), or a note not parsed yet."""
        if path in self.files:
            return
        self.files.add(path)
        self._exact[path.casefold()] = path
        self._by_name.setdefault(posixpath.basename(path).casefold(), set()).add(path)
        self.generation += 1
        self.names_generation += 1

    def put(self, path: str, note: Note) -> None:
        """Add a note, or replace what was known of it."""
        old = self.notes.get(path)
        if old is not None and old.aliases != note.aliases:
            self.names_generation += 1
        self._unfile(path)
        self.put_file(path)
        self.notes[path] = note
        for link in note.links:
            keys = _name_keys(link.target) if link.target else _name_keys(path)
            for key in keys:
                self._linkers.setdefault(key, set()).add(path)
        for tag in note.tags:
            key = tag.name.casefold()
            self._tags.setdefault(key, set()).add(path)
            self._tag_names.setdefault(key, tag.name)
        self.generation += 1

    def remove(self, path: str) -> None:
        """Forget a file (a deleted folder: every path under it)."""
        gone = [path] if path in self.files else []
        if not gone:
            prefix = path.rstrip("/") + "/"
            gone = [p for p in self.files if p.startswith(prefix)]
        for p in gone:
            self._unfile(p)
            self.files.discard(p)
            self._exact.pop(p.casefold(), None)
            names = self._by_name.get(posixpath.basename(p).casefold())
            if names is not None:
                names.discard(p)
                if not names:
                    del self._by_name[posixpath.basename(p).casefold()]
        if gone:
            self.generation += 1
            self.names_generation += 1

    def _unfile(self, path: str) -> None:
        old = self.notes.pop(path, None)
        if old is None:
            return
        for link in old.links:
            for key in _name_keys(link.target) if link.target else _name_keys(path):
                got = self._linkers.get(key)
                if got is not None:
                    got.discard(path)
                    if not got:
                        del self._linkers[key]
        for tag in old.tags:
            key = tag.name.casefold()
            got = self._tags.get(key)
            if got is not None:
                got.discard(path)
                if not got:
                    del self._tags[key]
                    self._tag_names.pop(key, None)

    # -- resolution --------------------------------------------------------------------------

    def _lookup_exact(self, folded: str) -> str | None:
        return self._exact.get(folded)

    def _lookup_name(self, folded_name: str) -> Iterable[str]:
        return self._by_name.get(folded_name, ())

    def resolve_path(self, target: str, source: str) -> str | None:
        """The file a wikilink's target names, seen from the note ``source`` (rules above)."""
        t = target.strip().replace("\\", "/")
        if not t:
            return source
        forms = [t] if t.casefold().endswith(".md") else [t + ".md", t]
        for form in forms:
            if form.startswith(("./", "../")):
                joined = posixpath.normpath(posixpath.join(posixpath.dirname(source), form))
                got = self._lookup_exact(joined.casefold())
                if got is not None:
                    return got
                continue
            absolute = form.startswith("/")
            form = form.lstrip("/")
            got = self._lookup_exact(form.casefold())
            if got is not None or absolute:  # ``[[/a/b]]`` is a path from the root only
                if got is not None:
                    return got
                continue
            candidates = self._lookup_name(posixpath.basename(form).casefold())
            if "/" in form:
                suffix = "/" + form.casefold()
                candidates = [p for p in candidates if ("/" + p.casefold()).endswith(suffix)]
            best = _closest(candidates, source)
            if best is not None:
                return best
        return None

    def resolve_md_path(self, target: str, source: str) -> str | None:
        """The file a Markdown link's (decoded) destination names: relative to ``source``'s
        folder, or to the vault's root with a leading ``/``."""
        t = target.strip().replace("\\", "/")
        if not t:
            return None
        if t.startswith("/"):
            joined = posixpath.normpath(t.lstrip("/"))
        else:
            joined = posixpath.normpath(posixpath.join(posixpath.dirname(source), t))
        return self._lookup_exact(joined.casefold())

    def resolve_link(self, link: Link, source: str) -> str | None:
        if link.kind == "md":
            return self.resolve_md_path(link.target, source)
        return self.resolve_path(link.target, source)

    def target(self, link: Link, source: str) -> Hit | None:
        """Where ``link`` leads, with the heading's or block's line; ``None``: no such file."""
        path = self.resolve_link(link, source)
        if path is None:
            return None
        note = self.notes.get(path)
        if link.block is not None:
            line = note.blocks.get(link.block) if note else None
            return Hit(path, line or 0, line is not None)
        if link.heading:
            h = find_heading(note.headings, link.heading) if note else None
            return Hit(path, h.line if h else 0, h is not None)
        return Hit(path)

    # -- queries -----------------------------------------------------------------------------

    def backlinks(self, path: str) -> Iterator[tuple[str, Link]]:
        """Every link in the vault that leads to ``path`` (any heading of it), by note."""
        for source in sorted(self._linkers.get(posixpath.basename(path).casefold(), ())):
            note = self.notes.get(source)
            for link in note.links if note else ():
                if self.resolve_link(link, source) == path:
                    yield source, link

    def heading_backlinks(self, path: str, heading: Heading) -> Iterator[tuple[str, Link]]:
        note = self.notes.get(path)
        for source, link in self.backlinks(path):
            if link.heading and note and find_heading(note.headings, link.heading) == heading:
                yield source, link

    def linkers(self, name_key: str) -> set[str]:
        """The notes with a link whose target ends in the file name ``name_key`` (casefolded)."""
        return set(self._linkers.get(name_key, ()))

    def tags(self) -> dict[str, int]:
        """Every tag, as first spelled, with how many notes carry it."""
        return {self._tag_names[k]: len(v) for k, v in sorted(self._tags.items())}

    def tagged(self, tag: str) -> list[str]:
        """The notes carrying ``tag`` or a tag nested under it (``area`` finds ``area/sub``)."""
        key = tag.lstrip("#").casefold()
        out: set[str] = set()
        for k, paths in self._tags.items():
            if k == key or k.startswith(key + "/"):
                out |= paths
        return sorted(out)

    def link_text(self, path: str, source: str, *, full: bool = False) -> str:
        """The shortest wikilink target that leads from ``source`` to ``path`` (Obsidian's
        "shortest path when possible"): the bare name, else as few folders as tell it apart,
        else the whole path. ``full``: the whole path from the vault's root."""
        name = stem(path) if path.lower().endswith(".md") else posixpath.basename(path)
        parts = path.split("/")
        whole = "/".join([*parts[:-1], name])
        if full:
            return whole
        for k in range(len(parts)):
            form = "/".join([*parts[len(parts) - 1 - k : -1], name])
            if self.resolve_path(form, source) == path:
                return form
        return whole

    def __len__(self) -> int:
        return len(self.notes)


def _closest(candidates: Iterable[str], source: str) -> str | None:
    here = posixpath.dirname(source)
    best: tuple[int, int, str] | None = None
    for p in candidates:
        key = (0 if posixpath.dirname(p) == here else 1, p.count("/"), p)
        if best is None or key < best:
            best = key
    return best[2] if best else None


def find_heading(headings: Iterable[Heading], wanted: str) -> Heading | None:
    """The heading a link's ``#part`` names: by its text (Obsidian's way, any case), else by
    its GitHub-style anchor (``#my-part``, what Markdown links written elsewhere use)."""
    key = heading_key(wanted)
    by_slug = None
    for h in headings:
        if heading_key(h.text) == key:
            return h
        if by_slug is None and slug(h.text) == wanted.casefold():
            by_slug = h
    return by_slug
