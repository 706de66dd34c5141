"""What the web face serves beyond its own routes, gathered in one place.

Each part is a function of the hub and the web face's secrets that returns its routes and
any authenticator it brings (a signed-link scheme, an OAuth provider's tokens). The app
never names a part; :func:`server.web.face.for_hub` asks this module for all of them. A part
imports its own modules inside its function, so a web face that is never started loads
none of them, and one that is loads each part once.

A part from another package installs itself with no edit here: its maker (the same
``(hub, secrets) -> Part``) is an entry point of the ``tieline.web`` group::

    [project.entry-points."tieline.web"]
    api = "tieline_api.web:part"

gathered after the built-in ones, in entry-point name order. Its routes sit behind the same
guards as every other route. A maker that fails to load or to run is logged and left out:
one broken part never keeps the web face from starting.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from starlette.routing import BaseRoute

from .auth import Authenticator
from .secrets import WebSecrets

if TYPE_CHECKING:
    from .app import HubLike

log = logging.getLogger("tieline.web")

#: The entry-point group of parts installed by other packages.
GROUP = "tieline.web"


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


def oauth(hub: HubLike, secrets: WebSecrets) -> Part:
    """Tieline's OAuth 2.0 provider for the public API: its endpoints, and its access tokens
    as principals (whose consent requests the editor asks about over the hub's bus)."""

    from server.hub.hub import Hub
    from server.hub.oauth_provider import provider as oauth_provider

    from .oauth_routes import OAuthBearer, routes

    if not isinstance(hub, Hub):  # a stand-in hub has no database
        return Part()
    provider = oauth_provider.OAuthProvider(hub.store.target, store=hub.store, bus=hub.bus)
    oauth_provider.use(provider)
    return Part(routes(provider), [OAuthBearer(provider)])


def api(hub: HubLike, secrets: WebSecrets) -> Part:
    """The public REST API under ``/api/v1``, on the principals the chain vouched for."""
    from server.hub.hub import Hub

    from .api.durable_hooks import WebhookHooks
    from .api.face import mount

    if not isinstance(hub, Hub):  # a stand-in hub has no mirror
        return Part()
    return Part([mount(hub, WebhookHooks(hub.webhooks))])


def manage(hub: HubLike, secrets: WebSecrets) -> Part:
    """The management pages (``/manage/``): webhooks, API clients, consent requests and
    grants, for a browser logged in by a one-time link (its session cookie as principal)."""
    from server.hub.hub import Hub

    from .manage.routes import routes
    from .manage.sessions import ManageSession, Sessions

    if not isinstance(hub, Hub):  # a stand-in hub has no webhooks nor database
        return Part()
    sessions = Sessions(secrets)
    return Part(routes(hub, sessions), [ManageSession(sessions)])


#: Every built-in part, in mounting order.
BUILTIN: tuple[PartMaker, ...] = (widgets, oauth, api, manage)


def installed() -> list[tuple[str, PartMaker]]:
    """The ``tieline.web`` entry points' makers, by name; one that fails to load is logged
    and left out."""
    makers: list[tuple[str, PartMaker]] = []
    for ep in sorted(importlib.metadata.entry_points(group=GROUP), key=lambda e: e.name):
        try:
            makers.append((ep.name, ep.load()))
        except Exception:
            log.exception("web part %s (%s) left out: it failed to load", ep.name, ep.value)
    return makers


def gather(hub: HubLike, secrets: WebSecrets) -> Part:
    """All parts' routes and authenticators: :data:`BUILTIN`'s in order, then the
    installed ones (:func:`installed`)."""
    whole = Part()
    makers: list[tuple[str, PartMaker]] = [(m.__name__, m) for m in BUILTIN]
    for name, make in [*makers, *installed()]:
        try:
            part = make(hub, secrets)
            if not isinstance(part, Part):
                raise TypeError(f"it made a {type(part).__name__}, not a Part")
        except Exception:
            if make in BUILTIN:
                raise  # a built-in part failing is a bug of ours: let it show
            log.exception("web part %s left out: it failed", name)
            continue
        whole.routes.extend(part.routes)
        whole.authenticators.extend(part.authenticators)
    return whole
