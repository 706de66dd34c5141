"""The provider served for real: a small Starlette app with ``routes(provider)`` on uvicorn
at 127.0.0.1 (an ephemeral port), over the test's own database, with an approver standing
in for the person (it listens for consent requests as the editor does).

Every test that takes ``api`` runs twice: on the SQLite file under ``TIELINE_HOME`` (the
embedded default), and on a fresh database of the session's throwaway PostgreSQL cluster
(tests/pg.py), as a team hub serves the provider. A test about the file itself, or about a
command that opens ``TIELINE_HOME``'s database, says ``@sqlite_provider``.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest
import uvicorn
from starlette.applications import Starlette

from server.hub import paths
from server.hub.oauth_provider.admin import Registered
from server.hub.oauth_provider.provider import OAuthProvider
from server.hub.oauth_provider.server import Lifetimes
from server.hub.oauth_provider.storage import ConsentRequest
from server.web.oauth_routes import routes
from tests.pg import BACKENDS, backend_target, pg_cluster

__all__ = ["pg_cluster", "sqlite_provider"]

LOOPBACK = "http://127.0.0.1/callback"


class FakeClock:
    """The provider's clock, moved by tests to expire things without waiting."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class Approver:
    """The person: approves (or denies, or leaves waiting) every consent request it sees."""

    provider: OAuthProvider
    mode: Literal["approve", "deny", "hold"] = "approve"
    seen: list[ConsentRequest] = field(default_factory=list)
    #: Set once it has answered a request (the device grant's poller does not wait for it).
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    _told: asyncio.Event = field(default_factory=asyncio.Event)

    async def only(self) -> ConsentRequest:
        """The one request it was told about (the telling runs beside the HTTP answer)."""
        await self._told.wait()
        (request,) = self.seen
        return request

    async def __call__(self, request: ConsentRequest) -> None:
        self.seen.append(request)
        self._told.set()
        if self.mode != "hold":
            await self.provider.decide(request.id, approve=self.mode == "approve", by="test")
            self.answered.set()


@dataclass
class Api:
    base: str
    provider: OAuthProvider
    approver: Approver
    clock: FakeClock

    def url(self, path: str) -> str:
        return self.base + path

    async def public_client(self, scopes: list[str] | None = None) -> Registered:
        return await self.provider.admin.add_client(
            "Test CLI", kind="public", redirect_uris=[LOOPBACK], scopes=scopes or []
        )

    async def confidential_client(self, scopes: list[str] | None = None) -> Registered:
        return await self.provider.admin.add_client(
            "Test service", kind="confidential", redirect_uris=[LOOPBACK], scopes=scopes or []
        )


#: For a test of the SQLite file itself, or of a command that opens ``TIELINE_HOME``'s.
sqlite_provider = pytest.mark.parametrize("oauth_backend", ["sqlite"])


@pytest.fixture(params=BACKENDS)
def oauth_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def oauth_target(oauth_backend: str, request: pytest.FixtureRequest) -> Path | str:
    """The provider's database: the default file, or a fresh PostgreSQL database's URL."""
    return backend_target(request, oauth_backend, paths.database_file(), "oauth")


@pytest.fixture
async def api(oauth_target: Path | str) -> AsyncIterator[Api]:
    clock = FakeClock()
    provider = await OAuthProvider.open(
        oauth_target, clock=clock, lifetimes=Lifetimes(), consent_wait=10.0
    )
    approver = Approver(provider)
    provider.listeners.append(approver)
    app = Starlette(routes=routes(provider))
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    # Accepted connections inherit it; without it each small response waits ~40 ms for a
    # delayed ACK (uvicorn writes headers and body separately).
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield Api(f"http://127.0.0.1:{port}", provider, approver, clock)
    finally:
        server.should_exit = True
        await task
        sock.close()
        provider.close()
