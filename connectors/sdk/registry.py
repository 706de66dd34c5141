"""The connector registry: built-in and third-party connectors, by entry point.

Connectors register in the ``tieline.connectors`` entry-point group (Tieline's own do too,
in ``pyproject.toml``), so a third-party package adds a connector by installing itself.
Loading is lazy per connector: a broken third-party connector is reported, not fatal.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib.metadata import entry_points

from .connector import Connector
from .errors import TielineError

GROUP = "tieline.connectors"
log = logging.getLogger("tieline.registry")


@dataclass(frozen=True)
class Broken:
    name: str
    error: str


class Registry:
    def __init__(self) -> None:
        self._classes: dict[str, type[Connector]] = {}
        self.broken: list[Broken] = []

    def add(self, cls: type[Connector]) -> None:
        """Register a connector class after validating its manifest and capabilities."""
        cls.verify_capabilities()
        self._classes[cls.manifest().id] = cls

    def load_entry_points(self) -> Registry:
        for ep in entry_points(group=GROUP):
            try:
                cls = ep.load()
                if not (isinstance(cls, type) and issubclass(cls, Connector)):
                    raise TypeError(f"{ep.value} is not a Connector subclass")
                self.add(cls)
            except (TielineError, ImportError, TypeError, AttributeError) as exc:
                log.error("connector %s could not be loaded: %s", ep.name, exc)
                self.broken.append(Broken(ep.name, str(exc)))
        return self

    def get(self, connector_id: str) -> type[Connector]:
        try:
            return self._classes[connector_id]
        except KeyError:
            known = ", ".join(sorted(self._classes)) or "none"
            raise TielineError(f"unknown connector {connector_id!r} (installed: {known})") from None

    def __iter__(self):  # type: ignore[no-untyped-def]
        return iter(sorted(self._classes.values(), key=lambda c: c.manifest().id))

    def ids(self) -> list[str]:
        return sorted(self._classes)


def default_registry() -> Registry:
    return Registry().load_entry_points()
