"""The connector registry: built-in and third-party connectors, by entry point.

Connectors register in the ``tieline.connectors`` entry-point group (Tieline's own do too,
in ``pyproject.toml``), so a third-party package adds a connector by installing itself.

Loading is in two steps, so that start-up does not grow with the number installed: the
registry reads each connector's ``manifest.toml`` (found beside the entry point's module
without importing it), and imports a connector's code only when the hub first opens a
session for it. A broken connector -- an invalid manifest, an import error, a declared
capability it does not implement -- is reported with its name and the reason, never fatal
to the others.

Connectors may also be *discovered* in folders (:meth:`Registry.discover`): a package
registered in the ``tieline.connector_sources`` group is a function that reads a list of
folders and answers the connectors it found there (``connectors.declarative`` builds one
from each TOML manifest in ``.tieline/connectors/``). Discovery runs again whenever the
caller asks -- on every configuration load -- and replaces what the last run found; a file
that cannot become a connector is reported in :attr:`Registry.broken` under its path.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib.metadata import EntryPoint, entry_points
from pathlib import Path

from .capabilities import missing_methods
from .connector import Connector
from .errors import CapabilityError, ManifestError, TielineError
from .manifest import Manifest
from .redact import register_shapes

GROUP = "tieline.connectors"
#: Functions ``(folders) -> Sequence[Discovered]`` that find connectors in folders.
SOURCES = "tieline.connector_sources"
MANIFEST = "manifest.toml"
log = logging.getLogger("tieline.registry")


@dataclass(frozen=True)
class Broken:
    name: str
    error: str


@dataclass(frozen=True)
class Discovered:
    """What a connector source found in one file: a connector class, or why there is none
    (``error``, which need not repeat the path: problems are listed under it).

    ``stamp`` changes whenever the file's content does (a hash): the hub reopens the
    sessions of a connector whose stamp changed."""

    path: Path
    cls: type[Connector] | None = None
    error: str | None = None
    stamp: str = ""


Source = Callable[[Sequence[Path]], Sequence[Discovered]]


@dataclass
class Entry:
    """One installed connector: its manifest now, its class on first use."""

    manifest: Manifest
    target: str  # "package.module:Class"
    cls: type[Connector] | None = None
    error: str | None = field(default=None)
    #: The file the manifest was read from (``None`` when it came in code).
    path: Path | None = None
    #: Set for a discovered connector: its source's stamp of the file (see :class:`Discovered`).
    stamp: str | None = None

    @property
    def id(self) -> str:
        return self.manifest.id


def manifest_path(target: str) -> Path | None:
    """Where the manifest of ``package.module:Class`` is, without importing the module."""
    module = target.partition(":")[0].strip()
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.origin:
        return None
    return Path(spec.origin).with_name(MANIFEST)


class Registry:
    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}
        self.broken: list[Broken] = []
        #: The connectors and problems the last :meth:`discover` found (replaced by the next).
        self._discovered: set[str] = set()
        self._discovered_broken: list[Broken] = []
        self._sources: list[Source] | None = None

    # -- building ---------------------------------------------------------------------------
    def add(self, cls: type[Connector]) -> None:
        """Register a connector class now (tests, embedded use): validated at once."""
        cls.verify_capabilities()
        m = cls.manifest()
        register_shapes(m.auth.token_patterns)
        self._entries[m.id] = Entry(m, f"{cls.__module__}:{cls.__qualname__}", cls)

    def add_manifest(self, manifest: Manifest, target: str, *, path: Path | None = None) -> None:
        """Register a connector by manifest; ``target`` is imported on first :meth:`get`."""
        register_shapes(manifest.auth.token_patterns)
        self._entries[manifest.id] = Entry(manifest, target, path=path)

    def load_entry_points(self) -> Registry:
        for ep in entry_points(group=GROUP):
            try:
                self._from_entry_point(ep)
            except (TielineError, ImportError, TypeError, AttributeError) as exc:
                message = exc.message if isinstance(exc, TielineError) else str(exc)
                log.error("connector %s could not be loaded: %s", ep.name, message)
                self.broken.append(Broken(ep.name, message))
        return self

    def discover(self, folders: Sequence[Path]) -> Registry:
        """Find connectors in ``folders`` with every installed source, replacing what the last
        call found. A connector whose file did not change keeps its entry (and its class);
        one whose id an installed connector already has is refused, never replacing it."""
        found: dict[str, Entry] = {}
        broken: list[Broken] = []
        for source in self._connector_sources():
            try:
                results = source(folders)
            except Exception as exc:  # a source's bug costs its connectors, not the others
                log.exception("connector source %r failed", source)
                broken.append(Broken(getattr(source, "__module__", "source"), str(exc)))
                continue
            for d in results:
                if d.cls is None:
                    broken.append(Broken(str(d.path), d.error or "not a connector"))
                    continue
                m = d.cls.manifest()
                if m.id in self._entries and m.id not in self._discovered:
                    broken.append(
                        Broken(str(d.path), f"the id {m.id!r} is an installed connector's")
                    )
                    continue
                if m.id in found:
                    log.info("%s replaces the connector %r of %s", d.path, m.id, found[m.id].path)
                old = self._entries.get(m.id)
                if old is not None and m.id in self._discovered and old.stamp == d.stamp:
                    found[m.id] = old
                    continue
                register_shapes(m.auth.token_patterns)
                target = f"{d.cls.__module__}:{d.cls.__qualname__}"
                found[m.id] = Entry(m, target, d.cls, path=d.path, stamp=d.stamp)
        for cid in self._discovered - set(found):
            del self._entries[cid]
        self._entries.update(found)
        self._discovered = set(found)
        self.broken = [b for b in self.broken if b not in self._discovered_broken] + broken
        self._discovered_broken = broken
        return self

    def _connector_sources(self) -> list[Source]:
        if self._sources is None:
            self._sources = []
            for ep in entry_points(group=SOURCES):
                try:
                    self._sources.append(ep.load())
                except Exception as exc:  # an uninstallable source must not stop the others
                    log.error("connector source %s could not be loaded: %s", ep.name, exc)
                    self.broken.append(Broken(ep.name, str(exc)))
        return self._sources

    def stamp(self, connector_id: str) -> str | None:
        """The stamp of a discovered connector's file (``None`` for an installed one or an
        unknown id): it changes when the file does."""
        entry = self._entries.get(connector_id)
        return entry.stamp if entry is not None else None

    def _from_entry_point(self, ep: EntryPoint) -> None:
        path = manifest_path(ep.value)
        if path is not None and path.is_file():
            manifest = Manifest.load(path)
            if manifest.id != ep.name:
                raise ManifestError(
                    f"entry point {ep.name!r} names a manifest with id {manifest.id!r}"
                )
            if manifest.id in self._entries:
                raise ManifestError(f"two connectors claim the id {manifest.id!r}")
            self.add_manifest(manifest, ep.value, path=path)
            return
        # No manifest file beside the module (a class that builds its manifest in code):
        # import it now, the only way to learn what it is.
        cls = ep.load()
        if not (isinstance(cls, type) and issubclass(cls, Connector)):
            raise TypeError(f"{ep.value} is not a Connector subclass")
        self.add(cls)

    # -- reading ----------------------------------------------------------------------------
    def manifest(self, connector_id: str) -> Manifest:
        return self._entry(connector_id).manifest

    def manifests(self) -> list[Manifest]:
        return [self._entries[k].manifest for k in sorted(self._entries)]

    def get(self, connector_id: str) -> type[Connector]:
        """The connector's class, imported (and its capabilities verified) on first use."""
        entry = self._entry(connector_id)
        if entry.cls is not None:
            return entry.cls
        if entry.error is not None:
            raise TielineError(f"connector {connector_id!r} is broken: {entry.error}")
        try:
            module, _, name = entry.target.partition(":")
            obj = getattr(importlib.import_module(module.strip()), name.strip())
            if not (isinstance(obj, type) and issubclass(obj, Connector)):
                raise TypeError(f"{entry.target} is not a Connector subclass")
            own = obj.manifest_path
            if entry.path is not None and own is not None and own.resolve() == entry.path.resolve():
                # The very file already read: spare the class a second parse.
                if obj.__dict__.get("_manifest") is None:
                    obj._manifest = entry.manifest
            elif obj.manifest().id != entry.manifest.id:
                raise TypeError(
                    f"{entry.target} is connector {obj.manifest().id!r}, not {entry.id!r}"
                )
            missing = {cap: missing_methods(obj, cap) for cap in entry.manifest.capabilities}
            for cap, names in missing.items():
                if names:
                    raise CapabilityError(
                        f"connector {entry.id!r} declares {cap} but does not implement "
                        f"{', '.join(names)}"
                    )
        except (TielineError, ImportError, TypeError, AttributeError) as exc:
            entry.error = exc.message if isinstance(exc, TielineError) else str(exc)
            log.error("connector %s could not be loaded: %s", connector_id, entry.error)
            self.broken.append(Broken(connector_id, entry.error))
            raise TielineError(f"connector {connector_id!r} is broken: {entry.error}") from exc
        entry.cls = obj
        return obj

    def loaded(self, connector_id: str) -> bool:
        """Has the connector's code been imported yet? (start-up must not do it)"""
        entry = self._entries.get(connector_id)
        return entry is not None and entry.cls is not None

    def _entry(self, connector_id: str) -> Entry:
        try:
            return self._entries[connector_id]
        except KeyError:
            known = ", ".join(sorted(self._entries)) or "none"
            raise TielineError(f"unknown connector {connector_id!r} (installed: {known})") from None

    def __contains__(self, connector_id: object) -> bool:
        return connector_id in self._entries

    def __iter__(self) -> Iterator[Manifest]:
        return iter(self.manifests())

    def ids(self) -> list[str]:
        return sorted(self._entries)


_DEFAULT: Registry | None = None


def default_registry(*, fresh: bool = False) -> Registry:
    """The installed connectors, read once per process (``fresh`` reads them again)."""
    global _DEFAULT
    if _DEFAULT is None or fresh:
        _DEFAULT = Registry().load_entry_points()
    return _DEFAULT
