"""The API's requests and responses, as pydantic models: one source for validating input,
shaping output, and the OpenAPI document's schemas (:mod:`.spec`).

Items, pipelines and snippets have the shapes the command line's ``--json`` prints
(:mod:`server.verbs.items`, :mod:`server.verbs.pipelines`, :mod:`server.verbs.snippets`):
these models validate what those functions build, so the two interfaces cannot drift apart.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AnyHttpUrl, BaseModel, ConfigDict, Field

_OUT = ConfigDict(extra="forbid")
_IN = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- items -------------------------------------------------------------------------------------


class Checks(BaseModel):
    model_config = _OUT
    state: str
    total: int
    passed: int
    failed: int
    pending: int
    url: str | None = None


class Issue(BaseModel):
    """An issue (or, in a pull request list, the common part of one) from any service."""

    model_config = _OUT
    id: str = Field(description="Unique across services: connector:host:label.")
    service: str
    service_name: str
    host: str
    scope: str | None
    key: str
    ref: str
    number: int | None
    kind: Literal["issue", "pull_request"]
    title: str
    state: str
    status: str | None
    status_category: str | None
    type: str | None
    priority: str | None
    sprint: str | None
    author: str | None
    assignees: list[str]
    labels: list[str]
    url: str
    created_at: datetime | None
    updated_at: datetime | None
    groups: list[str] = Field(description="The My Work lists it is in (assigned, review...).")


class IssueDetail(Issue):
    body: str | None = None
    comments: int = 0


class PullRequest(Issue):
    draft: bool
    merged: bool
    head: str | None
    base: str | None
    review: str
    approvals: int | None
    checks: Checks | None


class PullRequestDetail(PullRequest):
    body: str | None = None
    comments: int = 0


class IssuePage(BaseModel):
    model_config = _OUT
    items: list[Issue]
    next_cursor: str | None = Field(description="Pass as ?cursor= for the next page; null: last.")


class PullRequestPage(BaseModel):
    model_config = _OUT
    items: list[PullRequest]
    next_cursor: str | None


class IssueQuery(BaseModel):
    model_config = _IN
    connector: str | None = Field(None, description="Only this service (github, jira...).")
    scope: str | None = Field(None, description="Only this repository, project or team.")
    state: Literal["open", "closed"] | None = None
    assignee: str | None = Field(None, description="Only those assigned to this login.")
    limit: int = Field(50, ge=1, le=200)
    cursor: str | None = Field(None, description="From a previous page's next_cursor.")


class IssueCreate(BaseModel):
    """A new issue: which service (and host, when it has several), where, what."""

    model_config = _IN
    connector: str = Field(min_length=1, max_length=64)
    host: str | None = Field(None, max_length=255)
    scope: str = Field(min_length=1, max_length=255, description="owner/repo, PROJ, a team.")
    title: str = Field(min_length=1, max_length=512)
    body: str = Field("", max_length=65536)


# -- CI ----------------------------------------------------------------------------------------


class Job(BaseModel):
    model_config = _OUT
    id: str
    name: str
    stage: str | None
    status: str
    conclusion: str
    state: str
    allow_failure: bool
    url: str | None
    started_at: datetime | None
    finished_at: datetime | None


class Pipeline(BaseModel):
    model_config = _OUT
    id: str
    service: str
    service_name: str
    name: str
    number: int | None
    attempt: int | None
    status: str
    conclusion: str
    state: str
    event: str | None
    sha: str | None
    url: str | None
    started_at: datetime | None
    finished_at: datetime | None
    jobs: list[Job]


class Check(BaseModel):
    model_config = _OUT
    service: str
    name: str
    status: str | None
    conclusion: str
    state: str
    url: str | None


CIState = Literal["success", "failure", "pending", "none"]


class CIStatus(BaseModel):
    """What every CI reporting on a repository's branch says of it."""

    model_config = _OUT
    repo: str
    branch: str
    state: CIState
    summary: Checks | None
    pipelines: list[Pipeline]
    checks: list[Check]


class CIQuery(BaseModel):
    model_config = _IN
    repo: str = Field(min_length=1, max_length=255, description="owner/repo, group/project.")
    branch: str = Field(min_length=1, max_length=255)


# -- snippets ----------------------------------------------------------------------------------


class SnippetSourceOut(BaseModel):
    model_config = _OUT
    uri: str
    start_line: int
    end_line: int


class Snippet(BaseModel):
    model_config = _OUT
    id: str
    title: str
    description: str
    language: str
    prefix: str
    tags: list[str]
    body: str
    source: SnippetSourceOut | None
    created_at: datetime | None
    updated_at: datetime | None


class SnippetHit(BaseModel):
    model_config = _OUT
    id: str
    title: str
    description: str
    language: str
    prefix: str
    tags: list[str]
    body: str
    score: float


class SnippetList(BaseModel):
    model_config = _OUT
    items: list[SnippetHit]


class SnippetQuery(BaseModel):
    model_config = _IN
    language: str | None = Field(None, max_length=64)
    tag: str | None = Field(None, max_length=64)
    limit: int = Field(20, ge=1, le=200)


class SnippetSearch(SnippetQuery):
    q: str = Field(max_length=512, description="Words a snippet holds (as prefixes).")


class SnippetCreate(BaseModel):
    """A new snippet, in VS Code's snippet syntax. Refused (422 secret-found) when it looks
    like it holds a secret, unless ``allow_secret``."""

    model_config = _IN
    title: str = Field(min_length=1, max_length=256)
    body: str = Field(min_length=1, max_length=65536)
    language: str = Field("", max_length=64)
    description: str = Field("", max_length=1024)
    prefix: str = Field("", max_length=64)
    tags: list[str] = Field(default_factory=list, max_length=32)
    allow_secret: bool = False


# -- calendar ----------------------------------------------------------------------------------


class AgendaEvent(BaseModel):
    model_config = _OUT
    id: str
    calendar: str
    title: str
    start: datetime
    end: datetime
    all_day: bool
    location: str | None
    url: str | None
    join_url: str | None
    status: str
    is_meeting: bool


class Agenda(BaseModel):
    model_config = _OUT
    items: list[AgendaEvent]


class AgendaQuery(BaseModel):
    model_config = _IN
    start: datetime | None = Field(None, description="From this time (default: now).")
    end: datetime | None = Field(None, description="Until this time (default: start + 1 day).")


# -- events and hooks --------------------------------------------------------------------------


class EventOut(BaseModel):
    model_config = _OUT
    id: int = Field(description="Increasing per server run; resume with ?since= or Last-Event-ID.")
    kind: str
    connector: str
    account: str
    subject: str
    payload: dict[str, Any]
    time: datetime


class EventPage(BaseModel):
    model_config = _OUT
    items: list[EventOut]
    last_id: int = Field(description="The newest id the server holds (pass as ?since=).")
    gap: bool = Field(description="Events after since were dropped before they were read.")


class EventQuery(BaseModel):
    model_config = _IN
    since: int = Field(0, ge=0, description="Only events with an id above this.")
    limit: int = Field(100, ge=1, le=1000)


class HookCreate(BaseModel):
    model_config = _IN
    target_url: AnyHttpUrl = Field(description="Where events are POSTed.")
    event: str = Field(
        min_length=1,
        max_length=128,
        pattern=r"^[A-Za-z0-9_.*?\-]+$",
        description="An event kind or glob (issue.opened, pull_request.*, *).",
    )


class HookOut(BaseModel):
    model_config = _OUT
    id: str
    target_url: str
    event: str


class HookList(BaseModel):
    model_config = _OUT
    items: list[HookOut]
