"""Cut a large OpenAPI description down to the operations a connector calls.

Validating against a whole published description (Graph's is 19 MB) means parsing all of it
in every test session; the repository keeps instead the operations a connector uses and every
component they reference, followed transitively (``$ref`` in schemas, responses, parameters,
request bodies and examples), so the subset validates those operations exactly as the whole
description does and is self-contained. Each contract's ``extract.py`` names its operations
and how its file is written; this is the walk they share.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def refs(node: Any, out: set[str]) -> None:
    """Every ``#/components/...`` reference under ``node``, into ``out``."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            out.add(ref)
        for v in node.values():
            refs(v, out)
    elif isinstance(node, list):
        for v in node:
            refs(v, out)


def subset(
    doc: dict[str, Any],
    operations: Mapping[str, Iterable[str]],
    *,
    path_keys: Iterable[str] = ("parameters",),
    components: Iterable[str] = (),
    top: Mapping[str, Any] | None = None,
    sort: bool = False,
) -> dict[str, Any]:
    """``doc`` with only ``operations`` (path -> its methods, spelt as in ``doc``), the
    ``path_keys`` of each path item kept beside them, the component kinds in ``components``
    kept whole (``securitySchemes``), and every component the operations reference.

    ``top`` maps the top-level keys kept to a default when ``doc`` lacks one (``None``: the
    key is left out then); ``sort`` orders components by kind and name.
    """
    keys = tuple(path_keys)
    paths: dict[str, Any] = {}
    for path, methods in operations.items():
        item = doc["paths"][path]
        kept = paths.setdefault(path, {k: item[k] for k in keys if k in item})
        for m in methods:
            kept[m] = item[m]
    found: dict[str, dict[str, Any]] = {k: dict(doc["components"][k]) for k in components}
    pending: set[str] = set()
    refs(paths, pending)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        name = name.replace("~1", "/").replace("~0", "~")
        value = doc["components"][kind][name]
        found.setdefault(kind, {})[name] = value
        refs(value, pending)
    if sort:
        found = {k: dict(sorted(found[k].items())) for k in sorted(found)}
    out: dict[str, Any] = {}
    for key, default in (top or {"openapi": None, "info": None, "servers": None}).items():
        if key in doc:
            out[key] = doc[key]
        elif default is not None:
            out[key] = default
    out["paths"] = paths
    out["components"] = found
    return out
