"""The Actions half of the connector on GitHub's *real* answers: exchanges PyGithub recorded
against api.github.com (``tests/contracts/github/recorded/``, see its PROVENANCE), replayed
through the hub's HTTP stack with ``httpx.MockTransport``. The stand-in's bodies start from
the description's examples; these prove the wire models read what GitHub actually sends,
and that the stand-in's refusals say what GitHub says."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from connectors.github.connector import GitHubConnector
from connectors.github.models import GhJobs, GhWorkflowRun, GhWorkflowRuns, GhWorkflows
from connectors.sdk import CheckConclusion, InvalidRequest, ItemRef, PermissionDenied
from connectors.sdk.ci import RunStatus
from tests.standin.harness import wire

RECORDED = Path(__file__).resolve().parents[1] / "contracts" / "github" / "recorded"
TOKEN = "ghp_RECORDEDreplay0123456789abcdefghijkl"


@dataclass(frozen=True)
class Exchange:
    method: str
    host: str
    path: str
    status: int
    headers: list[tuple[str, str]]
    body: str


def exchanges(name: str) -> list[Exchange]:
    """PyGithub's ReplayData format: ten lines per exchange, then a blank line."""
    lines = (RECORDED / name).read_text(encoding="utf-8").split("\n")
    out: list[Exchange] = []
    i = 0
    while i + 10 <= len(lines):
        if not lines[i].strip():
            i += 1
            continue
        rec = lines[i : i + 10]
        out.append(Exchange(rec[1], rec[2], rec[4], int(rec[7]), ast.literal_eval(rec[8]), rec[9]))
        i += 10
    return out


def body(name: str, index: int) -> object:
    return json.loads(exchanges(name)[index].body)


def replay(*names: str) -> tuple[httpx.MockTransport, list[httpx.Request]]:
    """A transport answering each recorded path (query ignored) as GitHub did, and the blob
    host's redirect target with a log; every request is kept for the assertions."""
    answers: dict[tuple[str, str], Exchange] = {}
    for name in names:
        for ex in exchanges(name):
            answers[(ex.method, ex.path.split("?")[0])] = ex
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        if request.url.host != "api.github.com":
            return httpx.Response(200, text="2023-03-15T17:01:00Z recorded log\n")
        ex = answers.get((request.method, request.url.path))
        if ex is None:
            return httpx.Response(404, json={"message": "Not Found"})
        headers = [(k, v) for k, v in ex.headers if k.lower() not in ("content-encoding",)]
        headers = [(k, v) for k, v in headers if k.lower() != "transfer-encoding"]
        return httpx.Response(ex.status, headers=headers, content=ex.body.encode())

    return httpx.MockTransport(handler), sent


def connector(transport: httpx.MockTransport) -> tuple[GitHubConnector, httpx.AsyncClient]:
    return wire(
        GitHubConnector,
        "https://api.github.com",
        token=TOKEN,
        web_url="https://github.com",
        transport=transport,
    )


def ref(scope: str, key: int, kind: str = "pipeline") -> ItemRef:
    return ItemRef(connector="github", host="github.com", scope=scope, key=str(key), kind=kind)


def test_every_recorded_actions_body_parses() -> None:
    runs = GhWorkflowRuns.model_validate(body("Repository.testGetWorkflowRuns.txt", 1))
    assert runs.total_count > len(runs.workflow_runs) > 0
    run = GhWorkflowRun.model_validate(body("WorkflowRun.setUp.txt", 1))
    assert run.id == 3881497935 and run.run_attempt == 1
    attempt = GhWorkflowRun.model_validate(body("WorkflowRun.testGetAttempt.txt", 2))
    assert attempt.run_attempt == 2
    jobs = GhJobs.model_validate(body("WorkflowJob.setUp.txt", 2))
    assert jobs.total_count == len(jobs.jobs) and all(j.steps for j in jobs.jobs)
    wfs = GhWorkflows.model_validate(body("Repository.testGetWorkflows.txt", 1))
    assert wfs.workflows[0].path == ".github/workflows/check.yml"


async def test_a_recorded_run_with_its_jobs_maps_to_a_pipeline() -> None:
    transport, sent = replay("WorkflowRun.setUp.txt", "WorkflowRun.test_jobs.txt")
    gh, http = connector(transport)
    async with http:
        p = await gh.get_pipeline(ref("PyGithub/PyGithub", 3881497935))
    assert p.status is RunStatus.COMPLETED and p.conclusion is CheckConclusion.SUCCESS
    assert p.number is not None and p.sha and p.branch and p.event
    assert p.jobs[0].name == "test (Python 3.7)"
    assert all(len(j.steps) == 9 and j.actions == ("retry",) for j in p.jobs)
    assert p.actions == ("rerun",)
    assert dict(sent[1].url.params) == {"filter": "latest", "per_page": "100"}


async def test_the_recorded_log_redirect_is_followed_without_the_token() -> None:
    """GitHub's own 302 (to ``pipelines.actions.githubusercontent.com``, signed, expiring in a
    minute): the hub's client follows it and sends the blob host no credential."""
    transport, sent = replay("WorkflowJob.testAttributes.txt")
    gh, http = connector(transport)
    async with http:
        text = await gh.client.job_log("PyGithub", "PyGithub", 11421878319)
    assert text == "2023-03-15T17:01:00Z recorded log\n"
    api, blob = sent
    assert api.headers["authorization"] == f"Bearer {TOKEN}"
    assert blob.url.host == "pipelines.actions.githubusercontent.com"
    assert "authorization" not in blob.headers
    assert not [v for v in blob.headers.values() if TOKEN in v]


async def test_recorded_refusals_read_as_clear_errors() -> None:
    transport, _ = replay(
        "WorkflowRun.test_cancel.txt",
        "WorkflowRun.setUp.txt",
        "Workflow.testCreateDispatchException.txt",
    )
    gh, http = connector(transport)
    async with http:
        with pytest.raises(PermissionDenied) as denied:
            await gh.client.cancel("PyGithub", "PyGithub", 3911660493)
        with pytest.raises(InvalidRequest, match="Required input 'mandatory-parameter'"):
            await gh.trigger("test-org/test-repo", "96985305", "main", {})
    assert "Must have admin rights to Repository." in denied.value.message


async def test_recorded_rerun_of_failed_jobs_and_dispatch_with_run_details() -> None:
    transport, sent = replay("WorkflowRun.test_rerun_failed_jobs.txt", "WorkflowRun.test_jobs.txt")
    gh, http = connector(transport)
    async with http:
        after = await gh.act(ref("PyGithub/PyGithub", 3881497935), "rerun_failed")
    assert after is not None and after.ref.key == "3881497935"
    assert [r.method for r in sent][:2] == ["POST", "GET"]
    assert sent[1].headers.get("cache-control") == "no-cache"  # read back past the cache
    details = body("Workflow.testCreateDispatchWithReturnRunDetails.txt", 2)
    assert isinstance(details, dict) and details["workflow_run_id"] == 123456789


@pytest.mark.parametrize(
    ("name", "pattern"),
    [
        ("Workflow.testCreateDispatchException.txt", r"Required input '.+' not provided"),
        (
            "Workflow.testCreateDispatchForNonTriggerEnabled.txt",
            r"Workflow does not have 'workflow_dispatch' trigger",
        ),
    ],
)
def test_the_stand_ins_dispatch_refusals_are_githubs(name: str, pattern: str) -> None:
    """``tests/standin/github_actions.py`` words these two refusals as GitHub did."""
    said = json.loads(exchanges(name)[-1].body)["message"]
    assert re.fullmatch(pattern, said)
    source = (Path(__file__).parents[1] / "standin" / "github_actions.py").read_text()
    assert pattern.replace(r"'.+'", "'{name}'").replace("\\", "") in source
