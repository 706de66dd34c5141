"""The connector source: every ``*.toml`` in the registry's folders becomes a connector.

Registered in the ``tieline.connector_sources`` entry-point group, so the registry calls
:func:`discover` with the user's and the workspace's ``.tieline/connectors`` folders on each
configuration load. Each file stands alone: a bad one is answered as a
:class:`~connectors.sdk.registry.Discovered` with its error, and the others load as if it
were not there. Files are read in name order, folder by folder; a later folder's file with the
same id wins (a workspace's over the user's).

The manifest models, JMESPath and the connector base are imported only once a folder holds a
file: a hub whose workspace declares nothing starts without them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from connectors.sdk.errors import TielineError
from connectors.sdk.registry import Discovered

log = logging.getLogger("tieline.declarative")
PATTERN = "*.toml"


def discover(folders: Sequence[Path]) -> list[Discovered]:
    out: list[Discovered] = []
    for folder in folders:
        try:
            files = sorted(p for p in folder.glob(PATTERN) if p.is_file())
        except OSError:
            continue
        for path in files:
            out.append(load(path))
    return out


def load(path: Path) -> Discovered:
    """One manifest file as a connector, or the reason it is not one."""
    from .connector import connector_class, stamp_of
    from .load import read

    try:
        spec, text = read(path, named=False)
        stamp = stamp_of(text)
        cls = connector_class(spec, stamp)
    except TielineError as exc:
        log.warning("connector manifest %s: %s", path, exc.message)
        return Discovered(path, error=exc.message)
    return Discovered(path, cls=cls, stamp=stamp)
