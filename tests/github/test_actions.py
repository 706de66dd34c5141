"""GitHub Actions (``Pipelines``, ``PipelineControl``) through the hub's real HTTP stack against
the contract-checked stand-in (``tests/standin/github_actions.py``): every request the
connector sends is validated against ``@octokit/openapi``; the ``github`` fixture fails the
test otherwise. Job logs come from a second local host behind GitHub's 302, which refuses and
records any credential it is sent."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from connectors.github.actions import conclusion, run_status
from connectors.github.connector import GitHubConnector
from connectors.sdk import (
    CheckConclusion,
    InvalidRequest,
    ItemKind,
    ItemRef,
    PermissionDenied,
    RateLimited,
    ReauthRequired,
    TielineError,
)
from connectors.sdk.ci import RunStatus
from server.hub.auth.headers import SecretAuth
from server.hub.http import HubClient, revalidate
from tests.standin.github import GitHubStandIn
from tests.standin.harness import wire

CANARY = "ghp_CANARYactions0123456789abcdefghijkl"
REPO = "o/r"

WORKFLOW = """\
name: Deploy
on:
  push:
    branches: [main]
  workflow_dispatch:
    inputs:
      environment:
        description: Where to deploy
        type: environment
        required: true
      level:
        description: Log level
        type: choice
        options: [info, warning, debug]
        default: warning
      dry_run:
        description: Only print what would change
        type: boolean
        default: false
      shards:
        type: number
        default: 3
      note:
        description: Free text
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - run: echo deploying
"""
PUSH_ONLY = "name: CI\non: [push, pull_request]\njobs: {}\n"


def connect(github: GitHubStandIn, token: str = CANARY) -> tuple[GitHubConnector, HubClient]:
    github.state.tokens.setdefault(token, "octocat")
    return wire(GitHubConnector, github.url, token=token, web_url="https://github.com")


def run_ref(run: dict[str, Any]) -> ItemRef:
    return ItemRef(
        connector="github", host="github.com", scope=REPO, key=str(run["id"]), kind="pipeline"
    )


def job_ref(job_id: int) -> ItemRef:
    return ItemRef(connector="github", host="github.com", scope=REPO, key=str(job_id), kind="job")


def seed_run(github: GitHubStandIn, **kw: Any) -> dict[str, Any]:
    jobs = kw.pop(
        "jobs",
        [
            {"name": "build", "steps": ["Set up job", "Build"], "log": "building\nok\n"},
            {"name": "test", "conclusion": "failure", "steps": ["Test"], "log": "FAILED x\n"},
        ],
    )
    conclusion_ = kw.pop("conclusion", "failure")
    return github.state.actions.add_run(REPO, jobs=jobs, conclusion=conclusion_, **kw)


def paths(github: GitHubStandIn) -> list[str]:
    return [f"{e.method} {e.path}" for e in github.log]


# -- Pipelines ------------------------------------------------------------------------------------
async def test_runs_of_a_branch_newest_first_with_what_each_allows(github: GitHubStandIn) -> None:
    acts = github.state.actions
    old = acts.add_run(REPO, branch="feature", conclusion="success")
    acts.add_run(REPO, branch="main")
    new = acts.add_run(REPO, branch="feature", status="in_progress", conclusion=None)
    gh, http = connect(github)
    async with http:
        runs = await gh.list_pipelines(REPO, branch="feature", limit=5)
    assert [p.ref.key for p in runs] == [str(new["id"]), str(old["id"])]
    running, done = runs
    assert running.status is RunStatus.RUNNING and running.conclusion is CheckConclusion.PENDING
    assert running.actions == ("cancel",) and running.finished_at is None
    assert done.status is RunStatus.COMPLETED and done.conclusion is CheckConclusion.SUCCESS
    assert done.actions == ("rerun",) and done.branch == "feature" and done.attempt == 1
    assert done.ref.kind is ItemKind.PIPELINE and done.ref.scope == REPO
    assert done.url == f"https://github.com/o/r/actions/runs/{old['id']}"
    query = dict(github.log[0].query)
    assert query == {"branch": "feature", "per_page": "5"}


async def test_unchanged_runs_revalidate_with_a_free_304(github: GitHubStandIn) -> None:
    """The poll of a branch's runs, forced to ask GitHub (``revalidate``), is a conditional
    request; an unchanged list is a 304 that spends no rate-limit point."""
    seed_run(github)
    gh, http = connect(github)
    async with http:
        first = await gh.list_pipelines(REPO, branch="main")
        spent = github.spent()
        github.reset_log()
        with revalidate():
            again = await gh.list_pipelines(REPO, branch="main")
        github.state.actions.add_run(REPO, branch="main")
        with revalidate():
            changed = await gh.list_pipelines(REPO, branch="main")
    assert again == first
    assert [e.status for e in github.log] == [304, 200]
    assert github.log[0].headers.get("if-none-match", "").startswith('W/"')
    assert [e.counted for e in github.log] == [False, True]
    assert github.spent() == spent + 1  # the 304 was free, the changed list was not
    assert len(changed) == len(first) + 1


async def test_a_run_with_paginated_jobs_and_steps(github: GitHubStandIn) -> None:
    jobs = [{"name": f"matrix {k}", "steps": ["Set up job", "Run"]} for k in range(130)]
    jobs.append({"name": "lint", "conclusion": "failure", "steps": ["Lint"]})
    run = seed_run(github, jobs=jobs)
    gh, http = connect(github)
    async with http:
        p = await gh.get_pipeline(run_ref(run))
    assert len(p.jobs) == 131 and len({j.ref.key for j in p.jobs}) == 131
    job_pages = [e for e in github.log if e.path.endswith("/jobs")]
    assert len(job_pages) == 2
    assert ("filter", "latest") in job_pages[0].query
    lint = p.jobs[-1]
    assert lint.failed and lint.ref.kind is ItemKind.JOB and lint.actions == ("retry",)
    assert [s.name for s in p.jobs[0].steps] == ["Set up job", "Run"]
    assert p.jobs[0].steps[0].conclusion is CheckConclusion.SUCCESS
    assert p.failed and p.actions == ("rerun", "rerun_failed")
    assert [j.name for j in p.failed_jobs()] == ["lint"]


async def test_attempts_after_a_rerun_of_failed_jobs(github: GitHubStandIn) -> None:
    run = seed_run(github)
    gh, http = connect(github)
    async with http:
        before = await gh.get_pipeline(run_ref(run))  # cached now, fresh for max-age
        after = await gh.act(run_ref(run), "rerun_failed")
        first = await gh.get_attempt(run_ref(run), 1)
    assert after is not None and after.attempt == 2 and before.attempt == 1
    assert after.status is RunStatus.QUEUED and after.actions == ("cancel",)
    # filter=latest: the passed job of attempt 1 and the re-queued failed one
    assert {(j.name, j.status) for j in after.jobs} == {
        ("build", RunStatus.COMPLETED),
        ("test", RunStatus.QUEUED),
    }
    assert all(not j.actions for j in after.jobs)  # no job re-run while the run goes on
    assert first.attempt == 1 and first.conclusion is CheckConclusion.FAILURE
    assert {j.name for j in first.jobs} == {"build", "test"}
    assert f"POST /repos/o/r/actions/runs/{run['id']}/rerun-failed-jobs" in paths(github)
    assert f"GET /repos/o/r/actions/runs/{run['id']}/attempts/1" in paths(github)


# -- logs -----------------------------------------------------------------------------------------
async def test_job_log_follows_the_redirect_without_the_token(github: GitHubStandIn) -> None:
    log = "".join(f"2024-01-01T00:00:{k:02d}Z line {k}\n" for k in range(50))
    run = seed_run(github, jobs=[{"name": "build", "log": log}], conclusion="success")
    job = github.state.actions.latest_jobs(run["id"])[0]
    gh, http = connect(github)
    async with http:
        whole = await gh.job_log(job_ref(job["id"]))
        tail = await gh.job_log(job_ref(job["id"]), offset=whole.next_offset - 12)
        rest = await gh.job_log(job_ref(job["id"]), offset=whole.next_offset)
    assert whole.text == log and whole.complete and whole.next_offset == len(log)
    assert tail.text == log[-12:] and tail.offset == len(log) - 12
    assert rest.text == "" and rest.complete
    blob = github.blob
    assert len(blob.received) == 1  # downloaded once, then sliced
    assert blob.credentials_seen == []
    assert not [h for h in blob.received for v in h.values() if CANARY in v]
    assert [e.status for e in github.log if e.path.endswith("/logs")] == [302]


async def test_a_running_job_shows_its_finished_steps_then_its_log(
    github: GitHubStandIn,
) -> None:
    """GitHub has no live log: while a job runs, its document is a line per finished step;
    once it has finished, the same lines, a blank line and GitHub's log, so the offset handed
    out while it ran still fits (and a fresh connector reads the same document)."""
    acts = github.state.actions
    run = acts.add_run(REPO, status="in_progress", conclusion=None)
    job = acts.add_job(
        run["id"], "build", status="in_progress", conclusion=None, steps=["Set up job", "Test"]
    )
    job["steps"][0].update(status="completed", conclusion="success")
    gh, http = connect(github)
    async with http:
        first = await gh.job_log(job_ref(job["id"]), offset=0)
        asked = paths(github)
        again = await gh.job_log(job_ref(job["id"]), offset=first.next_offset)
        acts.finish_job(job["id"], "failure", "all done \u2713\n")
        more = await gh.job_log(job_ref(job["id"]), offset=again.next_offset)
    assert first.text == "[step 1] Set up job: success\n" and not first.complete
    assert first.next_offset == len(first.text.encode())
    assert asked == [f"GET /repos/o/r/actions/jobs/{job['id']}"]  # the job, not its log
    assert (again.text, again.next_offset, again.complete) == ("", first.next_offset, False)
    assert more.text == "[step 2] Test: failure\n\nall done \u2713\n" and more.complete
    assert more.next_offset == len((first.text + more.text).encode())
    fresh, http = connect(github)
    async with http:
        whole = await fresh.job_log(job_ref(job["id"]))
    assert whole.text == first.text + more.text


async def test_offsets_are_bytes_and_never_split_a_character(github: GitHubStandIn) -> None:
    log = "caf\u00e9 \u2713 ok\n"
    run = seed_run(github, jobs=[{"name": "build", "log": log}], conclusion="success")
    job = github.state.actions.latest_jobs(run["id"])[0]
    gh, http = connect(github)
    async with http:
        whole = await gh.job_log(job_ref(job["id"]))
        inside = await gh.job_log(job_ref(job["id"]), offset=4)  # inside the 2-byte e-acute
    assert whole.next_offset == len(log.encode()) == len(log) + 3
    assert inside.offset == 5 and inside.text == " \u2713 ok\n"


async def test_a_missing_job_log_comes_from_the_runs_zip(github: GitHubStandIn) -> None:
    run = seed_run(github, jobs=[{"name": "build", "log": "from the zip\n"}, {"name": "other"}])
    job = github.state.actions.latest_jobs(run["id"])[0]
    github.state.actions.job_log_gone.add(job["id"])
    gh, http = connect(github)
    async with http:
        chunk = await gh.job_log(job_ref(job["id"]))
    assert chunk.text == "from the zip\n" and chunk.complete
    assert f"GET /repos/o/r/actions/runs/{run['id']}/logs" in paths(github)
    assert github.blob.credentials_seen == []


# -- control -------------------------------------------------------------------------------------
async def test_rerun_cancel_and_retry_read_the_run_back_fresh(github: GitHubStandIn) -> None:
    run = seed_run(github)
    gh, http = connect(github)
    async with http:
        await gh.get_pipeline(run_ref(run))
        rerun = await gh.act(run_ref(run), "rerun")
        assert rerun is not None and rerun.attempt == 2 and rerun.status is RunStatus.QUEUED
        cancelled = await gh.act(run_ref(run), "cancel")
        assert cancelled is not None and cancelled.conclusion is CheckConclusion.CANCELLED
        assert cancelled.actions == ("rerun", "rerun_failed")
        job = cancelled.jobs[0]
        retried = await gh.act(job.ref, "retry")
        assert retried is not None and retried.attempt == 3
        await gh.act(run_ref(run), "cancel")
        with pytest.raises(InvalidRequest, match="Cannot cancel a workflow run that is completed"):
            await gh.act(run_ref(run), "cancel")
        with pytest.raises(InvalidRequest, match="cannot play"):
            await gh.act(run_ref(run), "play")
    posts = [p for p in paths(github) if p.startswith("POST")]
    rid = run["id"]
    assert posts == [
        f"POST /repos/o/r/actions/runs/{rid}/rerun",
        f"POST /repos/o/r/actions/runs/{rid}/cancel",
        f"POST /repos/o/r/actions/jobs/{job.ref.key}/rerun",
        f"POST /repos/o/r/actions/runs/{rid}/cancel",
        f"POST /repos/o/r/actions/runs/{rid}/cancel",
    ]


async def test_a_token_without_actions_write_is_told_what_is_missing(
    github: GitHubStandIn,
) -> None:
    run = seed_run(github)
    github.state.tokens["ghs_installationTOKEN0123456789abcdef"] = "app[bot]"
    github.state.actions.read_only.add("app[bot]")
    gh, http = connect(github, token="ghs_installationTOKEN0123456789abcdef")
    async with http:
        with pytest.raises(PermissionDenied) as caught:
            await gh.act(run_ref(run), "rerun")
    msg = caught.value.message
    assert "Resource not accessible by integration" in msg and "Actions: write" in msg
    assert "ghs_installation" not in msg


async def test_other_refusals_keep_githubs_words_alone(github: GitHubStandIn) -> None:
    """A 403 that is not about permissions (the run is still going) gets no hint."""
    run = github.state.actions.add_run(REPO, status="in_progress", conclusion=None)
    gh, http = connect(github)
    async with http:
        with pytest.raises(PermissionDenied) as caught:
            await gh.act(run_ref(run), "rerun")  # not offered by the run's actions either
    assert "already running" in caught.value.message
    assert "Actions: write" not in caught.value.message


def test_the_manifest_declares_actions_for_checkouts_with_workflows() -> None:
    from connectors.sdk.capabilities import PipelineControl, Pipelines, provides

    m = GitHubConnector.manifest()
    assert {"Pipelines", "PipelineControl", "CIProvider"} <= set(m.capabilities)
    assert m.attach.markers == (".github/workflows",)
    assert provides(GitHubConnector, Pipelines) and provides(GitHubConnector, PipelineControl)


# -- triggers ------------------------------------------------------------------------------------
async def test_triggers_read_dispatch_inputs_from_the_workflow_file(github: GitHubStandIn) -> None:
    acts = github.state.actions
    deploy = acts.add_workflow(REPO, ".github/workflows/deploy.yml", WORKFLOW)
    acts.add_workflow(REPO, ".github/workflows/ci.yml", PUSH_ONLY)
    acts.add_workflow(
        REPO, ".github/workflows/old.yml", WORKFLOW, name="Old", state="disabled_manually"
    )
    gh, http = connect(github)
    async with http:
        triggers = await gh.triggers(REPO)
    assert [(t.id, t.name) for t in triggers] == [(str(deploy["id"]), "Deploy")]
    inputs = {i.name: i for i in triggers[0].inputs}
    assert list(inputs) == ["environment", "level", "dry_run", "shards", "note"]
    assert inputs["environment"].type == "environment" and inputs["environment"].required
    assert inputs["level"].type == "choice" and inputs["level"].options == (
        "info",
        "warning",
        "debug",
    )
    assert inputs["level"].default == "warning"
    assert (inputs["dry_run"].type, inputs["dry_run"].default) == ("boolean", "false")
    assert (inputs["shards"].type, inputs["shards"].default) == ("number", "3")
    assert inputs["note"].type == "string" and not inputs["note"].required
    assert inputs["environment"].description == "Where to deploy"
    contents = [e for e in github.log if "/contents/" in e.path]
    assert len(contents) == 2  # the disabled workflow's file is not read


@pytest.mark.parametrize("server", ["github.com", "answers 204", "enterprise"])
async def test_dispatch_starts_a_run_and_finds_it(github: GitHubStandIn, server: str) -> None:
    """github.com answers with the new run's id when asked; a server that answers 204, and
    GitHub Enterprise Server (not asked: its description has no ``return_run_details``),
    have the run found among the branch's newest ``workflow_dispatch`` runs."""
    acts = github.state.actions
    wf = acts.add_workflow(REPO, ".github/workflows/deploy.yml", WORKFLOW)
    acts.dispatch_details = server != "answers 204"
    gh, http = connect(github)
    if server == "enterprise":
        gh.ctx.api_url = "https://ghe.example.com/api/v3"
    async with http:
        started = await gh.trigger(
            REPO, str(wf["id"]), "main", {"environment": "staging", "dry_run": "true"}
        )
    assert started is not None and started.event == "workflow_dispatch"
    assert started.status is RunStatus.QUEUED and started.branch == "main"
    run = next(r[-1] for r in acts.runs.values() if r[-1]["event"] == "workflow_dispatch")
    assert started.ref.key == str(run["id"])
    assert run["_inputs"] == {"environment": "staging", "dry_run": "true"}
    assert [e.status for e in github.log if e.method == "POST"] == [
        200 if server == "github.com" else 204
    ]
    lookups = [e for e in github.log if e.path.endswith("/actions/runs")]
    assert len(lookups) == (0 if server == "github.com" else 1)


async def test_dispatch_refusals_read_as_githubs_own_messages(github: GitHubStandIn) -> None:
    acts = github.state.actions
    wf = acts.add_workflow(REPO, ".github/workflows/deploy.yml", WORKFLOW)
    ci = acts.add_workflow(REPO, ".github/workflows/ci.yml", PUSH_ONLY)
    gh, http = connect(github)
    async with http:
        with pytest.raises(InvalidRequest, match="Required input 'environment' not provided"):
            await gh.trigger(REPO, str(wf["id"]), "main", {})
        with pytest.raises(InvalidRequest, match="does not have 'workflow_dispatch' trigger"):
            await gh.trigger(REPO, str(ci["id"]), "main", {})
        with pytest.raises(InvalidRequest, match="not in the list of allowed values"):
            await gh.trigger(REPO, str(wf["id"]), "main", {"environment": "x", "level": "loud"})


# -- faults -------------------------------------------------------------------------------------
async def test_5xx_and_short_secondary_limits_are_waited_out(github: GitHubStandIn) -> None:
    run = seed_run(github)
    github.inject("502", path="/actions/runs")
    github.inject("secondary", seconds=1, path="/jobs")
    github.inject("retry_after", seconds=1, path="/jobs")
    gh, http = connect(github)
    async with http:
        p = await gh.get_pipeline(run_ref(run))
    assert len(p.jobs) == 2
    statuses = [e.status for e in github.log]
    assert statuses == [502, 200, 403, 429, 200]


async def test_a_429_storm_raises_rate_limited_and_stops_sending(github: GitHubStandIn) -> None:
    seed_run(github)
    github.inject("ratelimit", count=50, seconds=600)
    gh, http = connect(github)
    async with http:
        with pytest.raises(RateLimited) as caught:
            await gh.list_pipelines(REPO)
        with pytest.raises(RateLimited):
            await gh.list_pipelines(REPO, branch="main")
    assert caught.value.retry_after > 500 and len(github.log) == 1


async def test_a_revoked_token_asks_to_sign_in_again(github: GitHubStandIn) -> None:
    run = seed_run(github)
    github.state.revoked.add(CANARY)
    gh, http = connect(github)
    async with http:
        with pytest.raises(ReauthRequired, match="Bad credentials"):
            await gh.get_pipeline(run_ref(run))
    assert len(github.log) == 1  # a 401 is not retried


async def test_canary_token_never_reaches_a_message_a_log_or_the_blob_host(
    github: GitHubStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    run = seed_run(github)
    job = github.state.actions.latest_jobs(run["id"])[0]
    gh, http = connect(github)
    errors: list[TielineError] = []
    async with http:
        await gh.job_log(job_ref(job["id"]))
        for action in (
            lambda: gh.get_pipeline(run_ref({"id": 1})),  # 404
            lambda: gh.act(run_ref({"id": 1}), "rerun"),  # 404 on a write
            lambda: gh.trigger(REPO, "999", "main", {}),  # 404 workflow
        ):
            try:
                await action()
            except TielineError as exc:
                errors.append(exc)
        github.inject("500", count=10)
        try:
            await gh.list_pipelines(REPO)
        except TielineError as exc:
            errors.append(exc)
    assert len(errors) == 4
    texts = [e.message for e in errors] + [str(e) for e in errors]
    texts += [r.getMessage() for r in caplog.records] + [repr(r.args) for r in caplog.records]
    texts += [repr(SecretAuth(CANARY))]
    texts += [v for h in github.blob.received for v in h.values()]
    assert not [t for t in texts if CANARY in t or CANARY[8:] in t]


# -- mapping -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("queued", RunStatus.QUEUED),
        ("requested", RunStatus.QUEUED),
        ("pending", RunStatus.QUEUED),
        ("waiting", RunStatus.WAITING),
        ("in_progress", RunStatus.RUNNING),
        ("completed", RunStatus.COMPLETED),
        ("something_new", RunStatus.QUEUED),
    ],
)
def test_status_mapping(status: str, expected: RunStatus) -> None:
    assert run_status(status) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("success", CheckConclusion.SUCCESS),
        ("failure", CheckConclusion.FAILURE),
        ("cancelled", CheckConclusion.CANCELLED),
        ("skipped", CheckConclusion.SKIPPED),
        ("timed_out", CheckConclusion.TIMED_OUT),
        ("action_required", CheckConclusion.ACTION_REQUIRED),
        ("neutral", CheckConclusion.NEUTRAL),
        ("stale", CheckConclusion.STALE),
        ("startup_failure", CheckConclusion.FAILURE),
        ("brand_new", CheckConclusion.NEUTRAL),
    ],
)
def test_conclusion_mapping(value: str, expected: CheckConclusion) -> None:
    assert conclusion("completed", value) is expected
    assert conclusion("in_progress", None) is CheckConclusion.PENDING


def test_a_seed_file_describes_workflows_and_runs() -> None:
    """``python -m tests.standin.github --seed`` (the e2e and benchmark scenarios) can seed
    Actions too."""
    from tests.standin.github import State

    state = State()
    state.seed(
        {
            "workflows": [{"repo": REPO, "path": ".github/workflows/deploy.yml", "text": WORKFLOW}],
            "runs": [
                {
                    "repo": REPO,
                    "workflow": ".github/workflows/deploy.yml",
                    "conclusion": "failure",
                    "jobs": [{"name": "test", "conclusion": "failure", "log": "FAILED x\n"}],
                }
            ],
        }
    )
    (attempts,) = state.actions.runs.values()
    assert attempts[-1]["name"] == "Deploy" and attempts[-1]["conclusion"] == "failure"
    (job,) = state.actions.latest_jobs(attempts[-1]["id"])
    assert state.actions.logs[job["id"]] == "FAILED x\n"


async def test_the_capability_suites_ci_story(github: GitHubStandIn) -> None:
    """``seed_ci_story`` (for ``tests/capabilities``' Pipelines suite, registered at merge as
    one ``CIStory(repo=..., **seed_ci_story(...))``) holds what that suite reads."""
    from tests.standin.github_actions import seed_ci_story

    story = seed_ci_story(github.state, REPO)
    gh, http = connect(github)
    async with http:
        listed = await gh.list_pipelines(REPO, branch=story["branch"], limit=10)
        by_name = {p.name: p for p in listed}
        failed = await gh.get_pipeline(by_name[story["failed_pipeline"]].ref)
        running = await gh.get_pipeline(by_name[story["running_pipeline"]].ref)
        unit = next(j for j in failed.failed_jobs() if j.name == story["failed_job"])
        log = await gh.job_log(unit.ref)
        first = await gh.job_log(running.jobs[0].ref)
        story["finish_running"]()
        more = await gh.job_log(running.jobs[0].ref, offset=first.next_offset)
        (release,) = [t for t in await gh.triggers(REPO) if t.name == story["trigger"]]
        started = await gh.trigger(REPO, release.id, story["branch"], {"version": "1.2.3"})
    assert story["log_line"] in log.text and log.complete
    assert not first.complete and first.next_offset >= len(first.text.encode()) > 0
    assert story["more_log"] in more.text and more.complete
    assert [i.name for i in release.inputs if i.required] == [story["trigger_input"]]
    assert started is not None and not started.finished
