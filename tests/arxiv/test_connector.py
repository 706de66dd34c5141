"""The arXiv connector against arXiv's own recorded Atom answers (tests/contracts/arxiv,
recorded by the ``arxiv`` package's test suite), through the hub's HTTP stack."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from connectors.arxiv.client import ArxivClient
from connectors.arxiv.connector import ArxivConnector
from connectors.sdk import InvalidRequest, NotFound
from connectors.sdk.papers import PaperId
from server.hub.http import HubClient
from tests.standin.arxiv import ArxivStandIn

Conn = tuple[ArxivConnector, HubClient]


def arxiv_id(value: str) -> PaperId:
    return PaperId(scheme="arxiv", value=value)


async def test_new_style_id(conn: Conn, arxiv: ArxivStandIn) -> None:
    connector, _ = conn
    p = await connector.paper(arxiv_id("1605.08386"))
    assert p.title == "Heat-bath random walks with Markov bases"
    assert p.authors[0] == "Caprice Stanley"
    assert p.year == 2016
    assert p.venue == "arXiv" and p.entry_type == "misc"
    assert p.arxiv_id == "1605.08386v1"
    assert p.url == "https://arxiv.org/abs/1605.08386v1"
    assert p.abstract.startswith("Graphs on lattice points")
    assert "  " not in p.abstract  # Atom's line breaks and indents folded
    assert p.source == "arXiv"
    (logged,) = arxiv.log
    assert dict(logged.query) == {"id_list": "1605.08386", "max_results": "1"}


async def test_old_style_id_with_journal_ref(conn: Conn) -> None:
    connector, _ = conn
    p = await connector.paper(arxiv_id("astro-ph/0601001"))
    assert p.title.startswith("Frequency of Hot Jupiters")
    assert p.authors == ("Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski")
    assert p.venue == "ActaAstron.56:1-50,2006"
    assert p.entry_type == "article"
    assert p.arxiv_id == "astro-ph/0601001v1"


async def test_versioned_ids(conn: Conn) -> None:
    connector, _ = conn
    new = await connector.paper(arxiv_id("2104.12255v1"))
    old = await connector.paper(arxiv_id("quant-ph/0201082v1"))
    assert new.arxiv_id == "2104.12255v1" and new.title
    assert old.arxiv_id == "quant-ph/0201082v1" and old.title


async def test_unknown_id_is_not_found(conn: Conn) -> None:
    connector, _ = conn
    with pytest.raises(NotFound):
        await connector.paper(arxiv_id("0000.0000"))


async def test_malformed_id_is_refused(conn: Conn) -> None:
    connector, _ = conn
    with pytest.raises((InvalidRequest, NotFound)):
        await connector.paper(arxiv_id("abc"))


async def test_other_schemes_are_not_asked(conn: Conn, arxiv: ArxivStandIn) -> None:
    connector, _ = conn
    assert connector.paper_schemes() == {"arxiv"}
    with pytest.raises(NotFound):
        await connector.paper(PaperId(scheme="doi", value="10.1/x"))
    assert arxiv.log == []


async def test_error_entry_in_a_200_is_refused() -> None:
    """arXiv's older API sent its error entry with a 200."""
    body = (
        '<feed xmlns="http://www.w3.org/2005/Atom"><entry>'
        "<id>http://arxiv.org/api/errors#incorrect_id_format_for_x</id><title>Error</title>"
        "<summary>incorrect id format for x</summary></entry></feed>"
    )
    http = httpx.AsyncClient(
        base_url="https://export.arxiv.org/api/",
        transport=httpx.MockTransport(lambda r: httpx.Response(200, text=body)),
    )
    async with http:
        with pytest.raises(InvalidRequest, match="incorrect id format"):
            await ArxivClient(http, interval=0).by_id("x")


async def test_calls_are_spaced_one_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each call starts ``interval`` after the previous one (arXiv's terms), measured on the
    event loop's sleeps, not on a clock."""
    slept: list[float] = []
    inflight = 0
    most = 0

    async def handler(request: httpx.Request) -> httpx.Response:
        nonlocal inflight, most
        inflight += 1
        most = max(most, inflight)
        await asyncio.sleep(0)
        inflight -= 1
        return httpx.Response(200, text='<feed xmlns="http://www.w3.org/2005/Atom"/>')

    client = ArxivClient(
        httpx.AsyncClient(base_url="https://x/", transport=httpx.MockTransport(handler)),
        interval=3.0,
    )
    real_sleep = asyncio.sleep

    async def fake_sleep(delay: float) -> None:
        # Only the client's spacing waits (seconds long) are counted and skipped; any other
        # task's short sleeps (a poller left by an earlier test) really sleep.
        if delay < 1.0:
            await real_sleep(delay)
            return
        slept.append(delay)
        client._last -= delay  # the time passes
        await real_sleep(0)

    monkeypatch.setattr(asyncio, "sleep", fake_sleep)
    await asyncio.gather(*(client.by_id(str(i)) for i in range(3)))
    assert most == 1
    assert len(slept) == 2 and all(2.9 < d <= 3.0 for d in slept)
