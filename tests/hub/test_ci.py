"""The hub's service-neutral CI: which repositories a CI service watches, the pipelines sync
(cheap polls, events when a pipeline of my branch finishes), the status-bar state of a
pipelines-only provider, actions and triggers, and job logs read in the background with the
failing step first. The service is the synthetic one (``tests/standin/synthetic.py``)."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from connectors.sdk.manifest import Manifest
from connectors.sdk.models import CheckConclusion, ItemKind, RepoRef
from connectors.sdk.settings import ConnectorSettings
from server.hub.ci import board
from server.hub.ci.ids import (
    BadCIRequest,
    ci_id,
    log_uri,
    page_uri,
    parse_ci_id,
    parse_log_uri,
)
from server.hub.ci.logs import BLOCK, LogBook, Parser, open_log
from server.hub.sessions import Session, plan
from server.hub.sync import changes as ch
from server.hub.sync.coordinator import Coordinator
from server.hub.sync.syncers import Watch, Watched
from server.hub.workspace import Folder, Workspace
from tests.standin.harness import wire
from tests.standin.kit import serving
from tests.standin.synthetic import SyntheticStandIn
from tests.synthetic.connector import SyntheticConnector

REPO = RepoRef(host="github.com", owner="octo", name="app")
MARK = ".synthetic-ci.yml"


def _manifest(**attach: Any) -> Manifest:
    return Manifest.parse(
        {
            "id": attach.pop("id", "ci"),
            "name": "A CI",
            "capabilities": ["Pipelines"],
            "api_url": "https://ci.example.test",
            "attach": {"kind": "account", **attach},
            "auth": {"methods": ["token"]},
        }
    )


def _folder(path: str, branch: str | None, *markers: str) -> Folder:
    root = Path(path)
    ws = Workspace(REPO, "origin", branch, root, "github")
    return Folder(root, root, branch, (ws,), frozenset(markers))


def _settings(m: Manifest) -> ConnectorSettings:
    return ConnectorSettings.model_validate({"api_url": "https://ci.example.test"})


# -- which repositories a CI service watches ------------------------------------------------


def test_an_account_ci_watches_the_folders_with_its_markers() -> None:
    marked = _manifest(watch_repos=True, markers=[MARK])
    folders = [_folder("/a", "feature", MARK), _folder("/b", "main")]
    (wanted,) = plan([marked], {"ci": _settings(marked)}, folders)
    assert wanted.watch == Watch((Watched(REPO, "feature", frozenset({MARK})),))

    unmarked = _manifest(watch_repos=True)
    (every,) = plan([unmarked], {"ci": _settings(unmarked)}, folders)
    assert [w.branch for w in every.watch.repos] == ["feature", "main"]

    plain = _manifest()
    (none,) = plan([plain], {"ci": _settings(plain)}, folders)
    assert none.watch == Watch()


# -- the sync -------------------------------------------------------------------------------


@dataclass
class World:
    ci: SyntheticStandIn
    connector: SyntheticConnector
    coordinator: Coordinator
    published: list[ch.Change] = field(default_factory=list)


@pytest.fixture
def standin() -> Iterator[SyntheticStandIn]:
    with serving(SyntheticStandIn()) as s:
        yield s


@pytest.fixture
async def world(standin: SyntheticStandIn) -> AsyncIterator[World]:
    connector, http = wire(
        SyntheticConnector, standin.url, token="tok-ada", host="tracker.example.test"
    )
    w = World(standin, connector, Coordinator(connector, Watch()))

    async def publish(c: ch.Change) -> None:
        w.published.append(c)

    w.coordinator._publish = publish
    w.coordinator.watch = Watch((Watched(REPO, "feature", frozenset({MARK})),))
    yield w
    await http.aclose()


def _detail_calls(s: SyntheticStandIn) -> int:
    return sum(1 for r in s.log if r.path.startswith("/ci/pipelines/"))


async def test_pipelines_sync_cheaply_and_a_finished_one_is_news(world: World) -> None:
    ci = world.ci.ci
    old = ci.add_pipeline(REPO.full_name, "build", "feature", jobs=[("unit", "test", "failed")])
    build = ci.add_pipeline(REPO.full_name, "build", "feature", jobs=[("unit", "test", "success")])
    deploy = ci.add_pipeline(REPO.full_name, "deploy", "feature")
    ship = ci.add_job(deploy["id"], "ship", None, "running", log="go\n")
    ci.settle(deploy["id"])
    ci.add_pipeline(REPO.full_name, "build", "other-branch", jobs=[("unit", "test", "failed")])

    assert await world.coordinator.sync() == []  # the first sync is a baseline
    idx = world.coordinator.index
    (key,) = idx.branch_pipelines
    names = {p.name: p for p in idx.branch_pipelines[key]}
    assert set(names) == {"build", "deploy"} and names["build"].number == build["number"]
    assert names["build"].ref.key != str(old["id"])  # the newest of a name only
    assert names["build"].jobs and names["deploy"].jobs
    state = idx.branch_state(key)
    assert state is not None and state.overall is CheckConclusion.PENDING  # for the status bar
    assert {r.name for r in state.runs} == {"unit", "ship"}

    calls = _detail_calls(world.ci)
    await world.coordinator.sync()
    assert _detail_calls(world.ci) == calls + 1  # only the running pipeline is read again

    ci.finish_job(ship["id"], "failed", "boom\n")
    found = await world.coordinator.sync()
    (change,) = found
    assert change.kind == ch.CI_FAILED and change.subject == f"{REPO.full_name}@feature"
    assert change.payload["failed_job_name"] == "ship" and change.payload["name"] == "deploy"
    assert parse_ci_id(change.payload["failed_job"]).key == str(ship["id"])
    assert world.published == found
    state = idx.branch_state(key)
    assert state is not None and state.overall is CheckConclusion.FAILURE
    assert await world.coordinator.sync() == []  # said once

    quick = ci.add_pipeline(REPO.full_name, "deploy", "feature", jobs=[("ship", None, "success")])
    (done,) = await world.coordinator.sync()  # it ran between two polls
    assert done.kind == ch.CI_SUCCEEDED and done.payload["number"] == quick["number"]


async def test_no_marker_no_pipelines(world: World) -> None:
    world.ci.ci.add_pipeline(REPO.full_name, "build", "feature", jobs=[("u", None, "success")])
    world.coordinator.watch = Watch((Watched(REPO, "feature"),))
    await world.coordinator.sync()
    assert world.coordinator.index.branch_pipelines == {}
    assert not any(r.path.startswith("/ci/") for r in world.ci.log)


# -- actions, triggers ------------------------------------------------------------------------


class FakeHub:
    def __init__(self, session: Session) -> None:
        self.sessions = {session.key: session}
        self.refreshed = 0
        self.logs = LogBook()

    async def refresh(self) -> None:
        self.refreshed += 1

    def session_for(self, connector: str, host: str, scope: str | None = None) -> Any:
        return next(iter(self.sessions.values()))


def _hub(world: World) -> Any:
    s = Session(
        "synthetic",
        "tracker.example.test",
        "ada",
        world.connector,
        world.connector.ctx.http,
        world.coordinator,
        tracker=None,  # type: ignore[arg-type]
    )
    return FakeHub(s)


async def test_actions_are_checked_against_what_the_item_allows(world: World) -> None:
    ci = world.ci.ci
    p = ci.add_pipeline(REPO.full_name, "build", "feature", jobs=[("unit", "test", "failed")])
    await world.coordinator.sync()
    hub = _hub(world)
    (branch,) = board.branches(hub)
    pipe = branch.runs[0].pipelines[0]
    assert set(pipe.actions) == {"rerun", "rerun_failed"}

    with pytest.raises(BadCIRequest, match="does not allow cancel"):
        await board.act(hub, ci_id(pipe.ref), "cancel")
    with pytest.raises(BadCIRequest, match="unknown CI action"):
        await board.act(hub, ci_id(pipe.ref), "explode")
    with pytest.raises(BadCIRequest, match="not a pipeline or job id"):
        await board.act(hub, "nonsense", "rerun")
    _, after = await board.act(hub, ci_id(pipe.ref), "rerun_failed")
    assert after is not None and not after.finished and after.attempt == 2
    assert ci.pipelines[p["id"]]["attempt"] == 2 and hub.refreshed == 1


async def test_a_trigger_checks_its_inputs_and_starts_a_pipeline(world: World) -> None:
    world.ci.ci.triggers[REPO.full_name] = [
        {
            "id": "release",
            "name": "Release",
            "inputs": [
                {"name": "version", "required": True},
                {
                    "name": "env",
                    "type": "choice",
                    "options": ["staging", "prod"],
                    "default": "staging",
                },
            ],
        }
    ]
    hub = _hub(world)
    (choice,) = await board.triggers(hub)
    assert choice.trigger.name == "Release" and choice.branch == "feature"
    with pytest.raises(BadCIRequest, match="needs the input 'version'"):
        await board.trigger(hub, choice.id, None, {})
    with pytest.raises(BadCIRequest, match="must be one of staging, prod"):
        await board.trigger(hub, choice.id, None, {"version": "1", "env": "moon"})
    _, started = await board.trigger(hub, choice.id, None, {"version": "1.2"})
    assert started is not None and started.branch == "feature"
    made = max(world.ci.ci.pipelines.values(), key=lambda p: p["id"])
    assert made["inputs"] == {"version": "1.2", "env": "staging"}


# -- logs -----------------------------------------------------------------------------------

ACTIONS_LOG = """2024-01-01T00:00:00Z ##[group]Run actions/checkout@v4
checking out
2024-01-01T00:00:01Z ##[endgroup]
2024-01-01T00:00:02Z ##[group]Run pytest
\x1b[31mFAILED\x1b[0m tests/test_app.py::test_it
2024-01-01T00:00:03Z ##[endgroup]
2024-01-01T00:00:04Z ##[error]Process completed with exit code 1.
2024-01-01T00:00:05Z ##[group]Post job cleanup
cleaning
"""

GITLAB_LOG = (
    "\x1b[0KRunning with gitlab-runner 16.0\n"
    "section_start:1700000000:prepare_script\r\x1b[0K\x1b[0;1mPreparing\x1b[0m\n"
    "ready\n"
    "section_end:1700000001:prepare_script\r\x1b[0K\n"
    "section_start:1700000002:step_script\r\x1b[0K\x1b[0;1mExecuting step_script\x1b[0m\n"
    "$ make test\n"
    "src/app.c:3:1: error: expected ';'\n"
    "section_end:1700000003:step_script\r\x1b[0K\n"
    "section_start:1700000004:cleanup_file_variables\r\x1b[0KCleaning up\n"
    "section_end:1700000005:cleanup_file_variables\r\x1b[0K\n"
    "\x1b[31;1mERROR: Job failed: exit code 1\x1b[0;m\n"
)

JENKINS_LOG = """Started by user ada
[Pipeline] { (Checkout)
git fetch
[Pipeline] }
[Pipeline] { (Test)
make test
FAIL: test_it
[Pipeline] }
ERROR: script returned exit code 2
Finished: FAILURE
"""


def _failing(text: str) -> tuple[str, list[str]]:
    p = Parser()
    out = p.feed(text) + p.feed("", final=True)
    f = p.failing(failed=True)
    assert f is not None
    return f.name, out.splitlines()[f.start : f.end]


def test_the_failing_step_is_found_in_each_log_shape() -> None:
    name, lines = _failing(ACTIONS_LOG)
    assert name == "Run pytest" and any("FAILED tests/test_app.py" in x for x in lines)
    assert not any("\x1b" in x for x in lines) and not any("cleaning" in x for x in lines)

    name, lines = _failing(GITLAB_LOG)
    assert name == "step_script" and "src/app.c:3:1: error: expected ';'" in lines
    name, lines = _failing(JENKINS_LOG)
    assert name == "Test" and "FAIL: test_it" in lines
    name, lines = _failing("".join(f"line {n}\n" for n in range(500)))
    assert name == "end of the log" and len(lines) == 100 and lines[-1] == "line 499"


def test_log_ids_and_uris_round_trip() -> None:
    from connectors.sdk.models import ItemKind, ItemRef

    ref = ItemRef(
        connector="ci", host="ci.example:8443", scope="team/a b", key="7/x", kind=ItemKind.JOB
    )
    assert parse_ci_id(ci_id(ref)) == ref
    uri = log_uri(ref, "unit tests")
    assert uri.endswith("/unit%20tests.log") and parse_log_uri(uri) == (ref, 1)
    assert parse_log_uri(page_uri(uri, 3)) == (ref, 3) and page_uri(page_uri(uri, 3), 1) == uri
    with pytest.raises(BadCIRequest):
        parse_log_uri("file:///etc/passwd")


async def test_a_large_log_is_paged_with_the_failing_step_first(world: World) -> None:
    ci = world.ci.ci
    world.ci.log_page = 300_000  # several reads
    p = ci.add_pipeline(REPO.full_name, "build", "feature")
    filler = "".join(f"\x1b[32mok\x1b[0m line {n:07d} of the build\n" for n in range(60_000))
    log = "##[group]Run make\n" + filler + "##[group]Run tests\nE   assert 1 == 2\n##[error]boom\n"
    job = ci.add_job(p["id"], "unit", None, "failed", log=log)
    ci.settle(p["id"])
    await world.coordinator.sync()
    hub = _hub(world)
    (found,) = [
        j
        for x in hub.sessions.values()
        for ps in x.coordinator.index.branch_pipelines.values()
        for pp in ps
        for j in pp.jobs
    ]
    doc = open_log(hub, log_uri(found.ref, found.name))
    assert open_log(hub, log_uri(found.ref, found.name)) is doc  # one reader per job
    await asyncio.wait_for(doc.ready(), 10)
    assert doc.text.startswith("=== Failing step: Run tests")
    assert "E   assert 1 == 2" in doc.text.split("=== Full log")[0]
    assert "\x1b" not in doc.text and len(doc.text) > 1_500_000
    bounds = doc.page_bounds()
    assert len(bounds) >= 4 and all(e - s <= doc.page_size for s, e in bounds)
    assert "".join(doc.text[s:e] for s, e in bounds) == doc.text
    page1 = doc.page(1)
    assert "continued in page 2: tieline-log:" in page1 and page1.count("\n") > 1000
    text, nxt = doc.slice(0, 1000)
    assert text.endswith("\n") and nxt == len(text) <= 1000
    reads = [r for r in world.ci.log if r.path == f"/ci/jobs/{job['id']}/log"]
    assert len(reads) >= 7  # followed by offset, 300 KB a read


async def test_a_running_log_is_followed_and_the_loop_stays_free(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    ci = world.ci.ci
    p = ci.add_pipeline(REPO.full_name, "build", "feature")
    job = ci.add_job(p["id"], "unit", None, "running", log="starting\n")
    ci.settle(p["id"])
    await world.coordinator.sync()
    hub = _hub(world)
    jobs = [
        j for ps in world.coordinator.index.branch_pipelines.values() for pp in ps for j in pp.jobs
    ]
    doc = open_log(hub, log_uri(jobs[0].ref, "unit"), follow=0.05)
    seen: list[int] = []
    doc.listeners.append(lambda d, changed: seen.append(changed))
    await asyncio.wait_for(doc.ready(1), 10)
    assert doc.text == "starting\n" and not doc.complete
    ci.finish_job(job["id"], "failed", "\x1b[31mexploded\x1b[0m\n")
    async with asyncio.timeout(10):
        while not doc.complete:
            await asyncio.sleep(0.02)
    assert doc.text.startswith("=== Failing step: end of the log") and "exploded" in doc.text
    assert doc.version == 2 and seen and seen[-1] == 0

    # A 10 MB log is parsed in blocks: the loop never stalls for long.
    big = "".join(f"\x1b[1mword\x1b[0m {n}\n" for n in range(700_000))
    p2 = ci.add_pipeline(REPO.full_name, "big", "feature")
    ci.add_job(p2["id"], "huge", None, "success", log=big)
    ci.settle(p2["id"])
    world.ci.log_page = 4 << 20
    await world.coordinator.sync()
    jobs = [
        j
        for ps in world.coordinator.index.branch_pipelines.values()
        for pp in ps
        for j in pp.jobs
        if j.name == "huge"
    ]
    # What shows it is the order of events, not a clock (a loaded machine stretches any
    # gap): between two blocks fed to the parser, another task (a hover) gets to run.
    events: list[str] = []
    feed = Parser.feed

    def recording_feed(self: Parser, text: str, *, final: bool = False) -> str:
        events.append("block")
        return feed(self, text, final=final)

    monkeypatch.setattr(Parser, "feed", recording_feed)
    doc = open_log(hub, log_uri(jobs[0].ref, "huge"))

    async def hover() -> None:
        while not doc.complete:
            await asyncio.sleep(0)
            events.append("hover")

    await asyncio.gather(hover(), asyncio.wait_for(doc.ready(), 30))
    assert doc.complete and doc.failing is None and len(doc.text) > 8_000_000
    blocks = [i for i, e in enumerate(events) if e == "block"]
    assert len(blocks) >= len(big) // BLOCK  # fed in blocks, not in one piece
    back_to_back = sum(1 for a, b in itertools.pairwise(blocks) if b == a + 1)
    assert back_to_back <= 2, back_to_back  # the final flush may follow the last block


async def test_a_provider_without_control_says_so(world: World) -> None:
    from connectors.sdk.errors import CapabilityError

    world.ci.ci.add_pipeline(REPO.full_name, "build", "feature", jobs=[("u", None, "failed")])
    await world.coordinator.sync()
    hub = _hub(world)
    manifest = SyntheticConnector.manifest()
    watched = manifest.model_copy(update={"capabilities": ("IssueTracker", "Pipelines")})

    class ReadOnly(SyntheticConnector):
        _manifest = watched

    world.connector.__class__ = ReadOnly
    (branch,) = board.branches(hub)
    pipe = branch.runs[0].pipelines[0]
    with pytest.raises(CapabilityError, match="does not let Tieline re-run"):
        await board.act(hub, ci_id(pipe.ref), "rerun")
    assert await board.triggers(hub) == []


async def test_a_rerun_job_log_is_read_anew(world: World) -> None:
    ci = world.ci.ci
    p = ci.add_pipeline(REPO.full_name, "build", "feature")
    job = ci.add_job(p["id"], "unit", None, "failed", log="first try\n")
    ci.settle(p["id"])
    await world.coordinator.sync()
    hub = _hub(world)
    (j,) = [
        j for ps in world.coordinator.index.branch_pipelines.values() for x in ps for j in x.jobs
    ]
    doc = open_log(hub, log_uri(j.ref, j.name))
    await asyncio.wait_for(doc.ready(), 10)
    assert "first try" in doc.text
    ci.rerun(p["id"], failed_only=True)
    ci.finish_job(job["id"], "success", "second try\n")
    await world.coordinator.sync()
    again = open_log(hub, log_uri(j.ref, j.name))
    assert again is not doc
    await asyncio.wait_for(again.ready(), 10)
    assert "second try" in again.text


async def test_a_whole_raw_log_for_readers_of_its_text(world: World) -> None:
    from server.hub.ci.logs import read_raw

    ci = world.ci.ci
    world.ci.log_page = 1000
    p = ci.add_pipeline(REPO.full_name, "build", "feature")
    raw = "".join(f"\x1b[31mline {n}\x1b[0m\n" for n in range(500))
    job = ci.add_job(p["id"], "unit", None, "failed", log=raw)
    ci.settle(p["id"])
    ref = world.connector._ci_ref(REPO.full_name, job["id"], ItemKind.JOB)
    assert await read_raw(world.connector, ref) == raw
    assert await read_raw(world.connector, ref, most=100) == raw[-100:]


def test_a_finished_run_is_the_same_unless_a_time_both_sides_name_moved() -> None:
    """How a poll tells a finished pipeline unchanged without reading its jobs. A list may
    leave a time out (GitLab's pipeline list has no ``finished_at``): that is no change. A
    job retried and failed again leaves the status as it was, but moves ``updated_at``."""
    from datetime import UTC, datetime

    from connectors.sdk.ci import Pipeline, RunStatus
    from connectors.sdk.models import ItemRef
    from server.hub.sync.syncers import _same_run

    t1, t2 = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    ref = ItemRef(
        connector="gitlab", host="gitlab.com", scope="g/p", key="7", kind=ItemKind.PIPELINE
    )
    read = Pipeline(
        ref=ref,
        name="ci",
        status=RunStatus.COMPLETED,
        conclusion=CheckConclusion.FAILURE,
        finished_at=t1,
        updated_at=t1,
    )
    listed = read.model_copy(update={"finished_at": None})
    assert _same_run(read, listed)
    assert not _same_run(read, listed.model_copy(update={"updated_at": t2}))
    assert not _same_run(read, read.model_copy(update={"finished_at": t2}))
    assert not _same_run(read, listed.model_copy(update={"attempt": 2}))
