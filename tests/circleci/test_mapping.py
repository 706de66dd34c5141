"""CircleCI's words against the sdk's: every status CircleCI's description names is mapped,
the v1.1 root is found beside any v2 root (CircleCI server too), and web pages are spelt as
the web app spells them."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from connectors.circleci import mapping as m
from connectors.circleci.client import CircleCIClient, slug_segment
from connectors.sdk import CheckConclusion, RunStatus

CONTRACT = Path(__file__).resolve().parents[1] / "contracts" / "circleci" / "openapi.json"


def _enum(path: str, *keys: str) -> set[str]:
    doc = json.loads(CONTRACT.read_text(encoding="utf-8"))
    node = doc["paths"][path]["get"]["responses"]["200"]["content"]["application/json"]
    node = node["schema"]
    for k in keys:
        node = node[k]
    return set(node["enum"])


def test_every_workflow_status_of_the_description_is_mapped() -> None:
    statuses = _enum("/workflow/{id}", "properties", "status")
    assert statuses == set(m.WORKFLOW_STATUS)


def test_every_job_status_of_the_description_is_mapped() -> None:
    statuses = _enum("/workflow/{id}/job", "properties", "items", "items", "properties", "status")
    assert statuses == set(m.JOB_STATUS)
    details = _enum("/project/{project-slug}/job/{job-number}", "properties", "status")
    assert details <= set(m.JOB_STATUS)


def test_every_pipeline_state_of_the_description_is_mapped() -> None:
    assert _enum("/pipeline/{pipeline-id}", "properties", "state") == set(m.PIPELINE_STATE)


@pytest.mark.parametrize(
    ("status", "run", "conclusion", "actions"),
    [
        ("success", RunStatus.COMPLETED, CheckConclusion.SUCCESS, ("rerun",)),
        ("failing", RunStatus.RUNNING, CheckConclusion.PENDING, ("cancel",)),
        ("on_hold", RunStatus.WAITING, CheckConclusion.PENDING, ("cancel",)),
        ("error", RunStatus.COMPLETED, CheckConclusion.FAILURE, ("rerun", "rerun_failed")),
        ("canceled", RunStatus.COMPLETED, CheckConclusion.CANCELLED, ("rerun",)),
    ],
)
def test_workflow_status_and_actions(
    status: str, run: RunStatus, conclusion: CheckConclusion, actions: tuple[str, ...]
) -> None:
    assert m.workflow_status(status) == (run, conclusion)
    assert m.workflow_actions(status) == actions


def test_job_actions() -> None:
    assert m.job_actions("approval", "on_hold", has_number=False, workflow_done=False) == ("play",)
    assert m.job_actions("approval", "success", has_number=False, workflow_done=True) == ()
    assert m.job_actions("build", "running", has_number=True, workflow_done=False) == ("cancel",)
    assert m.job_actions("build", "blocked", has_number=False, workflow_done=False) == ()
    assert m.job_actions("build", "failed", has_number=True, workflow_done=True) == ("retry",)
    assert m.job_actions("build", "failed", has_number=True, workflow_done=False) == ()
    assert m.job_actions("build", "not_run", has_number=False, workflow_done=True) == ()


@pytest.mark.parametrize(
    ("api", "v1"),
    [
        ("https://circleci.com/api/v2", "https://circleci.com/api/v1.1/project/gh/o/r/7"),
        ("https://ci.corp.example/api/v2/", "https://ci.corp.example/api/v1.1/project/gh/o/r/7"),
        ("http://127.0.0.1:8080/api/v2", "http://127.0.0.1:8080/api/v1.1/project/gh/o/r/7"),
    ],
)
def test_the_v1_root_is_beside_the_v2_root(api: str, v1: str) -> None:
    client = CircleCIClient(httpx.AsyncClient(base_url=api))
    assert str(client.v1_url("project/gh/o/r/7")) == v1


def test_slugs_and_web_pages() -> None:
    assert slug_segment("gh/octo/app") == "gh%2Focto%2Fapp"
    assert m.web_project("gh/octo/app") == "github/octo/app"
    assert m.web_project("bb/team/repo") == "bitbucket/team/repo"
    assert m.web_project("circleci/ORG/PRJ") == "circleci/ORG/PRJ"
    assert m.workflow_url("https://app.circleci.com", "gh/o/r", 12, "w-1") == (
        "https://app.circleci.com/pipelines/github/o/r/12/workflows/w-1"
    )
