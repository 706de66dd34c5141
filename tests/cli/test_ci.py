"""``ci [--watch]`` and ``log JOB`` against every Pipelines connector's stand-in, each seeded
with the capability suite's CI story (``tests/capabilities/conftest.py``): on branch
``feature`` a failed pipeline whose job logged a pytest failure, and a running one whose job
finishes when the test says. Each service is configured and signed in through the
environment, and the clone carries its marker file, as a developer's checkout would."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import base_env, clone
from tests.standin.kit import serving
from tests.standin.kit.fixtures import require_contract


@dataclass
class World:
    name: str
    root: Path
    env: dict[str, str]
    failed_pipeline: str
    failed_job: str
    log_line: str
    running_pipeline: str
    running_job: str
    finish_running: Callable[[], None]
    more_log: str
    #: Both runs have one name (two builds of one Jenkins job): the branch shows the newest
    #: run of each name, so the running build hides the failed one.
    same_name: bool = False


def _story(name: str, root: Path, env: dict[str, str], story: dict[str, Any], job: str) -> World:
    return World(
        name,
        root,
        env,
        story["failed_pipeline"],
        story["failed_job"],
        story["log_line"],
        story["running_pipeline"],
        job,
        story["finish_running"],
        story["more_log"],
        story["failed_pipeline"] == story["running_pipeline"],
    )


def _github(stack: contextlib.ExitStack, tmp: Path, home: Path) -> World:
    from tests.standin.github import GitHubStandIn
    from tests.standin.github_actions import seed_ci_story

    require_contract(GitHubStandIn)
    gh = stack.enter_context(serving(GitHubStandIn()))
    gh.state.login = "octocat"
    gh.state.tokens["tok-a"] = "octocat"
    story = seed_ci_story(gh.state, "octo/app")
    root = clone(tmp / "app", "https://github.com/octo/app.git",
                 files={".github/workflows/build.yml": "on: push\n"})  # fmt: skip
    env = base_env(home, TIELINE_GITHUB_TOKEN="tok-a", TIELINE_CONNECTORS__GITHUB__API_URL=gh.url)
    return _story("github", root, env, story, "ship")


def _gitlab(stack: contextlib.ExitStack, tmp: Path, home: Path) -> World:
    from tests.standin.gitlab import GitLabStandIn
    from tests.standin.gitlab_ci import seed_ci_story

    require_contract(GitLabStandIn)
    gl = stack.enter_context(serving(GitLabStandIn()))
    story = seed_ci_story(gl.state, "group/sub/project")
    root = clone(tmp / "project", "git@gitlab.com:group/sub/project.git",
                 files={".gitlab-ci.yml": "unit:\n  script: [pytest]\n"})  # fmt: skip
    env = base_env(
        home, TIELINE_GITLAB_TOKEN="tok-a", TIELINE_CONNECTORS__GITLAB__API_URL=f"{gl.url}/api/v4"
    )
    return _story("gitlab", root, env, story, "ship")


def _bitbucket(stack: contextlib.ExitStack, tmp: Path, home: Path) -> World:
    from tests.bitbucket.conftest import API_TOKEN, EMAIL, seed_ci
    from tests.standin.bitbucket import BitbucketStandIn

    require_contract(BitbucketStandIn)
    bb = stack.enter_context(serving(BitbucketStandIn()))
    bb.add_token(API_TOKEN, "ada", "basic")
    story = seed_ci(bb, "acme/app")
    finish = story["finish_running"]

    def finish_running() -> None:
        """Bitbucket completes a pipeline with its last step; the stand-in's ``finish_step``
        leaves the pipeline to its caller."""
        from tests.standin.bitbucket import _state

        finish()
        for p in bb.state.repo("acme/app").pipelines.values():
            if p["state"]["name"] == "IN_PROGRESS":
                p["state"] = _state("pipeline", "COMPLETED", "SUCCESSFUL")
                p["completed_on"] = bb.state.tick()

    story["finish_running"] = finish_running
    root = clone(tmp / "app", "https://bitbucket.org/acme/app.git",
                 files={"bitbucket-pipelines.yml": "pipelines: {}\n"})  # fmt: skip
    env = base_env(
        home,
        TIELINE_BITBUCKET_TOKEN=API_TOKEN,
        TIELINE_BITBUCKET_USERNAME=EMAIL,
        TIELINE_CONNECTORS__BITBUCKET__API_URL=f"{bb.url}/2.0",
    )
    return _story("bitbucket", root, env, story, "ship")


def _jenkins(stack: contextlib.ExitStack, tmp: Path, home: Path) -> World:
    from tests.jenkins.wiring import CANARY, USER, seeded
    from tests.standin.jenkins import JenkinsStandIn
    from tests.standin.jenkins.story import seed_ci_story

    require_contract(JenkinsStandIn)
    jenkins = seeded(stack.enter_context(serving(JenkinsStandIn())))
    story = seed_ci_story(jenkins.state, "app")
    root = clone(tmp / "app", "https://github.com/octo/app.git",
                 files={"Jenkinsfile": "pipeline {}\n"})  # fmt: skip
    env = base_env(
        home,
        TIELINE_JENKINS_TOKEN=CANARY,
        TIELINE_JENKINS_USER=USER,
        TIELINE_CONNECTORS__JENKINS__SITE=jenkins.url + jenkins.context,
    )
    return _story("jenkins", root, env, story, "ship")


def _circleci(stack: contextlib.ExitStack, tmp: Path, home: Path) -> World:
    from tests.circleci.conftest import TOKEN
    from tests.standin.circleci import CircleCIStandIn, OutputHost, State, seed_ci_story

    require_contract(CircleCIStandIn)
    state = State()
    output = stack.enter_context(serving(OutputHost(state)))
    state.output_base = f"{output.url}/output"
    circleci = stack.enter_context(serving(CircleCIStandIn(state)))
    story = seed_ci_story(state, "gh/octo/app")
    root = clone(tmp / "app", "https://github.com/octo/app.git",
                 files={".circleci/config.yml": "version: 2.1\n"})  # fmt: skip
    env = base_env(
        home,
        TIELINE_CIRCLECI_TOKEN=TOKEN,
        TIELINE_CONNECTORS__CIRCLECI__API_URL=f"{circleci.url}/api/v2",
    )
    return _story("circleci", root, env, story, "ship")


BUILDERS = {
    "github": _github,
    "gitlab": _gitlab,
    "bitbucket": _bitbucket,
    "jenkins": _jenkins,
    "circleci": _circleci,
}


@pytest.fixture(params=sorted(BUILDERS))
def world(request: pytest.FixtureRequest, tmp_path: Path, tieline_home: Path) -> Iterator[World]:
    with contextlib.ExitStack() as stack:
        yield BUILDERS[request.param](stack, tmp_path, tieline_home)


def _pipelines(doc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    (branch,) = doc["branches"]
    return {p["name"]: p for p in branch["pipelines"]}


def _job(pipeline: dict[str, Any], name: str) -> dict[str, Any]:
    return next(j for j in pipeline["jobs"] if j["name"] == name)


def test_ci_json_shows_the_branch_failing_and_running(run: Any, world: World) -> None:
    r = run(world.root, world.env, "ci", "--json")
    if world.same_name:
        assert r.code == 6, r.err  # still running
        assert r.json["state"] == "pending"
        (only,) = r.json["branches"][0]["pipelines"]
        assert only["name"] == world.running_pipeline and only["status"] != "completed"
        return
    assert r.code == 1, r.err  # a failed pipeline fails the branch, even while one runs
    doc = r.json
    assert set(doc) == {"state", "branches", "problems"} and doc["state"] == "failure"
    (branch,) = doc["branches"]
    assert branch["branch"] == "feature" and branch["state"] == "failure"
    pipes = _pipelines(doc)
    failed = pipes[world.failed_pipeline]
    assert failed["state"] == "failure" and failed["service"] == world.name
    assert _job(failed, world.failed_job)["state"] == "failure"
    assert pipes[world.running_pipeline]["status"] != "completed"
    assert {"id", "name", "stage", "status", "conclusion", "state", "url"} <= set(
        _job(failed, world.failed_job)
    )
    table = run(world.root, world.env, "ci")
    assert table.code == 1
    assert table.out.splitlines()[0].endswith("@ feature  failure")
    assert world.failed_job in table.out and "\x1b[" not in table.out


def test_log_puts_the_failing_step_first(run: Any, world: World) -> None:
    if world.same_name:
        pytest.skip("the running build of the job replaced the failed one on the branch")
    r = run(world.root, world.env, "log", world.failed_job)
    assert r.code == 0, r.err
    assert r.out.startswith("=== Failing step: "), r.out[:200]
    head, sep, full = r.out.partition("=== Full log (")
    assert sep and world.log_line in head and world.log_line in full
    assert "\x1b" not in r.out  # the service's colours are stripped off a terminal

    doc = run(world.root, world.env, "log", world.failed_job, "--json").json
    assert doc["job"]["name"] == world.failed_job and doc["job"]["state"] == "failure"
    assert world.log_line in doc["text"] and doc["failing"] is not None
    lines = doc["text"].split("\n")
    start, end = doc["failing"]["start"], doc["failing"]["end"]
    assert any(world.log_line in line for line in lines[start - 1 : end])

    by_id = run(world.root, world.env, "log", doc["job"]["id"])
    assert by_id.code == 0 and by_id.out == r.out


def test_ci_watch_redraws_until_every_pipeline_finished(run: Any, world: World) -> None:
    """The running pipeline finishes once the first drawing is out: the watch sees it run,
    then sees it end, and exits 1 because the other pipeline failed (0 where the passing run
    is the newest of the only name)."""
    r = run(world.root, world.env, "ci", "--watch", "--json", "--interval", "0.3",
            "--timeout", "60", on_output=world.finish_running)  # fmt: skip
    docs = r.lines()
    assert r.code == (0 if world.same_name else 1), (r.err, docs[-1])
    assert len(docs) >= 2
    assert _pipelines(docs[0])[world.running_pipeline]["status"] != "completed"
    last = _pipelines(docs[-1])[world.running_pipeline]
    assert last["status"] == "completed" and last["state"] == "success"


def test_log_of_unknown_job_and_outside_a_checkout(run: Any, world: World, tmp_path: Path) -> None:
    missing = run(world.root, world.env, "log", "no-such-job", "--json")
    assert missing.code == 5 and "no job 'no-such-job'" in missing.json["error"]["message"]
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    outside = run(elsewhere, world.env, "ci")
    assert outside.code == 5 and "not in a git checkout" in outside.err


def test_log_follows_a_running_job_to_its_end(run: Any, world: World) -> None:
    now = run(world.root, world.env, "log", world.running_job)
    assert now.code == 0, now.err
    assert "the job is running" in now.err and world.more_log not in now.out
    r = run(world.root, {**world.env, "TIELINE_CI__LOG_FOLLOW_INTERVAL": "0.2"},
            "log", world.running_job, "--follow", on_output=world.finish_running)  # fmt: skip
    assert r.code == 0, r.err  # the job passed
    assert r.out.startswith(now.out)  # what was there, then what followed
    assert world.more_log in r.out[len(now.out) :] and "\x1b" not in r.out


def test_ci_watch_gives_up_at_its_timeout(run: Any, world: World) -> None:
    r = run(world.root, world.env, "ci", "--watch", "--interval", "0.3", "--timeout", "1")
    assert r.code == 6, r.err
    assert "--timeout ran out" in r.err and world.running_pipeline in r.out


def test_jenkins_log_of_a_failed_build(run: Any, tmp_path: Path, tieline_home: Path) -> None:
    """Jenkins keeps the newest build of a job on the branch: once the running build fails
    too, its stage's log leads with where it stopped (the end: its log has no markers)."""
    from tests.jenkins.wiring import CANARY, USER, seeded
    from tests.standin.jenkins import JenkinsStandIn
    from tests.standin.jenkins.story import seed_ci_story

    require_contract(JenkinsStandIn)
    with serving(JenkinsStandIn()) as standin:
        jenkins = seeded(standin)
        seed_ci_story(jenkins.state, "app")
        newest = jenkins.state.jobs["app"].builds[0].number  # newest first
        jenkins.state.append_log("app", newest, "ERROR: no space left on device\n")
        jenkins.state.finish("app", newest, "FAILURE")
        root = clone(tmp_path / "app", "https://github.com/octo/app.git",
                     files={"Jenkinsfile": "pipeline {}\n"})  # fmt: skip
        env = base_env(
            tieline_home,
            TIELINE_JENKINS_TOKEN=CANARY,
            TIELINE_JENKINS_USER=USER,
            TIELINE_CONNECTORS__JENKINS__SITE=standin.url + standin.context,
        )
        ci = run(root, env, "ci", "--json")
        assert ci.code == 1 and ci.json["state"] == "failure", ci.err
        r = run(root, env, "log", "ship")
        assert r.code == 0, r.err
        head, sep, _ = r.out.partition("=== Full log (")
        assert sep and head.startswith("=== Failing step: ")
        assert "no space left on device" in head
