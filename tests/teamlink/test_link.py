"""The link against a stand-in team hub: resume, faults, fallback polling, narrow refreshes."""

from __future__ import annotations

from connectors.sdk.models import ItemRef
from server.hub.events import Event, EventKind, pushed
from server.hub.teamlink import MARK, REFRESH_JOB, LinkState, TeamLink
from server.hub.teamlink.link import LAST_ID, TEAMHUB
from tests.teamlink.conftest import World, until


def record(w: World, pattern: str = "*") -> list[Event]:
    got: list[Event] = []
    w.hub.bus.subscribe(pattern, got.append)
    return got


def applied_ids(events: list[Event]) -> list[object]:
    return [e.payload[MARK] for e in events if MARK in e.payload and e.kind != "sync.completed"]


async def connected(w: World) -> None:
    await until(lambda: w.link().state is LinkState.CONNECTED)


async def test_an_event_enqueues_refreshes_of_just_the_streams_it_touches(world: World) -> None:
    w = world
    key = w.session_key()
    seen = record(w)
    await w.clear_jobs()
    w.link().start()
    await connected(w)
    # While the stream is up, the covered session's poll is only a safety net.
    assert w.hub.scheduler.interval(key) == w.hub.config.team_hub.safety_interval

    w.teamhub.add("pull_request.opened", "octo/app#9", title="New")
    await until(lambda: applied_ids(seen) == ["1"])
    assert await w.jobs() == [(REFRESH_JOB, f"teamhub:{key}:pulls")]

    w.teamhub.add("issue.opened", "octo/app#10")
    w.teamhub.add("issue.commented", "octo/app#10")  # coalesced with the one before
    w.teamhub.add("github.star.created", "octo/app")  # no list shows stars
    w.teamhub.add("pull_request.opened", "group/p!1", connector="gitlab", host="gitlab.com")
    w.teamhub.add("pull_request.opened", "octo/app#11", host="ghe.example.com")
    await until(lambda: len(applied_ids(seen)) == 6)
    assert await w.jobs() == [
        (REFRESH_JOB, f"teamhub:{key}:pulls"),
        (REFRESH_JOB, f"teamhub:{key}:issues"),
    ]
    w.teamhub.add("ci.failed", "octo/app@feature")
    await until(lambda: len(applied_ids(seen)) == 7)
    assert [k for _, k in await w.jobs()][2:] == [f"teamhub:{key}:ci"]  # pulls still queued

    republished = [e for e in seen if MARK in e.payload and e.kind == "pull_request.opened"]
    assert republished and all(pushed(e) for e in republished)  # notifications skip these
    assert republished[0].subject == "octo/app#9" and republished[0].payload["title"] == "New"


async def test_a_dropped_stream_resumes_from_the_last_id_and_nothing_is_missed_or_doubled(
    world: World,
) -> None:
    w = world
    seen = record(w)
    w.teamhub.drop_after = 2
    w.link().start()
    await connected(w)
    for n in range(5):
        w.teamhub.add("issue.updated", f"octo/app#{n + 1}")
    await until(lambda: len(applied_ids(seen)) == 5)
    assert applied_ids(seen) == ["1", "2", "3", "4", "5"]
    resumed = [c.last_event_id for c in w.teamhub.connections]
    assert resumed[:3] == [None, "2", "4"]
    # A drop that resumes at once is not an outage: polling stayed a safety net.
    assert w.link().pushing
    cp = await w.hub.store.get_checkpoint(TEAMHUB, w.link().account, LAST_ID)
    assert cp is not None and cp.cursor == "5"


async def test_a_restart_catches_up_from_the_stored_event_id(world: World) -> None:
    w = world
    seen = record(w)
    w.link().start()
    await connected(w)
    w.teamhub.add("issue.updated", "octo/app#1")
    await until(lambda: applied_ids(seen) == ["1"])
    await w.link().stop()
    w.teamhub.add("issue.updated", "octo/app#2")  # while this Tieline was not running
    w.teamhub.add("issue.updated", "octo/app#3")

    again = TeamLink(w.hub, vault=lambda: w.vault, rng=lambda: 0.5, max_backoff=0.2)
    w.hub.teamlink = again
    again.start()
    await until(lambda: applied_ids(seen) == ["1", "2", "3"])
    assert w.teamhub.connections[-1].last_event_id == "1"
    await again.stop()


async def test_a_refused_token_stops_retrying_until_the_token_changes(world: World) -> None:
    w = world
    auth = record(w, EventKind.AUTH_REQUIRED)
    w.vault.secrets["teamhub:127.0.0.1"] = "tlat_" + "w" * 43  # not the hub's
    w.link().start()
    await until(lambda: w.link().state is LinkState.AUTH_REQUIRED)
    tries = len(w.teamhub.connections)
    reads = w.vault.reads
    await until(lambda: w.vault.reads >= reads + 5)  # it looks at the vault again and again
    assert len(w.teamhub.connections) == tries  # ...but never offers the refused token again
    assert len(auth) == 1 and auth[0].connector == TEAMHUB
    assert "tieline teamhub token" in auth[0].payload["how"]
    assert "w" * 43 not in str(auth[0].payload) and "w" * 43 not in (w.link().status().error or "")

    w.vault.secrets["teamhub:127.0.0.1"] = w.teamhub.token
    await connected(w)
    assert w.teamhub.connections[-1].authorization == f"Bearer {w.teamhub.token}"


async def test_a_gap_schedules_a_full_refresh_of_the_covered_sessions(world: World) -> None:
    w = world
    key = w.session_key()
    await w.clear_jobs()
    w.teamhub.gap = True
    w.link().start()
    await until(w.jobs)
    assert await w.jobs() == [("sync", f"sync:{key}")]


async def test_polling_falls_back_while_the_hub_is_down_and_push_resumes_after(
    world: World,
) -> None:
    w = world
    key = w.session_key()
    cfg = w.hub.config
    seen = record(w)
    w.link().start()
    await connected(w)
    w.teamhub.add("issue.updated", "octo/app#1")
    await until(lambda: applied_ids(seen) == ["1"])
    assert w.hub.scheduler.interval(key) == cfg.team_hub.safety_interval

    await w.teamhub.stop()
    await until(lambda: w.link().state is LinkState.FALLBACK)
    assert w.hub.scheduler.interval(key) == cfg.sync.poll_interval
    w.hub.listeners.acquire("sync")  # a panel is open: the poll is listened to
    due = w.hub.scheduler.next_wakeup()
    assert due is not None and due <= w.hub.queue.clock()  # the first poll runs at once
    w.teamhub.add("issue.updated", "octo/app#2")  # the hub got it while this link was away

    await w.teamhub.start()
    await connected(w)
    await until(lambda: applied_ids(seen) == ["1", "2"])
    assert w.teamhub.connections[-1].last_event_id == "1"
    assert w.hub.scheduler.interval(key) == cfg.team_hub.safety_interval


async def test_a_pushed_event_refreshes_the_list_and_announces_the_persons_own_change(
    world: World,
) -> None:
    w = world
    key = w.session_key()
    session = w.hub.sessions[key]
    announced = record(w, EventKind.PULL_REQUEST_REVIEW_REQUESTED)
    pr = w.github.state.add_pull(
        "octo/app", "Please look", head="look", author="hubot", requested_reviewers=["octocat"]
    )
    number = pr["number"] if isinstance(pr, dict) else pr.number
    assert not any(
        f"#{number}" in k for k in session.coordinator.index.lists["pulls.review_requested"]
    )
    await w.clear_jobs()
    w.link().start()
    await connected(w)
    w.teamhub.add("pull_request.review_requested", f"octo/app#{number}")
    await until(w.jobs)
    await until(lambda: w.hub.worker.run_once())
    assert any(
        k.endswith(f"#{number}") for k in session.coordinator.index.lists["pulls.review_requested"]
    )
    mine = [e for e in announced if not pushed(e)]  # the sync's, which notifications show
    assert [e.subject for e in mine] == [f"octo/app#{number}"]


async def test_a_hub_whose_numbering_began_again_costs_one_full_refresh(world: World) -> None:
    w = world
    key = w.session_key()
    seen = record(w)
    w.link().start()
    await connected(w)
    for n in range(3):
        w.teamhub.add("issue.updated", f"octo/app#{n + 1}")
    await until(lambda: applied_ids(seen) == ["1", "2", "3"])
    await w.link().stop()
    await w.clear_jobs()
    w.teamhub.log.clear()  # the hub lost its log: ids start from 1 again
    w.teamhub.add("pull_request.opened", "octo/app#7")
    w.link().start()
    await until(lambda: applied_ids(seen) == ["1", "2", "3", "1"])
    assert w.teamhub.connections[-1].last_event_id == "3"
    assert await w.jobs() == [
        ("sync", f"sync:{key}"),  # what fell between is unknown
        (REFRESH_JOB, f"teamhub:{key}:pulls"),
    ]
    assert w.link().status().last_event_id == "1"


async def test_a_silent_connection_counts_as_dropped_and_resumes(world: World) -> None:
    w = world
    seen = record(w)
    w.teamhub.keepalive = 60.0  # no keep-alive comes in time
    link = TeamLink(w.hub, vault=lambda: w.vault, rng=lambda: 0.5, idle_timeout=0.3)
    w.hub.teamlink = link
    states: list[LinkState] = []
    link.status_changed = lambda st: states.append(st.state)
    link.start()
    await connected(w)
    w.teamhub.add("issue.updated", "octo/app#1")
    await until(lambda: applied_ids(seen) == ["1"])
    await until(lambda: len(w.teamhub.connections) >= 2)
    assert w.teamhub.connections[1].last_event_id == "1"
    assert link.pushing  # a drop, not an outage: polls stay a safety net
    assert LinkState.FALLBACK not in states
    await link.stop()


async def test_an_error_answer_falls_back_and_retries_until_the_hub_serves_again(
    world: World,
) -> None:
    w = world
    w.teamhub.status = 503
    w.link().start()
    await until(lambda: w.link().state is LinkState.FALLBACK)
    assert "503" in (w.link().status().error or "")
    await until(lambda: len(w.teamhub.connections) >= 3)  # backing off, not giving up
    w.teamhub.status = None
    await connected(w)
    assert w.link().pushing


async def test_an_item_the_editor_shows_outside_every_list_is_fetched_again(
    world: World,
) -> None:
    w = world
    key = w.session_key()
    session = w.hub.sessions[key]
    pr = w.github.state.add_pull("octo/app", "Theirs", head="theirs", author="hubot")
    n = pr["number"]
    repo = session.watch.repos[0].repo
    ref = ItemRef.numbered("github", repo, n)
    await session.coordinator.lookup(ref)  # a lens or a hover card shows it
    item_key = next(k for k, it in session.coordinator.index.items.items() if it.number == n)
    assert item_key not in {k for v in session.coordinator.index.lists.values() for k in v}
    for table in (w.github.state.repo("octo/app").pulls, w.github.state.repo("octo/app").issues):
        table[n]["title"] = "Theirs, renamed"
    await w.clear_jobs()
    w.link().start()
    await connected(w)
    w.teamhub.add("pull_request.closed", f"octo/app#{n}")
    await until(lambda: len(w.teamhub.connections[-1].sent) == 1)
    await until(w.jobs)
    assert [k for _, k in await w.jobs()] == [
        f"teamhub:{key}:pulls",
        f"teamhub:{key}:item:{item_key}",
    ]

    async def drained() -> bool:  # the refreshes fall due (debounced) and run
        await w.hub.worker.run_once()
        return not await w.jobs()

    await until(drained)
    assert session.coordinator.index.items[item_key].title == "Theirs, renamed"
