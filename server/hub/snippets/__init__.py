"""The snippet library: saved code with VS Code snippet syntax, searched with FTS5 and bm25,
checked for secrets before it is saved or shared, imported from and exported to VS Code's
snippet files and a plain folder, and kept in step with snippet hosts (gists, GitLab snippets).

The functions below are the small API a command line calls: each takes the hub's open
:class:`~server.hub.store.Store` (or any migrated :class:`Database`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from connectors.sdk.errors import FormatError
from connectors.sdk.models import Snippet, SnippetSource

from ..store.database import Database
from .formats import Draft, ImportReport, folder, import_drafts, vscode
from .library import Hit, SnippetLibrary
from .secrets import Finding, SecretScanner
from .variables import Field, fields, plain_text, variables

__all__ = [
    "Field",
    "Finding",
    "Hit",
    "ImportReport",
    "SecretScanner",
    "SnippetLibrary",
    "add",
    "export_files",
    "fields",
    "import_files",
    "plain_text",
    "search",
    "show",
    "variables",
]


async def search(
    db: Database, text: str, *, language: str | None = None, tag: str | None = None, limit: int = 20
) -> list[Hit]:
    """The snippets best matching ``text``, best first (see :meth:`SnippetLibrary.search`)."""
    return await SnippetLibrary(db).search(text, language=language, tag=tag, limit=limit)


async def add(
    db: Database,
    *,
    title: str,
    body: str,
    language: str = "",
    description: str = "",
    prefix: str = "",
    tags: Iterable[str] = (),
    source: SnippetSource | None = None,
    allow_secrets: bool = False,
    scanner: SecretScanner | None = None,
) -> Snippet:
    """Save a snippet; raises :class:`~connectors.sdk.errors.SecretFound` when it looks like
    it holds a secret, unless ``allow_secrets`` (pass a scanner built from the installed
    manifests, :meth:`SecretScanner.from_manifests`, to know every service's token shapes)."""
    return await SnippetLibrary(db, scanner=scanner).add(
        title=title,
        body=body,
        language=language,
        description=description,
        prefix=prefix,
        tags=tags,
        source=source,
        allow_secrets=allow_secrets,
    )


async def show(db: Database, snippet_id: str) -> Snippet:
    """One snippet by id; raises :class:`~connectors.sdk.errors.NoSuchRecord` if none."""
    return await SnippetLibrary(db).get(snippet_id)


async def import_files(
    db: Database,
    path: Path,
    *,
    language: str | None = None,
    allow_secrets: bool = False,
    scanner: SecretScanner | None = None,
) -> ImportReport:
    """Import a VS Code snippet file (``*.code-snippets``, ``<language>.json``) or a snippet
    folder; snippets already there are skipped, ones that look like they hold a secret are
    held back (see the report) unless ``allow_secrets``."""
    drafts = await asyncio.to_thread(_read, path, language)
    lib = SnippetLibrary(db, scanner=scanner)
    return await import_drafts(lib, drafts, allow_secrets=allow_secrets)


async def export_files(
    db: Database,
    path: Path,
    *,
    fmt: Literal["vscode", "folder"] = "vscode",
    language: str | None = None,
) -> int:
    """Write the library (for ``language``: its snippets alone, as a language file) to a VS
    Code snippet file or a snippet folder; return how many snippets were written."""
    snippets = await SnippetLibrary(db).all(language=language)
    if language:
        snippets = [s for s in snippets if s.language]  # a language file: no "any" ones
    if fmt == "folder":
        await asyncio.to_thread(folder.write, path, snippets)
    else:
        text = vscode.dumps(snippets, language=language)
        await asyncio.to_thread(path.write_text, text, encoding="utf-8")
    return len(snippets)


def _read(path: Path, language: str | None) -> list[Draft]:
    if path.is_dir():
        return folder.read(path)
    if path.suffix in (".json", ".code-snippets"):
        return vscode.read(path, language=language)
    raise FormatError(f"{path.name}: import a .code-snippets or .json file, or a folder")
