"""The capability suite's CI story on the Jenkins stand-in (``tests/capabilities``'
``CIStory`` fields but ``repo``): one Pipeline job building the repository, whose builds on
``branch`` (as git's ``BuildData`` names what they built) are a failed one whose ``unit``
stage failed after logging a pytest failure, and a running one whose ``ship`` stage writes
more and succeeds on ``finish_running()``; the job takes a ``VERSION`` parameter. With
``multibranch``, the job is a multibranch project instead and the builds are its ``branch``
job's (what a repository with a ``Jenkinsfile`` usually builds in). A ``freestyle`` job (or a
controller without the Stage View plugin) has no stages: each build is its own one job,
named like the build (``#1``).

Every build of a job carries the job's name (``app``), so the story names its two pipelines
alike; Jenkins has no required parameter (each one not given takes its default), so the
story's trigger input is not required."""

from __future__ import annotations

from typing import Any

from .state import JenkinsState, Stage

VERSION_PARAMETER: dict[str, Any] = {
    "_class": "hudson.model.StringParameterDefinition",
    "name": "VERSION",
    "type": "StringParameterDefinition",
    "description": "The version to release",
    "defaultParameterValue": {"_class": "hudson.model.StringParameterValue", "name": "VERSION"},
}


def seed_ci_story(
    state: JenkinsState,
    job: str = "app",
    branch: str = "feature",
    *,
    multibranch: bool = False,
    kind: str = "pipeline",
) -> dict[str, Any]:
    project = job
    if multibranch:
        state.add_multibranch(project, [branch])
        built = state.branch_job(project, branch)
        built.parameters = [VERSION_PARAMETER]
        job = built.full_name
    else:
        state.add_job(job, kind, parameters=[VERSION_PARAMETER])
    remote = f"origin/{branch}"
    failed = state.add_build(
        job,
        result="FAILURE",
        log="setting up\nFAILED tests/test_app.py::test_it - assert 1 == 2\nFinished: FAILURE\n",
        stages=[Stage("6", "lint", "SUCCESS", duration=900), Stage("9", "unit", "FAILED")],
        sha="f" * 40,
        branch=remote,
    )
    running = state.add_build(
        job,
        result=None,
        log="shipping...\n",
        stages=[Stage("6", "ship", "IN_PROGRESS")],
        sha="e" * 40,
        branch=remote,
    )

    def finish_running() -> None:
        state.append_log(job, running.number, "shipped\n")
        state.finish(job, running.number, "SUCCESS")

    # Jenkins names a build by its job's and folders' display names (here their names).
    name = " » ".join([*project.split("/"), *([branch] if multibranch else [])])
    return {
        "branch": branch,
        "failed_pipeline": name,
        "failed_job": "unit" if kind == "pipeline" and state.stage_view else f"#{failed.number}",
        "log_line": "FAILED tests/test_app.py::test_it",
        "running_pipeline": name,
        "finish_running": finish_running,
        "more_log": "shipped",
        "trigger": f"Build {' » '.join(project.split('/'))}",
        "trigger_input": "VERSION",
        "input_required": False,
    }
