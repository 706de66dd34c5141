"""DevDocs documentation: the ``index.json`` DevDocs serves for each of its docs
(``{"entries": [{"name", "path", "type"}], "types": [...]}``), as its own offline mode stores
it beside ``db.json`` (the pages) and ``meta.json`` (name, slug, release).

Links go to ``https://devdocs.io/<slug>/<path>``, DevDocs' own page for the entry, unless the
set names another base (a self-hosted DevDocs).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from connectors.sdk.errors import TielineError

from .dash import LANGUAGES
from .model import DocEntry

DEVDOCS = "https://devdocs.io/"


class DevDocsError(TielineError):
    """The file is not a DevDocs index."""


@dataclass(frozen=True)
class DevDocsMeta:
    slug: str
    title: str
    release: str
    languages: tuple[str, ...]


def read_meta(folder: Path | None, fallback_slug: str) -> DevDocsMeta:
    raw: dict[str, Any] = {}
    if folder is not None and (folder / "meta.json").is_file():
        try:
            raw = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            raw = {}
    slug = str(raw.get("slug") or fallback_slug)
    lang = slug.split("~", 1)[0].lower()
    return DevDocsMeta(
        slug=slug,
        title=str(raw.get("name") or slug),
        release=str(raw.get("release") or ""),
        languages=(lang,) if lang in LANGUAGES else (),
    )


def read_index(data: bytes, *, set_id: str, base_url: str) -> list[DocEntry]:
    """Entries of a DevDocs ``index.json``; ``base_url`` is the docs' page root
    (``https://devdocs.io/python~3.12/``)."""
    try:
        doc = json.loads(data)
        rows = doc["entries"]
        if not isinstance(rows, list):
            raise TypeError("entries is not a list")
    except (ValueError, KeyError, TypeError) as exc:
        raise DevDocsError(f"not a DevDocs index.json ({type(exc).__name__})") from exc
    base = base_url if base_url.endswith("/") else base_url + "/"
    out = []
    for row in rows:
        if not isinstance(row, dict) or not row.get("name") or not row.get("path"):
            continue
        out.append(
            DocEntry(
                name=str(row["name"]),
                kind=str(row.get("type") or ""),
                url=base + str(row["path"]),
                set_id=set_id,
            )
        )
    return out
