"""Shared domain models: what every connector maps its wire types into.

These are the hub's and the editor's vocabulary. They are deliberately smaller than any one
service's API: a field belongs here only when at least the hub or the LSP layer uses it.
Text fields that came from a service (titles, bodies) are stored raw; the LSP layer sanitizes
them for display.
"""

from __future__ import annotations

import enum
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class RepoRef(_Model):
    """A repository on a code host, e.g. ``github.com/octocat/hello-world``."""

    host: str
    owner: str
    name: str

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"

    def __str__(self) -> str:
        return f"{self.host}/{self.owner}/{self.name}"


class User(_Model):
    login: str
    name: str | None = None
    url: str | None = None
    avatar_url: str | None = None


class Label(_Model):
    name: str
    color: str | None = None


class ItemState(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    MERGED = "merged"
    DRAFT = "draft"


class Issue(_Model):
    """An issue (or the issue half of a pull request) in a tracker."""

    repo: RepoRef
    number: int
    title: str
    state: ItemState
    url: str
    author: User | None = None
    labels: tuple[Label, ...] = ()
    assignees: tuple[User, ...] = ()
    body: str | None = None
    comments: int = 0
    created_at: datetime | None = None
    updated_at: datetime | None = None
    closed_at: datetime | None = None
    is_pull_request: bool = False

    @property
    def key(self) -> str:
        return f"{self.repo.full_name}#{self.number}"


class ReviewState(enum.StrEnum):
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    REVIEW_REQUIRED = "review_required"
    COMMENTED = "commented"
    NONE = "none"


class CheckConclusion(enum.StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    NEUTRAL = "neutral"
    CANCELLED = "cancelled"
    SKIPPED = "skipped"
    TIMED_OUT = "timed_out"
    ACTION_REQUIRED = "action_required"
    STALE = "stale"
    PENDING = "pending"  # not completed yet


class CheckRun(_Model):
    name: str
    status: str  # queued | in_progress | completed | ...
    conclusion: CheckConclusion
    url: str | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None


class CheckSummary(_Model):
    """Check runs plus the legacy combined status for one git ref."""

    ref: str
    sha: str | None = None
    runs: tuple[CheckRun, ...] = ()
    combined_state: str | None = None  # success | failure | pending | error (commit statuses)
    total: int = 0
    passed: int = 0
    failed: int = 0
    pending: int = 0

    @property
    def overall(self) -> CheckConclusion:
        if self.failed:
            return CheckConclusion.FAILURE
        if self.pending:
            return CheckConclusion.PENDING
        if self.total:
            return CheckConclusion.SUCCESS
        return CheckConclusion.NEUTRAL

    @classmethod
    def from_runs(
        cls,
        ref: str,
        runs: tuple[CheckRun, ...],
        *,
        sha: str | None = None,
        combined_state: str | None = None,
        extra_statuses: tuple[str, ...] = (),
    ) -> CheckSummary:
        """Count runs (and legacy commit statuses) into passed / failed / pending."""
        bad = {
            CheckConclusion.FAILURE,
            CheckConclusion.TIMED_OUT,
            CheckConclusion.CANCELLED,
            CheckConclusion.ACTION_REQUIRED,
        }
        passed = sum(
            1
            for r in runs
            if r.conclusion
            in (CheckConclusion.SUCCESS, CheckConclusion.NEUTRAL, CheckConclusion.SKIPPED)
        )
        failed = sum(1 for r in runs if r.conclusion in bad)
        pending = sum(1 for r in runs if r.conclusion is CheckConclusion.PENDING)
        passed += sum(1 for s in extra_statuses if s == "success")
        failed += sum(1 for s in extra_statuses if s in ("failure", "error"))
        pending += sum(1 for s in extra_statuses if s == "pending")
        return cls(
            ref=ref,
            sha=sha,
            runs=runs,
            combined_state=combined_state,
            total=len(runs) + len(extra_statuses),
            passed=passed,
            failed=failed,
            pending=pending,
        )


class PullRequest(Issue):
    """A pull/merge request: an issue with branches, reviews, mergeability and checks."""

    is_pull_request: bool = True
    head_ref: str = ""
    head_sha: str | None = None
    base_ref: str = ""
    head_repo: RepoRef | None = None
    draft: bool = False
    merged: bool = False
    mergeable: bool | None = None
    mergeable_state: str | None = None
    review_state: ReviewState = ReviewState.NONE
    requested_reviewers: tuple[User, ...] = ()
    checks: CheckSummary | None = None


class Comment(_Model):
    id: int | str
    body: str
    url: str | None = None
    author: User | None = None
    created_at: datetime | None = None


class Page(_Model):
    """A page of results with an opaque cursor for the next page (``None`` when done)."""

    items: tuple[Issue, ...] = ()
    next_cursor: str | None = None
    #: The service confirmed this page is what this account already received (an HTTP cache
    #: hit or a 304 revalidation): a poll sorted by "updated" may stop paging here.
    unchanged: bool = False


class Health(enum.StrEnum):
    HEALTHY = "healthy"
    DEGRADED = "degraded"
    FAILING = "failing"
    DISABLED = "disabled"


class CheckResult(_Model):
    """What ``Connector.check()`` reports: can we reach the service with these credentials?"""

    ok: bool
    account: str | None = None
    detail: str = ""
    rate_limit_remaining: int | None = None
    rate_limit_limit: int | None = None
    scopes: tuple[str, ...] = Field(default=())
