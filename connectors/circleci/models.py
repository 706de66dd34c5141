"""CircleCI's wire types: the parts of API v2 (and v1.1's job detail) the connector reads.

Field names and optionality follow CircleCI's OpenAPI description of API v2 (the copy in
``tests/contracts/circleci/``); unknown fields are ignored, so a field CircleCI adds breaks
nothing. The v1.1 job and its step actions follow CircleCI's v1 API reference.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)


class CcMe(_Wire):
    """``GET /me``: the token's user."""

    id: str
    login: str
    name: str = ""


class CcActor(_Wire):
    login: str = ""


class CcTrigger(_Wire):
    #: ``webhook`` (a push), ``api``, ``explicit`` (started in the app), ``scheduled_pipeline``.
    type: str = ""
    received_at: datetime | None = None
    actor: CcActor = CcActor()


class CcVcs(_Wire):
    provider_name: str = ""
    branch: str | None = None
    tag: str | None = None
    revision: str | None = None
    review_id: str | None = None
    review_url: str | None = None


class CcPipelineError(_Wire):
    type: str = ""
    message: str = ""


class CcPipeline(_Wire):
    """A pipeline: one run of the project's config for a push, an API call or a schedule.

    ``state`` is the pipeline's own setup state (``created``, ``errored``, ``setup-pending``,
    ``setup``, ``pending``), not a build result: results are per workflow."""

    id: str
    number: int
    project_slug: str
    state: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    errors: tuple[CcPipelineError, ...] = ()
    trigger: CcTrigger = CcTrigger()
    vcs: CcVcs | None = None


class CcPipelineCreated(_Wire):
    """``POST /project/{slug}/pipeline`` (201)."""

    id: str
    number: int
    state: str
    created_at: datetime | None = None


class CcPipelineConfig(_Wire):
    """``GET /pipeline/{id}/config``: the config as committed and as compiled."""

    source: str = ""
    compiled: str = ""


class CcWorkflow(_Wire):
    id: str
    name: str
    status: str
    pipeline_id: str
    pipeline_number: int
    project_slug: str
    created_at: datetime | None = None
    stopped_at: datetime | None = None
    tag: str | None = None


class CcJob(_Wire):
    """A job of a workflow (``GET /workflow/{id}/job``). ``job_number`` is absent until a
    build job has started, and always for approval jobs, which carry
    ``approval_request_id`` instead."""

    id: str
    name: str
    type: str = "build"  # build | approval
    status: str
    job_number: int | None = None
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    dependencies: tuple[str, ...] = ()
    approval_request_id: str | None = None


class CcRef(_Wire):
    id: str
    name: str = ""


class CcJobDetails(_Wire):
    """``GET /project/{slug}/job/{number}``: one job with its workflow and web page."""

    number: int
    name: str
    status: str
    web_url: str | None = None
    started_at: datetime | None = None
    stopped_at: datetime | None = None
    latest_workflow: CcRef
    pipeline: CcRef


class CcV1Action(_Wire):
    """One action of a v1.1 step: one container's run of it (``index`` is the container)."""

    name: str = ""
    index: int = 0
    step: int | None = None
    status: str | None = None
    failed: bool | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    has_output: bool = False
    #: A pre-signed URL (S3) for the action's output: a JSON array of ``{message, time,
    #: type}``. It carries its own signature and must never be sent the account's token.
    output_url: str | None = None


class CcV1Step(_Wire):
    name: str = ""
    actions: tuple[CcV1Action, ...] = ()


class CcV1Build(_Wire):
    """``GET /api/v1.1/project/{vcs}/{org}/{repo}/{build_num}``: a job with its steps."""

    build_num: int
    status: str | None = None
    lifecycle: str | None = None  # queued | scheduled | not_run | not_running | running | finished
    steps: tuple[CcV1Step, ...] = ()


class CcOutputLine(_Wire):
    """One entry of an action's output (``type`` is ``out`` or ``err``)."""

    message: str = ""
    time: str | None = None
    type: str = Field(default="out")
