"""``server.hub.papers.lookup`` on a real hub: the three connectors from a registry, pointed
at their stand-ins by settings, nobody signed in. Each is reached through an implicit
anonymous session; a Semantic Scholar key in the environment is sent as ``x-api-key``; a
connector switched off is not asked; no integration asks anyone to sign in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest

from connectors.arxiv.connector import ArxivConnector
from connectors.crossref.connector import CrossrefConnector
from connectors.sdk import NotFound
from connectors.sdk.papers import PaperId
from connectors.sdk.registry import Registry
from connectors.semanticscholar.connector import SemanticScholarConnector
from server.hub import papers
from server.hub.credentials import EnvCredentials
from server.hub.hub import Hub
from server.hub.store import Store
from tests.semanticscholar.conftest import ATTENTION, seed
from tests.standin.arxiv import ArxivStandIn
from tests.standin.crossref import CrossrefStandIn
from tests.standin.semanticscholar import S2StandIn

MakeHub = Callable[..., Awaitable[Hub]]


@pytest.fixture
async def open_hub(
    tmp_path: Path, arxiv: ArxivStandIn, crossref: CrossrefStandIn, s2: S2StandIn
) -> AsyncIterator[MakeHub]:
    seed(s2)
    opened: list[Hub] = []

    async def make(**extra: str) -> Hub:
        env = {
            "TIELINE_HOME": str(tmp_path / "home"),
            "TIELINE_CONNECTORS__ARXIV__API_URL": f"{arxiv.url}/api",
            "TIELINE_CONNECTORS__ARXIV__REQUEST_INTERVAL": "0",
            "TIELINE_CONNECTORS__CROSSREF__API_URL": crossref.url,
            "TIELINE_CONNECTORS__SEMANTICSCHOLAR__API_URL": f"{s2.url}/graph/v1",
            **extra,
        }
        registry = Registry()
        for cls in (ArxivConnector, CrossrefConnector, SemanticScholarConnector):
            registry.add(cls)
        store = await Store.open(tmp_path / f"tieline{len(opened)}.db")
        hub = Hub(
            store=store,
            root=tmp_path,
            registry=registry,
            credentials=EnvCredentials(env),
            environ=env,
        )
        opened.append(hub)
        return hub

    yield make
    for h in opened:
        await papers.desk(h).aclose()
        await h.close()


async def test_lookup_through_implicit_sessions(
    open_hub: MakeHub, arxiv: ArxivStandIn, s2: S2StandIn
) -> None:
    hub = await open_hub()
    await hub.connect()
    assert hub.sessions == {}  # nobody signed in, nobody asked to
    p = await papers.lookup(PaperId(scheme="arxiv", value="1605.08386"), hub)
    assert p.source == "arXiv" and p.title.startswith("Heat-bath")
    # The module-level entry uses the hub last used.
    again = await papers.lookup(PaperId(scheme="arxiv", value="1605.08386"))
    assert again == p and len(arxiv.log) == 1
    bert = await papers.lookup(PaperId(scheme="doi", value="10.18653/v1/N19-1423"), hub)
    assert bert.source == "Semantic Scholar"
    assert all("x-api-key" not in r.headers for r in s2.log)
    with pytest.raises(NotFound):
        await papers.lookup(PaperId(scheme="doi", value="10.1371/notarealdoi"), hub)


async def test_an_environment_key_is_sent(open_hub: MakeHub, s2: S2StandIn) -> None:
    s2.tokens["s2-key-abcdefgh"] = "ada"
    hub = await open_hub(TIELINE_SEMANTICSCHOLAR_API_KEY="s2-key-abcdefgh")
    p = await papers.lookup(PaperId(scheme="s2", value=ATTENTION), hub)
    assert p.title == "Attention is All you Need"
    assert s2.log[-1].headers.get("x-api-key") == "s2-key-abcdefgh"


async def test_a_switched_off_connector_is_not_asked(
    open_hub: MakeHub, crossref: CrossrefStandIn
) -> None:
    hub = await open_hub(TIELINE_CONNECTORS__CROSSREF__ENABLED="false")
    bert = await papers.lookup(PaperId(scheme="doi", value="10.18653/v1/N19-1423"), hub)
    assert bert.source == "Semantic Scholar" and crossref.log == []


async def test_no_sign_in_is_offered(open_hub: MakeHub) -> None:
    from server.lsp.features.panels import _sign_in_items

    hub = await open_hub()
    await hub.connect()
    assert _sign_in_items(hub) == []
