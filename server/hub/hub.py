"""The hub: the composition root that the LSP layer (and the CLI) talk to.

It owns one of each shared part -- configuration, store, event bus, health board, job queue
with its worker and scheduler, reference scanner -- and one :class:`Session` per signed-in
account that the workspace needs. Everything below it arrives by injection, so tests build a
hub against a temporary store and a local stand-in of the service.

The editor's hot paths (hover, lenses, links, completion) read the coordinator's in-memory
index and never wait on the network unless an item was never seen; syncing runs as durable
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
from typing import Any
from urllib.parse import urlsplit

import httpx

from connectors.sdk import (
    Connector,
    ConnectorContext,
    IssueTracker,
    Registry,
    TielineError,
    default_registry,
)
from connectors.sdk.errors import ReauthRequired
from connectors.sdk.models import Issue, PullRequest, RepoRef

from . import config as config_mod
from . import paths
from .autolinks import Autolinks, load_autolinks
from .credentials import CredentialProvider, default_credentials
from .events import Event, EventBus, EventKind
from .health import HealthBoard, HealthTracker
from .http import NetworkSettings, build_client
from .jobs import JobContext, JobQueue, Listeners, Scheduler, Worker
from .metrics import PersistingRecorder
from .refs import ReferenceScanner, RuleSet, ScanContext, up_to
from .store import Item, Store
from .sync.changes import Change
from .sync.coordinator import Coordinator, Watch
from .workspace import Workspace, detect

log = logging.getLogger("tieline.hub")

SYNC_JOB = "sync"
LISTEN_TOPIC = "sync"


@dataclass
class Session:
    """One connector + account, ready to use: its HTTP client, connector and coordinator."""

    connector_id: str
    host: str
    login: str
    connector: Connector
    http: httpx.AsyncClient
    coordinator: Coordinator
    tracker: HealthTracker

    @property
    def key(self) -> str:
        return f"{self.connector_id}:{self.host}:{self.login}"

    @property
    def account(self) -> str:
        """How a person names the account, and how the store keys it: ``login@host``."""
        return f"{self.login}@{self.host}"


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
        registry: Registry | None = None,
        credentials: CredentialProvider | None = None,
        environ: Mapping[str, str] | None = None,
        cache_dir: Path | None = None,
    ) -> None:
        self.store = store
        self.root = root
        self.registry = registry or default_registry()
        self.environ = dict(os.environ if environ is None else environ)
        self.credentials = credentials or default_credentials(self.environ)
        self.cache_dir = cache_dir
        self.bus = EventBus()
        self.health = HealthBoard()
        self.listeners = Listeners()
        self.queue = JobQueue(store)
        self.worker = Worker(self.queue, {SYNC_JOB: self._run_sync_job})
        self.scheduler = Scheduler(self.queue, listeners=self.listeners)
        self.sessions: dict[str, Session] = {}
        self.workspace: Workspace | None = None
        self.state = HubState()
        self._tasks: list[asyncio.Task[None]] = []
        self.loaded = config_mod.load(workspace=root, environ=self.environ)
        self.autolinks: Autolinks = load_autolinks([])
        self.scanner = ReferenceScanner(RuleSet())
        self._scan_context = ScanContext()
        self._scan_key: tuple[RepoRef | None, int | None] | None = None
        self._apply_config(self.loaded)

    # -- lifecycle --------------------------------------------------------------------------

    @classmethod
    async def open(
        cls,
        *,
        root: Path | None,
        store_path: Path | str | None = None,
        **kwargs: Any,
    ) -> Hub:
        store = await Store.open(store_path)
        cache_dir = kwargs.pop("cache_dir", None) or paths.ensure(paths.data_dir() / "http-cache")
        return cls(store=store, root=root, cache_dir=cache_dir, **kwargs)

    async def close(self) -> None:
        self.worker.stop()
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()
        for s in self.sessions.values():
            await s.http.aclose()
        self.sessions.clear()
        await self.store.close()

    def start_background(self) -> None:
        """Run the job worker and the scheduler on the current event loop."""
        if self._tasks:
            return
        self._tasks = [
            asyncio.create_task(self.worker.run(), name="tieline-worker"),
            asyncio.create_task(self.scheduler.run(), name="tieline-scheduler"),
        ]

    # -- configuration ----------------------------------------------------------------------

    @property
    def config(self) -> config_mod.Config:
        return self.loaded.config

    async def reconfigure(self, editor: Mapping[str, Any] | None) -> list[str]:
        """Reload every layer with new editor settings; return the problems found.

        Sessions are built from the connection and sync settings (API URL, account, CA
        bundle, poll interval); when those change the sessions close, and the caller's next
        :meth:`connect` opens them anew with the new values.
        """
        before = self._session_settings()
        self._apply_config(
            config_mod.load(workspace=self.root, editor=editor, environ=self.environ)
        )
        if self.sessions and self._session_settings() != before:
            log.info("connection settings changed: reconnecting")
            for s in list(self.sessions.values()):
                await self.drop_sessions(s.connector_id, s.host, s.login)
        return self.state.problems

    def _session_settings(self) -> tuple[object, ...]:
        cfg = self.config
        return (cfg.connectors.github, cfg.network, cfg.sync)

    def _apply_config(self, loaded: config_mod.Loaded) -> None:
        self.loaded = loaded
        cfg = loaded.config
        self.autolinks = load_autolinks(cfg.autolinks)
        problems = [str(p) for p in loaded.problems] + list(self.autolinks.problems)
        self.state = HubState(problems=problems, sources=loaded.sources)
        gh = self.registry.get("github").manifest() if "github" in self.registry.ids() else None
        if gh is not None and cfg.connectors.github.enabled:
            rules = RuleSet.from_manifest(
                gh,
                enterprise_hosts=cfg.connectors.github.enterprise_hosts,
                autolinks=self.autolinks.rules,
            )
        else:
            rules = RuleSet(autolinks=self.autolinks.rules)
        self.scanner = ReferenceScanner(rules)
        self.workspace = self._detect()
        self._scan_key = None
        self._refresh_scan_context()

    def _code_hosts(self) -> list[str]:
        gh = self.config.connectors.github
        if not gh.enabled:
            return []
        return [_host(gh.web_url), *gh.enterprise_hosts]

    def _detect(self) -> Workspace | None:
        if self.root is None:
            return None
        try:
            return detect(self.root, hosts=self._code_hosts())
        except Exception as exc:  # a broken clone must not stop the server
            log.warning("workspace detection failed: %s", exc)
            return None

    # -- sessions ---------------------------------------------------------------------------

    def _api_url(self, host: str) -> str:
        gh = self.config.connectors.github
        if host == _host(gh.web_url) or _host(gh.api_url) in (host, f"api.{host}"):
            return gh.api_url
        return f"https://{host}/api/v3"

    def _web_url(self, host: str) -> str:
        gh = self.config.connectors.github
        return gh.web_url if host == _host(gh.web_url) else f"https://{host}"

    @property
    def primary(self) -> Session | None:
        """The session serving the workspace's repository (``None`` before sign-in)."""
        ws = self.workspace
        if ws is None:
            return next(iter(self.sessions.values()), None)
        for s in self.sessions.values():
            if s.host == ws.repo.host:
                return s
        return None

    async def connect(self) -> Session | None:
        """Open the session the workspace needs (the default host when there is no clone).

        The account is chosen by the credential provider from the remote's host and owner
        and the workspace's ``connectors.github.account`` setting. Returns ``None`` when no
        account is signed in for that host: the editor then offers to sign in.
        """
        if not self.config.connectors.github.enabled or "github" not in self.registry.ids():
            return None
        host = (
            self.workspace.repo.host
            if self.workspace
            else _host(self.config.connectors.github.web_url)
        )
        owner = self.workspace.repo.owner if self.workspace else None
        for s in self.sessions.values():
            if s.host == host:
                return s
        found = self.credentials.auth_for(
            "github", host, owner=owner, preferred=self._preferred_account(host, owner)
        )
        if found is None:
            return None
        login, auth = found
        return await self._open_session("github", host, login, auth)

    def _preferred_account(self, host: str, owner: str | None) -> str | None:
        """The workspace's ``account`` setting, else the most specific matching rule."""
        gh = self.config.connectors.github
        if gh.account:
            return gh.account
        rules = [r for r in gh.accounts if r.host.lower() == host]
        for r in rules:
            if r.owner and owner and r.owner.lower() == owner.lower():
                return r.account
        return next((r.account for r in rules if not r.owner), None)

    async def _open_session(
        self, connector_id: str, host: str, login: str, auth: httpx.Auth
    ) -> Session:
        cls = self.registry.get(connector_id)
        if not login:  # an environment token: learn whose it is before naming anything
            probe = self.build_connector(cls, host, "", auth, metrics=None, cache=False)
            try:
                result = await probe.check()
            finally:
                await probe.ctx.http.aclose()
            login = result.account or "unknown"
            await self.store.record_grant(connector_id, f"{login}@{host}", result.scopes)
        account = f"{login}@{host}"
        tracker = self.health.tracker(connector_id, account)
        recorder = PersistingRecorder(tracker, self.store, connector_id, account)
        connector = self.build_connector(cls, host, login, auth, metrics=recorder, cache=True)
        http = connector.ctx.http
        cfg = self.config
        session_key = f"{connector_id}:{host}:{login}"
        watch = Watch(
            repo=self.workspace.repo if self.workspace else None,
            branch=self.workspace.branch if self.workspace else None,
        )
        coordinator = Coordinator(
            connector,
            watch,
            mirror=lambda items: self._mirror(connector_id, account, items),
            publish=lambda change: self._publish(connector_id, account, change),
        )
        session = Session(connector_id, host, login, connector, http, coordinator, tracker)
        self.sessions[session_key] = session
        await self._load_mirror(session)
        self.scheduler.every(
            session_key,
            cfg.sync.poll_interval,
            SYNC_JOB,
            {"session": session_key},
            jitter=cfg.sync.jitter,
            listening=self.listeners.predicate(LISTEN_TOPIC),
            coalesce_key=f"sync:{session_key}",
        )
        self.scheduler.wake()
        return session

    def build_connector(
        self,
        cls: type[Connector],
        host: str,
        login: str,
        auth: httpx.Auth,
        *,
        metrics: PersistingRecorder | None,
        cache: bool,
    ) -> Connector:
        cfg = self.config
        http = build_client(
            cls.manifest(),
            base_url=self._api_url(host),
            auth=auth,
            cache_dir=self.cache_dir if cache else None,
            metrics=metrics,
            network=NetworkSettings(
                ca_bundle=Path(cfg.network.ca_bundle) if cfg.network.ca_bundle else None,
                timeout=cfg.network.timeout,
            ),
        )
        ctx = ConnectorContext(
            http=http,
            account=login,
            api_url=self._api_url(host),
            web_url=self._web_url(host),
            settings=cfg.connectors.github.model_dump(),
            logger=logging.getLogger(f"tieline.connector.{cls.manifest().id}"),
        )
        return cls(ctx)

    async def drop_sessions(self, connector: str, host: str, login: str | None = None) -> int:
        """Close the sessions of an account (all on ``host`` when ``login`` is ``None``)."""
        dropped = 0
        for key, s in list(self.sessions.items()):
            if s.connector_id == connector and s.host == host and login in (None, s.login):
                self.scheduler.cancel(key)
                await s.http.aclose()
                del self.sessions[key]
                dropped += 1
        self._scan_key = None
        self._refresh_scan_context()
        return dropped

    async def reconnect(self) -> Session | None:
        """After a sign-in: reopen the workspace's session with the account now chosen."""
        ws_host = self.workspace.repo.host if self.workspace else None
        host = ws_host or _host(self.config.connectors.github.web_url)
        await self.drop_sessions("github", host)
        return await self.connect()

    # -- sync -------------------------------------------------------------------------------

    async def sync_now(self, session: Session | None = None) -> list[Change]:
        """Sync one session right away (the first sync, which the editor shows progress for)."""
        s = session or self.primary
        if s is None:
            return []
        log.debug("sync %s started", s.key)
        self._follow_checkout(s)
        try:
            found = await s.coordinator.sync()
        except ReauthRequired:
            await self._auth_required(s)
            raise
        self._refresh_scan_context()
        log.debug("sync %s finished: %d changes", s.key, len(found))
        await self.bus.publish(
            Event(EventKind.SYNC_COMPLETED, s.connector_id, s.key, s.key, {"changes": len(found)})
        )
        return found

    def _follow_checkout(self, s: Session) -> None:
        """The person may have switched branches since the last sync: CI follows HEAD."""
        if self.root is None:
            return
        current = self._detect()
        if current is None or current == self.workspace:
            return
        self.workspace = current
        if current.repo.host == s.host:
            s.coordinator.watch = Watch(repo=current.repo, branch=current.branch)
            log.info("workspace now on %s (%s)", current.branch or "a detached HEAD", current.repo)

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
            Event(EventKind.AUTH_REQUIRED, s.connector_id, s.key, s.host, {"host": s.host})
        )

    async def _mirror(self, connector: str, account: str, items: Sequence[Issue]) -> None:
        rows = [
            Item(
                connector=connector,
                account=account,
                kind="pull_request" if it.is_pull_request else "issue",
                key=it.key,
                data=it.model_dump(mode="json"),
                updated_at=it.updated_at,
            )
            for it in items
        ]
        if rows:
            await self.store.upsert_items(rows)

    async def _load_mirror(self, s: Session) -> None:
        """Fill the index from the last run's mirror, so hovers work before the first sync."""
        account = s.account
        loaded: list[Issue] = []
        for kind, model in (("issue", Issue), ("pull_request", PullRequest)):
            for row in await self.store.list_items(s.connector_id, account, kind):
                try:
                    loaded.append(model.model_validate(row.data))
                except ValueError:
                    continue  # written by another version: the next sync replaces it
        s.coordinator.index.put(loaded)
        self._refresh_scan_context()

    async def _publish(self, connector: str, account: str, change: Change) -> None:
        payload = {"title": change.title, "url": change.url, **dict(change.payload)}
        await self.bus.publish(Event(change.kind, connector, account, change.subject, payload))

    # -- what the editor reads --------------------------------------------------------------

    def _refresh_scan_context(self) -> None:
        """Rebuild the scan context only when it changes: it is part of the scan cache key."""
        repo = self.workspace.repo if self.workspace else None
        s = self.primary
        highest = s.coordinator.index.max_number.get(repo.full_name) if (s and repo) else None
        if self._scan_key == (repo, highest):
            return
        self._scan_key = (repo, highest)
        self._scan_context = ScanContext(
            repo=repo,
            is_issue=up_to(highest) if highest else None,
            default_host=repo.host if repo else _host(self.config.connectors.github.web_url),
        )

    @property
    def scan_context(self) -> ScanContext:
        return self._scan_context

    def session_for(self, repo: RepoRef | None) -> Session | None:
        if repo is None:
            return self.primary
        for s in self.sessions.values():
            if s.host == repo.host:
                return s
        return None

    def cached(self, repo: RepoRef | None, number: int) -> Issue | None:
        repo = repo or (self.workspace.repo if self.workspace else None)
        s = self.session_for(repo)
        if s is None or repo is None:
            return None
        return s.coordinator.index.items.get(f"{repo.full_name}#{number}")

    async def lookup(self, repo: RepoRef | None, number: int) -> Issue:
        repo = repo or (self.workspace.repo if self.workspace else None)
        if repo is None:
            raise TielineError(f"#{number}: this folder is not a clone of a known repository")
        s = self.session_for(repo)
        if s is None:
            raise ReauthRequired(f"sign in to {repo.host} to see {repo.full_name}#{number}")
        return await s.coordinator.lookup(repo, number)

    async def create_issue(self, title: str, body: str = "") -> Issue:
        s = self.primary
        repo = self.workspace.repo if self.workspace else None
        if s is None or repo is None:
            raise TielineError("open a clone of a GitHub repository and sign in to create issues")
        tracker: IssueTracker = s.connector.capability(IssueTracker)
        issue = await tracker.create_issue(repo, title, body)
        s.coordinator.index.put([issue])
        await self._mirror(s.connector_id, s.account, [issue])
        await self.store.audit("user", "issue.create", issue.key, {"title": title})
        self._refresh_scan_context()
        return issue


def _host(url: str) -> str:
    return (urlsplit(url).hostname or url).lower()
