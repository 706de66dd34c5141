"""The Crossref connector against Crossref's own recorded sessions (tests/contracts/crossref,
recorded by the ``habanero`` package's test suite), through the hub's HTTP stack."""

from __future__ import annotations

import pytest

from connectors.crossref.client import doi_path
from connectors.crossref.connector import CrossrefConnector
from connectors.sdk import NotFound
from connectors.sdk.papers import PaperId
from server.hub.http import HubClient
from server.hub.sanitize import sanitize_html
from tests.standin.crossref import CrossrefStandIn
from tests.standin.harness import wire

Conn = tuple[CrossrefConnector, HubClient]


def doi(value: str) -> PaperId:
    return PaperId(scheme="doi", value=value)


async def test_journal_article(conn: Conn, crossref: CrossrefStandIn) -> None:
    connector, _ = conn
    p = await connector.paper(doi("10.1371/journal.pone.0020476"))
    assert p.title.startswith("Using and Reporting the Delphi Method")
    assert p.authors[:2] == ("Rym Boulkedid", "Hendy Abdoul")
    assert p.year == 2011
    assert p.venue == "PLoS ONE"
    assert p.entry_type == "article"
    assert p.doi == "10.1371/journal.pone.0020476"
    assert p.url and "10.1371/journal.pone.0020476" in p.url
    assert p.source == "Crossref"
    (logged,) = crossref.log
    assert ("mailto", "ada@example.org") in logged.query  # the polite pool
    assert logged.headers["user-agent"] == "Tieline (mailto:ada@example.org)"


async def test_jats_abstract_is_passed_on_and_sanitises(conn: Conn) -> None:
    connector, _ = conn
    p = await connector.paper(doi("10.1038/srep16696"))
    assert "<jats:p>" in p.abstract  # the service's own markup: the hub cleans it
    clean = sanitize_html(p.abstract)
    assert "jats:" not in clean and "Oligomers of alpha-synuclein" in clean


async def test_proceedings_without_a_year(conn: Conn) -> None:
    connector, _ = conn
    p = await connector.paper(doi("10.1109/icdcsw.2003.1203662"))
    assert p.entry_type == "inproceedings"
    assert p.venue.startswith("23rd International Conference")
    assert p.year is None  # issued is [[null]]; the DOI's registration date is not taken


async def test_organisation_or_family_only_author(conn: Conn) -> None:
    connector, _ = conn
    p = await connector.paper(doi("10.3892/ijo_00000353"))
    assert p.authors[0] == "Stravopodis"


async def test_unknown_doi_is_not_found(conn: Conn) -> None:
    connector, _ = conn
    with pytest.raises(NotFound):
        await connector.paper(doi("10.1371/notarealdoi"))


async def test_other_schemes_are_not_asked(conn: Conn, crossref: CrossrefStandIn) -> None:
    connector, _ = conn
    with pytest.raises(NotFound):
        await connector.paper(PaperId(scheme="arxiv", value="1605.08386"))
    assert crossref.log == []


def test_doi_path_escapes_what_ends_a_path() -> None:
    assert doi_path("10.1002/(SICI)1097-4636") == "works/10.1002/(SICI)1097-4636"
    assert doi_path("10.1000/a?b#c d%") == "works/10.1000/a%3Fb%23c%20d%25"


async def test_a_plus_token_travels_in_its_header(crossref: CrossrefStandIn) -> None:
    """A Metadata Plus subscriber's token (the api_key method) goes in
    ``Crossref-Plus-API-Token: Bearer <token>``, as Crossref documents."""
    connector, http = wire(CrossrefConnector, crossref.url, token="plus-tok-123", method="api_key")
    try:
        await connector.paper(doi("10.1038/srep16696"))
    finally:
        await http.aclose()
    (logged,) = crossref.log
    assert logged.headers["crossref-plus-api-token"] == "Bearer plus-tok-123"
    assert "mailto" not in dict(logged.query)  # no address configured: none sent
