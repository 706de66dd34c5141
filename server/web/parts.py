"""Parts of the web face that install themselves: the ``tieline.web`` entry-point group.

A later part -- the public REST API, the OAuth provider's endpoints, widgets, management
pages -- ships a factory ``(hub) -> WebPart`` and one line in its package's metadata::

    [project.entry-points."tieline.web"]
    api = "server.web.api:part"

and the web face mounts its routes and adds its authenticators when it starts, with no
edit to the app or the hub. Its routes sit behind the same guards as every other route
(authenticated unless an endpoint is marked ``self_authenticating``). A part whose factory
fails is logged and left out: one broken part never keeps the web face from starting.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

from .auth import Authenticator

if TYPE_CHECKING:
    from .app import HubLike

log = logging.getLogger("tieline.web")

GROUP = "tieline.web"


@dataclass(frozen=True)
class WebPart:
    """What a part adds: routes (or mounts) and ways of proving identity."""

    name: str
    routes: Sequence[BaseRoute] = field(default_factory=tuple)
    authenticators: Sequence[Authenticator] = field(default_factory=tuple)


PartFactory = Callable[["HubLike"], WebPart]


def discover(hub: HubLike) -> list[WebPart]:
    """Every installed part, built for ``hub``, in entry-point name order."""
    parts: list[WebPart] = []
    for ep in sorted(importlib.metadata.entry_points(group=GROUP), key=lambda e: e.name):
        try:
            factory = ep.load()
            part = factory(hub)
            if not isinstance(part, WebPart):
                raise TypeError(f"{ep.value} returned {type(part).__name__}, not a WebPart")
        except Exception:
            log.exception("web part %s (%s) left out: it failed to load", ep.name, ep.value)
            continue
        parts.append(part)
    return parts
