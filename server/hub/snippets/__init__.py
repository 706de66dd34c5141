"""The snippet library: saved code with VS Code snippet syntax, searched with FTS5 and bm25,
checked for secrets before it is saved or shared, imported from and exported to VS Code's
snippet files and a plain folder, and kept in step with snippet hosts (gists, GitLab snippets).

The functions below are the small API a command line calls: each takes the hub's open
:class:`~server.hub.store.Store` (or any migrated :class:`Database`).
"""

from __future__ import annotations

from collections.abc import Iterable

from connectors.sdk.models import Snippet, SnippetSource

from ..store.database import Database
from .library import Hit, SnippetLibrary
from .secrets import Finding, SecretScanner
from .variables import Field, fields, plain_text, variables

__all__ = [
    "Field",
    "Finding",
    "Hit",
    "SecretScanner",
    "SnippetLibrary",
    "add",
    "fields",
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
