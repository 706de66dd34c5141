"""What the web face serves beyond its own routes, gathered in one place.

Each part is a function of the hub and the web face's secrets that returns its routes and
any authenticator it brings (a signed-link scheme, an OAuth provider's tokens). The app
never names a part; :func:`server.web.face.for_hub` asks this module for all of them. A part
imports its own modules inside its function, so a web face that is never started loads
none of them, and one that is loads each part once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

from .auth import Authenticator
from .secrets import WebSecrets

if TYPE_CHECKING:
    from .app import HubLike


@dataclass
class Part:
    """Routes to mount and authenticators to add to the chain."""

    routes: list[BaseRoute] = field(default_factory=list)
    authenticators: list[Authenticator] = field(default_factory=list)


PartMaker = Callable[["HubLike", WebSecrets], Part]


def widgets(hub: HubLike, secrets: WebSecrets) -> Part:
    """Embeddable cards and badges from the mirror, and signed links to show them."""
    from server.hub.hub import Hub
    from server.hub.widgets.source import WidgetSource

    from .widget_links import SignedLinks
    from .widgets_routes import routes

    if not isinstance(hub, Hub):  # a stand-in hub (tests of the app alone) has no mirror
        return Part()
    return Part(routes(WidgetSource.of_hub(hub)), [SignedLinks(secrets)])


#: Every built-in part, in mounting order.
BUILTIN: tuple[PartMaker, ...] = (widgets,)


def gather(hub: HubLike, secrets: WebSecrets) -> Part:
    """All parts' routes and authenticators, in :data:`BUILTIN`'s order."""
    whole = Part()
    for make in BUILTIN:
        part = make(hub, secrets)
        whole.routes.extend(part.routes)
        whole.authenticators.extend(part.authenticators)
    return whole
