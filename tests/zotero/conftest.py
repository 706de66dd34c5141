"""Fixtures: a fresh Zotero stand-in per test with Ada's key (user 4711, write access) and
a small library; the connector wired to it through the hub's real HTTP stack."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from connectors.zotero.connector import ZoteroConnector
from server.hub.http import HubClient
from tests.standin.harness import wire
from tests.standin.kit import standin_fixture
from tests.standin.zotero import ZoteroStandIn

KEY = "P9NiFoyLeZu2bZNvvuQPDWsd"
USER = 4711

zotero = standin_fixture(ZoteroStandIn, name="zotero")


def seed(s: ZoteroStandIn) -> None:
    s.add_key(KEY, USER, "ada")
    lib = s.state.libraries[f"users/{USER}"]
    s.state.add(
        lib,
        {
            "itemType": "journalArticle",
            "title": "Literate Programming",
            "creators": [{"creatorType": "author", "firstName": "Donald E.", "lastName": "Knuth"}],
            "date": "1984",
            "publicationTitle": "The Computer Journal",
            "DOI": "10.1093/comjnl/27.2.97",
            "extra": "Citation Key: knuth1984\nPublisher: OUP",
        },
    )
    s.state.add(
        lib,
        {
            "itemType": "conferencePaper",
            "title": "Attention Is All You Need",
            "creators": [
                {"creatorType": "editor", "lastName": "Guyon", "firstName": "I."},
                {"creatorType": "author", "lastName": "Vaswani", "firstName": "Ashish"},
                {"creatorType": "author", "name": "Google Brain"},
            ],
            "date": "2017-12-04",
            "proceedingsTitle": "NeurIPS",
            "citationKey": "vaswani2017",
        },
    )
    s.state.add(lib, {"itemType": "note", "note": "<p>a note</p>"})
    s.state.add(lib, {"itemType": "attachment", "linkMode": "linked_url", "title": "PDF"})


def connect(
    url: str, *, settings: dict[str, Any] | None = None, method: str = "api_key", token: str = KEY
) -> tuple[ZoteroConnector, HubClient]:
    return wire(ZoteroConnector, url, token=token, method=method, settings=settings, account="ada")


@pytest.fixture
async def conn(zotero: ZoteroStandIn) -> AsyncIterator[tuple[ZoteroConnector, HubClient]]:
    seed(zotero)
    connector, http = connect(zotero.url)
    yield connector, http
    await http.aclose()
