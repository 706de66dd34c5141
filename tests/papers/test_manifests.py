"""The three paper connectors' manifests: valid, anonymous, declaring ``Papers`` and
implementing it, with the settings and headers their services document."""

from __future__ import annotations

import pytest

from connectors.arxiv.connector import ArxivConnector
from connectors.crossref.connector import CrossrefConnector
from connectors.sdk import Connector
from connectors.semanticscholar.connector import SemanticScholarConnector

ALL: list[type[Connector]] = [ArxivConnector, CrossrefConnector, SemanticScholarConnector]


@pytest.mark.parametrize("cls", ALL, ids=lambda c: c.manifest().id)
def test_manifest(cls: type[Connector]) -> None:
    m = cls.manifest()
    assert m.capabilities == ("Papers",)
    assert m.attach.kind == "account"
    assert m.auth.anonymous
    cls.verify_capabilities()


def test_service_specifics() -> None:
    arxiv = ArxivConnector.manifest()
    assert arxiv.rate_limit.requests_per_second <= 1.0 and arxiv.rate_limit.burst == 1
    assert {c.name: c.default for c in arxiv.config} == {"request_interval": 3.0}
    crossref = CrossrefConnector.manifest()
    assert crossref.auth.headers["api_key"].startswith("Crossref-Plus-API-Token:")
    assert {c.name for c in crossref.config} == {"mailto"}
    s2 = SemanticScholarConnector.manifest()
    assert s2.auth.headers["api_key"] == "x-api-key: {token}"
    assert s2.auth.token_env == "TIELINE_SEMANTICSCHOLAR_API_KEY"
