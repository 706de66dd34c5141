"""Cut ``zoom.us.json`` down to the operations the Zoom connector calls, with every component
they refer to, so the repository carries ~140 KB instead of the 3.3 MB description.

Run from the repository root, the npm package unpacked: ``python -m tests.contracts.zoom.extract
package/api/zoom.us.json tests/contracts/zoom/zoom.us.subset.json`` (see PROVENANCE).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from tests.contracts.openapi_subset import subset

#: (path, method) pairs the connector uses.
OPERATIONS = (("/users/{userId}", "get"), ("/users/{userId}/meetings", "post"))


def cut(doc: dict[str, Any]) -> dict[str, Any]:
    operations: dict[str, list[str]] = {}
    for path, method in OPERATIONS:
        operations.setdefault(path, []).append(method)
    top = {"openapi": None, "info": None, "servers": None, "security": []}
    return subset(doc, operations, components=("securitySchemes",), top=top)


def main(source: str, target: str) -> None:
    doc = json.loads(Path(source).read_text(encoding="utf-8"))
    Path(target).write_text(json.dumps(cut(doc), indent=1, sort_keys=True) + "\n")


if __name__ == "__main__":
    main(*sys.argv[1:3])
