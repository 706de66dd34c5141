"""Fixtures for the end-to-end tests: the three paper services' stand-ins (arXiv's and
Crossref's replaying their recorded answers, Semantic Scholar's built from its documented
shapes), each fresh per test."""

from __future__ import annotations

from tests.standin.arxiv import ArxivStandIn
from tests.standin.crossref import CrossrefStandIn
from tests.standin.kit import standin_fixture
from tests.standin.semanticscholar import S2StandIn

arxiv = standin_fixture(ArxivStandIn, name="arxiv")
crossref = standin_fixture(CrossrefStandIn, name="crossref")
s2 = standin_fixture(S2StandIn, name="s2")
