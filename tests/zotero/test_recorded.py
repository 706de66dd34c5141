"""Recorded Zotero answers (pyzotero's, see tests/contracts/zotero/PROVENANCE) read by the
connector's wire models, and served by the stand-in: the stand-in's own item shape keeps
every key the recordings show."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from connectors.zotero.connector import ZoteroConnector, library_item
from connectors.zotero.models import ZItem, ZWriteResult
from server.hub.http import HubClient
from tests.standin.zotero import ZoteroStandIn, _wire

from .conftest import USER

RECORDED = Path(__file__).parents[1] / "contracts" / "zotero"


def _load(name: str) -> Any:
    return json.loads((RECORDED / name).read_text())


def test_recorded_items_map() -> None:
    items = TypeAdapter(list[ZItem]).validate_python(_load("items_doc.json"))
    mapped = [library_item(i) for i in items]
    assert len(mapped) == 20
    by_title = {m.title: m for m in mapped}
    buck = by_title["Sherlock Holmes in Babylon"]
    assert buck.year == 1980 and buck.authors and buck.item_type == "journalArticle"
    film = by_title["The Adventures of Sherlock Holmes"]
    assert film.year == 2004 and len(film.authors) >= 10  # contributors only: all named
    one = library_item(ZItem.model_validate(_load("item_doc.json")))
    assert one.key and one.version is not None


def test_recorded_write_result() -> None:
    result = ZWriteResult.model_validate(_load("creation_doc.json"))
    assert result.success == {"0": "ABC123"} and result.failed == {}


def test_the_stand_in_serves_the_recorded_shape(zotero: ZoteroStandIn) -> None:
    recorded = _load("items_doc.json")[1]
    lib = zotero.state.library("users", 1, "x")
    served = _wire(lib, zotero.state.add(lib, dict(recorded["data"])), zotero.url)
    assert set(served) <= set(recorded)
    assert {"key", "version", "library", "links", "meta", "data"} <= set(served)
    assert set(served["library"]) <= set(recorded["library"])
    assert set(served["meta"]) <= set(recorded["meta"]) | {"creatorSummary", "parsedDate"}


async def test_recorded_items_through_the_connector(
    conn: tuple[ZoteroConnector, HubClient], zotero: ZoteroStandIn
) -> None:
    connector, _ = conn
    lib = zotero.state.libraries[f"users/{USER}"]
    lib.items.clear()
    for item in _load("items_doc.json"):
        zotero.state.add(lib, {k: v for k, v in item["data"].items() if k != "version"})
    sync = await connector.library_items()
    titles = sorted(i.title for i in sync.items)
    want = sorted(
        i["data"]["title"]
        for i in _load("items_doc.json")
        if i["data"]["itemType"] not in ("note", "attachment")
    )
    assert titles == want
