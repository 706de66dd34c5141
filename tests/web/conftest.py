"""The web face, served for real: uvicorn on 127.0.0.1 (ephemeral port), its secrets in a
file vault under the test's home, reached with httpx.

The hub it serves is a small stand-in with the real parts the web face uses -- the event
bus and the typed configuration -- and a count of the syncs asked for; one test starts the
web face through the real :class:`~server.hub.hub.Hub` as the language server would.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from keyring.backends import fail
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Mount, Route

from server.hub.config import Config, WebSettings
from server.hub.events import Event, EventBus
from server.hub.vault import Vault, open_vault
from server.web.face import WebFace
from server.web.secrets import WebSecrets


@dataclass
class HubStandIn:
    bus: EventBus = field(default_factory=EventBus)
    web_settings: dict[str, Any] = field(default_factory=dict)
    refreshes: int = 0

    @property
    def config(self) -> Config:
        return Config(web=WebSettings(**self.web_settings))

    async def refresh(self) -> None:
        self.refreshes += 1


@dataclass
class Served:
    url: str
    port: int
    token: str
    face: WebFace
    hub: HubStandIn
    secrets: WebSecrets
    events: list[Event]

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


async def _item(request: Request) -> Response:
    return JSONResponse({"id": request.path_params["id"]})


async def _page(request: Request) -> Response:
    from starlette.responses import HTMLResponse

    return HTMLResponse("<!doctype html><title>page</title><p>hello</p>")


#: Routes a later part would add (an API mount, a page): they must be guarded like the rest
#: without app.py knowing them.
EXTRA: list[BaseRoute] = [
    Mount("/api", routes=[Route("/items/{id}", _item, methods=["GET", "DELETE"])]),
    Route("/pages/hello", _page),
]


def file_vault(path: Path) -> Vault:
    """The encrypted file vault at ``path`` (another opening of it is another process's)."""
    return open_vault(
        "file", keyring_backend=fail.Keyring(), file=path,
        env={"TIELINE_VAULT_PASSPHRASE": "web test passphrase"}, scrypt_n=2**10,
    )  # fmt: skip


@pytest.fixture
def vault(tmp_path: Path) -> Vault:
    return file_vault(tmp_path / "vault.json")


@pytest.fixture
def secrets(vault: Vault) -> WebSecrets:
    return WebSecrets(vault)


@pytest.fixture
def web_settings() -> dict[str, Any]:
    """Override in a test module (or parametrize) to serve with other [web] settings."""
    return {}


@pytest.fixture
async def served(secrets: WebSecrets, web_settings: dict[str, Any]) -> AsyncIterator[Served]:
    hub = HubStandIn(web_settings=dict(web_settings))
    events: list[Event] = []
    hub.bus.subscribe("*", events.append)
    face = WebFace(hub, secrets, extra=EXTRA)
    url = await face.start()
    assert face.port is not None
    try:
        yield Served(url, face.port, secrets.token(), face, hub, secrets, events)
    finally:
        await face.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=10.0) as client:
        yield client


def wait_for(events: list[Event], n: int) -> Callable[[], bool]:
    return lambda: len(events) >= n
