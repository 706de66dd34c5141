"""Cut ``zoom.us.json`` down to the operations the Zoom connector calls, with every component
they refer to, so the repository carries ~140 KB instead of the 3.3 MB description.

Run from the unpacked npm package: ``python tests/contracts/zoom/extract.py
package/api/zoom.us.json tests/contracts/zoom/zoom.us.subset.json`` (see PROVENANCE).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

#: (path, method) pairs the connector uses.
OPERATIONS = (("/users/{userId}", "get"), ("/users/{userId}/meetings", "post"))


def _refs(node: Any, out: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/"):
            out.add(ref)
        for v in node.values():
            _refs(v, out)
    elif isinstance(node, list):
        for v in node:
            _refs(v, out)


def subset(doc: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for path, method in OPERATIONS:
        item = doc["paths"][path]
        kept = {k: v for k, v in item.items() if k == "parameters"}
        kept[method] = item[method]
        paths.setdefault(path, {}).update(kept)
    components: dict[str, dict[str, Any]] = {
        "securitySchemes": doc["components"]["securitySchemes"]
    }
    seen: set[str] = set()
    todo: set[str] = set()
    _refs(paths, todo)
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, kind, name = ref.split("/", 3)
        node = doc["components"][kind][name]
        components.setdefault(kind, {})[name] = node
        _refs(node, todo)
    return {
        "openapi": doc["openapi"],
        "info": doc["info"],
        "servers": doc["servers"],
        "security": doc.get("security", []),
        "paths": paths,
        "components": components,
    }


def main(source: str, target: str) -> None:
    doc = json.loads(Path(source).read_text(encoding="utf-8"))
    Path(target).write_text(json.dumps(subset(doc), indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
