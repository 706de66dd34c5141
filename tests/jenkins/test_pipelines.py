"""Pipelines against the Jenkins stand-in, through the hub's real HTTP stack.

Jenkins publishes no contract for its core API: every request is checked against
``tests/contracts/jenkins/documented.yaml`` (hand-written from the remote access API pages)
and ``wfapi`` against the Stage View plugin's own OpenAPI file. Where each answer's shape
comes from is in :mod:`tests.standin.jenkins`' docstring (jenkinsapi's and python-jenkins'
recorded jobs, builds, queue items and crumbs; the Stage View README's describe example).
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from connectors.sdk import CheckConclusion, ItemKind, ItemRef, NotFound, RepoRef, RunStatus
from tests.standin.jenkins import JenkinsStandIn, Stage

from .wiring import CANARY, USER, connect, seeded

SHA = "7def9ed6e92580f37d00e4980c36c4d36e68f702"
ODD = "feature/x y"  # a slash and a space: encoded as a job name, then once more in the URL


def ref(scope: str, key: str, kind: ItemKind = ItemKind.PIPELINE) -> ItemRef:
    return ItemRef(connector="jenkins", host="127.0.0.1", scope=scope, key=key, kind=kind)


@pytest.fixture
def jk(jenkins: JenkinsStandIn) -> JenkinsStandIn:
    return seeded(jenkins)


async def test_check_names_the_jenkins_user_and_sends_basic_auth(jk: JenkinsStandIn) -> None:
    conn, http = connect(jk)
    result = await conn.check()
    assert result.ok and result.account == USER and result.name == "Mia Krystof"
    assert "Jenkins 2.479.3" in result.detail
    pair = base64.b64encode(f"{USER}:{CANARY}".encode()).decode()
    assert jk.auth_seen == [f"Basic {pair}"]
    assert [(e.path, e.query) for e in jk.log] == [
        ("/me/api/json", [("tree", "id,fullName,absoluteUrl")])
    ]
    await http.aclose()


async def test_freestyle_builds_newest_first_with_commit_and_branch(jk: JenkinsStandIn) -> None:
    s = jk.state
    s.add_job("team/app")
    s.add_build("team/app", result="SUCCESS", sha="a" * 40, branch="origin/main")
    s.add_build("team/app", result="UNSTABLE", sha=SHA, branch="refs/remotes/origin/dev")
    s.add_build("team/app", result=None, log="compiling\n", sha=SHA, branch="origin/main")
    conn, http = connect(jk)
    got = await conn.list_pipelines("team/app", limit=2)
    assert [p.number for p in got] == [3, 2]
    running, unstable = got
    assert running.status is RunStatus.RUNNING and running.actions == ("cancel",)
    assert running.branch == "main" and running.sha == SHA and running.event == "manual"
    assert unstable.conclusion is CheckConclusion.FAILURE and unstable.failed
    assert unstable.branch == "dev" and unstable.actions == ("rerun",)
    assert unstable.ref == ItemRef(
        connector="jenkins",
        host="127.0.0.1",
        scope="team/app",
        key="2",
        number=2,
        kind=ItemKind.PIPELINE,
    )
    assert unstable.url == f"{jk.url}/job/team/job/app/2/"
    assert unstable.name == "team » app"
    assert unstable.finished_at is not None and unstable.started_at is not None
    # One request, in a folder, builds limited by a {0,N} range in tree=.
    [entry] = jk.log
    assert entry.path == "/job/team/job/app/api/json"
    assert "builds[" in entry.query[0][1] and entry.query[0][1].count("{0,2}") == 1
    # A branch filters by what git's BuildData says was built.
    dev = await conn.list_pipelines("team/app", branch="dev")
    assert [p.number for p in dev] == [2]
    await http.aclose()


async def test_a_freestyle_build_is_one_job_with_the_builds_log(jk: JenkinsStandIn) -> None:
    jk.state.add_job("app")
    jk.state.add_build("app", result="FAILURE", log="make: *** [all] Error 1\n")
    conn, http = connect(jk)
    p = await conn.get_pipeline(ref("app", "1"))
    assert p.failed and len(p.jobs) == 1
    [job] = p.jobs
    assert job.ref.kind is ItemKind.JOB and job.ref.key == "1" and job.failed
    log = await conn.job_log(job.ref)
    assert log.text == "make: *** [all] Error 1\n" and log.complete
    assert log.next_offset == len(log.text.encode())
    # No wfapi request for a freestyle build: it has no stages.
    assert not any("wfapi" in e.path for e in jk.log)
    await http.aclose()


async def test_a_pipeline_runs_stages_are_its_jobs(jk: JenkinsStandIn) -> None:
    s = jk.state
    s.add_job("svc", "pipeline")
    s.add_build(
        "svc",
        result=None,
        stages=[
            Stage("6", "Build", "SUCCESS", duration=5228),
            Stage("9", "Test", "FAILED", duration=4994),
            Stage("12", "Deploy", "NOT_EXECUTED"),
        ],
    )
    conn, http = connect(jk)
    p = await conn.get_pipeline(ref("svc", "1"))
    assert p.status is RunStatus.RUNNING
    assert [(j.name, j.status, j.conclusion) for j in p.jobs] == [
        ("Build", RunStatus.COMPLETED, CheckConclusion.SUCCESS),
        ("Test", RunStatus.COMPLETED, CheckConclusion.FAILURE),
        ("Deploy", RunStatus.QUEUED, CheckConclusion.PENDING),
    ]
    assert [j.ref.key for j in p.jobs] == ["1:6", "1:9", "1:12"]
    assert [j.name for j in p.failed_jobs()] == ["Test"]
    assert any(e.path == "/job/svc/1/wfapi/describe" for e in jk.log)
    s.finish("svc", 1, "FAILURE")
    done = await conn.get_pipeline(p.ref)
    assert done.failed and done.jobs[2].conclusion is CheckConclusion.SKIPPED
    await http.aclose()


async def test_a_run_waiting_for_input_is_waiting(jk: JenkinsStandIn) -> None:
    jk.state.add_job("svc", "pipeline")
    jk.state.add_build("svc", result=None, stages=[Stage("10", "Deploy", "PAUSED_PENDING_INPUT")])
    conn, http = connect(jk)
    p = await conn.get_pipeline(ref("svc", "1"))
    assert p.status is RunStatus.WAITING and p.jobs[0].status is RunStatus.WAITING
    await http.aclose()


async def test_without_the_stage_view_plugin_a_run_is_one_job(jk: JenkinsStandIn) -> None:
    jk.state.stage_view = False  # wfapi answers 404
    jk.state.add_job("svc", "pipeline")
    jk.state.add_build("svc", result="SUCCESS", log="ok\n")
    conn, http = connect(jk)
    p = await conn.get_pipeline(ref("svc", "1"))
    assert [j.ref.key for j in p.jobs] == ["1"] and p.jobs[0].conclusion is CheckConclusion.SUCCESS
    await http.aclose()


async def test_multibranch_builds_come_from_the_branchs_job(jk: JenkinsStandIn) -> None:
    s = jk.state
    s.add_multibranch("team/app", ["main", ODD, "50%/off"])
    odd = s.branch_job("team/app", ODD).full_name
    assert odd == "team/app/feature%2Fx y"
    s.add_build("team/app/main", result="SUCCESS")
    s.add_build(odd, result="FAILURE", stages=[Stage("6", "Build", "FAILED")])
    s.add_build(s.branch_job("team/app", "50%/off").full_name, result="SUCCESS")
    conn, http = connect(jk)
    got = await conn.list_pipelines("team/app", branch=ODD)
    [p] = got
    # The project is the scope (what ci_scope gives); the key names the branch job first.
    assert p.branch == ODD and p.failed and p.ref.scope == "team/app"
    assert p.ref.key == "feature%2Fx y/1"
    assert p.url == f"{jk.url}/job/team/job/app/job/feature%252Fx%20y/1/"
    assert jk.log[-1].path == "/job/team/job/app/job/feature%252Fx%20y/api/json"
    # The project is known to be multibranch now: one request for the next list.
    jk.reset_log()
    again = await conn.list_pipelines("team/app", branch="50%/off")
    assert [x.branch for x in again] == ["50%/off"]
    assert [e.path for e in jk.log] == ["/job/team/job/app/job/50%2525%252Foff/api/json"]
    # The ref alone finds the build, its stages and its log again.
    full = await conn.get_pipeline(p.ref)
    assert full.branch == ODD and [j.name for j in full.jobs] == ["Build"]
    assert (await conn.job_log(full.jobs[0].ref)).complete
    # An unknown branch is no builds, not an error.
    assert await conn.list_pipelines("team/app", branch="gone") == []
    await http.aclose()


async def test_a_multibranch_ref_is_the_projects_and_found_again_from_it_alone(
    jk: JenkinsStandIn,
) -> None:
    """Found by the capability suite: a branch job's builds were named with the branch job
    as their scope (``app/feature``), not the project ``ci_scope`` maps the repository to
    (``app``), so the hub's pipelines of a repository carried another scope than its own. A
    connector that has never seen the project (a restarted server) must still find the build,
    its stages, its log, and re-run it, from the ref alone."""
    s = jk.state
    s.add_multibranch("app", [ODD])
    job = s.branch_job("app", ODD).full_name
    s.add_build(job, result="FAILURE", log="boom\n", stages=[Stage("6", "Build", "FAILED")])
    conn, http = connect(jk)
    scope = conn.ci_scope(RepoRef(host="github.com", owner="octo", name="app"))
    [p] = await conn.list_pipelines("app", branch=ODD)
    assert p.ref.scope == scope == "app" and p.ref.key == "feature%2Fx y/1"
    await http.aclose()
    fresh, http = connect(jk)
    full = await fresh.get_pipeline(ref("app", "feature%2Fx y/1"))
    assert full.ref == p.ref and full.branch == ODD
    [stage] = full.jobs
    assert stage.ref.scope == "app" and stage.ref.key == "feature%2Fx y/1:6"
    assert (await fresh.job_log(stage.ref)).text == "boom\n"
    again = await fresh.act(full.ref, "rerun")
    assert again is not None and again.ref.scope == "app" and again.branch == ODD
    assert again.ref.key == "feature%2Fx y/2"
    with pytest.raises(NotFound):
        await fresh.get_pipeline(ref("app", "/1"))
    await http.aclose()


async def test_multibranch_without_a_branch_lists_each_branchs_newest(jk: JenkinsStandIn) -> None:
    s = jk.state
    s.add_multibranch("app", ["main", ODD, "idle"])
    s.add_build("app/main", result="SUCCESS")
    s.add_build("app/feature%2Fx y", result=None)
    conn, http = connect(jk)
    got = await conn.list_pipelines("app")
    assert [(p.branch, p.status) for p in got] == [
        (ODD, RunStatus.RUNNING),
        ("main", RunStatus.COMPLETED),
    ]
    assert len(jk.log) == 1 and "lastBuild[" in jk.log[0].query[0][1]
    await http.aclose()


async def test_progressive_log_offsets_follow_a_running_build(jk: JenkinsStandIn) -> None:
    s = jk.state
    s.add_job("app")
    s.add_build("app", result=None, log="Started by user Mia\n")
    conn, http = connect(jk)
    job = ref("app", "1", ItemKind.JOB)
    first = await conn.job_log(job)
    assert first.text == "Started by user Mia\n" and not first.complete
    assert first.next_offset == len(b"Started by user Mia\n")
    s.append_log("app", 1, "naïve ünïcode step\n")
    second = await conn.job_log(job, offset=first.next_offset)
    assert second.text == "naïve ünïcode step\n" and second.offset == first.next_offset
    assert second.next_offset == first.next_offset + len("naïve ünïcode step\n".encode())
    nothing = await conn.job_log(job, offset=second.next_offset)
    assert nothing.text == "" and nothing.next_offset == second.next_offset and not nothing.complete
    s.finish("app", 1, "SUCCESS")
    last = await conn.job_log(job, offset=second.next_offset)
    assert last.text == "Finished: SUCCESS\n" and last.complete
    starts = [dict(e.query)["start"] for e in jk.log if e.path.endswith("progressiveText")]
    assert starts == ["0", "20", "42", "42"]
    # The whole console in one piece, as the client also offers it.
    text = await conn.client.console_text("app", 1)
    assert text == first.text + second.text + last.text
    await http.aclose()


async def test_a_character_split_between_two_reads_is_not_garbled(jk: JenkinsStandIn) -> None:
    jk.state.add_job("app")
    build = jk.state.add_build("app", result=None)
    build.log = "caf\u00e9".encode()[:-1]  # Jenkins flushed half of the é
    conn, http = connect(jk)
    job = ref("app", "1", ItemKind.JOB)
    first = await conn.job_log(job)
    assert first.text == "caf" and first.next_offset == 3
    build.log += "\u00e9\n".encode()[1:]
    second = await conn.job_log(job, offset=first.next_offset)
    assert second.text == "\u00e9\n" and second.next_offset == len(build.log)
    await http.aclose()


async def test_the_http_cache_never_answers_for_a_growing_log(
    jk: JenkinsStandIn, tmp_path: Path
) -> None:
    jk.state.add_job("app")
    jk.state.add_build("app", result=None, log="one\n")
    conn, http = connect(jk, cache_dir=tmp_path)
    job = ref("app", "1", ItemKind.JOB)
    assert (await conn.job_log(job)).text == "one\n"
    jk.state.append_log("app", 1, "two\n")
    assert (await conn.job_log(job)).text == "one\ntwo\n"  # the same URL, read again
    [p] = await conn.list_pipelines("app")
    jk.state.finish("app", 1, "SUCCESS")
    [done] = await conn.list_pipelines("app")
    assert p.status is RunStatus.RUNNING and done.status is RunStatus.COMPLETED
    await http.aclose()


async def test_a_site_under_a_context_path(jenkins: JenkinsStandIn) -> None:
    with JenkinsStandIn(context="/jenkins") as jk:
        seeded(jk)
        jk.state.add_job("team/app")
        jk.state.add_build("team/app")
        conn, http = connect(jk)
        assert (await conn.check()).ok
        [p] = await conn.list_pipelines("team/app")
        assert p.url == f"{jk.url}/jenkins/job/team/job/app/1/"
        assert all(e.path.startswith("/jenkins/") for e in jk.log)
        assert jk.violations == []
        await http.aclose()
