"""The management pages served for real: the hub's own web face (every built-in part) on
127.0.0.1 with uvicorn, its database and file vault under the test's home, and a browser-like
httpx client that logs in by a ticket link and keeps the session cookie."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from server.hub.hub import Hub
from server.web.face import WebFace
from server.web.manage.sessions import ManageSession, Sessions, login_link
from tests.webhooks.receiver import Receiver

ENVIRON = {"TIELINE_VAULT_BACKEND": "file", "TIELINE_VAULT_PASSPHRASE": "manage tests"}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


@dataclass
class Served:
    hub: Hub
    face: WebFace
    url: str

    @property
    def sessions(self) -> Sessions:
        found = [a for a in self.face.authenticators if isinstance(a, ManageSession)]
        assert len(found) == 1
        return found[0].sessions

    def link(self) -> str:
        return login_link(self.url, self.face.secrets.token())

    def token(self) -> str:
        return self.face.secrets.token()


@pytest.fixture
async def served(tmp_path: Path) -> AsyncIterator[Served]:
    hub = await Hub.open(root=tmp_path, store_path=tmp_path / "hub.db", environ=ENVIRON)
    try:
        url = await hub.web.start()
        yield Served(hub, hub.web, url)
    finally:
        await hub.close()


class Browser:
    """An httpx client that acts as a browser would on these pages: it keeps cookies, sends
    ``Origin`` on posts, and reads each page's CSRF token."""

    def __init__(self, served: Served, http: httpx.AsyncClient) -> None:
        self.served = served
        self.http = http
        self.csrf = ""

    async def login(self) -> httpx.Response:
        r = await self.http.get(self.served.link())
        assert r.status_code == 200, r.text
        self.csrf = csrf_of(r.text)
        return r

    async def get(self, path: str) -> httpx.Response:
        r = await self.http.get(self.served.url + path)
        if r.status_code == 200 and 'name="csrf"' in r.text:
            self.csrf = csrf_of(r.text)
        return r

    async def post(
        self, path: str, data: dict[str, str | list[str]] | None = None, **headers: str
    ) -> httpx.Response:
        fields: dict[str, str | list[str]] = {"csrf": self.csrf, **(data or {})}
        sent = {"Origin": self.served.url, **headers}
        r = await self.http.post(self.served.url + path, data=fields, headers=sent)
        if r.status_code == 200 and 'name="csrf"' in r.text:
            self.csrf = csrf_of(r.text)
        return r


def csrf_of(page: str) -> str:
    m = CSRF.search(page)
    assert m, "the page has no CSRF token"
    return m.group(1)


@pytest.fixture
async def browser(served: Served) -> AsyncIterator[Browser]:
    async with httpx.AsyncClient(timeout=30, follow_redirects=True) as http:
        yield Browser(served, http)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as r:
        yield r
