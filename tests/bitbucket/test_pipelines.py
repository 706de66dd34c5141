"""Bitbucket Pipelines through the hub's real HTTP stack: pipelines of a branch, steps as
jobs, incremental step logs (HTTP Range), stop, re-run, and custom pipelines with variables
read from ``bitbucket-pipelines.yml``."""

from __future__ import annotations

import pytest

from connectors.bitbucket.connector import BitbucketConnector
from connectors.sdk import (
    CheckConclusion,
    InvalidRequest,
    ItemKind,
    PipelineControl,
    Pipelines,
    provides,
)
from connectors.sdk.ci import RunStatus
from tests.standin.bitbucket import BitbucketStandIn

from .conftest import connect, seed_ci

REPO = "acme/app"

CONFIG = """\
image: python:3.12
pipelines:
  default:
    - step:
        name: Test
        script: [pytest]
  custom:
    deploy:
      - variables:
          - name: Environment
            default: staging
            allowed-values: [staging, production]
            description: Where to deploy
          - name: Version
      - step:
          name: Build
          script: [make]
      - step:
          name: Deploy
          deployment: staging
          script: [./deploy.sh]
    nightly:
      - step:
          name: Nightly
          script: [make nightly]
"""


def test_it_declares_and_implements_pipelines() -> None:
    assert provides(BitbucketConnector, Pipelines)
    assert provides(BitbucketConnector, PipelineControl)


async def test_pipelines_of_a_branch_newest_first(bitbucket: BitbucketStandIn) -> None:
    st = bitbucket.state
    st.add_pipeline(REPO, branch="main", result="SUCCESSFUL")
    st.add_pipeline(REPO, branch="feat", result="FAILED")
    st.add_pipeline(REPO, branch="main", state="IN_PROGRESS", result="RUNNING")
    bb, http = connect(bitbucket)
    async with http:
        main = await bb.list_pipelines(REPO, branch="main", limit=5)
        every = await bb.list_pipelines(REPO, limit=2)
    assert [(p.number, p.status, p.conclusion) for p in main] == [
        (3, RunStatus.RUNNING, CheckConclusion.PENDING),
        (1, RunStatus.COMPLETED, CheckConclusion.SUCCESS),
    ]
    assert [p.number for p in every] == [3, 2]
    assert main[0].actions == ("cancel",) and main[1].actions == ("rerun",)
    assert main[1].url == f"https://bitbucket.org/{REPO}/pipelines/results/1"
    assert main[1].ref.kind is ItemKind.PIPELINE and main[1].ref.key.startswith("{")
    assert (main[1].branch, main[1].sha, main[1].event) == ("main", "c" * 40, "push")
    q = dict(next(e.query for e in bitbucket.log if e.path.endswith("/pipelines")))
    assert q == {"sort": "-created_on", "pagelen": "5", "target.branch": "main"}


async def test_a_pipeline_with_its_steps_and_a_failed_one_first_found(
    bitbucket: BitbucketStandIn,
) -> None:
    p = bitbucket.state.add_pipeline(
        REPO,
        result="FAILED",
        steps=(("Build", "COMPLETED", "SUCCESSFUL"), ("Lint", "COMPLETED", "FAILED"),
               ("Deploy", "COMPLETED", "NOT_RUN")),
    )  # fmt: skip
    bb, http = connect(bitbucket)
    async with http:
        [listed] = await bb.list_pipelines(REPO)
        got = await bb.get_pipeline(listed.ref)
    assert listed.jobs == ()
    assert got.failed and [j.name for j in got.failed_jobs()] == ["Lint"]
    assert [j.conclusion for j in got.jobs] == [
        CheckConclusion.SUCCESS,
        CheckConclusion.FAILURE,
        CheckConclusion.SKIPPED,
    ]
    job = got.jobs[1]
    assert job.ref.kind is ItemKind.JOB and job.ref.key.startswith(p["uuid"] + "/")
    assert job.url and job.url.startswith(
        f"https://bitbucket.org/{REPO}/pipelines/results/1/steps/"
    )
    assert got.summary().failed == 1
    # UUIDs travel percent-encoded, braces and all.
    assert any("/pipelines/%7B" in e.path for e in bitbucket.log)


async def test_a_running_steps_log_is_read_incrementally(bitbucket: BitbucketStandIn) -> None:
    st = bitbucket.state
    p = st.add_pipeline(REPO, state="IN_PROGRESS", result="RUNNING",
                        steps=(("Build", "IN_PROGRESS", "RUNNING"),))  # fmt: skip
    step = st.repo(REPO).steps[p["uuid"]][0]
    st.write_log(REPO, step["uuid"], "+ make\ncompiling\n")
    bb, http = connect(bitbucket)
    async with http:
        got = await bb.get_pipeline((await bb.list_pipelines(REPO))[0].ref)
        ref = got.jobs[0].ref
        first = await bb.job_log(ref)
        idle = await bb.job_log(ref, offset=first.next_offset)
        st.write_log(REPO, step["uuid"], "error: boom\n")
        st.finish_step(REPO, p["uuid"], step["uuid"], "FAILED")
        more = await bb.job_log(ref, offset=first.next_offset)
    assert (first.text, first.offset, first.complete) == ("+ make\ncompiling\n", 0, False)
    assert (idle.text, idle.next_offset, idle.complete) == ("", first.next_offset, False)
    assert (more.text, more.complete) == ("error: boom\n", True)
    assert more.next_offset == len("+ make\ncompiling\nerror: boom\n")
    ranges = [e.headers.get("range") for e in bitbucket.log if e.path.endswith("/log")]
    assert ranges == [None, "bytes=17-", "bytes=17-"]
    statuses = [e.status for e in bitbucket.log if e.path.endswith("/log")]
    assert statuses == [200, 416, 206]


async def test_a_pending_step_has_no_log_yet(bitbucket: BitbucketStandIn) -> None:
    st = bitbucket.state
    st.add_pipeline(REPO, state="PENDING", result=None, steps=(("Build", "PENDING", None),))
    bb, http = connect(bitbucket)
    async with http:
        got = await bb.get_pipeline((await bb.list_pipelines(REPO))[0].ref)
        chunk = await bb.job_log(got.jobs[0].ref)
    assert got.status is RunStatus.QUEUED
    assert (chunk.text, chunk.next_offset, chunk.complete) == ("", 0, False)


async def test_stop_a_running_pipeline(bitbucket: BitbucketStandIn) -> None:
    bitbucket.state.add_pipeline(REPO, state="IN_PROGRESS", result="RUNNING",
                                 steps=(("Build", "IN_PROGRESS", "RUNNING"),))  # fmt: skip
    bb, http = connect(bitbucket)
    async with http:
        [running] = await bb.list_pipelines(REPO)
        after = await bb.act(running.ref, "cancel")
        assert after is not None
        with pytest.raises(InvalidRequest) as err:
            await bb.act(running.ref, "cancel")
    assert (after.status, after.conclusion) == (RunStatus.COMPLETED, CheckConclusion.CANCELLED)
    assert after.jobs[0].conclusion is CheckConclusion.CANCELLED
    assert after.actions == ("rerun",)
    assert "already completed" in err.value.message


async def test_rerun_starts_a_new_pipeline_on_the_same_target(bitbucket: BitbucketStandIn) -> None:
    st = bitbucket.state
    st.add_pipeline(
        REPO,
        branch="feat",
        sha="a" * 40,
        result="FAILED",
        variables=({"key": "DEBUG", "value": "1", "secured": False},
                   {"key": "TOKEN", "value": "", "secured": True}),
    )  # fmt: skip
    bb, http = connect(bitbucket)
    async with http:
        [failed] = await bb.list_pipelines(REPO)
        new = await bb.act(failed.ref, "rerun")
        listed = await bb.list_pipelines(REPO, branch="feat")
        with pytest.raises(InvalidRequest):
            await bb.act(failed.ref, "rerun_failed")
    assert new is not None and new.number == 2 and new.status is RunStatus.QUEUED
    assert (new.branch, new.sha) == ("feat", "a" * 40)
    assert [p.number for p in listed] == [2, 1]
    created = st.repo(REPO).pipelines[new.ref.key]
    assert created["variables"] == [{"key": "DEBUG", "value": "1"}]  # secured ones are not sent


async def test_custom_pipelines_are_triggers_with_their_variables(
    bitbucket: BitbucketStandIn,
) -> None:
    repo = bitbucket.state.repo(REPO)
    repo.files[("main", "bitbucket-pipelines.yml")] = CONFIG
    repo.files[("feat", "bitbucket-pipelines.yml")] = CONFIG
    bb, http = connect(bitbucket)
    async with http:
        triggers = await bb.triggers(REPO)
        started = await bb.trigger(
            REPO, "deploy", "feat", {"Environment": "production", "Version": "1.2"}
        )
        with pytest.raises(InvalidRequest) as err:
            await bb.trigger(REPO, "nope", "feat", {})
        got = await bb.get_pipeline(started.ref) if started else None
    assert [t.id for t in triggers] == ["deploy", "nightly"]
    env, version = triggers[0].inputs
    assert (env.name, env.type, env.default, env.options, env.description) == (
        "Environment", "choice", "staging", ("staging", "production"), "Where to deploy"
    )  # fmt: skip
    assert (version.name, version.type, version.default) == ("Version", "string", None)
    assert (env.required, version.required) == (False, True)  # a default makes it optional
    assert triggers[1].inputs == ()
    assert started is not None and started.event == "custom" and started.name == "deploy"
    assert got is not None and [j.name for j in got.jobs] == ["Build", "Deploy"]
    body = bitbucket.state.repo(REPO).pipelines[started.ref.key]
    assert body["target"]["selector"] == {"type": "custom", "pattern": "deploy"}
    assert body["variables"] == [
        {"key": "Environment", "value": "production"},
        {"key": "Version", "value": "1.2"},
    ]
    assert "Could not find the custom pipeline" in err.value.message


async def test_no_config_file_means_no_triggers(bitbucket: BitbucketStandIn) -> None:
    bitbucket.state.repo(REPO)
    bb, http = connect(bitbucket)
    async with http:
        assert await bb.triggers(REPO) == []


async def test_a_finished_log_follows_bitbucket_redirect_without_the_secret(
    bitbucket: BitbucketStandIn,
) -> None:
    """A finished step's log is a 307 to signed storage on another origin: followed, Range
    and all, and the account's credential is not sent there."""
    st = bitbucket.state
    p = st.add_pipeline(REPO, steps=(("Build", "COMPLETED", "SUCCESSFUL"),))
    step = st.repo(REPO).steps[p["uuid"]][0]
    st.write_log(REPO, step["uuid"], "line 1\nline 2\n")
    bitbucket.redirect_logs = True
    bb, http = connect(bitbucket)
    async with http:
        got = await bb.get_pipeline((await bb.list_pipelines(REPO))[0].ref)
        whole = await bb.job_log(got.jobs[0].ref)
        tail = await bb.job_log(got.jobs[0].ref, offset=7)
    assert (whole.text, whole.complete, whole.next_offset) == ("line 1\nline 2\n", True, 14)
    assert (tail.text, tail.next_offset) == ("line 2\n", 14)
    assert bitbucket.storage_auth == [None, None]
    storage = [e for e in bitbucket.log if e.path.startswith("/log-storage/")]
    assert [e.headers.get("range") for e in storage] == [None, "bytes=7-"]
    assert [e.status for e in storage] == [200, 206]


async def test_the_capability_suites_ci_story(bitbucket: BitbucketStandIn) -> None:
    """``seed_ci`` (for the capability suite's Pipelines contract) holds what it says."""
    story = seed_ci(bitbucket)
    bb, http = connect(bitbucket)
    async with http:
        listed = await bb.list_pipelines(REPO, branch=story["branch"], limit=10)
        names = [p.name for p in listed]
        failed = await bb.get_pipeline(listed[names.index(story["failed_pipeline"])].ref)
        [trigger] = await bb.triggers(REPO)
    assert story["running_pipeline"] in names
    assert [j.name for j in failed.failed_jobs()] == [story["failed_job"]]
    assert (trigger.name, [i.name for i in trigger.inputs if i.required]) == (
        story["trigger"], [story["trigger_input"]]
    )  # fmt: skip


async def test_a_read_ending_inside_a_character_leaves_it_for_the_next(
    bitbucket: BitbucketStandIn,
) -> None:
    st = bitbucket.state
    p = st.add_pipeline(REPO, state="IN_PROGRESS", result="RUNNING",
                        steps=(("Build", "IN_PROGRESS", "RUNNING"),))  # fmt: skip
    step = st.repo(REPO).steps[p["uuid"]][0]
    st.repo(REPO).logs[step["uuid"]] = "café".encode()[:-1]  # the é's first byte only
    bb, http = connect(bitbucket)
    async with http:
        got = await bb.get_pipeline((await bb.list_pipelines(REPO))[0].ref)
        first = await bb.job_log(got.jobs[0].ref)
        st.repo(REPO).logs[step["uuid"]] = "café ok\n".encode()
        rest = await bb.job_log(got.jobs[0].ref, offset=first.next_offset)
    assert (first.text, first.next_offset) == ("caf", 3)
    assert first.text + rest.text == "café ok\n"
