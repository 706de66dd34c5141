"""A declared connector against the Tiny Tracker stand-in: every pagination style lists all
open issues page by page, gets one, searches, and checks whose the token is; every auth
style sends the secret where the manifest says (a key in the URL never reaches the cache)."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.declarative.connector import DeclarativeConnector
from connectors.sdk import IssueTracker, ItemRef, ItemState, NotFound
from connectors.sdk.paging import collect
from tests.declarative.helpers import STYLES, connect
from tests.standin.tinytracker import TOKEN, USER, TinyTracker


def files(where: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in where.rglob("*") if p.is_file()]


async def everything(c: DeclarativeConnector, which: str = "open") -> list[str]:
    async def page(cursor: str | None) -> tuple[tuple[object, ...], str | None]:
        got = await c.list_issues(which, cursor=cursor)  # type: ignore[arg-type]
        return got.items, got.next_cursor

    return [i.ref.key for i in await collect(page)]  # type: ignore[attr-defined]


@pytest.mark.parametrize("style", sorted(STYLES))
async def test_each_style_lists_every_page(tt: TinyTracker, style: str) -> None:
    c, http = connect(tt.url, style)
    async with http:
        assert isinstance(c, IssueTracker)
        keys = await everything(c)
    assert keys == [f"TT-{i}" for i in range(1, 26) if i % 5], keys
    lists = [r for r in tt.log if r.path.endswith("/issues")]
    # 10 + 10, and the end known from the answer; the offset manifest declares no total, so
    # a full second page is followed by one more request that comes back empty.
    pages = 3 if style == "offset" else 2
    assert len(lists) == pages, [(r.path, r.query) for r in lists]
    size = {"link": "per_page", "page": "per_page"}.get(style, "maxResults")
    assert all(dict(r.query).get(size) == "10" for r in lists)


@pytest.mark.parametrize("style", sorted(STYLES))
async def test_filters_search_and_the_end_of_a_short_list(tt: TinyTracker, style: str) -> None:
    c, http = connect(tt.url, style)
    async with http:
        mine = await everything(c, "assigned")
        found = await c.search_issues("crash")
        nothing = await c.list_issues("mentioned")
    assert mine == [f"TT-{i}" for i in range(3, 26, 3) if i % 5]
    assert [i.title for i in found.items] == ["Crash on start"] and found.next_cursor is None
    assert nothing.items == () and nothing.next_cursor is None  # not declared: not offered
    assert all(("assignee", USER) in r.query for r in tt.log if r.path.endswith("/issues"))


async def test_get_maps_every_field(tt: TinyTracker) -> None:
    c, http = connect(tt.url)
    async with http:
        issue = await c.get_issue(ItemRef.keyed("tinytracker", "127.0.0.1", "TT-10"))
        with pytest.raises(NotFound):
            await c.get_issue(ItemRef.keyed("tinytracker", "127.0.0.1", "TT-99"))
    assert issue.title == "Issue number 10" and issue.state is ItemState.CLOSED
    assert issue.ref.key == "TT-10" and issue.ref.number == 10 and issue.ref.scope == ""
    assert issue.url == "https://tt.example.test/issues/10"
    assert issue.author is not None and issue.author.login == "bob"
    assert [u.login for u in issue.assignees] == ["bob"] and issue.labels == ()
    assert issue.body == "Body of 10" and issue.updated_at is not None
    assert issue.updated_at.isoformat() == "2026-02-11T10:00:00+00:00"


@pytest.mark.parametrize("tt", ["bearer", "header", "basic", "query"], indirect=True)
async def test_each_auth_style_sends_the_secret_as_declared(
    tt: TinyTracker, tmp_path: Path
) -> None:
    c, http = connect(tt.url, auth=tt.auth, cache_dir=tmp_path)
    async with http:
        who = await c.check()
        await c.get_issue(ItemRef.keyed("tinytracker", "127.0.0.1", "TT-3"))
        await c.get_issue(ItemRef.keyed("tinytracker", "127.0.0.1", "TT-3"))  # from the cache
    assert who.ok and who.account == USER and who.name == "Ada", who
    assert [r.account for r in tt.log] == [USER] * len(tt.log)
    # The second read came from the cache (the key taken out of the URL it stores, and put
    # back on the way to the network, still tells this account's entries apart).
    assert len([r for r in tt.log if r.path == "/api/issues/3"]) == 1
    assert not [p for p, data in files(tmp_path) if TOKEN.encode() in data]


async def test_a_wrong_token_is_a_failed_check(tt: TinyTracker) -> None:
    c, http = connect(tt.url, token="tt_wrong_token_000000")
    async with http:
        who = await c.check()
    assert not who.ok and who.error is not None


@pytest.mark.parametrize("tt", ["query"], indirect=True)
async def test_two_keys_in_the_url_never_share_cached_answers(
    tt: TinyTracker, tmp_path: Path
) -> None:
    other = "tt_SECONDtokenDECLARED987654321"
    tt.tokens[other] = "bob"
    ref = ItemRef.keyed("tinytracker", "127.0.0.1", "TT-3")
    for token in (TOKEN, other):
        c, http = connect(tt.url, auth="query", token=token, cache_dir=tmp_path)
        async with http:
            await c.get_issue(ref)
    assert [r.account for r in tt.log if r.path == "/api/issues/3"] == [USER, "bob"]
    assert not [p for p, data in files(tmp_path) if other.encode() in data]
