"""Documentation look-up from sets installed on this machine: Sphinx inventories
(``objects.inv``), Dash/Zeal docsets and DevDocs indexes, plus the Python standard library.

The small API the CLI and the LSP layer call::

    from server.hub.docs import search, open_library

    results = await search("json.loads")            # every installed set
    results = await search("loads", language="python", limit=10)
    library = await open_library()                   # for several calls: load once
    library.lookup(["json.loads"], "python")         # hover's exact look-up
    await library.update()                           # fetch URL-backed indexes again

Modules: :mod:`.model` (entries, results), :mod:`.inventory`, :mod:`.dash`, :mod:`.devdocs`,
:mod:`.stdlib` (the readers), :mod:`.fetch` (once-only download through the hub's HTTP
stack), :mod:`.index` (each set's SQLite index: look-up and ranking), :mod:`.library` (the
configured sets), :mod:`.symbols` (the name under the cursor), :mod:`.api` (the functions
above).
"""

from __future__ import annotations

from .api import open_library, search, update
from .library import DocsLibrary
from .model import DocEntry, DocResult, SetInfo
from .symbols import candidates, symbol_at

__all__ = [
    "DocEntry",
    "DocResult",
    "DocsLibrary",
    "SetInfo",
    "candidates",
    "open_library",
    "search",
    "symbol_at",
    "update",
]
