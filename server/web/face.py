"""The web face as a thing the hub starts on demand: bind 127.0.0.1, serve with uvicorn in
the hub's event loop, stop on request.

The socket is bound here (not by uvicorn) so the port -- ephemeral unless ``web.port`` says
otherwise -- is known before the app is built: the ``Host`` guard needs it. uvicorn then
serves that socket; its own logging configuration is left alone (``log_config=None``) so
the hub's logging, with its redaction, stays the only one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.routing import BaseRoute

from server.hub.vault import Vault, open_vault

from .app import LOOPBACK, HubLike, create_app
from .auth import Authenticator
from .errors import StartFailed
from .guards import SecurityHeaders
from .secrets import WebSecrets

log = logging.getLogger("tieline.web")


class _QuietServer(uvicorn.Server):
    """uvicorn's server without its signal handlers: inside the language server the process's
    signals belong to the process, not to a listener started on demand."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def bind_loopback(port: int) -> socket.socket:
    """A listening TCP socket on 127.0.0.1 (never another interface).

    ``IPPROTO_TCP`` is named, not left 0: asyncio sets ``TCP_NODELAY`` on accepted
    connections only when the socket says it is TCP, and without it every response (headers,
    then body) waits ~40 ms on Nagle and the client's delayed ACK.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit it: without it each small response waits ~40 ms for
        # the client's delayed ACK (uvicorn writes the headers and the body separately).
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind((LOOPBACK, port))
        sock.listen(128)
        sock.setblocking(False)
    except OSError as exc:
        sock.close()
        raise StartFailed(
            f"the web face cannot listen on {LOOPBACK}:{port} ({exc.strerror}); "
            "set web.port to another port, or 0 for any free one"
        ) from None
    return sock


class WebFace:
    """Start (once), report the base URL, stop. Safe to call :meth:`start` from several
    places at once: the first call starts it and the others wait for its URL."""

    def __init__(
        self,
        hub: HubLike,
        secrets: WebSecrets,
        *,
        extra: Sequence[BaseRoute] = (),
        authenticators: Sequence[Authenticator] = (),
    ) -> None:
        self.hub = hub
        self.secrets = secrets
        self.extra = list(extra)
        self.authenticators = list(authenticators)
        self.url: str | None = None
        self.port: int | None = None
        #: The Starlette app being served (tests enumerate its routes).
        self.app: Starlette | None = None
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> str:
        """Listen and serve in the background; return the base URL (``http://127.0.0.1:N``)."""
        async with self._lock:
            if self.running and self.url is not None:
                return self.url
            sock = bind_loopback(self.hub.config.web.port)
            port = int(sock.getsockname()[1])
            app = create_app(
                self.hub,
                secrets=self.secrets,
                port=port,
                extra=self.extra,
                authenticators=self.authenticators,
            )
            self.app = app
            config = uvicorn.Config(
                SecurityHeaders(app),  # outermost too: even a 500 carries the headers
                log_config=None,
                access_log=False,
                server_header=False,
                proxy_headers=False,
                lifespan="off",  # Starlette runs no mounted part's lifespan: parts start lazily
                ws="none",
                limit_concurrency=64,
                timeout_graceful_shutdown=5,
            )
            server = _QuietServer(config)
            self._server = server
            self._task = asyncio.get_running_loop().create_task(
                server.serve(sockets=[sock]), name="tieline-web"
            )
            while not server.started:
                if self._task.done():
                    task, self._server, self._task = self._task, None, None
                    sock.close()
                    why = repr(task.exception()) if task.exception() else "see the log"
                    raise StartFailed(f"the web face stopped while starting ({why})")
                await asyncio.sleep(0.01)
            self.port = port
            self.url = f"http://{LOOPBACK}:{port}"
            log.info("web face listening on %s", self.url)
            return self.url

    async def stop(self) -> None:
        async with self._lock:
            server, task = self._server, self._task
            self._server = self._task = None
            self.url = self.port = None
            if server is None or task is None:
                return
            server.should_exit = True
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
            log.info("web face stopped")


def vault_of(hub: object) -> Vault:
    """The vault the hub's credentials use (opened on first use), else the configured one."""
    vault = getattr(getattr(hub, "credentials", None), "vault", None)
    if isinstance(vault, Vault):
        return vault
    environ = getattr(hub, "environ", None)
    return open_vault(env=environ if isinstance(environ, Mapping) else None)


def for_hub(hub: HubLike, **kwargs: Any) -> WebFace:
    """The hub's web face (not started), its secrets in the hub's vault, serving every
    built-in part (:mod:`.parts`) besides whatever ``extra`` routes are given."""
    from .parts import gather

    secrets = WebSecrets(vault_of(hub))
    whole = gather(hub, secrets)
    extra = [*whole.routes, *kwargs.pop("extra", ())]
    authenticators = [*whole.authenticators, *kwargs.pop("authenticators", ())]
    return WebFace(hub, secrets, extra=extra, authenticators=authenticators, **kwargs)
