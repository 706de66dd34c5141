"""The Zotero connector against the stand-in (documented shapes, see
``tests/standin/zotero.py``): the key's library, items with their citekeys, paging,
incremental reads (304), Backoff, BibTeX export, adding an item, 412 as SyncConflict, and
the desktop app's local API."""

from __future__ import annotations

import asyncio
import time

import pytest

from connectors.sdk import PermissionDenied
from connectors.sdk.errors import SyncConflict
from connectors.sdk.references import NewLibraryItem
from connectors.zotero import client as zclient
from connectors.zotero.connector import ZoteroConnector, is_local
from server.hub.http import HubClient
from tests.standin.zotero import ZoteroStandIn

from .conftest import KEY, USER, connect, seed

Conn = tuple[ZoteroConnector, HubClient]


async def test_check_names_the_key_s_user(conn: Conn) -> None:
    connector, _ = conn
    result = await connector.check()
    assert result.ok and result.account == "ada"
    assert await connector.library() == f"users/{USER}"


async def test_a_wrong_key_is_refused(zotero: ZoteroStandIn) -> None:
    seed(zotero)
    connector, http = connect(zotero.url, token="x" * 24)
    try:
        assert not (await connector.check()).ok
        with pytest.raises(PermissionDenied):
            await connector.library_items()
    finally:
        await http.aclose()


async def test_items_carry_citekeys_authors_and_venues(conn: Conn, zotero: ZoteroStandIn) -> None:
    connector, _ = conn
    sync = await connector.library_items()
    assert not sync.unchanged and sync.version == 4
    by_key = {i.citekey: i for i in sync.items}
    assert set(by_key) == {"knuth1984", "vaswani2017"}  # no notes, no attachments
    k = by_key["knuth1984"]
    assert (k.authors, k.year, k.venue, k.doi) == (
        ("Knuth, Donald E.",),
        1984,
        "The Computer Journal",
        "10.1093/comjnl/27.2.97",
    )
    v = by_key["vaswani2017"]
    assert v.authors == ("Vaswani, Ashish", "Google Brain")  # authors, not the editor
    assert (v.year, v.venue, v.item_type) == (2017, "NeurIPS", "conferencePaper")
    sent = [e for e in zotero.log if e.path.endswith("/items")]
    assert all(e.headers.get("zotero-api-version") == "3" for e in sent)
    assert all(e.headers.get("zotero-api-key") == KEY for e in sent)


async def test_items_are_read_page_by_page(conn: Conn, zotero: ZoteroStandIn) -> None:
    connector, _ = conn
    lib = zotero.state.libraries[f"users/{USER}"]
    for n in range(230):
        zotero.state.add(lib, {"itemType": "book", "title": f"Book {n}", "date": "2001"})
    sync = await connector.library_items()
    assert len(sync.items) == 232
    pages = [e for e in zotero.log if e.path.endswith("/items")]
    assert len(pages) == 3
    assert all(i.citekey is None for i in sync.items if i.title.startswith("Book"))


async def test_an_unchanged_library_is_a_304_and_changes_come_alone(
    conn: Conn, zotero: ZoteroStandIn
) -> None:
    connector, _ = conn
    first = await connector.library_items()
    again = await connector.library_items(since=first.version)
    assert again.unchanged and again.items == ()
    assert zotero.log[-1].headers.get("if-modified-since-version") == str(first.version)
    lib = zotero.state.libraries[f"users/{USER}"]
    zotero.state.add(lib, {"itemType": "book", "title": "New", "date": "2024"})
    later = await connector.library_items(since=first.version)
    assert [i.title for i in later.items] == ["New"] and later.version == 5
    assert later.deleted == ()
    knuth = next(i for i in first.items if i.citekey == "knuth1984")
    zotero.state.delete(lib, knuth.key)
    gone = await connector.library_items(since=later.version)
    assert gone.items == () and gone.deleted == (knuth.key,) and gone.version == 6


async def test_backoff_is_waited_out(
    conn: Conn, zotero: ZoteroStandIn, monkeypatch: pytest.MonkeyPatch
) -> None:
    connector, _ = conn
    slept: list[float] = []
    real_sleep = asyncio.sleep

    async def sleep(seconds: float) -> None:
        # ``zclient.asyncio`` is asyncio itself: other tasks on the loop (a stand-in's, a
        # poller left by another test) sleep through this too. Their short sleeps really
        # sleep, unrecorded, so only a wait as long as a backoff is counted and skipped.
        if seconds < 1:
            await real_sleep(seconds)
        else:
            slept.append(seconds)

    monkeypatch.setattr(zclient.asyncio, "sleep", sleep)
    zotero.backoff = 5
    await connector.library_items()
    zotero.backoff = 0
    await connector.library_items()
    assert slept and 4 < slept[0] <= 5
    assert connector.client._not_before <= time.monotonic() + 5


async def test_export_is_zotero_s_own_text(conn: Conn, zotero: ZoteroStandIn) -> None:
    connector, _ = conn
    sync = await connector.library_items()
    knuth = next(i for i in sync.items if i.citekey == "knuth1984")
    text = await connector.library_export([knuth.key], fmt="bibtex")
    assert text.startswith("@article{") and "Literate Programming" in text
    assert "Attention" not in text
    assert dict(zotero.log[-1].query)["itemKey"] == knuth.key
    everything = await connector.library_export()
    assert "Attention" in everything and "@inproceedings{" in everything


async def test_adding_an_item(conn: Conn, zotero: ZoteroStandIn) -> None:
    connector, _ = conn
    await connector.library_items()
    made = await connector.add_library_item(
        NewLibraryItem(
            item_type="journalArticle",
            title="A New Result",
            authors=("Lovelace, Ada", "Babbage Institute"),
            date="2025-01-02",
            venue="J. Things",
            doi="10.1/new",
            citekey="lovelace2025",
        )
    )
    assert (made.citekey, made.doi, made.venue, made.year) == (
        "lovelace2025",
        "10.1/new",
        "J. Things",
        2025,
    )
    assert made.authors == ("Lovelace, Ada", "Babbage Institute")
    post = zotero.log[-1]
    assert post.method == "POST" and len(post.headers["zotero-write-token"]) == 32
    assert post.headers["if-unmodified-since-version"] == "4"
    stored = zotero.state.libraries[f"users/{USER}"].items[made.key]
    assert stored["extra"] == "Citation Key: lovelace2025"


async def test_a_library_changed_meanwhile_is_a_sync_conflict(
    conn: Conn, zotero: ZoteroStandIn
) -> None:
    connector, _ = conn
    await connector.library_items()
    lib = zotero.state.libraries[f"users/{USER}"]
    zotero.state.add(lib, {"itemType": "book", "title": "Someone else's", "date": "2020"})
    with pytest.raises(SyncConflict):
        await connector.add_library_item(NewLibraryItem(title="Mine"))
    await connector.library_items(since=4)
    made = await connector.add_library_item(NewLibraryItem(title="Mine"))
    assert made.title == "Mine"


async def test_an_item_zotero_refuses_is_an_invalid_request(conn: Conn) -> None:
    from connectors.sdk import InvalidRequest

    connector, _ = conn
    with pytest.raises(InvalidRequest, match="not a valid itemType"):
        await connector.add_library_item(NewLibraryItem(item_type="spaceship", title="x"))


async def test_the_local_api_needs_no_key() -> None:
    s = ZoteroStandIn(local=True).start()
    try:
        lib = s.state.library("users", 0, "local")
        s.state.add(lib, {"itemType": "book", "title": "Local", "citationKey": "loc1"})
        url = f"{s.url}/api"
        assert not is_local(url)  # the stand-in's port is not 23119: say local by setting
        connector, http = connect(url, settings={"library": "users/0"}, token="ignored")
        try:
            connector.local = True  # as on port 23119
            assert (await connector.check()).ok
            assert s.log[-1].path == "/connector/ping"
            sync = await connector.library_items()
            assert [i.citekey for i in sync.items] == ["loc1"]
            assert s.log[-1].path == "/api/users/0/items"
        finally:
            await http.aclose()
    finally:
        s.stop()
    assert is_local("http://localhost:23119/api") and is_local("http://127.0.0.1:23119/api")
    assert not is_local("https://api.zotero.org")


def test_a_malformed_library_setting_is_refused(zotero: ZoteroStandIn) -> None:
    from connectors.sdk import InvalidRequest

    with pytest.raises(InvalidRequest, match="users/<id>"):
        connect(zotero.url, settings={"library": "everyone"})


async def test_a_429_with_retry_after_and_a_500_are_waited_out(
    conn: Conn, zotero: ZoteroStandIn
) -> None:
    connector, _ = conn
    zotero.inject("retry_after", seconds=0.05, path="/items")
    zotero.inject("500", path="/items")
    sync = await connector.library_items()
    assert len(sync.items) == 2
    statuses = [e.status for e in zotero.log if e.path.endswith("/items")]
    assert statuses == [429, 500, 200]


async def test_a_garbage_answer_is_an_error_not_a_crash(conn: Conn, zotero: ZoteroStandIn) -> None:
    from connectors.sdk.errors import FormatError

    connector, _ = conn
    zotero.inject("garbage", path="/items")
    with pytest.raises(FormatError, match="not JSON"):
        await connector.library_items()


async def test_the_key_never_appears_in_messages_or_logs(
    zotero: ZoteroStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.DEBUG)
    seed(zotero)
    connector, http = connect(zotero.url)
    messages: list[str] = []
    try:
        for fault in ("401", "500", "retry_after", "garbage", "reset"):
            zotero.inject(fault, count=10, seconds=30)
            try:
                await connector.library_items()
            except Exception as exc:  # every kind of failure is inspected
                messages.append(str(exc))
            zotero.faults.clear()
            http.stack.limiter.info = type(http.stack.limiter.info)()
        messages.append((await connector.check()).detail)
    finally:
        await http.aclose()
    assert len(messages) >= 5
    for text in [*messages, caplog.text]:
        assert KEY not in text
