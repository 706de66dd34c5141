"""A plain folder of snippet files, laid out like massCode's: a sub-folder per folder, a
file per snippet holding its body exactly, and one ``snippets.json`` with the rest.

::

    root/
      snippets.json            {"python/retry.py": {"id", "title", "tags", ...}, ...}
      python/retry.py          the body, byte for byte
      Inbox/notes.md

A snippet's folder is ``meta["folder"]``, else its first tag, else ``Inbox``. The folder is
meant to be read and edited by hand: a file with no entry in ``snippets.json`` imports as a
snippet titled by its name, in the language of its extension, tagged with its folder, and
with its text taken literally (escaped, so ``$HOME`` stays ``$HOME``). With the entry, an
export and an import give back the same snippets: ids, times, source and meta included.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from connectors.sdk.errors import FormatError
from connectors.sdk.models import Snippet, SnippetSource

from ..variables import escape
from . import Draft

INDEX = "snippets.json"
INBOX = "Inbox"
EXTENSIONS = {
    "python": "py", "javascript": "js", "typescript": "ts", "typescriptreact": "tsx",
    "javascriptreact": "jsx", "rust": "rs", "go": "go", "java": "java", "kotlin": "kt",
    "c": "c", "cpp": "cpp", "csharp": "cs", "ruby": "rb", "php": "php", "shellscript": "sh",
    "markdown": "md", "json": "json", "yaml": "yaml", "toml": "toml", "html": "html",
    "css": "css", "sql": "sql", "lua": "lua", "swift": "swift", "plaintext": "txt",
}  # fmt: skip
LANGUAGES = {ext: lang for lang, ext in EXTENSIONS.items()} | {"yml": "yaml", "bash": "shellscript"}
_UNSAFE = re.compile(r"[^\w.@+-]+")


def safe_name(name: str, fallback: str) -> str:
    s = _UNSAFE.sub("-", name).strip("-.")
    return s[:80] or fallback


def folder_of(s: Snippet) -> str:
    return safe_name(str(s.meta.get("folder") or (s.tags[0] if s.tags else INBOX)), INBOX)


def write(root: Path, snippets: Iterable[Snippet]) -> list[Path]:
    """Write ``snippets`` under ``root`` (created if needed); return the files written.

    An existing ``snippets.json`` is extended, so exporting into a folder adds to it."""
    root.mkdir(parents=True, exist_ok=True)
    index_path = root / INDEX
    index: dict[str, Any] = _load_index(index_path) if index_path.exists() else {}
    by_id = {v.get("id"): k for k, v in index.items() if isinstance(v, dict)}
    written: list[Path] = []
    for s in snippets:
        rel = by_id.get(s.id)
        if rel is None:
            ext = EXTENSIONS.get(s.language.split(",")[0].strip(), "txt")
            base = safe_name(s.title, "snippet")
            rel, n = f"{folder_of(s)}/{base}.{ext}", 2
            while rel in index or (root / rel).exists():
                rel, n = f"{folder_of(s)}/{base}-{n}.{ext}", n + 1
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(s.body, encoding="utf-8", newline="")
        index[rel] = {
            "id": s.id,
            "title": s.title,
            "description": s.description,
            "language": s.language,
            "prefix": s.prefix,
            "tags": list(s.tags),
            "source": s.source.model_dump(mode="json") if s.source else None,
            "meta": s.meta,
            "created_at": s.created_at.isoformat(),
            "updated_at": s.updated_at.isoformat(),
        }
        written.append(path)
    index_path.write_text(
        json.dumps(index, indent=2, ensure_ascii=False, sort_keys=True) + "\n", encoding="utf-8"
    )
    return written


def _load_index(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise FormatError(f"{path.name} is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise FormatError(f"{path.name}: expected an object of files")
    return data


def read(root: Path) -> list[Draft]:
    """The snippets of a folder written by :func:`write`, or laid out by hand like it."""
    if not root.is_dir():
        raise FormatError(f"{root} is not a folder")
    index_path = root / INDEX
    index = _load_index(index_path) if index_path.exists() else {}
    out: list[Draft] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        rel = path.relative_to(root).as_posix()
        if rel == INDEX or any(part.startswith(".") for part in path.relative_to(root).parts):
            continue
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise FormatError(f"{rel} is not UTF-8 text") from None
        entry = index.get(rel)
        out.append(_from_entry(rel, text, entry) if isinstance(entry, dict) else _plain(rel, text))
    return out


def _plain(rel: str, text: str) -> Draft:
    parts = rel.split("/")
    name = parts[-1]
    stem, _, ext = name.rpartition(".")
    folder = parts[-2] if len(parts) > 1 else ""
    return Draft(
        title=(stem or name).replace("-", " ").replace("_", " ").strip() or name,
        body=escape(text),
        language=LANGUAGES.get(ext.lower(), "") if stem else "",
        tags=(folder,) if folder and folder != INBOX else (),
        meta={"folder": folder} if folder else {},
    )


def _from_entry(rel: str, body: str, e: dict[str, Any]) -> Draft:
    try:
        return Draft(
            title=str(e["title"]),
            body=body,
            description=str(e.get("description") or ""),
            language=str(e.get("language") or ""),
            prefix=str(e.get("prefix") or ""),
            tags=tuple(str(t) for t in e.get("tags") or ()),
            meta=dict(e.get("meta") or {}),
            source=SnippetSource.model_validate(e["source"]) if e.get("source") else None,
            snippet_id=str(e["id"]) if e.get("id") else None,
            created_at=datetime.fromisoformat(e["created_at"]) if e.get("created_at") else None,
            updated_at=datetime.fromisoformat(e["updated_at"]) if e.get("updated_at") else None,
        )
    except (KeyError, ValueError, TypeError) as exc:
        raise FormatError(f"{INDEX}: the entry for {rel} is not valid ({exc})") from None
