"""GitHub connector: maps GitHub's REST API into Tieline's shared models.

Glue only: the wire calls live in :mod:`.client`, retries/caching/rate limits in the client the
hub injects. Issue lists exclude pull requests (GitHub's issue endpoints return both); pull
request lists come from search or the pulls endpoint. Cursors are GitHub's own ``next`` links,
checked to point at the configured API host before being followed. Items are named
``#N`` in their repository; issues and pull requests share that number space. GitHub Actions
(``Pipelines``, ``PipelineControl``) lives in :mod:`.actions`; the methods here delegate.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from urllib.parse import urlsplit

from connectors.sdk import (
    CheckConclusion,
    CheckResult,
    CheckRun,
    CheckSummary,
    Comment,
    Connector,
    InvalidRequest,
    Issue,
    ItemKind,
    ItemRef,
    ItemState,
    Label,
    Page,
    PullRequest,
    RepoRef,
    ReviewState,
    TielineError,
    User,
)
from connectors.sdk.capabilities import IssueFilter, PullFilter
from connectors.sdk.ci import CIAction, LogChunk, Pipeline, Trigger
from connectors.sdk.connector import OAuthApp
from connectors.sdk.paging import check_link

from .actions import Actions
from .client import PER_PAGE, GitHubClient
from .gists import Gists
from .models import GhCheckRun, GhIssue, GhLabel, GhPull, GhRepo, GhReview, GhUser

MAX_USERS = 20


class GitHubConnector(Gists, Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    @property
    def client(self) -> GitHubClient:
        return GitHubClient(self.ctx.http)

    @property
    def host(self) -> str:
        return self.ctx.host or (
            urlsplit(self.ctx.web_url or "https://github.com").hostname or "github.com"
        )

    def _repo(self, scope: str) -> RepoRef:
        try:
            repo = RepoRef.from_path(self.host, scope)
        except ValueError:
            raise InvalidRequest(f"{scope!r} is not an owner/repository path") from None
        if "/" in repo.owner:
            raise InvalidRequest(f"{scope!r}: GitHub repositories are owner/name")
        return repo

    @staticmethod
    def _number(ref: ItemRef) -> int:
        if ref.number is None:
            raise InvalidRequest(f"{ref.label} has no number")
        return ref.number

    # -- health -----------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        """Who are we, and how much budget is left? One ``GET /user``: GitHub reports the core
        budget and the token's scopes in the headers of every answer."""
        try:
            r = await self.ctx.http.get("/user", headers={"accept": "application/vnd.github+json"})
            user = GhUser.model_validate(r.json())
        except TielineError as exc:
            return CheckResult.failed(exc)
        header = r.headers.get("x-oauth-scopes")
        scopes = (
            tuple(s.strip() for s in header.split(",") if s.strip()) if header is not None else None
        )
        return CheckResult(
            ok=True,
            account=user.login,
            name=user.name,
            detail=f"signed in to {self.host} as {user.login}",
            rate_limit_remaining=_int(r.headers.get("x-ratelimit-remaining")),
            rate_limit_limit=_int(r.headers.get("x-ratelimit-limit")),
            scopes=scopes,
        )

    async def revoke(self, token: str, app: OAuthApp | None) -> bool:
        """End an OAuth token Tieline obtained. With the app's client secret, GitHub's OAuth
        app endpoint; a public app (device flow, no secret) has only the credential
        revocation API, which needs no authentication and notifies the token's owner."""
        if app is not None and app.client_secret:
            return await self.client.delete_app_token(app.client_id, app.client_secret, token)
        return await self.client.revoke_credentials([token])

    # -- IssueTracker ---------------------------------------------------------------------
    async def get_issue(self, ref: ItemRef) -> Issue:
        repo = self._repo(ref.scope)
        return self._issue(await self.client.get_issue(repo.owner, repo.name, self._number(ref)))

    async def list_issues(
        self, which: IssueFilter, *, scope: str | None = None, cursor: str | None = None
    ) -> Page:
        if cursor is not None:
            check_link(self.ctx.http, cursor)
            url, params = cursor, None
        elif which == "open":
            if scope is None:
                raise InvalidRequest("listing a repository's open issues needs a repository")
            repo = self._repo(scope)
            url = self.client.repo_issues_url(repo.owner, repo.name)
            params = {"state": "open", "sort": "updated", "direction": "desc"}
        else:
            url = self.client.my_issues_url()
            params = {"filter": which, "state": "open", "sort": "updated", "direction": "desc"}
        page = await self.client.page(
            GhIssue, url, None if params is None else {**params, "per_page": PER_PAGE}
        )
        items = tuple(self._issue(i) for i in page.items if i.pull_request is None)
        return Page(items=items, next_cursor=page.next_url, unchanged=page.from_cache)

    async def create_issue(
        self, scope: str, title: str, body: str = "", labels: Sequence[str] = ()
    ) -> Issue:
        repo = self._repo(scope)
        gh = await self.client.create_issue(repo.owner, repo.name, title, body, list(labels))
        return self._issue(gh)

    async def set_issue_state(self, ref: ItemRef, *, open: bool) -> Issue:
        """Close or reopen an issue (GitHub has no workflow beyond open and closed)."""
        repo = self._repo(ref.scope)
        state = "open" if open else "closed"
        return self._issue(
            await self.client.update_issue(repo.owner, repo.name, self._number(ref), state=state)
        )

    async def add_comment(self, ref: ItemRef, body: str) -> Comment:
        repo = self._repo(ref.scope)
        c = await self.client.create_comment(repo.owner, repo.name, self._number(ref), body)
        return Comment(
            id=c.id,
            body=c.body or "",
            url=c.html_url,
            author=self._user(c.user),
            created_at=c.created_at,
        )

    async def search_users(self, scope: str | None, prefix: str) -> Sequence[User]:
        """Assignable users whose login starts with ``prefix`` (for ``@`` completion)."""
        if scope is None:
            return []
        repo = self._repo(scope)
        p = prefix.lower().lstrip("@")
        out: list[User] = []
        async for u in self.client.list_assignees(repo.owner, repo.name):
            if u.login.lower().startswith(p):
                out.append(self._user(u))  # type: ignore[arg-type]
                if len(out) >= MAX_USERS:
                    break
        return out

    # -- CodeHost -----------------------------------------------------------------------------
    async def get_pull_request(self, ref: ItemRef) -> PullRequest:
        """The pull request with its review state, mergeability and checks."""
        repo = self._repo(ref.scope)
        number = self._number(ref)
        gh = await self.client.get_pull(repo.owner, repo.name, number)
        reviews = await self.client.list_reviews(repo.owner, repo.name, number)
        checks = await self.get_checks(ref.scope, gh.head.sha)
        return self._pull(repo, gh, reviews=reviews, checks=checks)

    async def list_pull_requests(
        self, which: PullFilter, *, scope: str | None = None, branch: str | None = None
    ) -> Sequence[PullRequest]:
        if which == "branch":
            if scope is None or not branch:
                raise InvalidRequest("pull requests for a branch need a repository and a branch")
            repo = self._repo(scope)
            pulls = await self.client.list_pulls(
                repo.owner, repo.name, head=f"{repo.owner}:{branch}", state="open"
            )
            return [self._pull(repo, p) for p in pulls]
        q = "is:pr is:open " + ("author:@me" if which == "mine" else "review-requested:@me")
        if scope is not None:
            q += f" repo:{self._repo(scope).full_name}"
        result = await self.client.search_issues(q)
        out: list[PullRequest] = []
        for i in result.items:
            issue = self._issue(i)
            out.append(PullRequest(**{**dict(issue), "is_pull_request": True}))
        return out

    # -- CIProvider ---------------------------------------------------------------------------
    async def get_checks(self, scope: str, ref: str) -> CheckSummary:
        """Check runs plus the legacy combined commit status, counted together."""
        repo = self._repo(scope)
        runs = await self.client.check_runs(repo.owner, repo.name, ref)
        status = await self.client.combined_status(repo.owner, repo.name, ref)
        return CheckSummary.from_runs(
            ref,
            tuple(self._run(r) for r in runs),
            sha=status.sha,
            combined_state=status.state if status.statuses else None,
            extra_statuses=tuple(s.state for s in status.statuses),
        )

    # -- Pipelines, PipelineControl (GitHub Actions; see .actions) ----------------------------
    @cached_property
    def actions(self) -> Actions:
        return Actions(self)

    async def list_pipelines(
        self, scope: str, *, branch: str | None = None, limit: int = 5
    ) -> Sequence[Pipeline]:
        """Workflow runs, newest first, without their jobs."""
        return await self.actions.list_pipelines(scope, branch=branch, limit=limit)

    async def get_pipeline(self, ref: ItemRef) -> Pipeline:
        """The run's latest attempt with its jobs and their steps."""
        return await self.actions.get_pipeline(ref)

    async def get_attempt(self, ref: ItemRef, attempt: int) -> Pipeline:
        """An earlier attempt of a run (``/attempts/{n}``) with that attempt's jobs."""
        return await self.actions.get_attempt(ref, attempt)

    async def job_log(self, ref: ItemRef, *, offset: int = 0) -> LogChunk:
        return await self.actions.job_log(ref, offset=offset)

    async def act(self, ref: ItemRef, action: CIAction) -> Pipeline | None:
        return await self.actions.act(ref, action)

    async def triggers(self, scope: str) -> Sequence[Trigger]:
        return await self.actions.triggers(scope)

    async def trigger(
        self, scope: str, trigger_id: str, branch: str, inputs: Mapping[str, str]
    ) -> Pipeline | None:
        return await self.actions.trigger(scope, trigger_id, branch, inputs)

    # -- mapping ------------------------------------------------------------------------------
    def _repo_from_url(self, url: str, repo: GhRepo | None = None) -> RepoRef:
        if repo is not None:
            return RepoRef(host=self.host, owner=repo.owner.login, name=repo.name)
        parts = urlsplit(url).path.rstrip("/").split("/")
        i = parts.index("repos")
        return RepoRef(host=self.host, owner=parts[i + 1], name=parts[i + 2])

    @staticmethod
    def _user(u: GhUser | None) -> User | None:
        if u is None:
            return None
        return User(
            login=u.login,
            name=u.name,
            url=u.html_url,
            avatar_url=u.avatar_url,
            email=u.email or None,
        )

    @staticmethod
    def _labels(labels: Sequence[GhLabel]) -> tuple[Label, ...]:
        return tuple(Label(name=lb.name, color=lb.color) for lb in labels)

    def _users(self, users: Sequence[GhUser] | None) -> tuple[User, ...]:
        return tuple(u for u in (self._user(x) for x in users or ()) if u is not None)

    def _ref(self, repo: RepoRef, number: int, *, pull: bool) -> ItemRef:
        kind = ItemKind.PULL_REQUEST if pull else ItemKind.ISSUE
        return ItemRef.numbered("github", repo, number, kind=kind)

    def _issue(self, i: GhIssue) -> Issue:
        repo = self._repo_from_url(i.repository_url, i.repository)
        return Issue(
            ref=self._ref(repo, i.number, pull=i.pull_request is not None),
            repo=repo,
            title=i.title,
            state=ItemState.OPEN if i.state == "open" else ItemState.CLOSED,
            url=i.html_url,
            author=self._user(i.user),
            labels=self._labels(i.labels),
            assignees=self._users(i.assignees),
            body=i.body,
            comments=i.comments,
            created_at=i.created_at,
            updated_at=i.updated_at,
            closed_at=i.closed_at,
            is_pull_request=i.pull_request is not None,
        )

    def _pull(
        self,
        repo: RepoRef,
        p: GhPull,
        *,
        reviews: Sequence[GhReview] = (),
        checks: CheckSummary | None = None,
    ) -> PullRequest:
        merged = bool(p.merged or p.merged_at)
        state = (
            ItemState.MERGED
            if merged
            else ItemState.CLOSED
            if p.state == "closed"
            else ItemState.DRAFT
            if p.draft
            else ItemState.OPEN
        )
        head_repo = (
            RepoRef(host=self.host, owner=p.head.repo.owner.login, name=p.head.repo.name)
            if p.head.repo
            else None
        )
        return PullRequest(
            ref=self._ref(repo, p.number, pull=True),
            repo=repo,
            title=p.title,
            state=state,
            url=p.html_url,
            author=self._user(p.user),
            labels=self._labels(p.labels),
            assignees=self._users(p.assignees),
            body=p.body,
            comments=p.comments or 0,
            created_at=p.created_at,
            updated_at=p.updated_at,
            closed_at=p.closed_at,
            head_ref=p.head.ref,
            head_sha=p.head.sha,
            base_ref=p.base.ref,
            head_repo=head_repo,
            draft=bool(p.draft),
            merged=merged,
            mergeable=p.mergeable,
            mergeable_state=p.mergeable_state,
            review_state=review_state(reviews, bool(p.requested_reviewers)),
            requested_reviewers=self._users(p.requested_reviewers),
            checks=checks,
        )

    @staticmethod
    def _run(r: GhCheckRun) -> CheckRun:
        if r.status != "completed" or r.conclusion is None:
            conclusion = CheckConclusion.PENDING
        else:
            try:
                conclusion = CheckConclusion(r.conclusion)
            except ValueError:
                conclusion = CheckConclusion.NEUTRAL
        return CheckRun(
            name=r.name,
            status=r.status,
            conclusion=conclusion,
            url=r.html_url,
            started_at=r.started_at,
            completed_at=r.completed_at,
        )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def review_state(reviews: Sequence[GhReview], has_requested: bool) -> ReviewState:
    """GitHub's rule: each reviewer's latest *decisive* review counts; one "changes requested"
    outweighs approvals; outstanding requests mean a review is still required."""
    latest: dict[str, str] = {}
    commented = False
    for rv in sorted(reviews, key=lambda r: (r.submitted_at is None, r.submitted_at, r.id)):
        who = rv.user.login if rv.user else str(rv.id)
        if rv.state in ("APPROVED", "CHANGES_REQUESTED", "DISMISSED"):
            latest[who] = rv.state
        elif rv.state == "COMMENTED":
            commented = True
    states = set(latest.values())
    if "CHANGES_REQUESTED" in states:
        return ReviewState.CHANGES_REQUESTED
    if has_requested:
        return ReviewState.REVIEW_REQUIRED
    if "APPROVED" in states:
        return ReviewState.APPROVED
    if commented:
        return ReviewState.COMMENTED
    return ReviewState.NONE
