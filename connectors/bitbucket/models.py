"""Bitbucket Cloud's wire types (REST 2.0), as far as Tieline reads them.

Shapes follow Bitbucket's OpenAPI description (``tests/contracts/bitbucket/``): every object
carries a ``type``; links are ``{"html": {"href": ...}}``; timestamps are ISO 8601; users are
named by ``uuid`` (``{...}`` with braces) and ``account_id``, their ``nickname`` being what
people write after ``@`` (``username`` is gone from user objects since 2019). Pipeline and
step states are nested: ``{"name": "COMPLETED", "result": {"name": "FAILED"}}`` or
``{"name": "IN_PROGRESS", "stage": {"name": "PAUSED"}}``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


class BbLink(_Wire):
    href: str = ""


class BbLinks(_Wire):
    html: BbLink | None = None
    avatar: BbLink | None = None

    @property
    def web(self) -> str | None:
        return self.html.href if self.html and self.html.href else None


class BbAccount(_Wire):
    uuid: str = ""
    account_id: str | None = None
    nickname: str | None = None
    display_name: str | None = None
    username: str | None = None  # teams and old answers only
    links: BbLinks = BbLinks()

    @property
    def login(self) -> str:
        """What names the account to people: the nickname, else the old username, else the
        uuid (access tokens act as an account with only a display name)."""
        return self.nickname or self.username or self.account_id or self.uuid


class BbPage(_Wire, Generic[T]):
    """A paged list: ``values`` and the ``next`` page's URL (absent on the last page)."""

    values: list[T] = Field(default_factory=list)
    next: str | None = None
    page: int | None = None
    pagelen: int | None = None
    size: int | None = None


class BbCommitRef(_Wire):
    hash: str | None = None


class BbBranch(_Wire):
    name: str = ""


class BbRepoRef(_Wire):
    full_name: str | None = None
    uuid: str | None = None


class BbEndpoint(_Wire):
    """A pull request's source or destination: branch, commit and repository."""

    branch: BbBranch = BbBranch()
    commit: BbCommitRef | None = None
    repository: BbRepoRef | None = None


class BbParticipant(_Wire):
    user: BbAccount | None = None
    role: str | None = None  # PARTICIPANT | REVIEWER
    approved: bool = False
    state: str | None = None  # approved | changes_requested | null


class BbRendered(_Wire):
    raw: str | None = None


class BbPullRequest(_Wire):
    id: int
    title: str = ""
    description: str | None = None
    summary: BbRendered | None = None
    state: str = "OPEN"  # OPEN | MERGED | DECLINED | SUPERSEDED
    draft: bool = False
    author: BbAccount | None = None
    source: BbEndpoint = BbEndpoint()
    destination: BbEndpoint = BbEndpoint()
    reviewers: list[BbAccount] = Field(default_factory=list)
    participants: list[BbParticipant] = Field(default_factory=list)
    comment_count: int = 0
    created_on: datetime | None = None
    updated_on: datetime | None = None
    links: BbLinks = BbLinks()


class BbContent(_Wire):
    raw: str | None = None


class BbIssue(_Wire):
    id: int
    title: str = ""
    content: BbContent | None = None
    #: new | open | submitted | resolved | on hold | invalid | duplicate | wontfix | closed
    state: str = "new"
    kind: str | None = None
    priority: str | None = None
    reporter: BbAccount | None = None
    assignee: BbAccount | None = None
    repository: BbRepoRef | None = None
    created_on: datetime | None = None
    updated_on: datetime | None = None
    links: BbLinks = BbLinks()


class BbComment(_Wire):
    id: int
    content: BbContent | None = None
    user: BbAccount | None = None
    created_on: datetime | None = None
    links: BbLinks = BbLinks()


class BbRepository(_Wire):
    full_name: str
    has_issues: bool | None = None


class BbMembership(_Wire):
    user: BbAccount


class BbCommitStatus(_Wire):
    key: str = ""
    name: str | None = None
    state: str = "INPROGRESS"  # INPROGRESS | SUCCESSFUL | FAILED | STOPPED
    url: str | None = None
    refname: str | None = None
    description: str | None = None
    created_on: datetime | None = None
    updated_on: datetime | None = None


class BbStateResult(_Wire):
    name: str = ""


class BbState(_Wire):
    """A pipeline's or a step's state: PENDING / READY / IN_PROGRESS (with a ``stage``:
    RUNNING, PAUSED, HALTED) / COMPLETED (with a ``result``)."""

    name: str = "PENDING"
    type: str | None = None
    result: BbStateResult | None = None
    stage: BbStateResult | None = None


class BbSelector(_Wire):
    type: str | None = None  # branches | tags | bookmarks | default | custom | pull-requests
    pattern: str | None = None


class BbTarget(_Wire):
    type: str | None = (
        None  # pipeline_ref_target | pipeline_commit_target | pipeline_pullrequest_target
    )
    ref_type: str | None = None
    ref_name: str | None = None
    commit: BbCommitRef | None = None
    selector: BbSelector | None = None
    source: str | None = None  # a pull request target's source branch
    destination: str | None = None


class BbTrigger(_Wire):
    name: str | None = None  # PUSH | MANUAL | SCHEDULE
    type: str | None = None


class BbVariable(_Wire):
    key: str
    value: str | None = None
    secured: bool = False


class BbPipeline(_Wire):
    uuid: str
    build_number: int | None = None
    state: BbState = BbState()
    target: BbTarget = BbTarget()
    trigger: BbTrigger | None = None
    variables: list[BbVariable] = Field(default_factory=list)
    created_on: datetime | None = None
    completed_on: datetime | None = None
    run_number: int | None = None


class BbStep(_Wire):
    uuid: str
    name: str | None = None
    state: BbState = BbState()
    started_on: datetime | None = None
    completed_on: datetime | None = None
    trigger: BbTrigger | None = None
    run_number: int | None = None


def raw(data: Any) -> dict[str, Any]:
    """``data`` if it is a JSON object, else an empty one (error bodies, odd answers)."""
    return data if isinstance(data, dict) else {}


class BbBranchRef(_Wire):
    """``refs/branches/{name}``: a branch and the commit it points at."""

    name: str = ""
    target: BbCommitRef | None = None


class BbRepoMain(_Wire):
    """A repository with its main branch (``mainbranch``)."""

    full_name: str = ""
    mainbranch: BbBranch | None = None


class BbWorkspace(_Wire):
    slug: str
    uuid: str | None = None
    name: str | None = None


class BbWorkspaceAccess(_Wire):
    """One entry of ``GET /user/workspaces``: a workspace and the caller's access to it."""

    workspace: BbWorkspace
    administrator: bool = False
