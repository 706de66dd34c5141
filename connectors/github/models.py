"""GitHub REST wire types (the subset Tieline reads). Unknown fields are ignored, so a new
field in GitHub's answers never breaks parsing; a missing *required* one fails loudly."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class GhUser(_Wire):
    """``simple-user``. ``email`` is the public e-mail, ``null`` unless its owner made one
    public (and absent from some older answers)."""

    login: str
    id: int | None = None
    name: str | None = None
    html_url: str | None = None
    avatar_url: str | None = None
    email: str | None = None


class GhLabel(_Wire):
    name: str
    color: str | None = None


class GhRepo(_Wire):
    name: str
    full_name: str
    owner: GhUser
    html_url: str | None = None


class GhIssue(_Wire):
    number: int
    title: str
    state: str
    html_url: str
    url: str
    repository_url: str
    user: GhUser | None = None
    labels: tuple[GhLabel, ...] = ()
    assignees: tuple[GhUser, ...] | None = ()
    body: str | None = None
    comments: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    pull_request: dict[str, Any] | None = None
    repository: GhRepo | None = None
    draft: bool | None = None

    @field_validator("labels", mode="before")
    @classmethod
    def _labels(cls, v: Any) -> Any:
        # The description allows a label to be a bare string or an object.
        return [{"name": x} if isinstance(x, str) else x for x in v or []]


class GhBranch(_Wire):
    ref: str
    sha: str
    label: str | None = None
    repo: GhRepo | None = None


class GhPull(_Wire):
    number: int
    title: str
    state: str
    html_url: str
    user: GhUser | None = None
    body: str | None = None
    labels: tuple[GhLabel, ...] = ()
    assignees: tuple[GhUser, ...] | None = ()
    draft: bool | None = False
    merged: bool | None = None
    merged_at: datetime | None = None
    mergeable: bool | None = None
    mergeable_state: str | None = None
    head: GhBranch
    base: GhBranch
    requested_reviewers: tuple[GhUser, ...] | None = ()
    comments: int | None = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None


class GhReview(_Wire):
    id: int
    user: GhUser | None = None
    state: str
    submitted_at: datetime | None = None


class GhComment(_Wire):
    id: int
    body: str | None = None
    html_url: str | None = None
    user: GhUser | None = None
    created_at: datetime | None = None


class GhCheckRun(_Wire):
    name: str
    status: str
    conclusion: str | None = None
    html_url: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None


class GhCheckRuns(_Wire):
    total_count: int
    check_runs: tuple[GhCheckRun, ...]


class GhStatus(_Wire):
    state: str
    context: str | None = None
    target_url: str | None = None


class GhCombinedStatus(_Wire):
    state: str
    sha: str
    statuses: tuple[GhStatus, ...] = ()


class GhSearchIssues(_Wire):
    total_count: int
    incomplete_results: bool = False
    items: tuple[GhIssue, ...]


class GhRate(_Wire):
    limit: int
    remaining: int
    reset: int
    used: int | None = None


class GhRateLimit(_Wire):
    resources: dict[str, GhRate]


# -- Actions ----------------------------------------------------------------------------------
class GhWorkflowRun(_Wire):
    """A workflow run (``#/components/schemas/workflow-run``): one attempt of it, the latest
    unless read from ``/attempts/{n}``."""

    id: int
    name: str | None = None
    display_title: str | None = None
    run_number: int | None = None
    run_attempt: int | None = None
    event: str | None = None
    status: str | None = None
    conclusion: str | None = None
    head_branch: str | None = None
    head_sha: str
    workflow_id: int | None = None
    path: str | None = None
    html_url: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    run_started_at: datetime | None = None


class GhWorkflowRuns(_Wire):
    total_count: int
    workflow_runs: tuple[GhWorkflowRun, ...]


class GhStep(_Wire):
    name: str
    status: str
    conclusion: str | None = None
    number: int | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None


class GhJob(_Wire):
    """A job of a run (``#/components/schemas/job``) with its steps."""

    id: int
    run_id: int
    run_attempt: int | None = None
    name: str
    status: str
    conclusion: str | None = None
    html_url: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    steps: tuple[GhStep, ...] | None = ()
    workflow_name: str | None = None
    head_branch: str | None = None


class GhJobs(_Wire):
    total_count: int
    jobs: tuple[GhJob, ...]


class GhWorkflow(_Wire):
    id: int
    name: str
    path: str
    state: str
    html_url: str | None = None


class GhWorkflows(_Wire):
    total_count: int
    workflows: tuple[GhWorkflow, ...]


class GhContentFile(_Wire):
    """``GET /repos/{o}/{r}/contents/{path}`` for a file: its text, base64 in ``content``."""

    type: str
    path: str
    encoding: str | None = None
    content: str | None = None
    sha: str | None = None


class GhDispatchResult(_Wire):
    """The 200 answer to a dispatch sent with ``return_run_details: true``."""

    workflow_run_id: int
    run_url: str | None = None
    html_url: str | None = None


class GhGistFile(_Wire):
    filename: str
    content: str | None = None  # absent from list answers
    truncated: bool | None = None
    raw_url: str | None = None


class GhGist(_Wire):
    id: str
    description: str | None = None
    public: bool
    html_url: str
    files: dict[str, GhGistFile]
    updated_at: datetime
    history: list[dict[str, Any]] | None = None
