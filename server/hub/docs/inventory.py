"""Sphinx intersphinx inventories (``objects.inv``), read and written with ``sphobjinv``.

Why ``sphobjinv`` rather than Sphinx's own reader: Sphinx is a heavy runtime dependency
(docutils, Jinja, Babel...) for one function, and ``sphinx.util.inventory`` is internal API
that has changed shape between releases; ``sphobjinv`` is a maintained library whose whole
job is this format (v2, zlib-compressed, ``$`` and ``-`` abbreviations).
"""

from __future__ import annotations

from connectors.sdk.errors import TielineError

from .model import DocEntry


class InventoryError(TielineError):
    """The bytes are not an intersphinx inventory (v2, zlib)."""


def read_inventory(data: bytes, *, set_id: str, base_url: str) -> tuple[list[DocEntry], str, str]:
    """Entries of a compressed ``objects.inv``, the project's name and its version.

    ``base_url`` is the documentation root the inventory's relative URIs start from
    (``https://docs.python.org/3/``); it gets a trailing slash if it lacks one.
    """
    import sphobjinv as soi

    if not data.startswith(b"# Sphinx inventory version"):
        raise InventoryError("not a Sphinx inventory (no '# Sphinx inventory version' header)")
    try:
        inv = soi.Inventory(zlib=data)
    except Exception as exc:  # sphobjinv raises several kinds (zlib.error, its own, ValueError)
        raise InventoryError(f"unreadable Sphinx inventory: {type(exc).__name__}") from exc
    base = base_url if base_url.endswith("/") or not base_url else base_url + "/"
    out = []
    for obj in inv.objects:
        kind = obj.role if obj.domain in ("py", "std") else f"{obj.domain}:{obj.role}"
        display = obj.dispname_expanded
        out.append(
            DocEntry(
                name=obj.name,
                kind=kind,
                url=base + obj.uri_expanded,
                set_id=set_id,
                summary=display if display != obj.name else "",
                priority=_priority(obj.priority),
            )
        )
    return out, str(inv.project or ""), str(inv.version or "")


def _priority(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        return 1
    return 9 if number < 0 else number
