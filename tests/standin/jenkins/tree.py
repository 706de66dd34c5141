"""Jenkins' ``tree=`` filter, as the remote access API page documents it: ``name[sub,...]``
selects properties, ``{M,N}``, ``{M,}``, ``{,N}`` and ``{N}`` cut lists, and ``_class`` always
comes along."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass
class TreeNode:
    name: str
    children: list[TreeNode] | None = None
    range: tuple[int | None, int | None] | None = None


def parse_tree(text: str) -> list[TreeNode]:
    """``a,b[c,d[e]]{0,5}`` -> nodes; malformed text raises ``ValueError``."""
    nodes, i = _parse_list(text, 0)
    if i != len(text):
        raise ValueError(f"unexpected {text[i]!r} at {i} in tree={text}")
    return nodes


def _parse_list(text: str, i: int) -> tuple[list[TreeNode], int]:
    nodes: list[TreeNode] = []
    while True:
        m = re.compile(r"[A-Za-z_$][\w$]*").match(text, i)
        if not m:
            raise ValueError(f"expected a name at {i} in tree={text}")
        node = TreeNode(m.group())
        i = m.end()
        if i < len(text) and text[i] == "[":
            node.children, i = _parse_list(text, i + 1)
            if i >= len(text) or text[i] != "]":
                raise ValueError(f"unclosed [ in tree={text}")
            i += 1
        if i < len(text) and text[i] == "{":
            m = re.compile(r"\{(\d*)(,?)(\d*)\}").match(text, i)
            if not m or (not m.group(1) and not m.group(3)):
                raise ValueError(f"bad range at {i} in tree={text}")
            lo = int(m.group(1)) if m.group(1) else None
            hi = int(m.group(3)) if m.group(3) else None
            node.range = (lo, hi) if m.group(2) else (lo, (lo or 0) + 1)
            i = m.end()
        nodes.append(node)
        if i < len(text) and text[i] == ",":
            i += 1
            continue
        return nodes, i


def apply_tree(value: Any, nodes: list[TreeNode] | None) -> Any:
    """Jenkins' ``tree`` filter over a serialised object (``None``: everything)."""
    if nodes is None:
        return value
    if isinstance(value, list):
        return [apply_tree(v, nodes) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    if "_class" in value:
        out["_class"] = value["_class"]
    for node in nodes:
        if node.name not in value:
            continue
        v = value[node.name]
        if node.range is not None and isinstance(v, list):
            lo, hi = node.range
            v = v[(lo or 0) : hi]
        out[node.name] = apply_tree(v, node.children) if node.children is not None else v
    return out
