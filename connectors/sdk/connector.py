"""The ``Connector`` base class and the context the hub injects into it.

A connector is glue around a library-grade client: it maps the service's wire types into
shared models and implements capability protocols. It never schedules, retries, caches,
refreshes tokens or sleeps for rate limits -- the ``http`` client in its context already does
all of that -- so a connector is testable with nothing but an ``httpx.MockTransport``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

import httpx

from .capabilities import CAPABILITIES
from .errors import CapabilityError
from .manifest import Manifest
from .models import CheckResult

#: ``response.extensions[FROM_CACHE]`` is true when the hub's HTTP cache answered (a fresh
#: entry, or a stored one the service confirmed with 304): the body is one this account has
#: already received, so a poll may stop paging there.
FROM_CACHE = "tieline.from_cache"


@dataclass
class ConnectorContext:
    """Everything a connector needs, handed in by the hub."""

    http: httpx.AsyncClient
    account: str
    api_url: str
    web_url: str | None = None
    settings: Mapping[str, Any] = field(default_factory=dict)
    logger: logging.Logger = field(default_factory=lambda: logging.getLogger("tieline.connector"))


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
            proto = CAPABILITIES[cap]
            missing = [
                name for name in _protocol_methods(proto) if not callable(getattr(cls, name, None))
            ]
            if missing:
                raise CapabilityError(
                    f"connector {cls.manifest().id!r} declares {cap} but does not implement "
                    f"{', '.join(missing)}"
                )

    async def check(self) -> CheckResult:
        """Can we reach the service with these credentials? Subclasses override."""
        raise NotImplementedError

    def capability(self, proto: type) -> Any:
        """Return ``self`` as ``proto``, or raise a :class:`CapabilityError` naming both."""
        name = proto.__name__
        if name not in self.manifest().capabilities or not isinstance(self, proto):
            raise CapabilityError(
                f"connector {self.manifest().id!r} does not provide the {name} capability"
            )
        return self


def _protocol_methods(proto: type) -> list[str]:
    return [n for n, v in vars(proto).items() if callable(v) and not n.startswith("_")]
