"""Finding pages across the signed-in Pages sessions (a stand-in hub with two)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from connectors.sdk.connector import Connector, ConnectorContext
from connectors.sdk.errors import InvalidRequest, TielineError
from server.hub.pages.sync import page_at, resolve, search
from tests.pages.connector import HOST, PagesFake, Site


@dataclass
class _Session:
    connector: Connector
    key: str


class _Hub:
    def __init__(self, *sessions: _Session) -> None:
        self.sessions = list(sessions)
        self.asked: list[bool] = []

    def sessions_with(self, capability: type, *, ask: bool = True) -> list[_Session]:
        self.asked.append(ask)
        return self.sessions


def _session(key: str) -> _Session:
    ctx = ConnectorContext(http=httpx.AsyncClient(), account="ada", api_url=HOST)
    return _Session(PagesFake(ctx), key)


async def test_search_and_resolve(site: Site) -> None:
    page = site.page("Roadmap")
    one, two = _session("a"), _session("b")
    hub = _Hub(one, two)
    found = await search(hub, "road")  # type: ignore[arg-type]
    assert [(c.session.key, c.page.id, c.label) for c in found] == [
        ("a", page.id, "Roadmap (ENG)"),
        ("b", page.id, "Roadmap (ENG)"),
    ]
    assert found[0].service.name == "Fake Pages"
    assert resolve(hub, f"{HOST}/wiki/{page.id}") == (one, page.id)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequest, match="more than one"):
        resolve(hub, page.id)  # type: ignore[arg-type]
    with pytest.raises(InvalidRequest, match="no signed-in page service"):
        resolve(hub, "https://elsewhere.example/x")  # type: ignore[arg-type]
    assert resolve(_Hub(two), page.id) == (two, page.id)  # type: ignore[arg-type]


def test_page_at_asks_nobody() -> None:
    hub = _Hub(_session("a"))
    assert page_at(hub, f"{HOST}/wiki/pg9")[1] == "pg9"  # type: ignore[arg-type, index]
    assert page_at(hub, "https://elsewhere.example/wiki/pg9") is None  # type: ignore[arg-type]
    assert hub.asked == [False, False]


async def test_nobody_signed_in() -> None:
    with pytest.raises(TielineError, match="sign in"):
        await search(_Hub(), "x")  # type: ignore[arg-type]
