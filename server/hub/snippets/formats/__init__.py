"""Snippet files in and out: VS Code's snippet JSON (:mod:`.vscode`) and a plain folder of
files (:mod:`.folder`). Each format turns files into :class:`Draft` snippets and snippets into
files; :func:`import_drafts` saves drafts into a library, skipping ones already there and
holding back (not saving) ones that look like they hold a secret unless the user allowed it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from connectors.sdk.errors import SecretFound, StoreError
from connectors.sdk.models import SnippetSource

from ..library import SnippetLibrary


@dataclass
class Draft:
    """A snippet read from a file, before it is in the library."""

    title: str
    body: str
    description: str = ""
    language: str = ""
    prefix: str = ""
    tags: tuple[str, ...] = ()
    meta: dict[str, Any] = field(default_factory=dict)
    source: SnippetSource | None = None
    snippet_id: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass
class ImportReport:
    """What an import did: ids added, titles skipped as already there, and titles held back
    with what looked like a secret in them (kind and line, never the value)."""

    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    conflicts: list[str] = field(default_factory=list)
    flagged: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)


async def import_drafts(
    lib: SnippetLibrary, drafts: Iterable[Draft], *, allow_secrets: bool = False
) -> ImportReport:
    """Save ``drafts``; a draft with an id already in the library is skipped when identical
    and reported as a conflict (neither overwritten) when not."""
    report = ImportReport()
    for d in drafts:
        if d.snippet_id is not None:
            try:
                have = await lib.get(d.snippet_id)
            except StoreError:
                have = None
            if have is not None:
                same = (have.title, have.body, have.language, have.prefix, tuple(have.tags)) == (
                    d.title.strip(),
                    d.body,
                    d.language,
                    d.prefix,
                    d.tags,
                )
                (report.unchanged if same else report.conflicts).append(d.title)
                continue
        elif await lib.find_same(d.title, d.body, d.language):
            report.unchanged.append(d.title)
            continue
        try:
            s = await lib.add(
                title=d.title,
                body=d.body,
                description=d.description,
                language=d.language,
                prefix=d.prefix,
                tags=d.tags,
                source=d.source,
                meta=d.meta,
                allow_secrets=allow_secrets,
                snippet_id=d.snippet_id,
                created_at=d.created_at,
                updated_at=d.updated_at,
            )
        except SecretFound as exc:
            report.flagged.append((d.title, exc.findings))
            continue
        report.added.append(s.id)
    return report
