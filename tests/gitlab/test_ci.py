"""GitLab CI (Pipelines, PipelineControl) through the hub's HTTP stack against the
contract-checked stand-in.

Every request is validated against GitLab's OpenAPI description
(``tests/contracts/gitlab/openapi3.yaml``: pipelines, jobs, trace, retry, cancel, play,
create, merge request pipelines, CI lint, raw files, projects are all there). Bodies: a single
pipeline is go-gitlab's recorded gitlab.com pipeline (``head_pipeline`` of
``recorded/get_merge_request.json``), lists, jobs and bridges the API pages' examples
(``tests/standin/data/gitlab/PROVENANCE.md``), overlaid with the stand-in's state. Error
bodies are GitLab's: ``{"message": "403 Forbidden"}`` from ``authorize!``,
``{"message": "400 Bad request - Unplayable Job"}`` from ``bad_request!``, validation
``{"message": {"base": [...]}}`` from pipeline creation. CI lint's ``merged_yaml`` is
written with Ruby-symbol keys (``:variables:``), as the API page's example shows.
"""

from __future__ import annotations

import json
import logging
import time
from typing import Any

import pytest

from connectors.gitlab import ci_config, mapping
from connectors.gitlab.connector import GitLabConnector
from connectors.gitlab.models import GlJob, GlPipeline
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
from connectors.sdk.capabilities import PipelineControl, Pipelines, provides
from connectors.sdk.ci import RunStatus
from tests.standin.gitlab import DATA, GitLabStandIn, State, Token

from .conftest import SUBGROUP, connect

CANARY = "glpat-CANARYcanary0123456789xyz"
SHA = "a" * 40


def pref(ident: int, kind: ItemKind = ItemKind.PIPELINE, scope: str = SUBGROUP) -> ItemRef:
    return ItemRef(
        connector="gitlab", host="gitlab.com", scope=scope, key=str(ident), number=ident, kind=kind
    )


def jref(ident: int) -> ItemRef:
    return pref(ident, ItemKind.JOB)


def paths(standin: GitLabStandIn) -> list[str]:
    return [f"{e.method} {e.path}" for e in standin.log]


def seeded(state: State) -> dict[str, Any]:
    """A failed pipeline on ``feature``: build passed, a test failed, lint failed but may,
    a blocking manual deploy, an optional manual job, a trigger job."""
    return state.add_pipeline(
        SUBGROUP,
        ref="feature",
        sha=SHA,
        status="failed",
        jobs=[
            ("compile", "build", "success", False),
            ("unit", "test", "failed", False),
            ("lint", "test", "failed", True),
            ("deploy", "deploy", "manual", False),
            ("cleanup", "deploy", "manual", True),
        ],
        bridges=[("downstream", "deploy", "success")],
    )


def test_declares_and_implements_both_capabilities() -> None:
    assert GitLabConnector.manifest().attach.markers == (".gitlab-ci.yml",)
    assert provides(GitLabConnector, Pipelines) and provides(GitLabConnector, PipelineControl)


# -- Pipelines --------------------------------------------------------------------------------
async def test_branch_pipelines_newest_first_with_its_merge_request_pipelines(
    gitlab: GitLabStandIn,
) -> None:
    s = gitlab.state
    old = s.add_pipeline(SUBGROUP, ref="feature", sha=SHA, status="success")
    s.add_pipeline(SUBGROUP, ref="main", sha="b" * 40, status="running")
    mr = s.add_mr(SUBGROUP, "Feature", source_branch="feature")
    detached = s.add_pipeline(
        SUBGROUP,
        ref=f"refs/merge-requests/{mr['iid']}/head",
        sha=SHA,
        status="running",
        source="merge_request_event",
        name=None,
    )
    gl, http = connect(gitlab)
    async with http:
        got = await gl.list_pipelines(SUBGROUP, branch="feature", limit=5)
    assert [p.ref.key for p in got] == [str(detached["id"]), str(old["id"])]
    newest, first = got
    assert newest.branch == "feature" and newest.event == "merge_request_event"
    assert newest.status is RunStatus.RUNNING and newest.name == "Pipeline"
    assert newest.number == detached["iid"]
    assert newest.actions == ("cancel",)
    assert first.status is RunStatus.COMPLETED and first.conclusion is CheckConclusion.SUCCESS
    assert first.name == "Build pipeline" and first.number == old["iid"]
    assert first.url == f"https://gitlab.com/{SUBGROUP}/-/pipelines/{old['id']}"
    assert first.actions == ("rerun",) and first.jobs == ()
    assert first.ref.kind is ItemKind.PIPELINE and first.ref.scope == SUBGROUP
    listed = [e for e in gitlab.log if e.path.endswith("/pipelines")]
    assert dict(listed[0].query) == {
        "order_by": "id",
        "sort": "desc",
        "per_page": "5",
        "ref": "feature",
    }


async def test_a_project_without_merge_requests_still_lists(gitlab: GitLabStandIn) -> None:
    s = gitlab.state
    pl = s.add_pipeline(SUBGROUP, ref="feature", sha=SHA, status="success")
    s.project(SUBGROUP).mrs_disabled = True
    gl, http = connect(gitlab)
    async with http:
        (only,) = await gl.list_pipelines(SUBGROUP, branch="feature")
    assert only.ref.key == str(pl["id"])


async def test_an_unchanged_poll_is_304s(gitlab: GitLabStandIn) -> None:
    """Each answer carries a weak ETag; polling an unchanged branch revalidates (GitLab counts
    the 304s), and a new pipeline shows on the next poll."""
    s = gitlab.state
    s.add_pipeline(SUBGROUP, ref="feature", sha=SHA, status="running")
    gl, http = connect(gitlab)
    async with http:
        first = await gl.list_pipelines(SUBGROUP, branch="feature")
        gitlab.reset_log()
        again = await gl.list_pipelines(SUBGROUP, branch="feature")
        statuses = [e.status for e in gitlab.log]
        s.add_pipeline(SUBGROUP, ref="feature", sha="c" * 40, status="pending")
        changed = await gl.list_pipelines(SUBGROUP, branch="feature")
    assert again == first and len(changed) == 2
    assert statuses == [304, 304]  # the pipelines and the (empty) merge request list
    assert all(e.headers.get("if-none-match", "").startswith('W/"') for e in gitlab.log)


async def test_a_pipeline_with_jobs_by_stage_over_pages(gitlab: GitLabStandIn) -> None:
    s = gitlab.state
    pl = seeded(s)
    for n in range(140):  # the jobs list pages at 100
        s.add_job(SUBGROUP, pl["id"], f"shard {n}", "test", "success")
    gl, http = connect(gitlab)
    async with http:
        got = await gl.get_pipeline(pref(pl["id"]))
    pages = [e for e in gitlab.log if e.path.endswith("/jobs")]
    assert len(pages) == 2 and dict(pages[1].query)["page"] == "2"
    assert len(got.jobs) == 5 + 140 + 1
    assert got.status is RunStatus.COMPLETED and got.failed
    assert got.started_at is not None and got.finished_at is not None
    assert set(got.actions) == {"rerun", "rerun_failed"}
    by = {j.name: j for j in got.jobs}
    assert by["compile"].stage == "build" and by["compile"].actions == ("retry",)
    assert by["unit"].failed and by["unit"].conclusion is CheckConclusion.FAILURE
    assert by["lint"].allow_failure and not by["lint"].failed
    assert by["deploy"].status is RunStatus.WAITING and by["deploy"].actions == ("play",)
    assert by["deploy"].conclusion is CheckConclusion.ACTION_REQUIRED
    assert by["cleanup"].status is RunStatus.WAITING and not by["cleanup"].failed
    assert by["downstream"].stage == "deploy" and by["downstream"].actions == ()
    assert by["downstream"].url == "https://example.com/diaspora/diaspora-client/pipelines/5"
    assert by["unit"].ref.kind is ItemKind.JOB and by["unit"].url is not None
    assert [j.name for j in got.failed_jobs()] == ["unit", "deploy"]
    summary = got.summary()
    assert summary.total == 146 and summary.ref == "feature"


@pytest.mark.parametrize(
    ("status", "run", "conclusion"),
    [
        ("created", RunStatus.QUEUED, CheckConclusion.PENDING),
        ("waiting_for_resource", RunStatus.QUEUED, CheckConclusion.PENDING),
        ("preparing", RunStatus.QUEUED, CheckConclusion.PENDING),
        ("pending", RunStatus.QUEUED, CheckConclusion.PENDING),
        ("running", RunStatus.RUNNING, CheckConclusion.PENDING),
        ("success", RunStatus.COMPLETED, CheckConclusion.SUCCESS),
        ("failed", RunStatus.COMPLETED, CheckConclusion.FAILURE),
        ("canceled", RunStatus.COMPLETED, CheckConclusion.CANCELLED),
        ("skipped", RunStatus.COMPLETED, CheckConclusion.SKIPPED),
        ("manual", RunStatus.WAITING, CheckConclusion.ACTION_REQUIRED),
        ("scheduled", RunStatus.QUEUED, CheckConclusion.PENDING),
    ],
)
def test_every_gitlab_status(status: str, run: RunStatus, conclusion: CheckConclusion) -> None:
    job = GlJob(id=1, name="j", status=status)
    assert mapping.ci_status(status) is run
    assert mapping.ci_job_conclusion(job) is conclusion
    assert mapping.pipeline_conclusion(status) is conclusion
    expected = {
        "manual": ("play",),
        "scheduled": ("play", "cancel"),
        "success": ("retry",),
        "failed": ("retry",),
        "canceled": ("retry",),
        "skipped": (),
    }.get(status, ("cancel",))
    assert mapping.job_actions(job) == expected


async def test_retried_jobs_appear_once(gitlab: GitLabStandIn) -> None:
    pl = seeded(gitlab.state)
    unit = next(j for j in gitlab.state.project(SUBGROUP).jobs[pl["id"]] if j["name"] == "unit")
    gl, http = connect(gitlab)
    async with http:
        after = await gl.act(jref(unit["id"]), "retry")
    assert after is not None
    units = [j for j in after.jobs if j.name == "unit"]
    assert len(units) == 1 and units[0].ref.key != str(unit["id"])
    assert units[0].status is RunStatus.QUEUED and after.status is RunStatus.QUEUED


# -- logs ---------------------------------------------------------------------------------------
async def test_a_running_jobs_log_in_byte_offsets(gitlab: GitLabStandIn) -> None:
    """GitLab serves the trace whole (no Range): the connector slices at byte offsets, and
    holds back a character the runner has only half written."""
    s = gitlab.state
    pl = s.add_pipeline(SUBGROUP, ref="feature", sha=SHA, status="running")
    job = s.add_job(SUBGROUP, pl["id"], "unit", "test", "running", trace="step 1 ✓\n")
    p = s.project(SUBGROUP)
    gl, http = connect(gitlab)
    async with http:
        first = await gl.job_log(jref(job["id"]))
        p.traces[job["id"]] += "step 2 ✗".encode()[:-1]  # half of a 3-byte character
        second = await gl.job_log(jref(job["id"]), offset=first.next_offset)
        p.traces[job["id"]] += "✗".encode()[-1:] + b"\nERROR: Job failed\n"
        job.update(status="failed")
        third = await gl.job_log(jref(job["id"]), offset=second.next_offset)
        again = await gl.job_log(jref(job["id"]), offset=third.next_offset)
    assert first.text == "step 1 ✓\n" and not first.complete
    assert first.next_offset == len("step 1 ✓\n".encode())
    assert second.text == "step 2 " and not second.complete
    assert third.text == "✗\nERROR: Job failed\n" and third.complete
    assert third.next_offset == len(p.traces[job["id"]])
    assert again.text == "" and again.complete and again.offset == third.next_offset
    # The jobs routes take the numeric project id (GitLab's description types it so),
    # asked once for the path and remembered.
    assert paths(gitlab)[0] == f"GET /api/v4/projects/{SUBGROUP.replace('/', '%2F')}"
    assert all(e.path.startswith(f"/api/v4/projects/{p.id}/jobs/") for e in gitlab.log[1:]), paths(
        gitlab
    )


async def test_project_id_is_learnt_from_the_pipeline(gitlab: GitLabStandIn) -> None:
    pl = seeded(gitlab.state)
    unit = gitlab.state.project(SUBGROUP).jobs[pl["id"]][1]
    gitlab.state.project(SUBGROUP).traces[unit["id"]] = b"boom\n"
    gl, http = connect(gitlab)
    async with http:
        await gl.get_pipeline(pref(pl["id"]))
        gitlab.reset_log()
        log = await gl.job_log(jref(unit["id"]))
        again = await gl.job_log(jref(unit["id"]), offset=log.next_offset)
    assert log.text == "boom\n" and log.complete and again.text == "" and again.complete
    # the job and its trace, no project lookup; read again, the job revalidates to a 304 and
    # the trace is fetched whole again: it is read round the cache (``NO_STORE``), since
    # GitLab serves no ranges and a running job's trace changes between nearly every read
    assert [e.status for e in gitlab.log] == [200, 200, 304, 200]
    assert "no-store" in gitlab.log[-1].headers.get("cache-control", "")


# -- PipelineControl -----------------------------------------------------------------------------
async def test_rerun_failed_is_gitlabs_retry(gitlab: GitLabStandIn) -> None:
    pl = seeded(gitlab.state)
    gl, http = connect(gitlab)
    async with http:
        after = await gl.act(pref(pl["id"]), "rerun_failed")
    assert after is not None and after.ref.key == str(pl["id"])
    by = {j.name: j for j in after.jobs}
    assert by["unit"].status is RunStatus.QUEUED and by["lint"].status is RunStatus.QUEUED
    assert by["compile"].conclusion is CheckConclusion.SUCCESS
    assert f"POST /api/v4/projects/group%2Fsub%2Fproject/pipelines/{pl['id']}/retry" in paths(
        gitlab
    )


async def test_rerun_is_a_new_pipeline_for_the_same_ref(gitlab: GitLabStandIn) -> None:
    s = gitlab.state
    pl = seeded(s)
    mr = s.add_mr(SUBGROUP, "Feature", source_branch="feature")
    detached = s.add_pipeline(
        SUBGROUP, ref=f"refs/merge-requests/{mr['iid']}/head", sha=SHA, status="success"
    )
    gl, http = connect(gitlab)
    async with http:
        branch = await gl.act(pref(pl["id"]), "rerun")
        again = await gl.act(pref(detached["id"]), "rerun")
    assert branch is not None and branch.ref.key != str(pl["id"])
    assert branch.branch == "feature" and branch.event == "api"
    assert [j.name for j in branch.jobs] == ["build"]
    assert s.project(SUBGROUP).created == [{"ref": "feature"}]
    assert again is not None and again.event == "merge_request_event"
    assert f"POST /api/v4/projects/group%2Fsub%2Fproject/merge_requests/{mr['iid']}/pipelines" in (
        paths(gitlab)
    )


async def test_cancel_a_running_pipeline_and_a_job(gitlab: GitLabStandIn) -> None:
    s = gitlab.state
    pl = s.add_pipeline(
        SUBGROUP,
        ref="feature",
        sha=SHA,
        status="running",
        jobs=[("a", "test", "running", False), ("b", "test", "pending", False)],
    )
    a, b = s.project(SUBGROUP).jobs[pl["id"]]
    gl, http = connect(gitlab)
    async with http:
        listed = await gl.get_pipeline(pref(pl["id"]))
        one = await gl.act(jref(a["id"]), "cancel")
        all_ = await gl.act(pref(pl["id"]), "cancel")
    assert listed.actions == ("cancel",)
    assert one is not None and {j.name: j.conclusion for j in one.jobs}["a"] is (
        CheckConclusion.CANCELLED
    )
    assert all_ is not None and all_.conclusion is CheckConclusion.CANCELLED
    assert all(j.conclusion is CheckConclusion.CANCELLED for j in all_.jobs)
    assert "rerun" in all_.actions and "rerun_failed" in all_.actions
    assert b["status"] == "canceled"


async def test_play_a_manual_job(gitlab: GitLabStandIn) -> None:
    pl = seeded(gitlab.state)
    deploy = gitlab.state.project(SUBGROUP).jobs[pl["id"]][3]
    gl, http = connect(gitlab)
    async with http:
        after = await gl.act(jref(deploy["id"]), "play")
        with pytest.raises(InvalidRequest) as err:
            await gl.act(jref(deploy["id"]), "play")  # no longer manual
    assert after is not None
    assert {j.name: j.status for j in after.jobs}["deploy"] is RunStatus.QUEUED
    assert gitlab.state.project(SUBGROUP).played == [{"job": deploy["id"]}]
    assert "Unplayable Job" in err.value.message


async def test_play_on_a_protected_branch_says_why(gitlab: GitLabStandIn) -> None:
    s = gitlab.state
    pl = seeded(s)
    s.project(SUBGROUP).protected["feature"] = {"bob"}
    deploy = s.project(SUBGROUP).jobs[pl["id"]][3]
    gl, http = connect(gitlab)
    async with http:
        with pytest.raises(PermissionDenied) as err:
            await gl.act(jref(deploy["id"]), "play")
        with pytest.raises(PermissionDenied) as retry:
            await gl.act(pref(pl["id"]), "rerun_failed")
    assert err.value.status == 403
    msg = err.value.message
    assert msg.startswith(f"GitLab: not allowed to play job {deploy['id']} of {SUBGROUP}")
    assert "403 Forbidden" in msg and "protected branch" in msg
    assert "rerun_failed pipeline" in retry.value.message


async def test_a_job_that_cannot_be_retried(gitlab: GitLabStandIn) -> None:
    pl = seeded(gitlab.state)
    deploy = gitlab.state.project(SUBGROUP).jobs[pl["id"]][3]
    gl, http = connect(gitlab)
    async with http:
        with pytest.raises(PermissionDenied) as err:
            await gl.act(jref(deploy["id"]), "retry")
        with pytest.raises(InvalidRequest):
            await gl.act(jref(deploy["id"]), "rerun")  # a pipeline's action
        with pytest.raises(InvalidRequest):
            await gl.act(pref(pl["id"]), "play")  # a job's action
    assert "Job is not retryable" in err.value.message
    assert len([e for e in gitlab.log if e.method == "POST"]) == 1  # the others asked nothing


CI_YAML = """\
spec:
  inputs:
    environment:
      description: Where to deploy
      options: [staging, production]
      default: staging
    replicas:
      type: number
      default: 2
    dry_run:
      type: boolean
      default: false
    regions:
      type: array
      default: [eu]
    ticket:
      description: The change ticket
---
variables:
  DEPLOY_NOTE:
    description: A note for the deploy log
    value: routine
  LOG_LEVEL:
    description: How much to log
    value: info
    options: [debug, info, warn]
  INTERNAL: "not offered"
.setup: &setup
  script: [echo setup]
build:
  script:
    - !reference [.setup, script]
    - make
"""


async def test_triggers_offer_inputs_and_prefilled_variables(gitlab: GitLabStandIn) -> None:
    p = gitlab.state.project(SUBGROUP)
    p.files[(".gitlab-ci.yml", None)] = CI_YAML
    gl, http = connect(gitlab)
    async with http:
        (run,) = await gl.triggers(SUBGROUP)
    assert run.id == "pipeline" and run.name == "Run pipeline"
    by = {i.name: i for i in run.inputs}
    assert list(by) == [
        "environment",
        "replicas",
        "dry_run",
        "regions",
        "ticket",
        "DEPLOY_NOTE",
        "LOG_LEVEL",
    ]
    assert by["environment"].type == "choice"
    assert by["environment"].options == ("staging", "production")
    assert by["environment"].default == "staging" and not by["environment"].required
    assert by["replicas"].type == "number" and by["replicas"].default == "2"
    assert by["dry_run"].type == "boolean" and by["dry_run"].default == "false"
    assert by["regions"].default == '["eu"]'
    assert by["ticket"].required and by["ticket"].default is None
    assert by["LOG_LEVEL"].type == "choice" and by["LOG_LEVEL"].options == ("debug", "info", "warn")
    assert by["DEPLOY_NOTE"].default == "routine"
    raw = [e for e in gitlab.log if e.path.endswith("/raw")]
    assert raw[0].path.endswith("/repository/files/%2Egitlab-ci%2Eyml/raw")


async def test_variables_of_included_files_come_from_gitlabs_merge(
    gitlab: GitLabStandIn,
) -> None:
    """Only GitLab resolves ``include:``: its CI lint's merged configuration gives the
    included files' variables (Ruby-symbol keys and all); without the right to lint, the
    file's own variables are offered."""
    p = gitlab.state.project(SUBGROUP)
    p.files[(".gitlab-ci.yml", None)] = (
        "include:\n  - local: ci/vars.yml\nvariables:\n"
        "  OWN:\n    description: Declared here\n    value: mine\n"
        "build:\n  script: [make]\n"
    )
    p.files[("ci/vars.yml", None)] = (
        "variables:\n  SHARED:\n    description: From the include\n"
        "    value: theirs\n    options: [theirs, ours]\n"
    )
    gl, http = connect(gitlab)
    async with http:
        (merged,) = await gl.triggers(SUBGROUP)
        p.lint_refused.add("alice")
        (own,) = await gl.triggers(SUBGROUP)
    assert [(i.name, i.default, i.options) for i in merged.inputs] == [
        ("SHARED", "theirs", ("theirs", "ours")),
        ("OWN", "mine", ()),
    ]
    assert [i.name for i in own.inputs] == ["OWN"]
    lint = [e for e in gitlab.log if e.path.endswith("/ci/lint")]
    assert lint[0].path == f"/api/v4/projects/{p.id}/ci/lint" and lint[1].status == 403


async def test_no_ci_file_offers_a_plain_run(gitlab: GitLabStandIn) -> None:
    gitlab.state.project(SUBGROUP)
    gl, http = connect(gitlab)
    async with http:
        (run,) = await gl.triggers(SUBGROUP)
    assert run.inputs == ()


async def test_trigger_sends_typed_inputs_and_variables(gitlab: GitLabStandIn) -> None:
    p = gitlab.state.project(SUBGROUP)
    p.files[(".gitlab-ci.yml", None)] = CI_YAML
    p.branches.add("feature")
    gl, http = connect(gitlab)
    async with http:
        started = await gl.trigger(
            SUBGROUP,
            "pipeline",
            "feature",
            {
                "environment": "production",
                "replicas": "3",
                "dry_run": "true",
                "regions": "eu, us",
                "LOG_LEVEL": "debug",
                "EXTRA": "x",
            },
        )
    assert started is not None and started.branch == "feature" and started.event == "api"
    assert started.status is RunStatus.QUEUED
    assert p.created == [
        {
            "ref": "feature",
            "variables": [
                {"key": "LOG_LEVEL", "value": "debug", "variable_type": "env_var"},
                {"key": "EXTRA", "value": "x", "variable_type": "env_var"},
            ],
            "inputs": {
                "environment": "production",
                "replicas": 3,
                "dry_run": True,
                "regions": ["eu", "us"],
            },
        }
    ]
    raw = [e for e in gitlab.log if e.path.endswith("/raw")]
    assert dict(raw[0].query) == {"ref": "feature"}  # the branch's own configuration


async def test_trigger_errors_read_as_gitlab_says(gitlab: GitLabStandIn) -> None:
    p = gitlab.state.project(SUBGROUP)
    p.protected["main"] = {"bob"}
    gl, http = connect(gitlab)
    async with http:
        with pytest.raises(InvalidRequest) as missing:
            await gl.trigger(SUBGROUP, "pipeline", "nope", {})
        with pytest.raises(InvalidRequest) as protected:
            await gl.trigger(SUBGROUP, "pipeline", "main", {})
        with pytest.raises(InvalidRequest):
            await gl.trigger(SUBGROUP, "deploy", "main", {})
    assert missing.value.message.endswith(": Reference not found")
    assert protected.value.message.endswith(": Insufficient permissions to create a new pipeline")


# -- faults ---------------------------------------------------------------------------------------
async def test_429_with_retry_after_is_waited_out(gitlab: GitLabStandIn) -> None:
    pl = seeded(gitlab.state)
    gitlab.inject("retry_after", count=1, seconds=1, path="/jobs")
    gl, http = connect(gitlab)
    started = time.monotonic()
    async with http:
        got = await gl.get_pipeline(pref(pl["id"]))
    assert len(got.jobs) == 6 and time.monotonic() - started >= 0.9
    assert http.stack.limiter.info.limit == 2000  # RateLimit-* read from every answer


@pytest.mark.parametrize("kind", ["500", "502", "reset"])
async def test_5xx_is_retried(gitlab: GitLabStandIn, kind: str) -> None:
    pl = seeded(gitlab.state)
    gitlab.inject(kind, count=2, path=f"/pipelines/{pl['id']}")
    gl, http = connect(gitlab)
    async with http:
        got = await gl.get_pipeline(pref(pl["id"]))
    assert got.failed


async def test_401_asks_to_sign_in_again(gitlab: GitLabStandIn) -> None:
    gitlab.state.project(SUBGROUP)
    gitlab.inject("401")
    gl, http = connect(gitlab)
    async with http:
        with pytest.raises(ReauthRequired) as err:
            await gl.list_pipelines(SUBGROUP, branch="feature")
    assert "401 Unauthorized" in err.value.message and len(gitlab.log) == 1


async def test_errors_name_the_problem_and_never_the_token(
    gitlab: GitLabStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    gitlab.gl_tokens[CANARY] = Token("alice", scopes=("read_api",))
    pl = seeded(gitlab.state)
    caplog.set_level(logging.DEBUG)
    gl, http = connect(gitlab, token=CANARY)
    errors: list[TielineError] = []
    async with http:
        for action in (
            lambda: gl.get_pipeline(pref(999_999)),  # {"message": "404 Not found"}
            lambda: gl.get_pipeline(pref(1, scope="no/such")),  # 404 Project Not Found
            lambda: gl.act(pref(pl["id"]), "rerun_failed"),  # 403 insufficient_scope
            lambda: gl.job_log(jref(999_999)),  # 404
            lambda: gl.get_pipeline(jref(pl["id"])),  # not a pipeline ref
        ):
            try:
                await action()
            except TielineError as exc:
                errors.append(exc)
    assert len(errors) == 5
    assert "404 Not found" in errors[0].message
    assert "404 Project Not Found" in errors[1].message
    assert "requires higher privileges" in errors[2].message
    assert "lacks the api scope" in errors[2].message
    assert "protected branch" not in errors[2].message
    assert "is not a GitLab pipeline" in errors[4].message
    texts = [e.message for e in errors] + [str(e) for e in errors]
    texts += [r.getMessage() for r in caplog.records] + [repr(r.args) for r in caplog.records]
    assert not [t for t in texts if CANARY in t or CANARY[6:] in t]


# -- wire models against recorded answers -------------------------------------------------
def test_wire_models_read_recorded_answers() -> None:
    jobs = json.loads((DATA / "recorded" / "list_project_jobs.json").read_text())
    parsed = [GlJob.model_validate(j) for j in jobs]
    assert [(j.name, j.status, j.stage) for j in parsed] == [
        ("teaspoon", "failed", "test"),
        ("rspec:other", "failed", "test"),
    ]
    assert parsed[0].pipeline is not None and parsed[0].pipeline.project_id == 1
    mr = json.loads((DATA / "recorded" / "get_merge_request.json").read_text())
    pl = GlPipeline.model_validate(mr["head_pipeline"])
    assert pl.id == 77056819 and pl.status == "success"
    assert pl.started_at is not None and pl.finished_at is not None and pl.user is not None
    for name in ("pipeline.json", "job.json", "bridge.json"):
        data = json.loads((DATA / "documented" / name).read_text())
        (GlPipeline if name == "pipeline.json" else GlJob).model_validate(data)


# -- .gitlab-ci.yml -------------------------------------------------------------------------------
def test_ci_config_tolerates_what_it_does_not_read() -> None:
    assert ci_config.parse("") == ci_config.CIConfig()
    assert ci_config.parse("not: [valid") == ci_config.CIConfig()
    assert ci_config.parse("- a list\n") == ci_config.CIConfig()
    only_vars = ci_config.parse("variables:\n  A:\n    description: an a\n  B: b\n")
    assert [v.name for v in only_vars.offered] == ["A"] and only_vars.inputs == ()
    header_only = ci_config.parse("spec:\n  inputs:\n    x:\n---\n")
    assert header_only.offered[0].name == "x" and header_only.offered[0].required


def test_typed_inputs() -> None:
    assert ci_config.typed_input("number", "2.5") == 2.5
    assert ci_config.typed_input("number", "many") == "many"
    assert ci_config.typed_input("boolean", "no") is False
    assert ci_config.typed_input("array", '["a", 1]') == ["a", 1]
    assert ci_config.typed_input("string", "x") == "x"


async def test_a_429_storm_hands_back_control(gitlab: GitLabStandIn) -> None:
    """A spent budget (Rack::Attack's 429 with a long Retry-After) is not slept through:
    RateLimited says when to come back and nothing more is sent meanwhile."""
    pl = seeded(gitlab.state)
    gitlab.inject("ratelimit", count=50, seconds=120)
    gl, http = connect(gitlab, max_rate_wait=2.0)
    async with http:
        with pytest.raises(RateLimited) as err:
            await gl.get_pipeline(pref(pl["id"]))
        with pytest.raises(RateLimited):
            await gl.list_pipelines(SUBGROUP, branch="feature")
    assert err.value.retry_after > 100 and "Retry later" in err.value.message
    assert len(gitlab.log) == 1


async def test_the_jobs_routes_contract_wants_the_numeric_id(gitlab: GitLabStandIn) -> None:
    """Why the connector learns the project's id: GitLab's description types the jobs
    routes' ``:id`` as an integer, and the stand-in holds the connector to it. No ``Range``
    is sent for a trace either: GitLab would ignore it."""
    pl = seeded(gitlab.state)
    unit = gitlab.state.project(SUBGROUP).jobs[pl["id"]][1]
    gl, http = connect(gitlab)
    async with http:
        with pytest.raises(InvalidRequest):
            await http.get(f"/projects/group%2Fsub%2Fproject/jobs/{unit['id']}/trace")
        assert "Path parameter error: id" in gitlab.violations[0]
        gitlab.violations.clear()  # seen on purpose
        await gl.job_log(jref(unit["id"]))
    assert not any("range" in e.headers for e in gitlab.log)


async def test_self_managed_refs_name_the_instance(self_managed: GitLabStandIn) -> None:
    pl = seeded(self_managed.state)
    gl, http = connect(
        self_managed,
        api_url="https://gitlab.example.test/api/v4",
        web_url="https://gitlab.example.test",
        host="gitlab.example.test",
    )
    async with http:
        (listed,) = await gl.list_pipelines(SUBGROUP, branch="feature")
        got = await gl.get_pipeline(listed.ref)
    assert listed.ref.host == "gitlab.example.test" and listed.ref.key == str(pl["id"])
    assert got.url == f"https://gitlab.example.test/{SUBGROUP}/-/pipelines/{pl['id']}"
    assert all(j.ref.host == "gitlab.example.test" for j in got.jobs)


async def test_a_changed_then_stable_poll_costs_one_request_each(gitlab: GitLabStandIn) -> None:
    """What polling a branch should cost once its pipeline changed and then stopped: the
    changed answer once (200), then one 304 per poll. Found while testing traces: the hub's
    cache kept the superseded answer beside the new one and revalidated with its ETag
    (fixed in ``server/hub/http/cache.py``; any GET of any connector showed it)."""
    pl = gitlab.state.add_pipeline(SUBGROUP, ref="f", sha=SHA, status="running")
    gl, http = connect(gitlab)
    async with http:
        await gl.client.pipelines_page(SUBGROUP, ref="f")
        pl["status"] = "success"
        for _ in range(3):
            await gl.client.pipelines_page(SUBGROUP, ref="f")
    assert [e.status for e in gitlab.log] == [200, 200, 304, 304]
