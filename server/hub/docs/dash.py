"""Dash / Zeal docsets: a ``Name.docset`` directory whose ``Contents/Resources/docSet.dsidx``
is an SQLite index of the HTML pages under ``Contents/Resources/Documents``.

Two index layouts exist and both are read: the ``searchIndex(name, type, path)`` table every
generator writes (doc2dash, Dash's own docset guide), and the Core Data tables
(``ZTOKEN`` ...) of docsets made by Apple's docsetutil, with the query Zeal uses. The database
is opened read-only (``mode=ro``): a docset belongs to whoever installed it.
"""

from __future__ import annotations

import plistlib
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from connectors.sdk.errors import TielineError

from .model import DocEntry

_SEARCH_INDEX = "SELECT name, type, path FROM searchIndex"
_CORE_DATA = (
    "SELECT ztokenname, ztypename, zpath, zanchor FROM ztoken"
    " JOIN ztokenmetainformation ON ztoken.zmetainformation = ztokenmetainformation.z_pk"
    " JOIN zfilepath ON ztokenmetainformation.zfile = zfilepath.z_pk"
    " JOIN ztokentype ON ztoken.ztokentype = ztokentype.z_pk"
)
#: ``<dash_entry_name=...>`` markers some generators put before a path.
_DASH_TAGS = re.compile(r"^(?:<dash_entry_[^>]*>)+")
#: Characters a page path keeps as they are in a ``file://`` URL (quoting only the others:
#: most paths need none, and ``quote`` is most of the cost of reading a large index).
_SAFE = "/#:%?=&~.-_"
_UNSAFE = re.compile(r"[^A-Za-z0-9/#:%?=&~._-]")
#: Language ids (LSP's) a docset's family names may match.
LANGUAGES = frozenset(
    [
        "c",
        "cpp",
        "csharp",
        "css",
        "dart",
        "elixir",
        "erlang",
        "go",
        "haskell",
        "html",
        "java",
        "javascript",
        "julia",
        "kotlin",
        "lua",
        "perl",
        "php",
        "python",
        "r",
        "ruby",
        "rust",
        "scala",
        "shellscript",
        "sql",
        "swift",
        "typescript",
    ]
)


class DocsetError(TielineError):
    """The directory is not a readable docset."""


@dataclass(frozen=True)
class DocsetInfo:
    title: str
    keyword: str
    languages: tuple[str, ...]
    fallback_url: str | None
    index_page: str | None


def docset_info(docset: Path) -> DocsetInfo:
    plist = docset / "Contents" / "Info.plist"
    try:
        with plist.open("rb") as fh:
            data = plistlib.load(fh)
    except (OSError, plistlib.InvalidFileException, ValueError) as exc:
        raise DocsetError(f"{docset.name}: no readable Contents/Info.plist") from exc
    keyword = str(data.get("DocSetPlatformFamily") or docset.stem)
    families = {str(data.get("DashDocSetFamily") or "").lower(), keyword.lower()}
    fallback = data.get("DashDocSetFallbackURL")
    return DocsetInfo(
        title=str(data.get("CFBundleName") or docset.stem),
        keyword=keyword,
        languages=tuple(sorted(families & LANGUAGES)),
        fallback_url=str(fallback) if fallback else None,
        index_page=str(data["dashIndexFilePath"]) if data.get("dashIndexFilePath") else None,
    )


def read_docset(docset: Path, *, set_id: str) -> tuple[DocsetInfo, list[DocEntry]]:
    """The docset's description and entries (URLs to its local pages, or to its fallback
    site when it names one; the local page is kept for previews either way)."""
    info = docset_info(docset)
    index = docset / "Contents" / "Resources" / "docSet.dsidx"
    documents = docset / "Contents" / "Resources" / "Documents"
    if not index.is_file():
        raise DocsetError(f"{docset.name}: no Contents/Resources/docSet.dsidx")
    try:
        con = sqlite3.connect(f"{index.resolve().as_uri()}?mode=ro", uri=True)
    except sqlite3.Error as exc:
        raise DocsetError(f"{docset.name}: cannot open its index ({exc})") from exc
    try:
        tables = {r[0].lower() for r in con.execute("SELECT name FROM sqlite_master")}
        if "searchindex" in tables:
            rows = [(n, t, p) for n, t, p in con.execute(_SEARCH_INDEX)]
        elif "ztoken" in tables:
            rows = [(n, t, f"{p}#{a}" if a else p) for n, t, p, a in con.execute(_CORE_DATA)]
        else:
            raise DocsetError(f"{docset.name}: its index has neither searchIndex nor ZTOKEN")
    except sqlite3.Error as exc:
        raise DocsetError(f"{docset.name}: unreadable index ({exc})") from exc
    finally:
        con.close()
    root = documents.resolve().as_uri() + "/"
    fallback = info.fallback_url
    if fallback and not fallback.endswith("/"):
        fallback += "/"
    out = []
    kinds: dict[str, str] = {}
    for name, kind, raw in rows:
        if not name or not raw:
            continue
        path = str(raw)
        if path.startswith("<"):
            path = _DASH_TAGS.sub("", path)
        local = root + (quote(path, safe=_SAFE) if _UNSAFE.search(path) else path)
        k = kinds.get(kind)
        if k is None:
            k = kinds[kind] = str(kind or "").lower()
        out.append(
            DocEntry(str(name), k, fallback + path if fallback else local, set_id, "", local, 1)
        )
    return info, out
