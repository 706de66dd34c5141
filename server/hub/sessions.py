"""Sessions: one connector x host x account, and which ones a workspace calls for.

:func:`plan` turns the workspace folders and the configuration into the sessions wanted:

- a connector that attaches to git remotes gets a session per host its folders' remotes are
  on (each watching those repositories and their branches), and one on its public host even
  without a clone (account-wide lists: my pull requests, my issues);
- a connector that attaches to a site gets a session on the configured site;
- an account-wide connector gets one session on its host.

Which account serves a wanted session is the credential provider's answer, steered by
:func:`preferred_account` (the ``account`` setting, else the most specific ``accounts``
rule). A wanted session nobody is signed in for is simply not opened; the editor offers
to sign in.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from connectors.sdk.connector import Connector, ConnectorContext
from connectors.sdk.manifest import Manifest
from connectors.sdk.registry import Registry
from connectors.sdk.settings import ConnectorSettings

from . import endpoints
from .health import HealthTracker
from .http import NetworkSettings, build_client
from .metrics import PersistingRecorder
from .sync.coordinator import Coordinator
from .sync.syncers import Watch, Watched
from .workspace import Folder

log = logging.getLogger("tieline.sessions")


@dataclass
class Session:
    """One connector + host + account, ready to use: its HTTP client, connector and
    coordinator (whose index the editor's hot paths read)."""

    connector_id: str
    host: str
    login: str
    connector: Connector
    http: httpx.AsyncClient
    coordinator: Coordinator
    tracker: HealthTracker
    method: str = "token"
    #: The scopes the account's recorded grant holds (``None``: not known, not gated); see
    #: :mod:`server.hub.consent_gate`.
    granted: frozenset[str] | None = None

    @property
    def key(self) -> str:
        return f"{self.connector_id}:{self.host}:{self.login}"

    @property
    def account(self) -> str:
        """How a person names the account, and how the store keys it: ``login@host``."""
        return f"{self.login}@{self.host}"

    @property
    def manifest(self) -> Manifest:
        return self.connector.manifest()

    @property
    def watch(self) -> Watch:
        return self.coordinator.watch


@dataclass(frozen=True)
class Wanted:
    """A session the workspace calls for, before an account is chosen."""

    connector: str
    host: str
    #: The owner of the first watched repository (chooses among accounts on the host).
    owner: str | None = None
    watch: Watch = field(default_factory=Watch)


def plan(
    manifests: Iterable[Manifest],
    settings: dict[str, ConnectorSettings],
    folders: Sequence[Folder],
) -> list[Wanted]:
    """The sessions the workspace folders and the configuration call for, in order."""
    out: list[Wanted] = []
    for m in manifests:
        s = settings.get(m.id)
        if s is None or not s.enabled:
            continue
        kind = m.attach.kind
        if kind == "remote":
            public = endpoints.public_host(m, s)
            by_host: dict[str, list[Watched]] = {}
            owners: dict[str, str] = {}
            for f in folders:
                for r in f.remotes:
                    if r.connector != m.id:
                        continue
                    _watch(
                        by_host.setdefault(r.repo.host, []), Watched(r.repo, f.branch, f.markers)
                    )
                    owners.setdefault(r.repo.host, r.repo.owner)
            if public and public not in by_host:
                by_host = {public: [], **by_host}
            for host, watched in by_host.items():
                out.append(Wanted(m.id, host, owners.get(host), Watch(tuple(watched))))
        else:
            site_or_account = endpoints.public_host(m, s)
            if site_or_account:
                out.append(Wanted(m.id, site_or_account, watch=_builds(m, folders)))
    return out


def _watch(watched: list[Watched], w: Watched) -> None:
    """Add ``w`` once per repository and branch (two folders of one clone: markers merged)."""
    for i, other in enumerate(watched):
        if (other.repo, other.branch) == (w.repo, w.branch):
            watched[i] = Watched(w.repo, w.branch, other.markers | w.markers)
            return
    watched.append(w)


def _builds(m: Manifest, folders: Sequence[Folder]) -> Watch:
    """What a site or account connector that builds repositories hosted elsewhere (a CI
    server) watches: every folder's repositories that have one of its markers, every
    folder's when it declares none. Others watch nothing."""
    if not m.attach.watch_repos:
        return Watch()
    markers = frozenset(m.attach.markers)
    watched: list[Watched] = []
    for f in folders:
        if markers and not markers & f.markers:
            continue
        for r in f.remotes:
            _watch(watched, Watched(r.repo, f.branch, f.markers))
    return Watch(tuple(watched))


def preferred_account(settings: ConnectorSettings, host: str, owner: str | None) -> str | None:
    """The workspace's ``account`` setting, else the most specific matching rule."""
    if settings.account:
        return settings.account
    rules = [r for r in settings.accounts if r.host.lower() == host]
    top = owner.split("/")[0].lower() if owner else None
    for r in rules:
        if r.owner and top and r.owner.lower() in (top, (owner or "").lower()):
            return r.account
    return next((r.account for r in rules if not r.owner), None)


def remote_hosts(
    manifests: Iterable[Manifest], settings: dict[str, ConnectorSettings]
) -> dict[str, str]:
    """Every git host some enabled connector serves, mapped to that connector."""
    out: dict[str, str] = {}
    for m in manifests:
        s = settings.get(m.id)
        if m.attach.kind != "remote" or s is None or not s.enabled:
            continue
        for h in endpoints.hosts(m, s):
            out.setdefault(h, m.id)
    return out


def build_connector(
    registry: Registry,
    connector_id: str,
    settings: ConnectorSettings,
    host: str,
    login: str,
    auth: httpx.Auth,
    *,
    method: str = "token",
    metrics: PersistingRecorder | None = None,
    cache_dir: Path | None = None,
    network: NetworkSettings | None = None,
) -> Connector:
    """A connector for one host and account on the hub's HTTP stack (imports its code)."""
    cls = registry.get(connector_id)
    manifest = cls.manifest()
    ends = endpoints.resolve(manifest, settings, host)
    http = build_client(
        manifest,
        base_url=ends.api_url,
        auth=auth,
        cache_dir=cache_dir,
        metrics=metrics,
        network=network,
        body_error=cls.body_error if _overrides(cls, "body_error") else None,
    )
    ctx = ConnectorContext(
        http=http,
        account=login,
        api_url=ends.api_url,
        web_url=ends.web_url,
        host=ends.host,
        settings=settings.model_dump(),
        logger=logging.getLogger(f"tieline.connector.{connector_id}"),
        method=method,
    )
    return cls(ctx)


def _overrides(cls: type[Connector], name: str) -> bool:
    return getattr(cls, name).__func__ is not getattr(Connector, name).__func__
