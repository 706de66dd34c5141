"""The Semantic Scholar connector against a stand-in built from the Graph API's documented
shapes (https://api.semanticscholar.org/api-docs/graph; no contract is published offline),
through the hub's HTTP stack."""

from __future__ import annotations

import time

import pytest

from connectors.sdk import NotFound, RateLimited
from connectors.sdk.papers import PaperId
from connectors.semanticscholar.connector import SemanticScholarConnector, graph_id
from connectors.semanticscholar.models import FIELDS
from server.hub.http import HubClient
from tests.standin.semanticscholar import S2StandIn

from .conftest import ATTENTION, BERT

Conn = tuple[SemanticScholarConnector, HubClient]


async def test_by_sha(conn: Conn, s2: S2StandIn) -> None:
    connector, _ = conn
    p = await connector.paper(PaperId(scheme="s2", value=ATTENTION))
    assert p.title == "Attention is All you Need"
    assert p.authors == ("Ashish Vaswani", "Noam M. Shazeer")
    assert p.year == 2017
    assert p.venue == "Neural Information Processing Systems"
    assert p.arxiv_id == "1706.03762" and p.doi is None
    assert p.entry_type == "article"
    assert p.source == "Semantic Scholar"
    (logged,) = s2.log
    assert logged.path == f"/graph/v1/paper/{ATTENTION}"
    assert dict(logged.query) == {"fields": FIELDS}
    assert "x-api-key" not in logged.headers


async def test_by_doi_arxiv_and_corpus_id(conn: Conn) -> None:
    connector, _ = conn
    bert = await connector.paper(PaperId(scheme="doi", value="10.18653/V1/N19-1423"))
    assert bert.title.startswith("BERT") and bert.doi == "10.18653/v1/N19-1423"
    assert bert.abstract == "" and bert.entry_type == "inproceedings"
    assert bert.url == f"https://www.semanticscholar.org/paper/{BERT}"
    att = await connector.paper(PaperId(scheme="arxiv", value="1706.03762v5"))
    assert att.title == "Attention is All you Need"
    corpus = await connector.paper(PaperId(scheme="s2", value="CorpusId:13756489"))
    assert corpus.title == att.title


def test_graph_ids() -> None:
    assert graph_id(PaperId(scheme="doi", value="10.1/x")) == "DOI:10.1/x"
    assert graph_id(PaperId(scheme="arxiv", value="hep-th/9901001v2")) == "ARXIV:hep-th/9901001"
    assert graph_id(PaperId(scheme="s2", value="CorpusId:1")) == "CorpusId:1"


async def test_unknown_paper_is_not_found(conn: Conn) -> None:
    connector, _ = conn
    with pytest.raises(NotFound):
        await connector.paper(PaperId(scheme="doi", value="10.1/nothing"))


async def test_429_without_retry_after_backs_off(conn: Conn, s2: S2StandIn) -> None:
    """An anonymous 429 says nothing of when to come back: the call fails as rate limited
    and the next one waits instead of hammering the shared pool."""
    connector, _ = conn
    s2.throttle = 5
    with pytest.raises(RateLimited) as caught:
        await connector.paper(PaperId(scheme="s2", value=ATTENTION))
    assert caught.value.retry_at is not None and caught.value.retry_at > time.time() + 10
    sent = len(s2.log)
    with pytest.raises(RateLimited):
        await connector.paper(PaperId(scheme="s2", value=BERT))
    assert len(s2.log) == sent  # not sent at all


async def test_the_service_says_why(conn: Conn) -> None:
    """The Graph API's ``{"error": ...}`` body is what the error says."""
    connector, _ = conn
    with pytest.raises(NotFound, match="Paper not found"):
        await connector.paper(PaperId(scheme="s2", value="0" * 40))
