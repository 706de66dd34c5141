"""The ``Connector`` base class and the context the hub injects into it.

A connector is glue around a library-grade client: it maps the service's wire types into
shared models and implements capability protocols. It never schedules, retries, caches,
refreshes tokens or sleeps for rate limits -- the ``http`` client in its context already does
all of that -- so a connector is testable with nothing but an ``httpx.MockTransport``.

Besides its capabilities a connector may override a few hooks, each with a safe default:
``check()`` (who am I: it names the account at sign-in), ``known_scopes()`` (project keys,
so ``UTF-8`` is not taken for an issue), ``ci_scope()`` (what a repository's pipelines are
listed under), ``body_error()`` (errors a service reports inside a
200 answer), and ``revoke()`` (end a token at the service on sign-out).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import httpx

from .capabilities import missing_methods, provides
from .errors import CapabilityError, TielineError
from .manifest import Manifest
from .models import CheckResult, RepoRef

#: ``response.extensions[FROM_CACHE]`` is true when the hub's HTTP cache answered (a fresh
#: entry, or a stored one the service confirmed with 304): the body is one this account has
#: already received, so a poll may stop paging there.
FROM_CACHE = "tieline.from_cache"

#: Request headers for a read the hub's HTTP cache must neither store nor answer: a job's
#: log (several MB, growing while the job runs, read by offset). RFC 9111's request
#: ``no-store``; the hub's cache goes round such a request, and the service may honour it too.
NO_STORE = {"cache-control": "no-store"}


@dataclass(frozen=True)
class OAuthApp:
    """The OAuth client Tieline signs in through (some revocation APIs want it)."""

    client_id: str
    client_secret: str | None = field(default=None, repr=False)


@dataclass
class ConnectorContext:
    """Everything a connector needs, handed in by the hub.

    ``host`` is the host the session serves (``github.com``, a GitLab or GitHub Enterprise
    host, a Jira site's host); ``api_url``/``web_url`` are resolved for it. ``settings`` are
    the connector's validated ``connectors.<id>`` settings (base fields and its own).
    ``method`` and ``username`` say how the account signed in (``basic`` carries a user).
    """

    http: httpx.AsyncClient
    account: str
    api_url: str
    web_url: str | None = None
    host: str = ""
    #: Left out of the repr: a setting may be a credential kept as one (a Discord webhook
    #: URL), and a context is what ends up in a debugging line.
    settings: Mapping[str, Any] = field(default_factory=dict, repr=False)
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("tieline.connector"))
    method: str = "token"


class Connector:
    """Base class for connectors. Subclasses set ``manifest_path`` (or ``manifest``)."""

    manifest_path: ClassVar[Path | None] = None
    _manifest: ClassVar[Manifest | None] = None

    def __init__(self, ctx: ConnectorContext) -> None:
        self.ctx = ctx

    @classmethod
    def manifest(cls) -> Manifest:
        """The validated manifest, read once per class."""
        if cls.__dict__.get("_manifest") is None:
            if cls.manifest_path is None:
                raise CapabilityError(f"{cls.__name__} has no manifest")
            cls._manifest = Manifest.load(cls.manifest_path)
        assert cls._manifest is not None
        return cls._manifest

    @classmethod
    def verify_capabilities(cls) -> None:
        """Check that each declared capability is implemented (run once at registration)."""
        for cap in cls.manifest().capabilities:
            missing = missing_methods(cls, cap)
            if missing:
                raise CapabilityError(
                    f"connector {cls.manifest().id!r} declares {cap} but does not implement "
                    f"{', '.join(missing)}"
                )

    @property
    def web(self) -> str:
        """The web base for links to items (no trailing slash): the session's web URL, else
        the manifest's; empty when the service has no web pages."""
        return (self.ctx.web_url or self.manifest().web_url or "").rstrip("/")

    # -- hooks --------------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        """Can we reach the service with these credentials, and whose are they?"""
        raise NotImplementedError

    async def known_scopes(self) -> Sequence[str] | None:
        """Project or team keys this account can see, for trackers whose keys look like
        ordinary words (``PROJ-7`` but not ``UTF-8``); ``None``: every match counts."""
        return None

    def ci_scope(self, repo: RepoRef) -> str | None:
        """The scope this service's pipelines of ``repo`` are listed under (CircleCI's
        ``gh/octo/app``, a Jenkins job path), or ``None`` when it builds no such repository.
        The default is the repository's path, right for code hosts' own CI."""
        return repo.full_name

    @classmethod
    def body_error(cls, response: httpx.Response) -> TielineError | None:
        """An error the service reported inside a successful answer (GraphQL ``errors``,
        Slack's ``ok: false``), or ``None``. Called by the HTTP stack on 2xx JSON answers
        only when a subclass overrides it; the body has been read."""
        return None

    async def revoke(self, token: str, app: OAuthApp | None) -> bool:
        """End an OAuth ``token`` Tieline obtained, where the manifest names no RFC 7009
        revocation endpoint (GitHub's ``DELETE /applications/{client_id}/token``). ``True``
        when the service confirmed; the default says it cannot."""
        return False

    # -- capabilities ---------------------------------------------------------------------------
    def provides(self, proto: type) -> bool:
        return provides(self, proto)

    def capability(self, proto: type) -> Any:
        """Return ``self`` as ``proto``, or raise a :class:`CapabilityError` naming both.

        Typed ``Any`` on purpose: annotate the variable (``tracker: IssueTracker = ...``);
        mypy refuses protocol classes as ``type[P]`` arguments."""
        if not provides(self, proto):
            raise CapabilityError(
                f"connector {self.manifest().id!r} does not provide the {proto.__name__} capability"
            )
        return self
