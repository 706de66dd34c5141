"""The copied contract is what its PROVENANCE says: the same bytes (sha256), every operation
extract.py keeps, and self-contained (every ``$ref`` resolves inside the file)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from tests.contracts.microsoft.extract import OPERATIONS

HERE = Path(__file__).resolve().parents[1] / "contracts" / "microsoft"


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return own + [r for v in node.values() for r in _refs(v)]
    if isinstance(node, list):
        return [r for v in node for r in _refs(v)]
    return []


def test_the_file_is_the_one_provenance_names() -> None:
    said = re.search(r"sha256 of the result: ([0-9a-f]{64})", (HERE / "PROVENANCE").read_text())
    assert said is not None
    assert hashlib.sha256((HERE / "graph.json").read_bytes()).hexdigest() == said.group(1)


def test_it_keeps_every_operation_and_every_reference_resolves() -> None:
    doc = json.loads((HERE / "graph.json").read_text())
    for path, methods in OPERATIONS.items():
        assert set(methods) <= set(doc["paths"][path]), path
    assert set(doc["paths"]) == set(OPERATIONS)
    for ref in set(_refs(doc)):
        node: Any = doc
        for part in ref.removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        assert isinstance(node, dict), ref
