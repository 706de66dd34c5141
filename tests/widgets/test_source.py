"""WidgetSource reads what the hub mirrored: items by the keys people write, a branch's CI
merged from checks and pipelines, the day's agenda and cached presence."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from connectors.sdk.chat import Availability
from server.hub.chat.presence import PresenceCache
from server.hub.store import Store
from server.hub.widgets import BadAddress, NotMirrored, WidgetSource
from tests.widgets import data


async def test_a_pull_request_by_number_or_key(source: WidgetSource) -> None:
    for key in ("7", "#7"):
        pr = await source.pull_request("github", "octo/app", key)
        assert pr.title == "Speed up the cache" and pr.checks is not None
    assert (await source.pull_request("github", "octo/app", "8")).title == "Second"
    got = await source.pull_request("github", "octo/app", "7", host="github.com")
    assert got.number == 7


async def test_what_is_not_mirrored_is_said_so(source: WidgetSource) -> None:
    with pytest.raises(NotMirrored, match="No pull request 99 of octo/app on github"):
        await source.pull_request("github", "octo/app", "99")
    with pytest.raises(NotMirrored):
        await source.pull_request("github", "octo/app", "7", host="ghe.example.test")
    with pytest.raises(NotMirrored):  # a scope is matched exactly, not as a suffix
        await source.pull_request("github", "app", "7")
    with pytest.raises(NotMirrored):  # an issue is not a pull request
        await source.pull_request("github", "octo/app", "12")
    with pytest.raises(NotMirrored):
        await source.issue("gitlab", "octo/app", "12")
    with pytest.raises(BadAddress):
        await source.issue("github", "", "12")


async def test_like_wildcards_in_an_address_match_nothing_else(source: WidgetSource) -> None:
    with pytest.raises(NotMirrored):
        await source.pull_request("github", "octo/ap_", "7")
    with pytest.raises(NotMirrored):
        await source.pull_request("github", "%", "7")


async def test_issues_numbered_and_keyed(source: WidgetSource) -> None:
    assert (await source.issue("github", "octo/app", "12")).title == "Crash on start"
    jira = await source.issue("jira", "PROJ", "PROJ-7")
    assert jira.status is not None and jira.status.name == "In Review"
    with pytest.raises(NotMirrored):
        await source.issue("jira", "OTHER", "PROJ-7")


async def test_a_gitlab_merge_request_by_number(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "t.db") as store:
        mr = data.pull(3, repo=data.LAB, connector="gitlab")
        await data.mirror(store, [mr], connector="gitlab", account="me")
        source = WidgetSource(store)
        for key in ("3", "!3"):
            got = await source.pull_request("gitlab", "group/sub/project", key)
            assert got.ref.key == "!3"


async def test_ci_merges_checks_and_pipelines(source: WidgetSource) -> None:
    main = await source.ci("github", "octo/app", "main")
    # three checks and the pipeline's one job
    assert (main.summary.total, main.summary.passed, main.summary.failed) == (4, 4, 0)
    assert main.synced_at.tzinfo is UTC
    feature = await source.ci("github", "octo/app", "feature/x")
    assert feature.summary.failed == 1
    with pytest.raises(NotMirrored, match="No CI of octo/app at nope on github"):
        await source.ci("github", "octo/app", "nope")
    with pytest.raises(BadAddress):
        await source.ci("github", "octo/app", "")


async def test_ci_from_a_view_another_version_wrote(tmp_path: Path) -> None:
    async with Store.open(tmp_path / "t.db") as store:
        await store.set_checkpoint("github", "octo", "view:checks", "not json")
        await store.set_checkpoint("github", "octo", "view:pipelines", '{"branches": 3}')
        with pytest.raises(NotMirrored):
            await WidgetSource(store).ci("github", "octo/app", "main")


def test_agenda_is_the_day_asked_for(source: WidgetSource) -> None:
    day, events = source.agenda()
    assert day == date(2026, 12, 3)
    assert [e.title for e in events] == ["Stand-up"]
    day, events = source.agenda(date(2026, 12, 4))
    assert [e.title for e in events] == ["Tomorrow"]
    assert WidgetSource.parse_day("2026-12-04") == date(2026, 12, 4)
    with pytest.raises(BadAddress, match="not a date"):
        WidgetSource.parse_day("tomorrow")


def test_presence_reads_the_cache_without_asking(source: WidgetSource) -> None:
    entries = source.presence()
    assert [(p.who, p.status.availability) for p in entries] == [
        ("amy@example.test", Availability.AVAILABLE)
    ]


def test_the_presence_cache_tells_what_it_knows() -> None:
    now = [100.0]
    cache = PresenceCache(None, clock=lambda: now[0])  # type: ignore[arg-type]
    status = data.presence(Availability.BUSY, "Focus")
    cache._known = {"a@x.test": (95.0, status), "b@x.test": (95.0, None), "c@x.test": (1.0, status)}
    assert cache.known(ttl=30) == {"a@x.test": status}
    now[0] = 200.0
    assert cache.known(ttl=30) == {}


def test_an_event_over_midnight_is_on_both_days(store: Store) -> None:
    late = data.event("Release", datetime(2026, 12, 3, 23, 0, tzinfo=UTC), minutes=120)
    source = WidgetSource(store, events=lambda: [late], zone=UTC)
    assert source.agenda(date(2026, 12, 3))[1] == [late]
    assert source.agenda(date(2026, 12, 4))[1] == [late]
    assert source.agenda(date(2026, 12, 5))[1] == []


async def test_the_source_of_a_running_hub(store: Store) -> None:
    """``of_hub`` reads the hub's own store, its sessions' agenda and the editor's presence
    cache, as they are at each view."""
    from types import SimpleNamespace

    from server.hub.hub import Hub
    from server.hub.sync.syncers import Index

    hub = Hub(store=store, folders=[])
    standup = data.event("Stand-up", datetime.now(UTC))
    session = SimpleNamespace(coordinator=SimpleNamespace(index=Index(events=(standup,))))
    hub.sessions["caldav:me"] = session  # type: ignore[assignment]
    cache = PresenceCache(hub)
    source = WidgetSource.of_hub(hub, presence=cache)
    assert (await source.pull_request("github", "octo/app", "7")).number == 7
    assert standup in source.agenda(standup.start.astimezone().date())[1]
    assert source.presence() == []
    cache._known["amy@x.test"] = (cache._clock(), data.presence(Availability.AWAY))
    assert [p.who for p in source.presence()] == ["amy@x.test"]
    assert WidgetSource.of_hub(hub).presence() == []
