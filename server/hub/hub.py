"""The hub: the composition root that the LSP layer (and the CLI) talk to.

It owns one of each shared part -- configuration, store, event bus, health board, job queue
with its worker and scheduler, reference scanner -- and the sessions (connector x host x
account) the workspace folders call for, any number of them (:mod:`.sessions` decides which).
Everything below it arrives by injection, so tests build a hub against a temporary store and
local stand-ins of the services. Policy lives elsewhere: which sessions (``sessions``), where
APIs are (``endpoints``), accounts (``credentials``), the mirror (``mirror``), acting on
items (``work``), signing in (``auth.orchestrator``).

The editor's hot paths (hover, lenses, links, completion) read the coordinators' in-memory
indexes and never wait on the network unless an item was never seen; syncing runs as durable
jobs, scheduled only while something in the editor listens.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx

from connectors.sdk import Registry, TielineError, default_registry
from connectors.sdk.capabilities import provides
from connectors.sdk.errors import ReauthRequired
from connectors.sdk.models import Issue
from connectors.sdk.settings import ConnectorSettings

from . import config as config_mod
from . import endpoints, paths
from .autolinks import Autolinks, load_autolinks
from .ci.logs import LogBook
from .consent_gate import GATED_METHODS, ConsentGate
from .credentials import CredentialProvider, Found, default_credentials
from .events import Event, EventBus, EventKind
from .health import HealthBoard
from .http import NetworkSettings
from .jobs import JobContext, JobQueue, Listeners, Scheduler, Worker
from .metrics import PersistingRecorder
from .mirror import Mirror
from .refs import ItemTarget, ReferenceScanner, RuleSet, ScanContext, Site
from .sessions import Session, Wanted, build_connector, plan, preferred_account, remote_hosts
from .snippets import SecretScanner, SnippetLibrary
from .store import Store
from .sync.changes import Change
from .sync.coordinator import Coordinator
from .sync.syncers import SYNCERS, Syncer, Watch
from .tasks.board import Board as TaskBoard
from .teamlink import TeamLink
from .webhooks import Webhooks
from .workspace import Folder, Workspace, detect_folder

if TYPE_CHECKING:
    from server.web.face import WebFace

    from .auth.orchestrator import SignIns
    from .docs import DocsLibrary

log = logging.getLogger("tieline.hub")

SYNC_JOB = "sync"
LISTEN_TOPIC = "sync"

__all__ = ["Hub", "HubState", "Session"]


@dataclass
class HubState:
    """What the LSP layer shows in ``doctor``-like places: config problems and sources."""

    problems: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


class Hub:
    def __init__(
        self,
        *,
        store: Store,
        root: Path | None = None,
        folders: Sequence[Path] | None = None,
        registry: Registry | None = None,
        credentials: CredentialProvider | None = None,
        environ: Mapping[str, str] | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.store = store
        self.paths: list[Path] = list(folders) if folders is not None else ([root] if root else [])
        self.registry = registry or default_registry()
        self.environ = dict(os.environ if environ is None else environ)
        self.credentials = credentials or default_credentials(self.environ)
        self.cache_dir = cache_dir
        self.bus = EventBus()
        self.consent = ConsentGate(self.bus)
        self.health = HealthBoard()
        self.listeners = Listeners()
        self.queue = JobQueue(store)
        self.worker = Worker(self.queue, {SYNC_JOB: self._run_sync_job})
        self.scheduler = Scheduler(self.queue, listeners=self.listeners)
        #: Outgoing webhooks: every event to the endpoints that want it, as durable jobs.
        self.webhooks = Webhooks(
            store,
            self.queue,
            vault=self._webhook_vault,
            settings=lambda: self.config.webhooks,
            ca_bundle=lambda: Path(b) if (b := self.config.network.ca_bundle) else None,
        )
        self.webhooks.attach(self.bus, self.worker)
        #: The team hub's event stream (``team_hub.*``): pushed changes instead of polls.
        self.teamlink = TeamLink(self, vault=self._webhook_vault)
        self.mirror = Mirror(store)
        #: The snippet library, checking for every installed service's token shapes.
        self.snippets = SnippetLibrary(
            store, scanner=SecretScanner.from_manifests(self.registry.manifests())
        )
        #: Job logs opened as documents (read and followed in the background).
        self.logs = LogBook()
        #: The workspace folders' tasks (Makefile, package.json, tasks.json, justfile) and
        #: their runs.
        self.tasks = TaskBoard(
            lambda: [f.path for f in self.folders] or list(self.paths),
            ask_make=lambda: self.config.tasks.ask_make,
        )
        self._sign_ins: SignIns | None = None
        self._docs: DocsLibrary | None = None
        self._web: WebFace | None = None
        self.sessions: dict[str, Session] = {}
        self.folders: list[Folder] = []
        self.state = HubState()
        #: Set once the first :meth:`connect` has opened what it could: until then a hover
        #: says "connecting", not "sign in" (a token may be on its way).
        self.connected = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        #: Sessions the last :meth:`connect` wanted but could not open, and why (a refused
        #: token, a service down): the command line reports them beside what others said.
        self.unconnected: list[tuple[Wanted, TielineError]] = []
        self._connect_lock = asyncio.Lock()
        self.loaded = self._load_config(None)
        self.autolinks: Autolinks = load_autolinks([])
        self.scanner = ReferenceScanner(RuleSet())
        self._contexts: list[ScanContext] = []
        self._context_of: dict[str, int] = {}
        self._apply_config(self.loaded)

    # -- lifecycle --------------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        *,
        root: Path | None = None,
        store_path: Path | str | None = None,
        **kwargs: Any,
    ) -> Hub:
        store = await Store.open(store_path)
        cache_dir = kwargs.pop("cache_dir", None) or paths.ensure(paths.data_dir() / "http-cache")
        return cls(store=store, root=root, cache_dir=cache_dir, **kwargs)

    async def close(self) -> None:
        if self._web is not None:
            await self._web.stop()
        await self.teamlink.stop()
        self.worker.stop()
        self.webhooks.stop()
        self.logs.close()
        await self.tasks.close()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        for s in self.sessions.values():
            await s.http.aclose()
        self.sessions.clear()
        if self._docs is not None:
            await self._docs.aclose()
        await self.webhooks.aclose()
        await self.store.close()

    @property
    def web(self) -> WebFace:
        """The local web face (``server/web``), made on first use and started by whoever
        needs it: ``url = await hub.web.start()``. Imported only then: an editor that never
        receives a webhook never loads Starlette."""
        if self._web is None:
            from server.web.face import for_hub

            self._web = for_hub(self)
        return self._web

    def start_background(self) -> None:
        """Run the job worker and the scheduler on the current event loop."""
        if self._tasks:
            return
        self._tasks = [
            asyncio.create_task(self.worker.run(), name="tieline-worker"),
            asyncio.create_task(self.scheduler.run(), name="tieline-scheduler"),
            asyncio.create_task(self.webhooks.run(), name="tieline-webhooks"),
        ]
        self.teamlink.start()

    def _webhook_vault(self) -> Any:
        """The vault webhook secrets live in: the credentials' own, else one opened now."""
        vault = getattr(self.credentials, "vault", None)
        if vault is None:
            from .vault import open_vault

            vault = open_vault(env=self.environ)
        return vault

    # -- configuration ----------------------------------------------------------------------

    @property
    def root(self) -> Path | None:
        """The first workspace folder (the one ``.tieline.toml`` is read from)."""
        return self.paths[0] if self.paths else None

    @property
    def config(self) -> config_mod.Config:
        return self.loaded.config

    def settings(self, connector_id: str) -> ConnectorSettings:
        return self.config.connectors[connector_id]

    def _load_config(self, editor: Mapping[str, Any] | None) -> config_mod.Loaded:
        # Connectors declared as data are read again with the configuration they belong to.
        self.registry.discover(paths.connector_dirs(self.paths))
        return config_mod.load(
            workspace=self.root,
            editor=editor,
            environ=self.environ,
            manifests=self.registry.manifests(),
        )

    async def reconfigure(self, editor: Mapping[str, Any] | None) -> list[str]:
        """Reload every layer with new editor settings; return the problems found.

        Sessions are built from the connection and sync settings (API URLs, accounts, CA
        bundle, poll interval); sessions whose settings changed close, and the caller's
        next :meth:`connect` opens what is wanted now.
        """
        before = self._session_settings()
        self._apply_config(self._load_config(editor))
        after = self._session_settings()
        if self._docs is not None and (
            self._docs.settings != self.config.docs or before[""] != after[""]
        ):
            old, self._docs = self._docs, None
            await old.aclose()
        for s in list(self.sessions.values()):
            if before.get(s.connector_id) != after.get(s.connector_id) or before[""] != after[""]:
                log.info("%s settings changed: reconnecting", s.connector_id)
                await self.drop_sessions(s.connector_id, s.host, s.login)
        await self.teamlink.reconfigured()
        return self.state.problems

    def _session_settings(self) -> dict[str, object]:
        cfg = self.config
        out: dict[str, object] = {
            cid: (cfg.connectors[cid], self.registry.stamp(cid)) for cid in cfg.connectors
        }
        out[""] = (cfg.network, cfg.sync)
        return out

    def _apply_config(self, loaded: config_mod.Loaded) -> None:
        self.loaded = loaded
        cfg = loaded.config
        self.autolinks = load_autolinks(cfg.autolinks)
        problems = [str(p) for p in loaded.problems] + list(self.autolinks.problems)
        problems += [f"connector {b.name}: {b.error}" for b in self.registry.broken]
        self.state = HubState(problems=problems, sources=loaded.sources)
        sites = [
            Site.of(m, endpoints.hosts(m, cfg.connectors[m.id]))
            for m in self.registry.manifests()
            if cfg.connectors[m.id].enabled
        ]
        self.scanner = ReferenceScanner(RuleSet(sites, autolinks=self.autolinks.rules))
        self.folders = self._detect_all()
        self._contexts = []
        self._refresh_scan_context()

    def _served_hosts(self) -> dict[str, str]:
        return remote_hosts(self.registry.manifests(), dict(self.config.connectors))

    def _markers(self) -> list[str]:
        return sorted({mk for m in self.registry.manifests() for mk in m.attach.markers})

    def _detect_all(self) -> list[Folder]:
        hosts = self._served_hosts()
        out: list[Folder] = []
        for path in self.paths:
            try:
                out.append(detect_folder(path, hosts=hosts, markers=self._markers()))
            except Exception as exc:  # a broken clone must not stop the server
                log.warning("workspace detection failed for %s: %s", path, exc)
                out.append(Folder(path=path))
        return out

    async def set_folders(self, folders: Sequence[Path]) -> None:
        """The editor's workspace folders changed (``didChangeWorkspaceFolders``)."""
        self.paths = list(folders)
        self.folders = self._detect_all()
        if self._docs is not None and self._docs.root != self.root:
            old, self._docs = self._docs, None  # relative set paths name the first folder
            await old.aclose()
        self._refresh_scan_context()

    @property
    def sign_ins(self) -> SignIns:
        """Signing in and out (the flows, authlib and all, load on first use)."""
        if self._sign_ins is None:
            from .auth.orchestrator import SignIns

            self._sign_ins = SignIns(self)
        return self._sign_ins

    @property
    def docs(self) -> DocsLibrary:
        """The installed documentation sets (built on first use; loaded by ``docs.load()``).
        A configuration change to ``docs.*`` or ``network.*`` starts a new library."""
        if self._docs is None:
            from .docs.api import library_for

            self._docs = library_for(self.config, workspace=self.root, cache_dir=self.cache_dir)
        return self._docs

    @property
    def connecting(self) -> bool:
        return not self.connected.is_set()

    @property
    def workspace(self) -> Workspace | None:
        """The first folder's preferred remote (commands that act on "the" clone)."""
        return next((f.primary for f in self.folders if f.primary), None)

    def folder_for(self, path: Path | None) -> Folder | None:
        """The workspace folder a file belongs to (the first folder when none contains it)."""
        if path is not None:
            best: Folder | None = None
            for f in self.folders:
                if f.contains(path) and (best is None or len(str(f.path)) > len(str(best.path))):
                    best = f
            if best is not None:
                return best
        return self.folders[0] if self.folders else None

    # -- sessions ---------------------------------------------------------------------------

    @property
    def primary(self) -> Session | None:
        """A session serving the first folder's repository, else any (compat for commands
        that act on one account)."""
        ws = self.workspace
        for s in self.sessions.values():
            if ws is not None and s.connector_id == ws.connector and s.host == ws.repo.host:
                return s
        return next(iter(self.sessions.values()), None) if ws is None else None

    def wanted(self) -> list[Wanted]:
        return plan(self.registry.manifests(), dict(self.config.connectors), self.folders)

    async def connect(self, capabilities: Sequence[str] = ()) -> list[Session]:
        """Open every session the workspace calls for and somebody is signed in to; close
        the ones no longer called for. Returns the sessions opened now or watching other
        repositories than before (the caller syncs them at once, with progress).

        ``capabilities`` (names, as manifests declare them): open only the sessions of
        connectors declaring one, and close none -- a command listing pull requests loads
        no tracker's code."""
        async with self._connect_lock:
            try:
                return await self._connect(frozenset(capabilities))
            finally:
                self.connected.set()

    async def _connect(self, capabilities: frozenset[str] = frozenset()) -> list[Session]:
        opened: list[Session] = []
        keep: set[str] = set()
        self.unconnected = []
        for w in self.wanted():
            declared = self.registry.manifest(w.connector).capabilities
            if capabilities and not capabilities.intersection(declared):
                continue
            try:
                got = await self._session_for_wanted(w)
            except TielineError as exc:
                log.warning("could not connect %s on %s: %s", w.connector, w.host, exc.message)
                self.unconnected.append((w, exc))
                continue
            if got is None:
                continue
            session, new = got
            keep.add(session.key)
            if new:
                opened.append(session)
        for key, s in list(self.sessions.items()):
            if key not in keep and not capabilities:
                await self.drop_sessions(s.connector_id, s.host, s.login)
        self._refresh_scan_context()
        return opened

    async def _session_for_wanted(self, w: Wanted) -> tuple[Session, bool] | None:
        """The session serving ``w`` (opened now when new), or ``None`` when nobody is
        signed in for it."""
        manifest = self.registry.manifest(w.connector)
        settings = self.settings(w.connector)
        found = self.credentials.auth_for(
            manifest,
            w.host,
            owner=w.owner,
            preferred=preferred_account(settings, w.host, w.owner),
            public_host=endpoints.public_host(manifest, settings),
        )
        if found is None:
            return None
        for s in self.sessions.values():
            if (
                s.connector_id == w.connector
                and s.host == w.host
                and (not found.login or s.login == found.login)
            ):
                if s.coordinator.watch != w.watch:
                    # A folder came or went: sync now so its CI and lists show promptly.
                    s.coordinator.watch = w.watch
                    return s, True
                return s, False
        return await self._open_session(w, found), True

    async def _open_session(self, w: Wanted, found: Found) -> Session:
        settings = self.settings(w.connector)
        login = found.login or await self._whose(w, found)
        account = f"{login}@{w.host}"
        tracker = self.health.tracker(w.connector, account)
        recorder = PersistingRecorder(tracker, self.store, w.connector, account)
        connector = self._build(w.connector, w.host, login, found, metrics=recorder, cache=True)
        cid = w.connector
        coordinator = Coordinator(
            connector,
            w.watch,
            mirror=lambda items: self.mirror.save(cid, account, items),
            publish=lambda change: self._publish(cid, account, change),
        )
        session = Session(
            cid, w.host, login, connector, connector.ctx.http, coordinator, tracker, found.method
        )
        if found.method in GATED_METHODS:
            grant = await self.store.get_grant(cid, account)
            session.granted = frozenset(grant.scopes) if grant is not None else None
        coordinator.allows = lambda cap: self.consent.allows(session, cap, ask=False)
        self.sessions[session.key] = session
        coordinator.index.put(await self.mirror.load(cid, account))
        coordinator.index.scopes = await self.mirror.load_scopes(cid, account)
        interval = self.teamlink.poll_interval(cid)  # a safety net while the team hub pushes
        self.scheduler.every(
            session.key,
            interval,
            SYNC_JOB,
            {"session": session.key},
            jitter=self.config.sync.jitter,
            listening=self.listeners.predicate(LISTEN_TOPIC),
            coalesce_key=f"sync:{session.key}",
            # The caller of connect() runs the first sync (with progress); a tick now would
            # only queue a second full sync behind it, on the loop while the editor hovers.
            first_in=interval,
        )
        self.scheduler.wake()
        log.info("session %s opened (%s)", session.key, settings.api_url or "default API")
        return session

    async def _whose(self, w: Wanted, found: Found) -> str:
        """Whose environment token this is: remembered from an earlier run (by fingerprint,
        so a start with the service down still opens the session from the mirror), else
        asked of the service."""
        key = f"env:{found.fingerprint}" if found.fingerprint else None
        if key is not None:
            known = await self.store.get_checkpoint(w.connector, key, "login")
            if known is not None:
                return known.cursor
        probe = self._build(w.connector, w.host, "", found, metrics=None, cache=False)
        try:
            result = await probe.check()
        finally:
            await probe.ctx.http.aclose()
        if not result.ok:
            # An outage or a rate limit is not a refused token: say which it was.
            raise result.error or ReauthRequired(
                result.detail or f"{w.connector} refused the token"
            )
        login = result.account or "unknown"
        await self.store.record_grant(w.connector, f"{login}@{w.host}", result.scopes or ())
        if key is not None:
            await self.store.set_checkpoint(w.connector, key, "login", login)
        return login

    def _build(
        self,
        connector_id: str,
        host: str,
        login: str,
        found: Found,
        *,
        metrics: PersistingRecorder | None,
        cache: bool,
    ) -> Any:
        return self.build_connector(
            connector_id, host, login, found.auth, method=found.method, metrics=metrics, cache=cache
        )

    def build_connector(
        self,
        connector_id: str,
        host: str,
        login: str,
        auth: httpx.Auth,
        *,
        method: str = "token",
        metrics: PersistingRecorder | None = None,
        cache: bool = False,
    ) -> Any:
        """A connector on the hub's HTTP stack with this hub's settings (doctor's probes)."""
        cfg = self.config
        return build_connector(
            self.registry,
            connector_id,
            self.settings(connector_id),
            host,
            login,
            auth,
            method=method,
            metrics=metrics,
            cache_dir=self.cache_dir if cache else None,
            network=NetworkSettings(
                ca_bundle=Path(cfg.network.ca_bundle) if cfg.network.ca_bundle else None,
                timeout=cfg.network.timeout,
            ),
        )

    async def drop_sessions(self, connector: str, host: str, login: str | None = None) -> int:
        """Close the sessions of an account (all on ``host`` when ``login`` is ``None``)."""
        dropped = 0
        for key, s in list(self.sessions.items()):
            if s.connector_id == connector and s.host == host and login in (None, s.login):
                log.info("session %s closed", key)
                self.scheduler.cancel(key)
                await s.http.aclose()
                del self.sessions[key]
                self.consent.forget({key})
                dropped += 1
        self._refresh_scan_context()
        return dropped

    async def reconnect(self, connector: str | None = None, host: str | None = None) -> None:
        """After a sign-in: close that connector's sessions, so the caller's next
        :meth:`connect` opens them with the account now chosen (and syncs them as new)."""
        for s in list(self.sessions.values()):
            if connector in (None, s.connector_id) and host in (None, s.host):
                await self.drop_sessions(s.connector_id, s.host)

    def sessions_with(self, capability: type, *, ask: bool = True) -> list[Session]:
        """Sessions whose connector declares and implements ``capability``, and whose
        account granted the scopes it needs (:mod:`server.hub.consent_gate`).

        ``ask``: the caller is a feature in use, so a session left out for want of consent
        has the editor offer the person to allow it; a check made while rendering (a code
        action's list, a hover) passes ``False`` and asks nobody."""
        name = capability.__name__
        return [
            s
            for s in self.sessions.values()
            if provides(s.connector, capability) and self.consent.allows(s, name, ask=ask)
        ]

    # -- sync -------------------------------------------------------------------------------

    async def sync_now(self, session: Session | None = None) -> list[Change]:
        """Sync one session right away (the first sync, which the editor shows progress for)."""
        s = session or self.primary
        if s is None:
            return []
        log.debug("sync %s started", s.key)
        self._follow_checkout()
        known = s.coordinator.index.scopes
        try:
            found = await s.coordinator.sync()
        except ReauthRequired:
            await self._auth_required(s)
            raise
        await self._keep(s, SYNCERS, known)
        log.debug("sync %s finished: %d changes", s.key, len(found))
        await self.bus.publish(
            Event(EventKind.SYNC_COMPLETED, s.connector_id, s.key, s.key, {"changes": len(found)})
        )
        return found

    async def sync_part(
        self, session: Session, syncers: Sequence[Syncer], *, announce: bool = False
    ) -> list[Change]:
        """Sync only some of a session's parts (a command showing pull requests needs no
        issues), mirrored like a full sync's; nothing is announced unless ``announce`` (a
        pushed event's refresh: see :meth:`Coordinator.sync`)."""
        known = session.coordinator.index.scopes
        try:
            found = await session.coordinator.sync(syncers, announce=announce)
        except ReauthRequired:
            session.tracker.set_disabled(True)
            raise
        await self._keep(session, syncers, known)
        return found

    async def _keep(
        self, s: Session, syncers: Sequence[Syncer], known: frozenset[str] | None
    ) -> None:
        """After a sync: the tracker's keys and each part of the index into the mirror, so a
        new process (the command line) reads them while they are fresh."""
        idx = s.coordinator.index
        if idx.scopes is not None and idx.scopes != known:
            await self.mirror.save_scopes(s.connector_id, s.account, idx.scopes)
        for syncer in syncers:
            if syncer.view and syncer.applies(s.connector):
                await self.mirror.save_view(
                    s.connector_id, s.account, syncer.view, syncer.dump(idx)
                )
        self._refresh_scan_context()

    def _follow_checkout(self) -> None:
        """The person may have switched branches since the last sync: CI follows HEAD."""
        if not self.paths:
            return
        current = self._detect_all()
        if current == self.folders:
            return
        self.folders = current
        by_key = {(w.connector, w.host): w.watch for w in self.wanted()}
        for s in self.sessions.values():
            watch = by_key.get((s.connector_id, s.host))
            if watch is not None and watch != s.coordinator.watch:
                s.coordinator.watch = watch
                log.info("%s now watches %s", s.key, _describe(watch))

    async def refresh(self) -> None:
        """A manual refresh: debounced, so a burst of clicks costs one sync per session."""
        window = self.config.sync.refresh_debounce
        log.debug("refresh requested for %d session(s)", len(self.sessions))
        for key in list(self.sessions):
            await self.scheduler.refresh(
                SYNC_JOB, {"session": key}, key=f"sync:{key}", window=window
            )
        self.scheduler.wake()

    async def _run_sync_job(self, ctx: JobContext) -> None:
        session = self.sessions.get(str(ctx.payload.get("session")))
        if session is not None:
            await self.sync_now(session)

    async def _auth_required(self, s: Session) -> None:
        s.tracker.set_disabled(True)
        self.scheduler.cancel(s.key)
        await self.bus.publish(
            Event(
                EventKind.AUTH_REQUIRED,
                s.connector_id,
                s.key,
                s.host,
                {"host": s.host, "service": s.manifest.name},
            )
        )

    async def _publish(self, connector: str, account: str, change: Change) -> None:
        payload = {"title": change.title, "url": change.url, **dict(change.payload)}
        await self.bus.publish(Event(change.kind, connector, account, change.subject, payload))

    # -- what the editor reads --------------------------------------------------------------

    def _refresh_scan_context(self) -> None:
        """Rebuild each folder's scan context, keeping the old object when nothing changed:
        it is part of the scanner's cache key and of the lens memo's inputs."""
        folders = self.folders or [Folder(path=Path("/"))]
        old = self._contexts
        new: list[ScanContext] = []
        for i, f in enumerate(folders):
            ctx = self._context(f)
            new.append(old[i] if i < len(old) and old[i] == ctx else ctx)
        self._contexts = new
        self._context_of = {}

    def _context(self, folder: Folder) -> ScanContext:
        cfg = self.config
        hosts: list[tuple[str, str]] = []
        for m in self.registry.manifests():
            settings = cfg.connectors[m.id]
            if settings.enabled:
                host = endpoints.public_host(m, settings)
                if host:
                    hosts.append((m.id, host))
        repos = [(r.connector, r.repo) for r in folder.remotes]
        known: dict[str, frozenset[str]] = {}
        bounds: list[tuple[str, int]] = []
        for s in self.sessions.values():
            idx = s.coordinator.index
            if idx.scopes is not None:
                known[s.connector_id] = known.get(s.connector_id, frozenset()) | idx.scopes
            for cid, repo in repos:
                if cid == s.connector_id and repo.host == s.host:
                    highest = idx.max_number.get(repo.full_name)
                    if highest:
                        bounds.append((f"{cid}:{repo.full_name}", highest))
        if folder.primary is not None:  # the folder's own host first for owner/repo#N
            p = folder.primary
            hosts = [(c, p.repo.host if c == p.connector else h) for c, h in hosts]
        return ScanContext(
            repos=tuple(repos),
            hosts=tuple(hosts),
            known=tuple(sorted(known.items())),
            bounds=tuple(sorted(bounds)),
        )

    def scan_context_for(self, path: Path | None) -> ScanContext:
        """The scan context of the folder ``path`` is in (cached per path)."""
        if not self._contexts:
            self._refresh_scan_context()
        key = str(path) if path is not None else ""
        i = self._context_of.get(key)
        if i is None:
            folder = self.folder_for(path)
            i = self.folders.index(folder) if folder is not None and folder in self.folders else 0
            self._context_of[key] = i
        return self._contexts[min(i, len(self._contexts) - 1)]

    @property
    def scan_context(self) -> ScanContext:
        return self.scan_context_for(None)

    def session_for(self, connector: str, host: str, scope: str | None = None) -> Session | None:
        """The session for an item: of its connector and host, the one watching its scope
        first (two accounts on one host serve different owners)."""
        candidates = [
            s for s in self.sessions.values() if s.connector_id == connector and s.host == host
        ]
        if len(candidates) > 1 and scope is not None:
            for s in candidates:
                if any(w.repo.full_name == scope for w in s.watch.repos):
                    return s
            settings = self.settings(connector)
            wanted = preferred_account(settings, host, scope)
            for s in candidates:
                if wanted and s.login.lower() == wanted.lower():
                    return s
                if s.login.lower() == scope.split("/")[0].lower():
                    return s
        return candidates[0] if candidates else None

    def cached(self, target: ItemTarget) -> Issue | None:
        key = target.item_id
        if key is None:
            return None
        s = self.session_for(target.connector, target.host, target.scope)
        return s.coordinator.index.items.get(key) if s else None

    def items_state(self) -> tuple[object, ...]:
        """What :meth:`cached` answers from, as a value: equal states give equal answers for
        every target. The configuration (which account serves which owner), and each
        session's key, watched repositories and index version (a new one on every change of
        its items). O(sessions): lenses and links compare it on every request."""
        sessions = self.sessions.items()
        return (
            self.loaded,
            *((k, s.coordinator.watch, s.coordinator.index.version) for k, s in sessions),
        )

    async def lookup(self, target: ItemTarget) -> Issue:
        """The item a reference names: from a session's index, else fetched once."""
        name = (
            self.registry.manifest(target.connector).name
            if target.connector in self.registry
            else target.connector
        )
        ref = target.ref
        if ref is None:
            raise TielineError(
                f"{target.key}: this folder is not a clone of a repository on {name}"
            )
        s = self.session_for(target.connector, target.host, target.scope)
        if s is None:
            if self.connecting:
                raise TielineError(f"connecting to {name}…")
            raise ReauthRequired(f"sign in to {name} ({target.host}) to see {ref.label}")
        return await s.coordinator.lookup(ref)


def _describe(watch: Watch) -> str:
    parts = [f"{w.repo}@{w.branch or '(detached)'}" for w in watch.repos]
    return ", ".join(parts) or "no repository"
