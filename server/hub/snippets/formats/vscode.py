"""VS Code snippet files: a language's ``<language>.json`` and the ``*.code-snippets`` files
whose entries name their languages in ``scope``.

A file is an object of entries ``name -> {prefix, body, description, scope, ...}``, written
as JSON with comments and trailing commas (read with ``json5``, a superset). ``prefix``,
``body`` and ``description`` may each be a string or an array; the form a file used, the
exact ``scope`` text, the entry's key order and any key Tieline has no field for
(``isFileTemplate``, ``include``, ``exclude``) are kept in the snippet's ``meta["vscode"]``,
so exporting an imported file gives back the same JSON value. Comments are not kept: JSON
has no place for them once parsed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import json5

from connectors.sdk.errors import FormatError
from connectors.sdk.models import Snippet

from . import Draft

_KNOWN = ("prefix", "body", "description", "scope")


def _strings(value: Any, what: str, where: str) -> tuple[str, list[str] | None]:
    """A string-or-array field as text (array lines joined with newlines), and the array
    when the field was one (``None`` for a string)."""
    if isinstance(value, str):
        return value, None
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "\n".join(value), list(value)
    raise FormatError(f"{where}: {what} must be a string or an array of strings")


def parse(
    text: str, *, file_name: str = "snippets.code-snippets", language: str | None = None
) -> list[Draft]:
    """The snippets of one VS Code snippet file; a language file (``python.json``) gives its
    language to every entry, as ``language`` does (an extension's contribution names the
    language of its ``.code-snippets`` files). Raises :class:`FormatError` naming the file
    and the entry."""
    try:
        data = json5.loads(text)
    except ValueError as exc:
        raise FormatError(f"{file_name} is not JSON with comments: {exc}") from None
    if not isinstance(data, dict):
        raise FormatError(f"{file_name}: a snippet file is an object of named snippets")
    if language is not None:
        file_language = language
    else:
        file_language = "" if file_name.endswith(".code-snippets") else Path(file_name).stem
    out: list[Draft] = []
    for name, entry in data.items():
        where = f"{file_name}, snippet {name!r}"
        if not isinstance(entry, dict):
            raise FormatError(f"{where} is not an object")
        if "body" not in entry:
            raise FormatError(f"{where} has no body")
        body, body_lines = _strings(entry["body"], "body", where)
        kept: dict[str, Any] = {"keys": list(entry)}
        if body_lines is not None:
            kept["bodyArray"] = True
            if body.split("\n") != body_lines:  # an element held a newline itself
                kept["body"] = body_lines
        prefix = ""
        if "prefix" in entry:
            prefix_text, prefixes = _strings(entry["prefix"], "prefix", where)
            if prefixes is None:
                prefix = prefix_text
            else:
                prefix = prefixes[0] if prefixes else ""
                kept["prefix"] = prefixes
        description = ""
        if "description" in entry:
            description, lines = _strings(entry["description"], "description", where)
            if lines is not None:
                kept["description"] = lines
        language = file_language
        if "scope" in entry:
            if not isinstance(entry["scope"], str):
                raise FormatError(f"{where}: scope must be a string")
            language = ",".join(p.strip() for p in entry["scope"].split(",") if p.strip())
            if entry["scope"] != language:
                kept["scope"] = entry["scope"]
        extra = {k: v for k, v in entry.items() if k not in _KNOWN}
        if extra:
            kept["extra"] = extra
        title = name.strip() or name
        if title != name:
            kept["name"] = name
        if not title.strip():
            raise FormatError(f"{file_name}: a snippet has an empty name")
        out.append(
            Draft(
                title=title,
                body=body,
                description=description,
                language=language,
                prefix=prefix,
                meta={"vscode": kept},
            )
        )
    return out


def read(path: Path, *, language: str | None = None) -> list[Draft]:
    """:func:`parse` of a file on disk."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise FormatError(f"{path.name} is not UTF-8 text") from None
    return parse(text, file_name=path.name, language=language)


def entry(s: Snippet, *, with_scope: bool = True) -> tuple[str, dict[str, Any]]:
    """A snippet as a VS Code entry ``(name, object)``, in the form it was imported in."""
    kept: dict[str, Any] = dict(s.meta.get("vscode") or {})
    had = set(kept.get("keys", ())) if kept else {"prefix", "body", "description"}
    fields: dict[str, Any] = {}
    if "prefix" in kept and (kept["prefix"][0] if kept["prefix"] else "") == s.prefix:
        fields["prefix"] = kept["prefix"]  # an array whose first is still the prefix
    elif kept and "prefix" in had:
        fields["prefix"] = s.prefix
    elif s.prefix or not kept:
        fields["prefix"] = s.prefix or s.title  # VS Code offers a snippet by its prefix
    if "body" in kept and "\n".join(kept["body"]) == s.body:
        fields["body"] = kept["body"]
    elif kept.get("bodyArray") or not kept:
        fields["body"] = s.body.split("\n")
    else:
        fields["body"] = s.body
    if "description" in kept and "\n".join(kept["description"]) == s.description:
        fields["description"] = kept["description"]
    elif s.description or ("description" in had and kept):
        fields["description"] = s.description
    if with_scope and s.language:
        scope = kept.get("scope")
        same = (
            scope is not None
            and ",".join(p.strip() for p in scope.split(",") if p.strip()) == s.language
        )
        fields["scope"] = scope if same else s.language
    fields.update(kept.get("extra") or {})
    order = [k for k in kept.get("keys", ()) if k in fields]
    ordered = {k: fields[k] for k in order} | {k: v for k, v in fields.items() if k not in order}
    return str(kept.get("name") or s.title), ordered


def dumps(snippets: Iterable[Snippet], *, language: str | None = None) -> str:
    """A snippet file: for ``language``, a language file (``<language>.json``, no scopes);
    else a ``.code-snippets`` file whose entries carry their scope. Names stay unique
    (``name (2)``), as object keys must."""
    out: dict[str, Any] = {}
    for s in snippets:
        name, obj = entry(s, with_scope=language is None)
        key, n = name, 2
        while key in out:
            key, n = f"{name} ({n})", n + 1
        out[key] = obj
    return json.dumps(out, indent="\t", ensure_ascii=False) + "\n"
