"""The shared mirror on both store backends: each event updates its item's row, a newer
event wins whatever order they commit in, a title or URL an event lacks keeps the one
before, teams are isolated, pages follow the event ids, and retention forgets old items."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from server.hub.eventlog import EventLog
from server.hub.events import Event
from server.hub.store import Store
from server.teamhub.mirror import ItemQuery, SharedMirror
from tests.pg import BACKENDS, backend_target, pg_cluster

__all__ = ["pg_cluster"]


@pytest.fixture(params=BACKENDS)
async def store(tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Store]:
    async with Store.open(backend_target(request, request.param, tmp_path / "hub.db")) as s:
        yield s


def pr(kind: str, number: int, title: str = "", **more: object) -> Event:
    url = f"https://github.com/octo/app/pull/{number}" if title else ""
    payload = {"title": title, "url": url, "host": "github.com", **more}
    return Event(kind, "github", "", f"octo/app#{number}", payload)


async def test_each_event_updates_its_item_and_the_newest_wins(store: Store) -> None:
    log, mirror = EventLog(store), SharedMirror(store, clock=lambda: 500.0)

    async def deliver(team: str, *events: Event) -> list[int]:
        async with store.transaction():
            ids = await log.append(team, "github", None, list(events))
            await mirror.record(team, list(events), ids)
        return ids

    (opened,) = await deliver("alpha", pr("pull_request.opened", 7, "Hot fix"))
    await deliver("alpha", pr("ci.failed", 7))  # no title, no URL: the earlier ones stay
    (merged,) = await deliver("alpha", pr("pull_request.merged", 7, "Hot fix (final)"))
    await deliver("beta", pr("pull_request.opened", 7, "Beta's own"))

    page = await mirror.changed("alpha", ItemQuery())
    (item,) = page.items
    assert (item.key, item.subject, item.last_kind) == (
        "github:octo/app#7", "octo/app#7", "pull_request.merged"
    )  # fmt: skip
    assert item.title == "Hot fix (final)" and item.url.endswith("/pull/7")
    assert item.last_event_id == merged and item.updated_at == 500.0
    assert item.payload["host"] == "github.com"

    # An older event committing late (another node's) does not overwrite the newer state.
    await mirror.record("alpha", [pr("pull_request.reopened", 7, "Stale")], [opened])
    (again,) = (await mirror.changed("alpha", ItemQuery())).items
    assert again.last_kind == "pull_request.merged" and again.title == "Hot fix (final)"

    (beta,) = (await mirror.changed("beta", ItemQuery())).items
    assert beta.title == "Beta's own"  # teams are isolated
    assert (await mirror.changed("alpha", ItemQuery(since=merged))).items == []


async def test_pages_follow_the_event_ids_and_retention_forgets(store: Store) -> None:
    log = EventLog(store)
    clock = [100.0]
    mirror = SharedMirror(store, clock=lambda: clock[0])
    for n in range(1, 6):
        events = [pr("pull_request.opened", n, f"PR {n}")]
        ids = await log.append("alpha", "github", None, events)
        await mirror.record("alpha", events, ids)
        clock[0] += 100
    first = await mirror.changed("alpha", ItemQuery(limit=2))
    assert [i.subject for i in first.items] == ["octo/app#1", "octo/app#2"] and first.more
    rest = await mirror.changed("alpha", ItemQuery(since=first.next_since, limit=10))
    assert [i.subject for i in rest.items] == ["octo/app#3", "octo/app#4", "octo/app#5"]
    assert not rest.more and rest.next_since == rest.items[-1].last_event_id
    only_jira = await mirror.changed("alpha", ItemQuery(connector="jira"))
    assert only_jira.items == [] and only_jira.next_since == 0

    assert await mirror.purge(older_than=350.0) == 3  # updated at 100, 200, 300
    left = await mirror.changed("alpha", ItemQuery())
    assert [i.subject for i in left.items] == ["octo/app#4", "octo/app#5"]


async def test_an_event_about_no_item_leaves_the_mirror_alone(store: Store) -> None:
    mirror = SharedMirror(store)
    await mirror.record("alpha", [Event("slack.reaction_added", "slack", "", "", {})], [1])
    assert (await mirror.changed("alpha", ItemQuery())).items == []
