"""IssueTracker, the same tests for every connector that declares it (see conftest)."""

from __future__ import annotations

import pytest

from connectors.sdk import IssueTracker, NotFound, provides
from connectors.sdk.models import ItemRef, ItemState
from connectors.sdk.paging import collect

from .conftest import ASSIGNED, CREATED, MENTIONED, Subject


async def test_it_declares_and_implements_the_capability(tracker: Subject) -> None:
    assert provides(tracker.connector, IssueTracker)
    result = await tracker.connector.check()
    assert result.ok and result.account, result.detail


async def test_what_is_mine_lists_mine(tracker: Subject) -> None:
    c = tracker.connector
    cid = c.manifest().id

    async def titles(which: str) -> list[str]:
        page = await c.list_issues(which)
        assert all(i.ref.connector == cid for i in page.items)
        assert all(i.state is not ItemState.CLOSED for i in page.items)
        return [i.title for i in page.items]

    assert ASSIGNED in await titles("assigned")
    if tracker.mentions:
        assert MENTIONED in await titles("mentioned")
    else:
        assert await titles("mentioned") == []
    assert CREATED in await titles("created")
    assert "Bulk 1" not in await titles("assigned")


async def test_the_open_list_pages_to_the_end_without_duplicates(tracker: Subject) -> None:
    c = tracker.connector
    pages = 0

    async def page(cursor: str | None) -> tuple[tuple[object, ...], str | None]:
        nonlocal pages
        pages += 1
        got = await c.list_issues("open", scope=tracker.scope, cursor=cursor)
        return got.items, got.next_cursor

    items = await collect(page)
    keys = [i.key for i in items]  # type: ignore[attr-defined]
    assert pages > 1, "the seeded scope holds more than a page"
    assert len(keys) == len(set(keys))
    assert {i.title for i in items} == tracker.open_titles  # type: ignore[attr-defined]


async def test_a_new_issue_reads_back_by_its_ref(tracker: Subject) -> None:
    c = tracker.connector
    made = await c.create_issue(tracker.scope, "Crash when saving", "steps: save")
    assert made.ref.connector == c.manifest().id and made.ref.scope == tracker.scope
    assert made.url.startswith(("https://", "http://"))
    got = await c.get_issue(made.ref)
    assert (got.key, got.title, got.state) == (made.key, "Crash when saving", ItemState.OPEN)
    comment = await c.add_comment(made.ref, "On it.")
    assert comment.body == "On it."


async def test_an_item_that_does_not_exist_is_not_found(tracker: Subject) -> None:
    c = tracker.connector
    made = await c.create_issue(tracker.scope, "Exists")
    key = made.ref.key.replace(str(made.number), "99999")
    if key == made.ref.key:  # no number in the key (a Trello short link, an Asana gid):
        key = "".join("9" if ch.isdigit() else "Z" for ch in key)  # another of its shape
        if key == made.ref.key:
            key = "".join("8" if ch.isdigit() else "Y" for ch in key)
    missing = made.ref.model_copy(update={"number": 99_999, "key": key})
    assert isinstance(missing, ItemRef)
    with pytest.raises(NotFound):
        await c.get_issue(missing)


async def test_key_based_trackers_know_their_scopes(tracker: Subject) -> None:
    c = tracker.connector
    keyed = any(p.known_scopes for p in c.manifest().references)
    scopes = await c.known_scopes()
    if keyed:
        assert scopes is not None and tracker.scope in scopes
    elif c.manifest().attach.kind == "remote":
        assert scopes is None
    else:
        # An account tracker without keyed references may still list its scopes (Trello's
        # boards): they are where the editor offers to create an item (hub.work.destinations).
        assert scopes is None or tracker.scope in scopes
