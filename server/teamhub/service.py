"""``tieline hub serve``: the team hub as a long-running service.

One process is one *node*. It opens the store named by ``database_url`` (migrating it), the
OAuth provider over the same database, tails the event log, and serves with uvicorn on the
configured address: the webhook inbox (:mod:`.inbox`), the SSE stream and ``/me``
(:mod:`.streams`), the OAuth provider's endpoints (so editors get their tokens here), and the
operations endpoints:

- ``GET /healthz`` -- liveness: the process answers (200), nothing else is checked;
- ``GET /readyz`` -- readiness: the database answers, its schema is this code's newest, and
  the node is not draining (200, else 503 with the reasons), for a load balancer to route by;
- ``GET /metrics`` -- Prometheus text format (:mod:`.metrics`).

Shutdown (SIGTERM or SIGINT): readiness turns 503, the listener stops accepting, every SSE
stream ends with a comment (its client reconnects elsewhere with ``Last-Event-ID``), requests
in flight -- a webhook being recorded -- finish within ``shutdown_timeout``, then the tailer,
the provider and the store close, and the process exits 0.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.authentication import AuthenticationMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from connectors.sdk.errors import ConfigError
from server import __version__
from server.hub import paths
from server.hub.eventlog import EventLog, LoggedEvent, LogTailer
from server.hub.oauth_provider.provider import OAuthProvider
from server.hub.store import Store, current_version, load_migrations
from server.web.api.problems import ApiError
from server.web.auth import AuthChain, RequireAuth, auth_error, self_authenticating
from server.web.guards import HostGuard, NoCrossOrigin, SecurityHeaders
from server.web.oauth_routes import OAuthBearer
from server.web.oauth_routes import routes as oauth_routes

from .config import HubSecrets, HubSettings
from .inbox import HubInbox
from .metrics import CONTENT_TYPE, HubMetrics
from .mirror import SharedMirror
from .streams import Streams

log = logging.getLogger("tieline.hub")

_PUBLIC = "operations: public by design (liveness, readiness, metrics carry no secret)"


def database_target(url: str) -> Path | str:
    """The database a ``database_url`` names: an SQLite file, or a PostgreSQL URL as given.

    ``sqlite:////abs/path.db`` (absolute), ``sqlite:///rel/path.db`` (relative), or a plain
    path; empty: Tieline's own database file under ``TIELINE_HOME`` -- the one ``tieline api``
    (clients, consent, grants) works on, so an operator's commands reach the hub's provider.
    ``postgresql://user@host/db`` (or ``postgres://``): the database several nodes share,
    the store, event log and OAuth provider all in it (needs the ``postgres`` extra).
    """
    if not url:
        return paths.database_file()
    scheme, sep, rest = url.partition("://")
    if not sep:
        return Path(url)
    if scheme in ("sqlite", "sqlite3"):
        if not rest.startswith("/") or rest == "/":
            raise ConfigError("a SQLite database_url is sqlite:///relative.db or sqlite:////abs.db")
        return Path(rest[1:])
    if scheme in ("postgresql", "postgres"):
        return url
    raise ConfigError(f"database_url: unknown scheme {scheme}: (sqlite:/// or postgresql://)")


class _Server(uvicorn.Server):
    """uvicorn's server with the hub's own signal handling: SIGTERM/SIGINT start the drain
    (:meth:`Node.begin_shutdown`) instead of uvicorn's exit, and are not re-raised after."""

    node: Node

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.node.begin_shutdown, sig)
        try:
            yield
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)


@dataclass
class Node:
    """One running hub node: its parts, built by :meth:`open`."""

    settings: HubSettings
    store: Store
    provider: OAuthProvider
    events: EventLog
    tailer: LogTailer
    metrics: HubMetrics
    inbox: HubInbox
    streams: Streams
    name: str
    draining: bool = False
    server: _Server | None = None
    _tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    @classmethod
    async def open(
        cls, settings: HubSettings, *, secrets: HubSecrets | None = None, port: int = 0
    ) -> Node:
        target = database_target(settings.database_url)
        store = await Store.open(target)
        try:
            provider = await OAuthProvider.open(target, store=store)
        except BaseException:
            await store.close()
            raise
        metrics = HubMetrics()
        events = EventLog(store)

        def on_row(row: LoggedEvent, reached: int) -> None:
            age = max(0.0, time.time() - row.received_at)
            metrics.lag.set(age)
            metrics.latency.observe(age)

        tailer = LogTailer(
            events,
            interval=settings.poll_interval,
            settle=settings.settle_seconds,
            on_row=on_row,
        )
        name = settings.node_name(port)
        mirror = SharedMirror(store)
        inbox = HubInbox(
            settings=settings,
            secrets=secrets or HubSecrets(),
            db=store,
            events=events,
            tailer=tailer,
            metrics=metrics,
            mirror=mirror,
        )
        streams = Streams(
            settings=settings,
            db=store,
            events=events,
            tailer=tailer,
            provider=provider,
            metrics=metrics,
            node=name,
            mirror=mirror,
        )
        return cls(settings, store, provider, events, tailer, metrics, inbox, streams, name)

    # -- the app -----------------------------------------------------------------------------------

    def app(self, port: int) -> Starlette:
        s = self.settings
        hosts = {f"127.0.0.1:{port}", f"localhost:{port}", f"{s.host}:{port}", *s.allowed_hosts}
        routes: list[BaseRoute] = [
            Route("/healthz", self.healthz, methods=["GET"], name="healthz"),
            Route("/readyz", self.readyz, methods=["GET"], name="readyz"),
            Route("/metrics", self.metrics_page, methods=["GET"], name="metrics"),
            *self.inbox.routes(),
            *self.streams.routes(),
            *oauth_routes(self.provider),
        ]
        app: Starlette

        def current() -> list[BaseRoute]:
            return list(app.router.routes)

        app = Starlette(
            routes=routes,
            exception_handlers={e: _database_away for e in _database_errors()},
            middleware=[
                Middleware(SecurityHeaders),
                Middleware(HostGuard, allowed=lambda: hosts),
                Middleware(NoCrossOrigin),
                Middleware(
                    AuthenticationMiddleware,
                    backend=AuthChain([OAuthBearer(self.provider)]),
                    on_error=auth_error,
                ),
                Middleware(RequireAuth, routes=current),
            ],
        )
        return app

    @self_authenticating(_PUBLIC)
    async def healthz(self, request: Request) -> Response:
        return JSONResponse({"ok": True, "version": __version__, "node": self.name})

    @self_authenticating(_PUBLIC)
    async def readyz(self, request: Request) -> Response:
        problems: list[str] = []
        if self.draining:
            problems.append("draining")
        try:
            async with asyncio.timeout(2):
                have = await current_version(self.store)
            want = load_migrations()[-1].version
            if have != want:
                problems.append(f"schema version {have}, this code needs {want}")
        except Exception as exc:
            problems.append(f"database unreachable ({type(exc).__name__})")
        body = {"ready": not problems, "node": self.name, "problems": problems}
        return JSONResponse(body, status_code=503 if problems else 200)

    @self_authenticating(_PUBLIC)
    async def metrics_page(self, request: Request) -> Response:
        m = self.metrics
        m.queue_depth.set(self.tailer.queued())
        m.cursor.set(self.tailer.cursor)
        with contextlib.suppress(Exception):
            m.last_id.set(await self.events.last_id())
            row = await self.store.fetchone("SELECT count(*) FROM jobs WHERE state = 'queued'")
            m.jobs_queued.set(int(row[0]) if row else 0)
        return Response(m.render(), media_type=CONTENT_TYPE)

    # -- running -----------------------------------------------------------------------------------

    async def start(self) -> None:
        await self._purge()  # before serving: no stream is offered what retention deletes
        await self.tailer.start()
        self._spawn(self._retention(), "hub-retention")

    def _spawn(self, work: Any, name: str) -> None:
        task = asyncio.get_running_loop().create_task(work, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _retention(self) -> None:
        """Apply the retention every few minutes."""
        every = min(300.0, self.settings.retention_days * 86400 / 10)
        while True:
            await asyncio.sleep(every)
            await self._purge()

    async def _purge(self) -> None:
        """Delete events, and cursors of clients unseen, older than the retention."""
        try:
            horizon = time.time() - self.settings.retention_days * 86400
            gone = await self.events.purge(horizon)
            await self.streams.mirror.purge(horizon)
            await self.store.execute(
                "DELETE FROM hub_stream_cursors WHERE last_seen_at < ?", (horizon,)
            )
            if gone:
                log.info("retention: %d events older than %g days deleted", gone,
                         self.settings.retention_days)  # fmt: skip
        except Exception:
            log.exception("retention: purging the event log failed")

    def begin_shutdown(self, sig: int | None = None) -> None:
        """Stop taking work: readiness fails, streams end, the listener closes, in-flight
        requests get ``shutdown_timeout`` to finish."""
        if self.draining:
            if self.server is not None:  # a second signal: stop waiting
                self.server.force_exit = True
            return
        self.draining = True
        self.metrics.draining.set(1)
        what = signal.Signals(sig).name if sig else "a request"
        log.info(
            "shutting down on %s: draining %d streams and %d webhook deliveries",
            what, self.streams.open, self.inbox.in_flight,
        )  # fmt: skip
        self._spawn(self.streams.close(self.settings.shutdown_timeout), "hub-close-streams")
        if self.server is not None:
            self.server.should_exit = True

    async def close(self) -> None:
        await self.streams.close(1.0)
        await self.tailer.stop()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self.provider.close()
        await self.store.close()


def _database_errors() -> tuple[type[Exception], ...]:
    """What a statement raises when the database is away: SQLite's, PostgreSQL's (psycopg's,
    its pool's wait included), and the store's own."""
    import sqlite3

    from connectors.sdk.errors import StoreError

    errors: list[type[Exception]] = [StoreError, sqlite3.OperationalError]
    with contextlib.suppress(ImportError):  # the postgres extra is optional
        import psycopg

        errors.append(psycopg.OperationalError)
    return tuple(errors)


def _database_away(request: Request, exc: Exception) -> Response:
    """503 with ``Retry-After`` instead of a 500: a client (an editor's link, a script paging
    events) comes back in a moment, to this node or another."""
    log.warning("%s %s: the database is unreachable (%s)", request.method, request.url.path,
                type(exc).__name__)  # fmt: skip
    away = ApiError("service-unavailable", "the hub's database is unreachable; try again shortly")
    away.headers["Retry-After"] = "5"
    return away.response(request.url.path)


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (IPv6 when the host is an IPv6 address)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((host.strip("[]"), port))
        sock.listen(1024)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        raise ConfigError(f"the hub cannot listen on {host}:{port} ({exc.strerror})") from None
    return sock


async def serve(
    settings: HubSettings, *, secrets: HubSecrets | None = None, out: TextIO | None = None
) -> int:
    """Run one node until SIGTERM/SIGINT; print its URL on ``out`` once it listens."""
    sock = bind(settings.host, settings.port)
    port = int(sock.getsockname()[1])
    try:
        node = await Node.open(settings, secrets=secrets, port=port)
    except BaseException:
        sock.close()
        raise
    try:
        await node.start()
        ssl: dict[str, Any] = {}
        if settings.ssl_certfile:
            ssl = {
                "ssl_certfile": settings.ssl_certfile,
                "ssl_keyfile": settings.ssl_keyfile or None,
            }
        config = uvicorn.Config(
            SecurityHeaders(node.app(port)),
            log_config=None,
            access_log=False,
            server_header=False,
            proxy_headers=settings.trust_proxy,
            forwarded_allow_ips="*" if settings.trust_proxy else None,
            lifespan="off",
            ws="none",
            timeout_graceful_shutdown=int(max(1, settings.shutdown_timeout)),
            **ssl,
        )
        server = _Server(config)
        server.node = node
        node.server = server
        task = asyncio.get_running_loop().create_task(server.serve(sockets=[sock]))
        while not server.started:
            if task.done():
                task.result()
                return 1
            await asyncio.sleep(0.01)
        scheme = "https" if ssl else "http"
        url = f"{scheme}://{settings.host}:{port}"
        log.info("hub node %s listening on %s", node.name, url, extra={"port": port})
        print(f"listening on {url}", file=out or sys.stdout, flush=True)
        await task
        log.info("hub node %s stopped", node.name)
        return 0
    finally:
        await node.close()
        sock.close()


__all__ = ["Node", "bind", "database_target", "serve"]
