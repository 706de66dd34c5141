"""GitLab REST v4 wire types (the subset Tieline reads).

Unknown fields are ignored, so a new field in GitLab's answers never breaks parsing; a missing
*required* one fails loudly. Fields that only some GitLab versions or tiers send (``draft``
since 13.2, ``detailed_merge_status`` since 15.6, ``approvals_required`` in Premium, issue
``references`` since 12.7) are optional, so one model reads gitlab.com and an older
self-managed instance alike. Shapes follow GitLab's API pages and the recorded answers in
go-gitlab's ``testdata/`` (GitLab's generated OpenAPI types many of these fields as strings).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class GlUser(_Wire):
    """``UserBasic``: who wrote, is assigned to, or reviews something. ``public_email`` is
    the address its owner chose to show on the profile; GitLab sends ``""`` or ``null`` (by
    version) where there is none, and older instances leave it out."""

    id: int
    username: str
    name: str | None = None
    state: str | None = None
    avatar_url: str | None = None
    web_url: str | None = None
    bot: bool | None = None
    public_email: str | None = None


class GlLabel(_Wire):
    """A label. Lists send bare names unless ``with_labels_details=true`` asks for objects."""

    name: str
    color: str | None = None


class _Labelled(_Wire):
    labels: tuple[GlLabel, ...] = ()

    @field_validator("labels", mode="before")
    @classmethod
    def _names_or_objects(cls, v: Any) -> Any:
        return [{"name": x} if isinstance(x, str) else x for x in v or []]


class GlReferences(_Wire):
    """``references``: ``#14`` / ``!14`` short, and ``group/sub/project#14`` full."""

    short: str | None = None
    relative: str | None = None
    full: str | None = None


class GlIssue(_Labelled):
    id: int
    iid: int
    project_id: int
    title: str
    state: str  # opened | closed
    web_url: str
    description: str | None = None
    author: GlUser | None = None
    assignees: tuple[GlUser, ...] | None = ()
    user_notes_count: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    issue_type: str | None = None
    references: GlReferences | None = None


class GlPipelineRef(_Wire):
    """``PipelineBasic`` (lists, an MR's ``head_pipeline``)."""

    id: int
    status: str
    #: The project's running number of the pipeline (``#12``); GitLab 11.x+.
    iid: int | None = None
    #: ``workflow:name`` of ``.gitlab-ci.yml`` (GitLab 16.3+), when it sets one.
    name: str | None = None
    ref: str | None = None
    sha: str | None = None
    web_url: str | None = None
    source: str | None = None
    project_id: int | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class GlMergeRequest(_Labelled):
    """``MergeRequest`` (single) or ``MergeRequestBasic`` (lists): the list shape lacks the
    pipeline, the diff refs and the mergeability details, so those are optional here."""

    id: int
    iid: int
    project_id: int
    title: str
    state: str  # opened | closed | merged | locked
    web_url: str
    source_branch: str
    target_branch: str
    source_project_id: int | None = None
    target_project_id: int | None = None
    description: str | None = None
    author: GlUser | None = None
    assignees: tuple[GlUser, ...] | None = ()
    reviewers: tuple[GlUser, ...] | None = ()
    draft: bool | None = None
    work_in_progress: bool | None = None
    merge_status: str | None = None
    detailed_merge_status: str | None = None
    has_conflicts: bool | None = None
    blocking_discussions_resolved: bool | None = None
    sha: str | None = None
    user_notes_count: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    merged_at: datetime | None = None
    head_pipeline: GlPipelineRef | None = None
    references: GlReferences | None = None

    @property
    def is_draft(self) -> bool:
        """``draft`` replaced ``work_in_progress`` in 13.2; older instances send only that."""
        return bool(self.draft if self.draft is not None else self.work_in_progress)


class GlApproval(_Wire):
    user: GlUser


class GlApprovals(_Wire):
    """``GET .../merge_requests/:iid/approvals``. Free tier: ``approved``/``approved_by``;
    Premium adds ``approvals_required``/``approvals_left`` from the approval rules."""

    approved: bool | None = None
    approved_by: tuple[GlApproval, ...] = ()
    approvals_required: int | None = None
    approvals_left: int | None = None
    user_has_approved: bool | None = None


class GlPipeline(GlPipelineRef):
    """``Pipeline`` / ``PipelineWithMetadata`` (one pipeline, and the answers of retry,
    cancel and create): the list shape plus its timing and who started it."""

    tag: bool | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    duration: float | None = None
    yaml_errors: str | None = None
    user: GlUser | None = None


class GlJobPipeline(_Wire):
    """The pipeline a job belongs to, as the job names it."""

    id: int
    project_id: int | None = None
    ref: str | None = None
    sha: str | None = None
    status: str | None = None


class GlJob(_Wire):
    """A job or a bridge (trigger job) of a pipeline."""

    id: int
    name: str
    stage: str | None = None
    status: str
    allow_failure: bool = False
    web_url: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    failure_reason: str | None = None
    ref: str | None = None
    pipeline: GlJobPipeline | None = None
    #: Only on bridges: the child or multi-project pipeline it started (``None`` until then).
    downstream_pipeline: GlPipelineRef | None = None
    #: Only in lists asked with ``include_retried=true``; GitLab 13.x+.
    retried: bool | None = None


class GlLint(_Wire):
    """``GET /projects/:id/ci/lint``: is the configuration valid, and the configuration with
    every ``include:`` merged in (YAML whose keys are Ruby symbols, ``:variables:``)."""

    valid: bool = False
    merged_yaml: str | None = None
    errors: tuple[str, ...] = ()


class GlProject(_Wire):
    """``GET /projects/:id``: what the connector needs of a project (its numeric id, which
    the OpenAPI description wants on the jobs routes, and its default branch)."""

    id: int
    path_with_namespace: str | None = None
    default_branch: str | None = None
    web_url: str | None = None


class GlNote(_Wire):
    """A comment (``Note``). It carries no web URL: the page is the item's URL + ``#note_ID``."""

    id: int
    body: str
    author: GlUser | None = None
    created_at: datetime | None = None
    system: bool = False
    noteable_iid: int | None = None


class GlTodoProject(_Wire):
    id: int
    path_with_namespace: str | None = None


class GlTodo(_Wire):
    """A to-do item: GitLab's record of a mention (``mentioned``, ``directly_addressed``),
    an assignment, a review request, ... ``target`` is the issue or MR itself."""

    id: int
    action_name: str
    target_type: str
    state: str
    target: dict[str, Any] | None = None
    target_url: str | None = None
    project: GlTodoProject | None = None


class GlMember(_Wire):
    """A project member, direct or inherited from a group (``/members/all``); a ``UserBasic``
    with its access level, ``public_email`` included."""

    id: int
    username: str
    name: str | None = None
    state: str | None = None
    avatar_url: str | None = None
    web_url: str | None = None
    public_email: str | None = None
    access_level: int | None = None


class GlCurrentUser(GlUser):
    """``GET /user``."""


class GlTokenSelf(_Wire):
    """``GET /personal_access_tokens/self``: the personal, project or group access token
    this request was made with."""

    id: int
    name: str | None = None
    scopes: tuple[str, ...] = ()
    active: bool | None = None
    revoked: bool | None = None
    expires_at: str | None = None


class GlSnippet(_Wire):
    id: int
    title: str
    file_name: str | None = None
    description: str | None = None
    visibility: str
    web_url: str
    updated_at: datetime
