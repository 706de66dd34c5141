"""The CircleCI connector's capabilities (Pipelines, PipelineControl) and hooks, every method
through ``wire(...)`` -- the hub's real HTTP stack -- against the contract-checking CircleCI
stand-in (``tests/standin/circleci.py``: its docstring says where each request and answer
shape comes from: CircleCI's own API v2 OpenAPI description, the v1 reference, a recorded
v1.1 answer, CircleCI's MCP server's schemas)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from connectors.circleci.connector import CircleCIConnector
from connectors.circleci.mapping import job_ref
from connectors.sdk import (
    CheckConclusion,
    InvalidRequest,
    ItemKind,
    ItemRef,
    Pipeline,
    PipelineControl,
    Pipelines,
    RepoRef,
    RunStatus,
)
from connectors.sdk.registry import Registry
from server.hub.http import revalidate
from tests.standin.circleci import CircleCIStandIn, OutputHost, State

from .conftest import SLUG, connect

FAILING_LOG = "collected 2 items\ntests/test_x.py:12: AssertionError\nerror: boom\n"


def seed(state: State) -> dict[str, Any]:
    """Three pipelines on ``main`` and ``feature``: a green one, one with a failed ``build``
    workflow and a ``deploy`` workflow held for approval, and a running one."""
    s = state
    p1 = s.add_pipeline(SLUG, branch="main")
    w1 = s.add_workflow(p1, "build", "success")
    s.add_job(w1, "test", "success", steps=[("Run tests", "success", "ok\n")])
    p2 = s.add_pipeline(SLUG, branch="main")
    w2 = s.add_workflow(p2, "build", "failed")
    failed = s.add_job(
        w2,
        "test",
        "failed",
        steps=[
            ("Spin up environment", "success", "Starting\n"),
            ("Run tests", "failed", FAILING_LOG),
        ],
    )
    s.add_job(w2, "lint", "success")
    w3 = s.add_workflow(p2, "deploy", "on_hold")
    hold = s.add_job(w3, "hold", "on_hold", kind="approval")
    s.add_job(w3, "ship", "blocked")
    p3 = s.add_pipeline(SLUG, branch="feature")
    w4 = s.add_workflow(p3, "build", "running")
    running = s.add_job(w4, "test", "running", steps=[("Run tests", "running", "")])
    return {"w1": w1, "w2": w2, "w3": w3, "w4": w4, "failed": failed, "hold": hold, "run": running}


def test_registered_and_declares_what_it_implements() -> None:
    reg = Registry()
    reg.add(CircleCIConnector)
    m = CircleCIConnector.manifest()
    assert m.capabilities == ("Pipelines", "PipelineControl")
    assert m.attach.kind == "account" and m.attach.watch_repos
    assert m.attach.markers == (".circleci/config.yml",)
    assert m.auth.header_for("token") == ("Circle-Token", "{token}")
    text = Path("pyproject.toml").read_text(encoding="utf-8")
    assert 'circleci = "connectors.circleci.connector:CircleCIConnector"' in text


async def test_check_names_the_account_by_login(circleci: CircleCIStandIn) -> None:
    cc, http = connect(circleci)
    async with http:
        result = await cc.check()
    assert result.ok and result.account == "ada" and result.name == "Ada"
    assert result.scopes is None
    assert circleci.log[0].headers.get("circle-token") == "tok-ada"
    assert "authorization" not in circleci.log[0].headers


def test_ci_scope_is_the_project_slug() -> None:
    cc, _ = connect_offline(
        settings={
            "projects": ["gitlab.com/grp/sub/app=circleci/1111/2222", "acme/lib=bb/acme/lib2"]
        }
    )
    assert cc.ci_scope(RepoRef(host="github.com", owner="octo", name="app")) == "gh/octo/app"
    assert cc.ci_scope(RepoRef(host="bitbucket.org", owner="team", name="r")) == "bb/team/r"
    gitlab = RepoRef.from_path("gitlab.com", "grp/sub/app")
    assert cc.ci_scope(gitlab) == "circleci/1111/2222"
    assert cc.ci_scope(RepoRef(host="github.com", owner="acme", name="lib")) == "bb/acme/lib2"
    assert cc.ci_scope(RepoRef(host="gitlab.com", owner="x", name="y")) is None
    ghe, _ = connect_offline(settings={"github_hosts": ["github.com", "ghe.corp.example"]})
    assert ghe.ci_scope(RepoRef(host="ghe.corp.example", owner="o", name="r")) == "gh/o/r"


def connect_offline(**kw: Any) -> tuple[CircleCIConnector, Any]:
    from tests.standin.harness import wire

    return wire(CircleCIConnector, "https://circleci.com/api/v2", token="t", **kw)


async def test_list_pipelines_gives_workflows_newest_first(
    circleci: CircleCIStandIn, state: State
) -> None:
    seeded = seed(state)
    cc, http = connect(circleci)
    assert cc.provides(Pipelines) and cc.provides(PipelineControl)
    async with http:
        main = await cc.list_pipelines(SLUG, branch="main", limit=10)
        newest = await cc.list_pipelines(SLUG, limit=1)
    assert [p.name for p in main] == ["deploy", "build", "build"]
    deploy, build, green = main
    assert deploy.status is RunStatus.WAITING and deploy.actions == ("cancel",)
    assert build.failed and build.actions == ("rerun", "rerun_failed")
    assert green.conclusion is CheckConclusion.SUCCESS and green.actions == ("rerun",)
    assert build.ref.kind is ItemKind.PIPELINE and build.ref.scope == SLUG
    assert build.ref.key == seeded["w2"]["id"] and build.number == 2 and build.branch == "main"
    assert build.event == "push" and build.sha == "0" * 39 + "1"
    assert build.url == (
        f"https://app.circleci.com/pipelines/github/octo/app/2/workflows/{seeded['w2']['id']}"
    )
    assert [p.ref.key for p in newest] == [seeded["w4"]["id"]]
    assert newest[0].status is RunStatus.RUNNING
    # every request named the project by its escaped slug, as the description allows
    assert any("/project/gh%2Focto%2Fapp/pipeline" in e.path for e in circleci.log)
    assert next(e.query for e in circleci.log if e.query) == [("branch", "main")]


async def test_list_pipelines_follows_page_tokens(circleci: CircleCIStandIn, state: State) -> None:
    for _ in range(7):
        pl = state.add_pipeline(SLUG, branch="main")
        state.add_workflow(pl, "build", "success")
    circleci.page_size = 2
    cc, http = connect(circleci)
    async with http:
        got = await cc.list_pipelines(SLUG, branch="main", limit=6)
    assert [p.number for p in got] == [7, 6, 5, 4, 3, 2]
    lists = [e for e in circleci.log if e.path.endswith("/pipeline")]
    assert len(lists) == 3
    assert [dict(e.query).get("page-token") is None for e in lists] == [True, False, False]


async def test_a_pipeline_without_workflows_is_shown_on_its_own(
    circleci: CircleCIStandIn, state: State
) -> None:
    state.add_pipeline(
        SLUG, state="errored", errors=[{"type": "config", "message": "Config does not conform"}]
    )
    cc, http = connect(circleci)
    async with http:
        (bare,) = await cc.list_pipelines(SLUG)
        again = await cc.get_pipeline(bare.ref)
    assert bare.ref.key.startswith("pipeline/") and bare.failed
    assert "Config does not conform" in bare.name and bare.actions == ()
    assert again == bare


async def test_get_pipeline_has_jobs_and_the_failed_jobs_steps(
    circleci: CircleCIStandIn, state: State
) -> None:
    seeded = seed(state)
    cc, http = connect(circleci)
    async with http:
        build = (await cc.list_pipelines(SLUG, branch="main", limit=2))[1]
        full = await cc.get_pipeline(build.ref)
        deploy = await cc.get_pipeline(build.ref.model_copy(update={"key": seeded["w3"]["id"]}))
    test, lint = full.jobs
    assert test.failed and test.stage == "build" and test.ref.kind is ItemKind.JOB
    assert test.ref.key == str(seeded["failed"]["job_number"]) and test.actions == ("retry",)
    assert test.url and test.url.endswith(f"/jobs/{seeded['failed']['job_number']}")
    assert [(s.name, s.conclusion) for s in test.steps] == [
        ("Spin up environment", CheckConclusion.SUCCESS),
        ("Run tests", CheckConclusion.FAILURE),
    ]
    assert lint.steps == ()  # green jobs cost no step request
    hold, ship = deploy.jobs
    assert hold.status is RunStatus.WAITING and hold.actions == ("play",)
    assert hold.ref.key == f"{seeded['w3']['id']}/approval/{seeded['hold']['approval_request_id']}"
    assert ship.status is RunStatus.QUEUED and ship.actions == () and ship.ref.number is None
    assert full.summary().failed == 1 and full.summary().passed == 1
    v1 = [e for e in circleci.log if e.path.startswith("/api/v1.1/")]
    assert [e.path for e in v1] == [f"/api/v1.1/project/gh/octo/app/{test.ref.key}"]


async def test_job_log_joins_step_outputs_without_sending_the_token_to_storage(
    circleci: CircleCIStandIn, output: OutputHost, state: State
) -> None:
    seeded = seed(state)
    cc, http = connect(circleci)
    async with http:
        full = await cc.get_pipeline((await cc.list_pipelines(SLUG, branch="main", limit=2))[1].ref)
        job = full.jobs[0]
        chunk = await cc.job_log(job.ref)
        tail = await cc.job_log(job.ref, offset=chunk.next_offset - 12)
        none = await cc.job_log(job.ref, offset=chunk.next_offset)
    assert chunk.text == ("==> Spin up environment\nStarting\n==> Run tests\n" + FAILING_LOG)
    assert chunk.complete and chunk.offset == 0 and chunk.next_offset == len(chunk.text)
    assert tail.text == "error: boom\n"[-12:] and tail.next_offset == chunk.next_offset
    assert none.text == "" and none.complete
    assert len(output.log) == 2 and not output.violations  # later pages: kept, not fetched
    assert sum(1 for e in circleci.log if e.path.startswith("/api/v1.1/")) == 2  # steps + log
    assert all("circle-token" not in e.headers for e in output.log)
    assert all("authorization" not in e.headers for e in output.log)
    assert seeded["failed"]["job_number"]


async def test_job_log_of_a_running_job_is_incomplete(
    circleci: CircleCIStandIn, state: State
) -> None:
    seeded = seed(state)
    cc, http = connect(circleci)
    async with http:
        running = await cc.get_pipeline((await cc.list_pipelines(SLUG, branch="feature"))[0].ref)
        (job,) = running.jobs
        chunk = await cc.job_log(job.ref)
    assert job.actions == ("cancel",) and job.ref.key == str(seeded["run"]["job_number"])
    assert chunk.text == "==> Run tests\n" and not chunk.complete


async def test_a_log_read_again_gives_what_was_written_since(
    circleci: CircleCIStandIn, output: OutputHost, state: State
) -> None:
    seeded = seed(state)
    job = seeded["run"]
    cc, http = connect(circleci)
    async with http:
        (running,) = await cc.list_pipelines(SLUG, branch="feature")
        ref = (await cc.get_pipeline(running.ref)).jobs[0].ref
        first = await cc.job_log(ref)
        # the step finishes: CircleCI publishes its output and the job ends
        action = state.steps[(SLUG, job["job_number"])][0]["actions"][0]
        state.outputs["late"] = [{"message": "3 passed\n", "time": state.tick(), "type": "out"}]
        action.update(status="success", output_url=f"{output.url}/output/late?Signature=x")
        job["status"] = "success"
        second = await cc.job_log(ref, offset=first.next_offset)
    assert (first.text, first.complete) == ("==> Run tests\n", False)
    assert (second.text, second.complete) == ("3 passed\n", True)
    assert second.offset == first.next_offset


async def test_parallel_containers_each_get_a_header(
    circleci: CircleCIStandIn, state: State
) -> None:
    pl = state.add_pipeline(SLUG)
    wf = state.add_workflow(pl, "build", "success")
    job = state.add_job(wf, "test", "success", steps=[("Run tests", "success", "ok\n")], parallel=2)
    cc, http = connect(circleci)
    async with http:
        (p,) = await cc.list_pipelines(SLUG)
        chunk = await cc.job_log(
            p.ref.model_copy(update={"kind": ItemKind.JOB, "key": str(job["job_number"])})
        )
    assert chunk.text == "==> Run tests [container 0]\nok\n==> Run tests [container 1]\nok\n"


async def test_rerun_and_rerun_failed_answer_the_new_workflow(
    circleci: CircleCIStandIn, state: State
) -> None:
    seeded = seed(state)
    cc, http = connect(circleci)
    async with http:
        build = (await cc.list_pipelines(SLUG, branch="main", limit=2))[1]
        again = await cc.act(build.ref, "rerun_failed")
        whole = await cc.act(build.ref.model_copy(update={"key": seeded["w1"]["id"]}), "rerun")
    assert isinstance(again, Pipeline) and again.ref.key != build.ref.key
    assert again.name == "build" and again.attempt == 2 and again.number == 2
    assert [(j.name, j.status) for j in again.jobs] == [
        ("test", RunStatus.QUEUED),
        ("lint", RunStatus.COMPLETED),
    ]
    assert whole is not None and whole.attempt == 2 and whole.number == 1
    bodies = [e for e in circleci.log if e.path.endswith("/rerun")]
    assert len(bodies) == 2


async def test_cancel_a_workflow_and_a_job(circleci: CircleCIStandIn, state: State) -> None:
    seeded = seed(state)
    cc, http = connect(circleci)
    async with http:
        running = (await cc.list_pipelines(SLUG, branch="feature"))[0]
        job = (await cc.get_pipeline(running.ref)).jobs[0]
        after_job = await cc.act(job.ref, "cancel")
        after = await cc.act(running.ref, "cancel")
    assert after_job is not None and after_job.jobs[0].conclusion is CheckConclusion.CANCELLED
    assert after is not None and after.conclusion is CheckConclusion.CANCELLED
    assert after.actions == ("rerun",)
    assert seeded["run"]["status"] == "canceled"


async def test_retry_reruns_one_job_and_play_approves(
    circleci: CircleCIStandIn, state: State
) -> None:
    seeded = seed(state)
    cc, http = connect(circleci)
    async with http:
        build = await cc.get_pipeline(
            (await cc.list_pipelines(SLUG, branch="main", limit=2))[1].ref
        )
        retried = await cc.act(build.jobs[1].ref, "retry")  # lint, alone
        deploy = await cc.get_pipeline(build.ref.model_copy(update={"key": seeded["w3"]["id"]}))
        approved = await cc.act(deploy.jobs[0].ref, "play")
    assert retried is not None and [(j.name, j.status) for j in retried.jobs] == [
        ("test", RunStatus.COMPLETED),
        ("lint", RunStatus.QUEUED),
    ]
    assert approved is not None and approved.status is RunStatus.RUNNING
    assert approved.jobs[0].conclusion is CheckConclusion.SUCCESS


async def test_actions_the_item_does_not_have_are_refused(
    circleci: CircleCIStandIn, state: State
) -> None:
    seed(state)
    cc, http = connect(circleci)
    async with http:
        (running,) = await cc.list_pipelines(SLUG, branch="feature")
        with pytest.raises(InvalidRequest, match="still running"):
            await cc.act(running.ref, "rerun")
        with pytest.raises(InvalidRequest, match="cannot play"):
            await cc.act(running.ref, "play")


CONFIG = """\
version: 2.1
parameters:
  deploy:
    type: boolean
    default: false
    description: Deploy after the tests
  workers:
    type: integer
    default: 2
  target:
    type: enum
    enum: [staging, production]
    default: staging
  note:
    type: string
  image:
    type: executor
    default: docker
jobs: {}
"""


async def test_triggers_read_the_declared_parameters(
    circleci: CircleCIStandIn, state: State
) -> None:
    state.project(SLUG, config=CONFIG)
    state.add_pipeline(SLUG)
    cc, http = connect(circleci)
    async with http:
        (trigger,) = await cc.triggers(SLUG)
    assert trigger.id == "pipeline"
    by = {i.name: i for i in trigger.inputs}
    assert set(by) == {"deploy", "workers", "target", "note"}  # executor: not via the API
    assert by["deploy"].type == "boolean" and by["deploy"].default == "false"
    assert by["workers"].type == "number" and by["workers"].default == "2"
    assert by["target"].type == "choice" and by["target"].options == ("staging", "production")
    assert by["note"].required and not by["deploy"].required
    assert trigger.url == "https://app.circleci.com/pipelines/github/octo/app"


async def test_trigger_sends_typed_parameters_and_follows_to_the_workflow(
    circleci: CircleCIStandIn, state: State
) -> None:
    state.project(SLUG, config=CONFIG)
    state.add_pipeline(SLUG)
    cc, http = connect(circleci)
    async with http:
        started = await cc.trigger(
            SLUG, "pipeline", "feature", {"deploy": "true", "workers": "3", "note": "hi"}
        )
        assert started is not None and started.ref.key.startswith("pipeline/")
        followed = await cc.get_pipeline(started.ref)
        with pytest.raises(InvalidRequest, match="true or false"):
            await cc.trigger(SLUG, "pipeline", "feature", {"deploy": "yes"})
        with pytest.raises(InvalidRequest, match="Unexpected argument"):
            await cc.trigger(SLUG, "pipeline", "feature", {"nope": "1"})
    assert state.triggered[0] == {
        "branch": "feature",
        "parameters": {"deploy": True, "workers": 3, "note": "hi"},
    }
    assert started.status is RunStatus.QUEUED and started.number == 2
    assert followed.name == "build" and followed.status is RunStatus.RUNNING
    assert followed.ref.key != started.ref.key and followed.jobs[0].name == "test"


async def test_triggers_without_a_pipeline_yet(circleci: CircleCIStandIn) -> None:
    cc, http = connect(circleci)
    async with http:
        (trigger,) = await cc.triggers(SLUG)
        started = await cc.trigger(SLUG, "pipeline", "main", {})
    assert trigger.inputs == () and started is not None


async def test_github_app_and_gitlab_projects_trigger_through_pipeline_run(
    circleci: CircleCIStandIn, state: State
) -> None:
    """``circleci/<org-id>/<project-id>`` projects cannot use the classic trigger (the
    description: "Not available to projects that use GitLab or GitHub App"): they go through
    ``/pipeline/run`` with the branch for both config and checkout."""
    slug = "circleci/43G3kM5RtfFE7v5sa4nWAU/44n9pujWcTnVZ2b5S8Fnat"  # the API guide's example
    state.project(slug, config=CONFIG)
    state.add_pipeline(slug)
    cc, http = connect(circleci, settings={"projects": [f"gitlab.com/grp/app={slug}"]})
    assert cc.ci_scope(RepoRef.from_path("gitlab.com", "grp/app")) == slug
    async with http:
        started = await cc.trigger(slug, "pipeline", "main", {"deploy": "false"})
        with revalidate():  # as the panel's poller asks: triggers() read the list before
            (listed,) = [p for p in await cc.list_pipelines(slug, limit=5) if p.number == 2]
    assert started is not None and started.number == 2
    assert state.triggered[-1] == {
        "config": {"branch": "main"},
        "checkout": {"branch": "main"},
        "parameters": {"deploy": False},
    }
    runs = [e for e in circleci.log if e.path.endswith("/pipeline/run")]
    assert [e.path for e in runs] == [f"/api/v2/project/{slug}/pipeline/run"]
    assert listed.url and "/pipelines/circleci/43G3kM5RtfFE7v5sa4nWAU/" in listed.url


async def test_a_gitlab_projects_job_log_names_it_circleci_in_v1_1(
    circleci: CircleCIStandIn, state: State
) -> None:
    """Found by the capability suite on a GitLab project: its jobs' step output is read from
    v1.1 with the project's v2 slug (``circleci/<org-id>/<project-id>``), which the stand-in's
    hand-written v1.1 contract refused (it knew github/bitbucket only); CircleCI's guide takes
    ``circleci`` for every other VCS type, and its own MCP server sends such slugs there."""
    slug = "circleci/43G3kM5RtfFE7v5sa4nWAU/44n9pujWcTnVZ2b5S8Fnat"
    pl = state.add_pipeline(slug, branch="main")
    wf = state.add_workflow(pl, "build", "failed")
    job = state.add_job(wf, "test", "failed", steps=[("Run", "failed", "boom\n")])
    cc, http = connect(circleci, settings={"projects": [f"gitlab.com/grp/app={slug}"]})
    async with http:
        chunk = await cc.job_log(
            job_ref("circleci.com", slug, str(job["job_number"]), job["job_number"])
        )
    assert chunk.text == "==> Run\nboom\n" and chunk.complete
    [v1] = [e for e in circleci.log if e.path.startswith("/api/v1.1/")]
    assert v1.path == f"/api/v1.1/project/{slug}/{job['job_number']}"


async def test_polling_a_running_job_rereads_only_what_is_running(
    circleci: CircleCIStandIn, output: OutputHost, state: State
) -> None:
    pl = state.add_pipeline(SLUG, branch="main")
    wf = state.add_workflow(pl, "build", "running")
    job = state.add_job(
        wf, "test", "running", steps=[("Checkout", "success", "cloned\n"), ("Run", "running", "")]
    )
    cc, http = connect(circleci)
    ref = _job_ref(job)
    async with http:
        first = await cc.job_log(ref)
        second = await cc.job_log(ref, offset=first.next_offset)
    assert first.text == "==> Checkout\ncloned\n==> Run\n" and not first.complete
    assert second.text == "" and len(output.log) == 1  # the finished step's output, once


async def test_an_unreadable_output_is_said_and_read_again(
    circleci: CircleCIStandIn, output: OutputHost, state: State
) -> None:
    pl = state.add_pipeline(SLUG, branch="main")
    wf = state.add_workflow(pl, "build", "failed")
    job = state.add_job(wf, "test", "failed", steps=[("Run", "failed", "boom\n")])
    key = f"{job['job_number']}-0-0"
    lines = state.outputs.pop(key)  # the storage host answers 404 (NoSuchKey)
    cc, http = connect(circleci)
    ref = _job_ref(job)
    async with http:
        broken = await cc.job_log(ref)
        state.outputs[key] = lines
        fixed = await cc.job_log(ref)
    assert "could not be read" in broken.text and broken.complete
    assert fixed.text == "==> Run\nboom\n"


def _job_ref(job: dict[str, Any]) -> ItemRef:
    """The ref a job with a number has (what ``get_pipeline`` gives it)."""
    return job_ref("circleci.com", SLUG, str(job["job_number"]), job["job_number"])
