"""Recorded Bitbucket Cloud answers (atlassian-python-api's test suite; see
``tests/standin/data/bitbucket/PROVENANCE.md``) read through the connector's wire models and
mapping, so the connector is checked against real bodies as well as the stand-in's."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from connectors.bitbucket import mapping
from connectors.bitbucket.connector import BitbucketConnector
from connectors.bitbucket.models import (
    BbComment,
    BbCommitStatus,
    BbIssue,
    BbPage,
    BbParticipant,
    BbPipeline,
    BbPullRequest,
    BbStep,
)
from connectors.sdk import CheckConclusion, ConnectorContext, ItemState, ReviewState
from connectors.sdk.ci import RunStatus

DATA = Path(__file__).resolve().parents[1] / "standin" / "data" / "bitbucket" / "recorded"


def body(name: str) -> Any:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def connector() -> BitbucketConnector:
    import httpx

    return BitbucketConnector(
        ConnectorContext(
            http=httpx.AsyncClient(), account="x", api_url="https://api.bitbucket.org/2.0"
        )
    )


def test_recorded_pull_requests() -> None:
    bb = connector()
    pr = BbPullRequest.model_validate(body("pullrequest.json"))
    got = bb._pull("TestWorkspace1/testrepository1", pr)
    assert got.title == "PRTitle" and got.ref.key == f"#{pr.id}"
    assert (got.head_ref, got.base_ref, got.head_sha) == (
        "feature/test-branch", "master", "16182c4123fb"
    )  # fmt: skip
    assert (got.state, got.review_state, got.approvals) == (
        ItemState.OPEN, ReviewState.CHANGES_REQUESTED, 1
    )  # fmt: skip
    assert [u.login for u in got.requested_reviewers] == [
        "User04Nickname", "User02Nickname", "User01Nickname"
    ]  # fmt: skip
    assert got.author is not None and got.author.name == "User03DisplayName"
    page = BbPage[BbPullRequest].model_validate(body("pullrequests.json"))
    assert page.values and all(p.id for p in page.values)


def test_recorded_pipelines_and_steps() -> None:
    bb = connector()
    page = BbPage[BbPipeline].model_validate(body("pipelines.json"))
    [p] = page.values
    steps = BbPage[BbStep].model_validate(body("steps.json")).values
    got = bb._pipeline("TestWorkspace1/testrepository", p, steps)
    assert (got.status, got.conclusion) == (RunStatus.COMPLETED, CheckConclusion.CANCELLED)
    assert got.number == p.build_number and got.actions == ("rerun",)
    assert (got.branch, got.sha, got.event) == (
        "master", "30c1b58a2341992fe6870756a8880d5006ddb18e", "manual"
    )  # fmt: skip
    assert [j.name for j in got.jobs] == ["Step 1", "Step 2"]  # the recording names none
    assert all(j.conclusion is CheckConclusion.CANCELLED for j in got.jobs)
    assert all(j.ref.key.startswith(p.uuid + "/") for j in got.jobs)
    one = BbPipeline.model_validate(body("pipeline.json"))
    assert mapping.run_status(one.state) in set(RunStatus)


def test_recorded_issue_statuses_comment_and_approval() -> None:
    bb = connector()
    issue = bb._issue("TestWorkspace1/testrepository1", BbIssue.model_validate(body("issue.json")))
    assert issue.ref.key == f"#issue-{issue.number}"
    assert (issue.title, issue.state, issue.assignees) == ("Title", ItemState.OPEN, ())
    assert issue.repo is not None and issue.repo.full_name == "TestWorkspace1/TestRepository1"
    statuses = BbPage[BbCommitStatus].model_validate(body("statuses.json")).values
    runs = [mapping.status_run(s) for s in statuses]
    assert [(r.name, r.conclusion) for r in runs] == [("Build #5", CheckConclusion.SUCCESS)]
    comment = BbComment.model_validate(body("comment.json"))
    assert comment.id and comment.content and comment.content.raw
    approval = BbParticipant.model_validate(body("approve.json"))
    assert approval.approved
