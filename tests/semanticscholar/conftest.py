"""Fixtures: a Semantic Scholar stand-in (built from the Graph API's documented shapes, see
tests/standin/semanticscholar.py) seeded with two papers, and the connector wired to it
through the hub's real HTTP stack, anonymous (no x-api-key)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from connectors.semanticscholar.connector import SemanticScholarConnector
from server.hub.http import HubClient
from tests.standin.harness import wire
from tests.standin.kit import standin_fixture
from tests.standin.semanticscholar import S2StandIn

S2 = standin_fixture(S2StandIn, name="s2")
ATTENTION = "204e3073870fae3d05bcbc2f6a8e263d9b72e776"
BERT = "df2b0e26d0599ce3e70df8a9da02e51594e0e992"


def seed(s: S2StandIn) -> None:
    s.add(
        ATTENTION,
        title="Attention is All you Need",
        authors=[
            {"authorId": "40348417", "name": "Ashish Vaswani"},
            {"authorId": None, "name": "Noam M. Shazeer"},
        ],
        year=2017,
        abstract="The dominant sequence transduction models are based on complex recurrent "
        "networks. $O(n^2)$ <b>attention</b>",
        venue="Neural Information Processing Systems",
        url=f"https://www.semanticscholar.org/paper/{ATTENTION}",
        externalIds={
            "ArXiv": "1706.03762",
            "DBLP": "conf/nips/VaswaniSPUJGKP17",
            "CorpusId": 13756489,
        },
        publicationTypes=["JournalArticle", "Conference"],
        journal={"name": "ArXiv", "volume": "abs/1706.03762"},
    )
    s.add(
        BERT,
        title="BERT: Pre-training of Deep Bidirectional Transformers",
        authors=[{"authorId": "39172707", "name": "Jacob Devlin"}],
        year=2019,
        abstract=None,
        venue="",
        url=None,
        externalIds={"DOI": "10.18653/v1/N19-1423", "CorpusId": 52967399},
        publicationTypes=["Conference"],
        journal=None,
    )


class NoAuth(httpx.Auth):
    """No x-api-key: the anonymous pool."""


@pytest.fixture
async def conn(s2: S2StandIn) -> AsyncIterator[tuple[SemanticScholarConnector, HubClient]]:
    seed(s2)
    connector, http = wire(
        SemanticScholarConnector,
        f"{s2.url}/graph/v1",
        token="",
        auth=NoAuth(),
        web_url="https://www.semanticscholar.org",
    )
    yield connector, http
    await http.aclose()
