"""BibTeX files: parsed with bibtexparser 2, indexed by key, re-read when they change.

Which files: the ``references.bibtex`` setting (paths or globs, relative ones from each
workspace folder), every ``*.bib`` in a workspace folder by default, and those a document
names itself (``bibliography:`` in Markdown front matter, ``\\bibliography{a,b}`` and
``\\addbibresource{x.bib}`` in LaTeX) -- :func:`bibliographies_in`.

A file is re-read only when its size or mtime changed, and re-parsed only when its bytes
did (a hash). A broken entry never stops the rest: bibtexparser skips to the next ``@`` and
the failure becomes a :class:`BibProblem` (a diagnostic on the ``.bib`` file, with its line).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("tieline.references")

#: Directories a workspace walk for ``*.bib`` never enters.
SKIP_DIRS = frozenset({".git", "node_modules", ".venv", "venv", "__pycache__", ".tox", "build"})
#: Files found by the workspace walk, at most, and directories it looks in (a huge tree
#: must not stall indexing).
MAX_WALK = 200
MAX_WALK_DIRS = 5000
#: A file larger than this is not parsed (bytes).
MAX_BYTES = 32 << 20

_YEAR = re.compile(r"\b(\d{4})\b")
_VENUE_FIELDS = ("journal", "journaltitle", "booktitle", "publisher", "howpublished", "school")


@dataclass(frozen=True)
class BibEntry:
    """One entry, its fields decoded from LaTeX to text where that was possible."""

    key: str
    entry_type: str
    fields: dict[str, str]
    #: ``Family, Given`` each.
    authors: tuple[str, ...]
    path: Path
    #: 0-based line of the ``@type{`` that starts it.
    line: int

    @property
    def title(self) -> str:
        return self.fields.get("title", "")

    @property
    def year(self) -> int | None:
        for name in ("year", "date"):
            m = _YEAR.search(self.fields.get(name, ""))
            if m:
                return int(m.group(1))
        return None

    @property
    def venue(self) -> str:
        return next((self.fields[f] for f in _VENUE_FIELDS if self.fields.get(f)), "")

    @property
    def doi(self) -> str | None:
        return self.fields.get("doi") or None

    @property
    def url(self) -> str | None:
        return self.fields.get("url") or None


@dataclass(frozen=True)
class BibProblem:
    path: Path
    #: 0-based line where the broken block starts.
    line: int
    message: str


@dataclass
class BibFile:
    path: Path
    size: int = -1
    mtime_ns: int = -1
    digest: str = ""
    entries: dict[str, BibEntry] = field(default_factory=dict)
    problems: list[BibProblem] = field(default_factory=list)


@functools.cache
def _latex() -> Any:
    from pylatexenc.latex2text import LatexNodes2Text  # type: ignore[import-untyped]

    return LatexNodes2Text()


@functools.lru_cache(maxsize=8192)  # names and journals recur across a file's entries
def _decode(text: str) -> str:
    """LaTeX to text (``M{\\"u}ller`` -> ``Müller``, ``{Google Research}`` -> its words)."""
    if not any(c in text for c in "\\{}$~"):
        return text
    if not any(c in text for c in "\\$~%"):  # braces only (case protection): no parser needed
        return text.replace("{", "").replace("}", "")
    try:
        return str(_latex().latex_to_text(text))
    except Exception:
        return text.replace("{", "").replace("}", "")


def _name(parts: Any) -> str:
    """``Family, Given`` of a bibtexparser ``NameParts`` (or the string it left as is)."""
    if isinstance(parts, str):
        return _decode(parts.strip())
    last = _decode(" ".join([*parts.von, *parts.last]).strip())
    first = _decode(" ".join(parts.first).strip())
    jr = _decode(" ".join(parts.jr).strip())
    if not first:
        return last
    return f"{last}, {jr}, {first}" if jr else f"{last}, {first}"


def _flat(value: Any) -> str:
    if isinstance(value, str):
        return " ".join(_decode(value).split())
    if isinstance(value, list):
        return " and ".join(_name(v) for v in value)
    return str(value)


def _library(text: str) -> Any:
    """Names split (before anything drops the braces that keep "{Google Research}" one
    name); fields are decoded from LaTeX afterwards, one by one, and only those that need
    it (:func:`_decode`): bibtexparser's decoding middleware runs the LaTeX parser on every
    field, several times slower on a large file."""
    from bibtexparser import middlewares as mw
    from bibtexparser.entrypoint import parse_string

    return parse_string(text, append_middleware=[mw.SeparateCoAuthors(), mw.SplitNameParts()])


def parse_bib(text: str, path: Path) -> tuple[dict[str, BibEntry], list[BibProblem]]:
    """The entries of a ``.bib`` text by key, and what could not be read in it."""
    problems: list[BibProblem] = []
    try:
        lib = _library(text)
    except Exception as exc:
        return {}, [BibProblem(path, 0, f"cannot parse this file: {exc}")]
    entries: dict[str, BibEntry] = {}
    for e in lib.entries:
        fields: dict[str, str] = {}
        authors: tuple[str, ...] = ()
        for f in e.fields:
            name = f.key.lower()
            if name in ("author", "editor") and isinstance(f.value, list):
                names = tuple(_name(v) for v in f.value)
                if name == "author" or not authors:
                    authors = names
            fields[name] = _flat(f.value)
        entries[e.key] = BibEntry(
            key=e.key,
            entry_type=e.entry_type.lower(),
            fields=fields,
            authors=authors,
            path=path,
            line=e.start_line,
        )
    for b in lib.failed_blocks:
        problems.append(BibProblem(path, b.start_line, _failure(b)))
    return entries, problems


def _failure(block: Any) -> str:
    from bibtexparser.model import DuplicateBlockKeyBlock

    if isinstance(block, DuplicateBlockKeyBlock):
        return f"duplicate key {block.key!r}: this entry is ignored"
    err = getattr(block, "error", None)
    detail = str(err) if err is not None and str(err) else type(err).__name__
    first = (block.raw or "").lstrip().split("\n", 1)[0][:60]
    return f"cannot read this entry ({detail}): {first}"


class BibIndex:
    """The entries of a set of ``.bib`` files, by key; the first file naming a key wins."""

    def __init__(self) -> None:
        self.files: dict[Path, BibFile] = {}
        self._by_key: dict[str, BibEntry] = {}
        self._sorted: list[str] = []
        self._lower: list[str] = []

    def refresh(self, paths: Iterable[Path]) -> set[Path]:
        """Index exactly ``paths`` (dropping files no longer named); the files whose entries
        or problems changed."""
        wanted = list(dict.fromkeys(p.resolve() for p in paths))
        changed = {p for p in self.files if p not in wanted}
        for p in changed:
            del self.files[p]
        for p in wanted:
            if self._load(p):
                changed.add(p)
        if changed:
            self._rebuild(wanted)
        return changed

    def _load(self, path: Path) -> bool:
        bib = self.files.get(path) or BibFile(path)
        self.files[path] = bib
        try:
            st = path.stat()
        except OSError:
            gone = bool(bib.entries or bib.problems or bib.size != -1)
            self.files[path] = BibFile(path)
            return gone
        if st.st_size == bib.size and st.st_mtime_ns == bib.mtime_ns:
            return False
        bib.size, bib.mtime_ns = st.st_size, st.st_mtime_ns
        if st.st_size > MAX_BYTES:
            bib.entries, bib.digest = {}, ""
            bib.problems = [BibProblem(path, 0, f"larger than {MAX_BYTES >> 20} MiB: not read")]
            return True
        try:
            data = path.read_bytes()
        except OSError as exc:
            bib.entries, bib.digest = {}, ""
            bib.problems = [BibProblem(path, 0, f"cannot read: {exc.strerror or exc}")]
            return True
        digest = hashlib.blake2b(data, digest_size=16).hexdigest()
        if digest == bib.digest:
            return False
        bib.digest = digest
        bib.entries, bib.problems = parse_bib(data.decode("utf-8", "replace"), path)
        return True

    def _rebuild(self, order: Sequence[Path]) -> None:
        by_key: dict[str, BibEntry] = {}
        for p in order:
            bib = self.files.get(p)
            for k, e in (bib.entries if bib else {}).items():
                by_key.setdefault(k, e)
        self._by_key = by_key
        self._sorted = sorted(by_key, key=str.lower)
        self._lower = [k.lower() for k in self._sorted]

    def get(self, key: str) -> BibEntry | None:
        return self._by_key.get(key)

    def entries(self) -> Iterator[BibEntry]:
        return iter(self._by_key.values())

    def search(self, prefix: str, limit: int = 200) -> list[BibEntry]:
        """Entries whose key starts with ``prefix`` (any case), in key order."""
        import bisect

        low = prefix.lower()
        keys = self._sorted
        i = bisect.bisect_left(self._lower, low) if low else 0
        out: list[BibEntry] = []
        for k in keys[i:]:
            if not k.lower().startswith(low) or len(out) >= limit:
                break
            out.append(self._by_key[k])
        return out

    def problems(self, path: Path) -> list[BibProblem]:
        bib = self.files.get(path.resolve())
        return list(bib.problems) if bib else []


# -- which files ------------------------------------------------------------------------------

_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_LATEX_BIB = re.compile(
    r"\\(bibliography|addbibresource|addglobalbib)\s*(?:\[[^\]]*\])?\{([^}]*)\}"
)


def bibliographies_in(text: str, language_id: str, base: Path) -> list[Path]:
    """The ``.bib`` files a document names, resolved against its directory ``base``."""
    names: list[str] = []
    if language_id in ("latex", "tex", "bibtex", "context") or "\\begin{document}" in text:
        for m in _LATEX_BIB.finditer(text):
            for raw in m.group(2).split(","):
                name = raw.strip()
                if not name:
                    continue
                if m.group(1) == "bibliography" and not name.endswith(".bib"):
                    name += ".bib"
                names.append(name)
    else:
        front = _FRONT.match(text)
        if front:
            names += _front_bibliography(front.group(1))
    return [
        (base / n).expanduser() if not Path(n).expanduser().is_absolute() else Path(n).expanduser()
        for n in names
    ]


def _front_bibliography(front: str) -> list[str]:
    import yaml

    try:
        data = yaml.safe_load(front)
    except yaml.YAMLError:
        return []
    if not isinstance(data, dict):
        return []
    value = data.get("bibliography")
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def workspace_bibs(
    folders: Iterable[Path], patterns: Sequence[str] = (), *, walk: bool = True
) -> list[Path]:
    """The ``.bib`` files of the workspace: ``patterns`` (paths or globs; relative ones
    from each folder) first, then every ``*.bib`` under each folder when ``walk``."""
    out: list[Path] = []
    roots = list(folders)
    for pat in patterns:
        p = Path(pat).expanduser()
        if p.is_absolute():
            out += _glob(Path(p.anchor), str(p.relative_to(p.anchor)))
        else:
            for root in roots:
                out += _glob(root, pat)
    if walk:
        for root in roots:
            out += _walk(root)
    return list(dict.fromkeys(p.resolve() for p in out))


def _glob(root: Path, pattern: str) -> list[Path]:
    if not any(c in pattern for c in "*?["):
        p = root / pattern
        return [p] if p.is_file() else []
    try:
        return sorted(p for p in root.glob(pattern) if p.is_file())
    except (OSError, ValueError):
        return []


def _walk(root: Path) -> list[Path]:
    import os

    found: list[Path] = []
    for seen, (dirpath, dirnames, filenames) in enumerate(os.walk(root)):
        if seen >= MAX_WALK_DIRS:
            log.info("%s: stopped looking for .bib files after %d folders", root, seen)
            break
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith("."))
        for f in sorted(filenames):
            if f.endswith(".bib"):
                found.append(Path(dirpath) / f)
                if len(found) >= MAX_WALK:
                    return found
    return found


__all__ = [
    "BibEntry",
    "BibFile",
    "BibIndex",
    "BibProblem",
    "bibliographies_in",
    "parse_bib",
    "workspace_bibs",
]
