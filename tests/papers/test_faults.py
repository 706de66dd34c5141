"""The three connectors through the hub's HTTP stack when their services misbehave: a 500
or a reset connection is retried, an answer that is not what the service sends (a proxy's
HTML page) is a ServiceError naming the service, never a parser's traceback."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from connectors.arxiv.connector import ArxivConnector
from connectors.crossref.connector import CrossrefConnector
from connectors.sdk import Connector, NotFound, ServiceError
from connectors.sdk.capabilities import Papers
from connectors.sdk.papers import PaperId
from connectors.semanticscholar.connector import SemanticScholarConnector
from tests.semanticscholar.conftest import ATTENTION, seed
from tests.standin.arxiv import ArxivStandIn
from tests.standin.crossref import CrossrefStandIn
from tests.standin.harness import wire
from tests.standin.kit import StandIn
from tests.standin.semanticscholar import S2StandIn


class NoAuth(httpx.Auth):
    pass


Case = tuple[Papers, StandIn, PaperId]


@pytest.fixture(params=["arxiv", "crossref", "semanticscholar"])
async def case(
    request: pytest.FixtureRequest, arxiv: ArxivStandIn, crossref: CrossrefStandIn, s2: S2StandIn
) -> AsyncIterator[Case]:
    seed(s2)
    cls: type[Connector]
    if request.param == "arxiv":
        cls, url, standin = ArxivConnector, f"{arxiv.url}/api", arxiv
        ref = PaperId(scheme="arxiv", value="1605.08386")
    elif request.param == "crossref":
        cls, url, standin = CrossrefConnector, crossref.url, crossref
        ref = PaperId(scheme="doi", value="10.1038/srep16696")
    else:
        cls, url, standin = SemanticScholarConnector, f"{s2.url}/graph/v1", s2
        ref = PaperId(scheme="s2", value=ATTENTION)
    connector, http = wire(cls, url, token="", auth=NoAuth(), settings={"request_interval": 0})
    yield connector.capability(Papers), standin, ref
    await http.aclose()


@pytest.mark.parametrize("kind", ["500", "502", "reset"])
async def test_transient_failures_are_retried(case: Case, kind: str) -> None:
    papers, standin, ref = case
    standin.inject(kind)
    paper = await papers.paper(ref)
    assert paper.title and len(standin.log) == 2


async def test_an_answer_of_the_wrong_shape_is_a_service_error(case: Case) -> None:
    papers, standin, ref = case
    standin.inject("garbage")
    with pytest.raises(ServiceError, match=r"arXiv|Crossref|Semantic Scholar") as caught:
        await papers.paper(ref)
    assert not isinstance(caught.value, NotFound)  # a proxy's page says nothing of the paper
