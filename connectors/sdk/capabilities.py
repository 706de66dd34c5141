"""Capability protocols: what a connector can do, as typed methods.

The hub routes a call to a connector only when its manifest *declares* the capability and
its class *implements* the protocol (checked once, at registration, with
``isinstance(obj, Protocol)`` on these runtime-checkable protocols). Methods are async and
return shared models from :mod:`connectors.sdk.models`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, Protocol, runtime_checkable

from .models import CheckSummary, Comment, Issue, Page, PullRequest, RepoRef, User

IssueFilter = Literal["assigned", "mentioned", "created", "repo_open"]
PullFilter = Literal["mine", "review_requested", "branch"]


@runtime_checkable
class IssueTracker(Protocol):
    async def get_issue(self, repo: RepoRef, number: int) -> Issue: ...

    async def list_issues(
        self, which: IssueFilter, *, repo: RepoRef | None = None, cursor: str | None = None
    ) -> Page: ...

    async def create_issue(
        self, repo: RepoRef, title: str, body: str = "", labels: Sequence[str] = ()
    ) -> Issue: ...

    async def set_issue_state(self, repo: RepoRef, number: int, *, open: bool) -> Issue: ...

    async def add_comment(self, repo: RepoRef, number: int, body: str) -> Comment: ...

    async def search_users(self, repo: RepoRef, prefix: str) -> Sequence[User]: ...


@runtime_checkable
class CodeHost(Protocol):
    async def get_pull_request(self, repo: RepoRef, number: int) -> PullRequest: ...

    async def list_pull_requests(
        self, which: PullFilter, *, repo: RepoRef | None = None, branch: str | None = None
    ) -> Sequence[PullRequest]: ...


@runtime_checkable
class CIProvider(Protocol):
    async def get_checks(self, repo: RepoRef, ref: str) -> CheckSummary: ...


CAPABILITIES: dict[str, type] = {
    "IssueTracker": IssueTracker,
    "CodeHost": CodeHost,
    "CIProvider": CIProvider,
}
