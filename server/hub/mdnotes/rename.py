"""What renaming (or moving) a file of a vault changes in the vault's links.

The rule the plan keeps: every link leads where it led before, the renamed file counting as
itself under its new name. That is more than rewriting the links to the old name:

- a link to the renamed note is rewritten only if it no longer finds it (moving ``Note.md``
  to another folder leaves ``[[Note]]`` as it is);
- a link to *another* file may lose its way too: renaming ``a/Old.md`` to ``a/Plan.md``
  makes ``[[Plan]]`` in ``a/`` find the renamed note (the same folder wins), so a ``[[Plan]]``
  there that meant ``b/Plan.md`` becomes ``[[b/Plan]]``;
- the moved note's own relative links (``[x](../y.md)``, ``[[./y]]``) are read from where it
  goes.

A rewritten link keeps its kind and the rest of its text (``!``, ``#heading``, ``|alias``),
and its style: a bare name stays as short as Obsidian's "shortest path" allows, a path from
the vault's root stays one, ``./`` and ``../`` stay relative, ``.md`` stays when it was
written; a Markdown link gets the new relative path, percent-encoded unless it was written
in ``<...>``. Only the notes that may link to either name (:meth:`VaultIndex.linkers`) are
read, so a plan costs the same in a vault of 100 notes or of 10,000.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from server.hub.refs.positions import index_of, split_lines

from .index import VaultIndex
from .parse import Heading, Link, link_heading, slug


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace columns ``start``-``end`` (UTF-16) of ``line`` with ``new_text``."""

    line: int
    start: int
    end: int
    new_text: str


@dataclass
class RenamePlan:
    old: str
    new: str
    #: Edits by note, each under its path *before* the rename (the renamed note's own under
    #: ``old``), in the order of the text.
    edits: dict[str, list[Edit]] = field(default_factory=dict)

    @property
    def count(self) -> int:
        return sum(len(v) for v in self.edits.values())


class _After(VaultIndex):
    """``base`` as it will be once ``old`` is called ``new`` (a view: nothing is copied)."""

    def __init__(self, base: VaultIndex, old: str, new: str) -> None:
        super().__init__()
        self._base, self._old, self._new = base, old, new
        self.notes = base.notes

    def _lookup_exact(self, folded: str) -> str | None:
        if folded == self._new.casefold():
            return self._new
        if folded == self._old.casefold():
            return None
        return self._base._lookup_exact(folded)

    def _lookup_name(self, folded_name: str) -> Iterable[str]:
        got = set(self._base._lookup_name(folded_name))
        got.discard(self._old)
        if posixpath.basename(self._new).casefold() == folded_name:
            got.add(self._new)
        return got


def plan_rename(index: VaultIndex, old: str, new: str) -> RenamePlan:
    """The edits that keep every link of the vault leading where it did (rules above)."""
    plan = RenamePlan(old, new)
    if old == new:
        return plan
    after = _After(index, old, new)
    sources = index.linkers(posixpath.basename(old).casefold())
    sources |= index.linkers(posixpath.basename(new).casefold())
    if old in index.notes:
        sources.add(old)
    for source in sorted(sources):
        note = index.notes.get(source)
        if note is None:
            continue
        source_after = new if source == old else source
        for link in note.links:
            before = index.resolve_link(link, source)
            if before is None:
                continue  # a broken link stays as it is written
            expected = new if before == old else before
            if after.resolve_link(link, source_after) == expected:
                continue
            text = rewrite(after, link, expected, source_after)
            if text is not None and text != link.raw_target:
                plan.edits.setdefault(source, []).append(
                    Edit(link.line, link.target_start, link.target_end, text)
                )
    return plan


def rewrite(index: VaultIndex, link: Link, path: str, source: str) -> str | None:
    """A new target for ``link`` (its path part only) leading from ``source`` to ``path`` in
    ``index``, in the link's own style; ``None`` if none does."""
    folder = posixpath.dirname(source)
    if link.kind == "md":
        if link.raw_target.startswith("/"):
            rel = "/" + path
        else:
            rel = posixpath.relpath(path, folder or ".")
        return rel if link.angle else _encode(rel)
    written = link.target.replace("\\", "/")
    keep_md = written.casefold().endswith(".md") and path.casefold().endswith(".md")
    if written.startswith(("./", "../")):
        rel = posixpath.relpath(path, folder or ".")
        form = rel if rel.startswith("../") else "./" + rel
        if not keep_md and form.casefold().endswith(".md"):
            form = form[:-3]
    else:
        form = index.link_text(path, source, full="/" in written)
        if written.startswith("/"):
            form = "/" + form
        if keep_md:
            form += ".md"
    if index.resolve_path(form, source) == path:
        return form
    whole = index.link_text(path, source, full=True) + (".md" if keep_md else "")
    return whole if index.resolve_path(whole, source) == path else None


_SAFE = "/!$&'*+,;=:@-._~"


def _encode(path: str) -> str:
    return quote(path, safe=_SAFE)


def plan_heading_rename(index: VaultIndex, path: str, heading: Heading, text: str) -> RenamePlan:
    """Rename a heading of the note ``path`` to ``text``: the heading itself and every link
    to it. A wikilink gets the text as a link can hold it; a Markdown link keeps its form
    (the GitHub-style anchor ``#my-part``, or the text percent-encoded)."""
    plan = RenamePlan(path, path)
    new = text.strip()
    plan.edits[path] = [Edit(heading.line, heading.start, heading.end, new)]
    for source, link in list(index.heading_backlinks(path, heading)):
        if link.kind == "wiki":
            written = link_heading(new)
        else:
            anchor = link.heading == slug(heading.text)
            written = slug(new) if anchor else _encode(new).replace("/", "%2F")
        plan.edits.setdefault(source, []).append(
            Edit(link.line, link.part_start, link.part_end, written)
        )
    for edits in plan.edits.values():
        edits.sort(key=lambda e: (e.line, e.start))
    return plan


def apply_edits(text: str, edits: Sequence[Edit]) -> str:
    """``text`` with ``edits`` made (each on one line, none overlapping), for a renamed note
    written by the server itself and for tests."""
    lines = split_lines(text)
    for e in sorted(edits, key=lambda e: (e.line, e.start), reverse=True):
        line = lines[e.line]
        a, b = index_of(line, e.start), index_of(line, e.end)
        lines[e.line] = line[:a] + e.new_text + line[b:]
    return "\n".join(lines)
