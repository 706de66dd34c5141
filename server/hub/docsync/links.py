"""The links the settings ask for (``docsync.links``), each matched to a signed-in session
of its service, and the rounds the hub runs for them -- one at a time, so *Sync Now* and the
periodic round never work on the same folder together.

A link whose service has no session (not signed in, or a connector without ``Drive``) is
reported as such and skipped; its state stays in the store for when it comes back.

Where each link stands (:meth:`DocSyncs.status`: syncing, idle, stopped by an error, or not
running for want of a session; when it last completed a round; how many conflicts wait) is
kept in memory, read from the store at start and after every round and resolution, so a
status bar can ask for it as often as it likes; each change is published on the hub's bus as
:data:`STATUS_CHANGED`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import tomllib
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from connectors.sdk.errors import ConfigError, NoSuchRecord
from connectors.sdk.redact import redact
from server.hub.events import Event

from .engine import DocSync, Keep, LinkSpec, Report
from .localfs import Ignore
from .state import Conflict

if TYPE_CHECKING:
    from server.hub.hub import Hub
    from server.hub.sessions import Session

#: Called before each link's round with (index, count, link), for progress.
Progress = Callable[[int, int, LinkSpec], Awaitable[None] | None]

#: The event kind published when a link's state (:class:`LinkStatus`) changes.
STATUS_CHANGED = "docsync.status_changed"

LinkState = Literal["idle", "syncing", "error", "offline"]


@dataclass(frozen=True)
class LinkStatus:
    """Where one link stands. ``offline``: it does not run, for want of a session of its
    service (``last_error`` says why); ``error``: its last round stopped (``last_error``:
    the message, secrets redacted) and no round has completed since."""

    link: LinkSpec
    state: LinkState
    #: When a round last completed (epoch seconds); None: never.
    last_sync: float | None = None
    conflicts: int = 0
    last_error: str | None = None


@dataclass(frozen=True)
class SyncStatus:
    """Every link's :class:`LinkStatus`, and the one state a status bar shows for them all:
    ``syncing`` while any round runs, else ``error`` when any link's last round stopped."""

    links: tuple[LinkStatus, ...] = ()

    @property
    def state(self) -> Literal["idle", "syncing", "error"]:
        states = {lk.state for lk in self.links}
        return "syncing" if "syncing" in states else "error" if "error" in states else "idle"

    @property
    def conflicts(self) -> int:
        return sum(lk.conflicts for lk in self.links)

    @property
    def last_sync(self) -> float | None:
        return max((lk.last_sync for lk in self.links if lk.last_sync), default=None)

    @property
    def last_error(self) -> str | None:
        return next((lk.last_error for lk in self.links if lk.state == "error"), None)


@dataclass(frozen=True)
class Outcome:
    """One link's round: its report, or why it did not run."""

    link: LinkSpec
    report: Report | None = None
    skipped: str | None = None


def specs(hub: Hub) -> list[LinkSpec]:
    return [
        LinkSpec(folder=lk.folder, service=lk.service, remote=lk.remote, account=lk.account or "")
        for lk in hub.config.docsync.links
    ]


def session_for(hub: Hub, spec: LinkSpec) -> Session | None:
    from connectors.sdk.capabilities import Drive

    found = [
        s
        for s in hub.sessions_with(Drive)
        if s.connector_id == spec.service
        and (not spec.account or spec.account in (s.account, s.login))
    ]
    return found[0] if len(found) == 1 or spec.account else None


class DocSyncs:
    """The folder sync of one hub."""

    _of: weakref.WeakKeyDictionary[Hub, DocSyncs] = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, hub: Hub) -> DocSyncs:
        it = cls._of.get(hub)
        if it is None:
            it = cls._of[hub] = cls(hub)
        return it

    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.lock = asyncio.Lock()
        #: Per link key: (last completed round, error since, conflicts), from the store.
        self._known: dict[str, tuple[float | None, str | None, int]] = {}
        self._syncing: str | None = None
        #: What :meth:`status` said when last published (nothing linked, to begin with).
        self._last = SyncStatus()

    def engine(self, spec: LinkSpec) -> DocSync | str:
        """The engine of a link, or why there is none (for a person)."""
        from connectors.sdk.capabilities import DocImport, Drive

        root = self.hub.root
        s = session_for(self.hub, spec)
        if root is None or s is None:
            return self._why_not(spec) or "not ready"
        drive: Drive = s.connector.capability(Drive)
        settings = self.hub.config.docsync
        importer: DocImport | None = (
            s.connector.capability(DocImport) if s.connector.provides(DocImport) else None
        )
        return DocSync(
            self.hub.store,
            drive,
            spec,
            root,
            ignore=Ignore(settings.ignore),
            importer=importer,
            import_docs=settings.import_docs,
            import_new=settings.import_new,
        )

    # -- where the links stand --------------------------------------------------------------

    def status(self) -> SyncStatus:
        """Every link's state, from memory (see the module docstring)."""
        out = []
        for spec in specs(self.hub):
            last_sync, error, conflicts = self._known.get(spec.key, (None, None, 0))
            state: LinkState = "idle"
            if spec.key == self._syncing:
                state = "syncing"
            elif isinstance(why := self._why_not(spec), str):
                state, error = "offline", why
            elif error:
                state = "error"
            out.append(
                LinkStatus(
                    spec,
                    state,
                    last_sync=last_sync,
                    conflicts=conflicts,
                    last_error=redact(error) if error else None,
                )
            )
        return SyncStatus(tuple(out))

    def _why_not(self, spec: LinkSpec) -> str | None:
        """Why a link does not run now (None: it does), without making its engine."""
        if self.hub.root is None:
            return "no workspace folder is open"
        if session_for(self.hub, spec) is None:
            waiting = [
                w
                for w in self.hub.consent.wanted.values()
                if w.connector == spec.service
                and w.capability == "Drive"
                and (not spec.account or spec.account in (w.account, w.login))
            ]
            if waiting:
                return (
                    f"waiting for your permission for {waiting[0].service} to sync folders"
                    " (Allow Drive, in Integrations)"
                )
            return f"not signed in to {spec.service}" + (
                f" as {spec.account}" if spec.account else ""
            )
        return None

    async def load_status(self) -> None:
        """Read every link's state from the store (at start: what the last process left)."""
        for spec in specs(self.hub):
            engine = self.engine(spec)
            if isinstance(engine, DocSync):
                self._known[spec.key] = await engine.state.summary()
        self.changed()

    async def _refresh(self, spec: LinkSpec, engine: DocSync) -> None:
        self._known[spec.key] = await engine.state.summary()
        self.changed()

    def changed(self) -> None:
        """Publish :data:`STATUS_CHANGED` when what :meth:`status` says differs from what it
        said last time."""
        now = self.status()
        if now == self._last:
            return
        self._last = now
        with contextlib.suppress(RuntimeError):  # no running loop: nobody to tell
            self.hub.bus.emit(Event(STATUS_CHANGED, "", "", "docsync", {"state": now.state}))

    # -- rounds ------------------------------------------------------------------------------

    async def sync_all(self, progress: Progress | None = None) -> list[Outcome]:
        links = specs(self.hub)
        out = []
        async with self.lock:
            for i, spec in enumerate(links):
                if progress is not None:
                    maybe = progress(i, len(links), spec)
                    if maybe is not None:
                        await maybe
                engine = self.engine(spec)
                if isinstance(engine, str):
                    out.append(Outcome(spec, skipped=engine))
                    self.changed()
                    continue
                self._syncing = spec.key
                self.changed()
                try:
                    out.append(Outcome(spec, report=await engine.sync()))
                finally:
                    self._syncing = None
                    await self._refresh(spec, engine)
        return out

    async def conflicts(self) -> list[tuple[LinkSpec, Conflict]]:
        out = []
        for spec in specs(self.hub):
            engine = self.engine(spec)
            if isinstance(engine, DocSync):
                out += [(spec, c) for c in await engine.conflicts()]
        return out

    async def resolve(self, folder: str, path: str, keep: Keep) -> None:
        """Resolve the conflict on ``path`` of the link of ``folder`` (workspace-relative)."""
        for spec in specs(self.hub):
            if spec.folder.strip("/") != folder.strip("/"):
                continue
            engine = self.engine(spec)
            if isinstance(engine, str):
                raise ConfigError(f"cannot resolve in {folder}: {engine}")
            async with self.lock:
                try:
                    await engine.resolve(path, keep)
                finally:
                    await self._refresh(spec, engine)
            return
        raise NoSuchRecord(f"no linked folder {folder!r}")


def add_link(workspace: Path, spec: LinkSpec) -> Path:
    """Append the link to the workspace's ``.tieline.toml`` (a ``[[docsync.links]]`` table),
    refusing to leave the file unreadable or to add a folder already linked."""
    from server.hub.config import WORKSPACE_FILE

    path = workspace / WORKSPACE_FILE
    before = path.read_text(encoding="utf-8") if path.exists() else ""
    try:
        had = tomllib.loads(before)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML ({exc}); fix it first") from None
    links = had.get("docsync", {}).get("links", [])
    if any(isinstance(lk, dict) and lk.get("folder") == spec.folder for lk in links):
        raise ConfigError(f"{spec.folder} is linked already (see {path})")
    block = ["", "[[docsync.links]]"]
    for key in ("folder", "service", "remote", "account"):
        value = getattr(spec, key)
        if value:
            block.append(f"{key} = {json.dumps(value, ensure_ascii=False)}")
    after = before.rstrip("\n") + ("\n" if before.strip() else "") + "\n".join(block) + "\n"
    try:
        tomllib.loads(after)
    except tomllib.TOMLDecodeError:
        raise ConfigError(
            f"{path} keeps docsync in a form a table cannot be added to; add the link by hand"
        ) from None
    path.write_text(after.lstrip("\n"), encoding="utf-8")
    return path
