"""The Starlette application of the web face, and its one extension point.

:func:`create_app` builds it from the hub, the web face's secrets and the port it listens
on. Later parts add themselves without editing this module: their routes or mounts go in
``extra`` (``Route``, ``Mount("/api", routes=...)``, ``Mount("/widgets", app=...)``), and
a new way of proving identity (an OAuth provider's access tokens) goes in
``authenticators``, tried after the local token -- or, with no edit anywhere, as a
``tieline.web`` entry point (:mod:`.parts`) that :class:`~server.web.face.WebFace` mounts
when it starts. Every route is behind
:class:`~server.web.auth.RequireAuth` unless its endpoint is marked
:func:`~server.web.auth.self_authenticating`; ``request.user`` is the
:class:`~server.web.auth.Principal`, and Starlette's ``requires("scope")`` works.

Settings are read per request where they can change (extra hosts, replay window, body
limit); the CORS origins are read when the app is built (restart the web face to change
them).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Protocol

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from server import __version__
from server.hub.config import Config, WebSettings
from server.hub.events import EventBus

from .auth import AuthChain, Authenticator, LocalToken, Principal, RequireAuth, auth_error
from .guards import HostGuard, NoCrossOrigin, SecurityHeaders
from .hooks import HookInbox
from .hooks.ledger import DeliveryLedger
from .replay import ReplayGuard
from .secrets import WebSecrets

LOOPBACK = "127.0.0.1"


class HubLike(Protocol):
    """What the web face needs of the hub (:class:`server.hub.hub.Hub` is one)."""

    bus: EventBus

    @property
    def config(self) -> Config: ...

    async def refresh(self) -> None: ...


def own_hosts(port: int, settings: WebSettings) -> list[str]:
    """The ``Host`` values this listener answers to."""
    return [f"{LOOPBACK}:{port}", f"localhost:{port}", *settings.allowed_hosts]


def create_app(
    hub: HubLike,
    *,
    secrets: WebSecrets,
    port: int,
    extra: Sequence[BaseRoute] = (),
    authenticators: Sequence[Authenticator] = (),
    clock: Callable[[], float] = time.time,
) -> Starlette:
    """The web face's app for a listener on ``127.0.0.1:<port>``."""

    def settings() -> WebSettings:
        return hub.config.web

    async def after() -> None:
        if settings().refresh_on_hook:
            await hub.refresh()

    guard = ReplayGuard(lambda: float(settings().replay_window), clock=clock)
    inbox = HookInbox(
        secrets=secrets,
        bus=hub.bus,
        guard=guard,
        max_body=lambda: settings().max_body_kb * 1024,
        after=after,
        ledger=_ledger(hub, clock),
    )
    routes: list[BaseRoute] = [
        Route("/healthz", healthz, methods=["GET"], name="healthz"),
        *inbox.routes(),
        *extra,
    ]
    origins = list(settings().allowed_origins)
    cors = (
        Middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["authorization", "content-type"],
            allow_credentials=False,
            max_age=600,
        )
        if origins
        else Middleware(NoCrossOrigin)
    )
    app: Starlette

    def current_routes() -> Sequence[BaseRoute]:
        return app.router.routes

    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(HostGuard, allowed=lambda: own_hosts(port, settings())),
            cors,
            Middleware(
                AuthenticationMiddleware,
                backend=AuthChain([LocalToken(secrets), *authenticators]),
                on_error=auth_error,
            ),
            Middleware(RequireAuth, routes=current_routes),
        ],
    )
    app.state.hub = hub
    app.state.secrets = secrets
    app.state.inbox = inbox
    app.state.port = port
    return app


def _ledger(hub: HubLike, clock: Callable[[], float]) -> DeliveryLedger | None:
    """Accepted delivery ids in the hub's database, where the hub has one (a stand-in hub of
    the app's own tests has not: memory alone then)."""
    from server.hub.store import Store

    store = getattr(hub, "store", None)
    return DeliveryLedger(store, clock=clock) if isinstance(store, Store) else None


async def healthz(request: Request) -> Response:
    """That the web face is up, and who you are to it."""
    user = request.user
    who = user.identity if isinstance(user, Principal) else None
    return JSONResponse({"ok": True, "version": __version__, "principal": who})
