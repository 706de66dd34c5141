"""Bitbucket Cloud connector: pull requests, issues and build statuses (REST 2.0), with
Bitbucket Pipelines in :mod:`.pipelines`.

Glue only: wire calls live in :mod:`.client`, status rules in :mod:`.mapping`, retries,
caching and rate limits in the client the hub injects. One instance serves bitbucket.org and
one account. Scopes are ``workspace/repo_slug``.

Choices where Bitbucket offers more than one way, or none:

- *Keys*: pull requests and issues are numbered apart. A pull request is ``#N`` (what
  Bitbucket's merge commits write, "pull request #12", and what people write where
  repositories have no issue tracker, as most do); an issue of the issue tracker is
  ``#issue-N``, so the two never share an id.
- *Without a repository*: Bitbucket removed its cross-workspace lists in 2026 (CHANGE-2770,
  CHANGE-3022), so questions that name no repository look in :meth:`workspaces` (the
  ``workspaces`` setting, else the workspaces this session has served and the account's
  own from ``GET /user/workspaces``).
- *Review requested*: Bitbucket has no cross-repository query for it; without a scope the
  most recently updated member repositories of those workspaces (``role=member``, at most
  :data:`MAX_REPOS`) are each asked ``reviewers.uuid="{me}" AND state="OPEN"`` (BBQL).
  *Mine* is ``/workspaces/{workspace}/pullrequests/{uuid}``, a workspace at a time.
- *Issues without a scope*: likewise walked over the member repositories that have the
  issue tracker on (``has_issues=true``). *Mentioned* is issues whose text holds the
  account's ``@{account_id}`` mention (BBQL ``~``, contains); mentions in comments are not
  searchable.
- *Labels*: Bitbucket issues have none (only kind, priority, component), so
  ``create_issue`` ignores them.
- *Checks*: build statuses of the branch's head commit (``refs/branches/{name}``), every CI
  that reports to Bitbucket, Pipelines included; one per key, the newest.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Sequence
from pathlib import Path

import httpx

from connectors.sdk import (
    CheckResult,
    CheckSummary,
    Comment,
    InvalidRequest,
    Issue,
    ItemKind,
    ItemRef,
    NotFound,
    Page,
    PullRequest,
    RepoRef,
    TielineError,
    User,
    redact,
)
from connectors.sdk.capabilities import IssueFilter, PullFilter
from connectors.sdk.errors import ServiceError, classify_status
from connectors.sdk.paging import check_link
from connectors.sdk.users import users_matching

from . import mapping
from .base import CONNECTOR, REPO, SERVICE
from .client import PAGELEN, bbql_string, repo_path, seg
from .models import BbBranchRef, BbIssue, BbPullRequest
from .pipelines import PipelinesMixin

MAX_USERS = 20
MAX_REPOS = 10
ISSUE_KEY = "#issue-"

_SHA = re.compile(r"[0-9a-fA-F]{40}")
#: Bitbucket's pull requests name their head by a 12-digit abbreviated hash.
_SHORT_SHA = re.compile(r"[0-9a-fA-F]{7,39}")
_OPEN_ISSUES = "(" + " OR ".join(f"state={bbql_string(s)}" for s in mapping.OPEN_ISSUE_STATES) + ")"


class BitbucketConnector(PipelinesMixin):
    manifest_path = Path(__file__).with_name("manifest.toml")

    @staticmethod
    def _is_issue(ref: ItemRef) -> bool:
        return ref.kind is ItemKind.ISSUE or ref.key.startswith(ISSUE_KEY)

    # -- hooks ------------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        """Who are we? ``GET /user``. The account is named by its nickname (what Bitbucket
        shows after ``@``). OAuth answers carry the token's scopes in ``X-OAuth-Scopes``;
        API tokens and access tokens do not say theirs."""
        try:
            me, headers = await self.client.current_user()
        except TielineError as exc:
            return CheckResult.failed(exc)
        except httpx.HTTPError as exc:  # never let a transport error escape check()
            return CheckResult(ok=False, detail=redact(f"{SERVICE}: {exc}"))
        self._me = me
        scopes_header = headers.get("x-oauth-scopes")
        scopes = (
            tuple(s.strip() for s in scopes_header.split(",") if s.strip())
            if scopes_header
            else None
        )
        return CheckResult(
            ok=True,
            account=me.login,
            name=me.display_name,
            detail=f"signed in to {self.host} as {me.display_name or me.login}",
            rate_limit_limit=_int(headers.get("x-ratelimit-limit")),
            scopes=scopes,
        )

    @classmethod
    def body_error(cls, response: httpx.Response) -> TielineError | None:
        """Bitbucket's error body is ``{"type": "error", "error": {"message", "detail",
        "fields"?}}``, which the stack's generic reading does not open; say the message and
        the detail, in the class the status calls for. A 429 is left to the stack, which
        reads its Retry-After."""
        status = response.status_code
        if status < 400 or status == 429:
            return None
        try:
            body = response.json()
        except ValueError:
            return None
        err = body.get("error") if isinstance(body, dict) else None
        if not isinstance(err, dict) or not err.get("message"):
            return None
        said = str(err["message"])
        if err.get("detail") and str(err["detail"]) not in said:
            said += f" ({err['detail']})"
        fields = err.get("fields")
        if isinstance(fields, dict) and fields:
            said += ": " + "; ".join(
                f"{k} {', '.join(map(str, v)) if isinstance(v, list) else v}"
                for k, v in fields.items()
            )
        rule = classify_status(status)
        if rule is None:
            return None
        req = response.request
        text = redact(
            f"{SERVICE}: {status} {response.reason_phrase} on {req.method} {req.url.path}: {said}"
        )
        if issubclass(rule.error, ServiceError):
            return rule.error(text, status=status, service=SERVICE)
        return rule.error(text)

    # -- IssueTracker ---------------------------------------------------------------------
    async def get_issue(self, ref: ItemRef) -> Issue:
        """An issue of the issue tracker (``#issue-N``), or a pull request (``#N``)."""
        scope = self._scope(ref.scope)
        if self._is_issue(ref):
            return self._issue(scope, await self.client.issue(scope, self._number(ref)))
        # The whole pull request, build statuses included: a hover shows them, and the hub
        # would otherwise ask for them by the abbreviated head hash.
        return await self.get_pull_request(ref)

    async def list_issues(
        self, which: IssueFilter, *, scope: str | None = None, cursor: str | None = None
    ) -> Page:
        """Open issues, newest activity first: assigned to the account, reported by it,
        mentioning it, or all of one repository's (paged with Bitbucket's ``next``)."""
        if which == "open" and scope is None:
            raise InvalidRequest("listing a repository's open issues needs a repository")
        if cursor is not None:
            page = await self.client.page(BbIssue, check_link(self.ctx.http, cursor))
            target = self._scope(scope) if scope else None
            items = tuple(self._issue(target or _scope_of(i, ""), i) for i in page.values)
            return Page(items=items, next_cursor=page.next, unchanged=page.from_cache)
        q = await self._issue_query(which)
        params: dict[str, str | int] = {"q": q, "sort": "-updated_on", "pagelen": PAGELEN}
        if scope is not None:
            repo = self._scope(scope)
            page = await self.client.page(BbIssue, self.client.issues_url(repo), params)
            items = tuple(self._issue(repo, i) for i in page.values)
            return Page(items=items, next_cursor=page.next, unchanged=page.from_cache)
        found: list[Issue] = []
        async for repo in self._repos("has_issues=true"):
            page = await self.client.page(BbIssue, self.client.issues_url(repo), params)
            found += [self._issue(repo, i) for i in page.values]
        found.sort(key=lambda i: i.updated_at.timestamp() if i.updated_at else 0, reverse=True)
        return Page(items=tuple(found))

    async def _issue_query(self, which: IssueFilter) -> str:
        if which == "open":
            return _OPEN_ISSUES
        me = await self.me()
        if which == "assigned":
            who = f"assignee.uuid={bbql_string(me.uuid)}"
        elif which == "created":
            who = f"reporter.uuid={bbql_string(me.uuid)}"
        else:
            who = f"content.raw ~ {bbql_string('@{' + (me.account_id or me.uuid) + '}')}"
        return f"{who} AND {_OPEN_ISSUES}"

    async def _repos(self, q: str) -> AsyncIterator[str]:
        """The account's member repositories matching BBQL ``q`` in :meth:`workspaces`, most
        recently updated first in each, at most :data:`MAX_REPOS` in all."""
        n = 0
        for workspace in await self.workspaces():
            async for repo in self.client.repositories(workspace, q):
                if n >= MAX_REPOS:
                    return
                n += 1
                yield repo.full_name

    async def create_issue(
        self, scope: str, title: str, body: str = "", labels: Sequence[str] = ()
    ) -> Issue:
        """A new issue in the repository's issue tracker (404 where it is off). Bitbucket
        issues have no labels; ``labels`` are not sent."""
        repo = self._scope(scope)
        return self._issue(repo, await self.client.create_issue(repo, title, body))

    async def add_comment(self, ref: ItemRef, body: str) -> Comment:
        """A comment on a pull request (``content.raw``, Markdown) or an issue."""
        scope = self._scope(ref.scope)
        n = self._number(ref)
        if self._is_issue(ref):
            c = await self.client.comment_issue(scope, n, body)
            page = f"{self.web_url}/{scope}/issues/{n}"
        else:
            c = await self.client.comment_pull_request(scope, n, body)
            page = f"{self.web_url}/{scope}/pull-requests/{n}"
        return Comment(
            id=c.id,
            body=c.content.raw if c.content and c.content.raw is not None else body,
            url=c.links.web or f"{page}#comment-{c.id}",
            author=mapping.user(c.user),
            created_at=c.created_on,
        )

    async def search_users(self, scope: str | None, prefix: str) -> Sequence[User]:
        """Members of the repository's workspace whose nickname or name starts with
        ``prefix``, nicknames first, for ``@`` completion."""
        if scope is None:
            return []
        workspace = self._scope(scope).split("/", 1)[0]
        members = (mapping.user(m.user) async for m in self.client.members(workspace))
        return await users_matching(members, prefix, MAX_USERS)

    # -- CodeHost -----------------------------------------------------------------------------
    async def get_pull_request(self, ref: ItemRef) -> PullRequest:
        """The pull request with its review state, approvals and build statuses."""
        scope = self._scope(ref.scope)
        pr = await self.client.pull_request(scope, self._number(ref))
        statuses = await self.client.pull_request_statuses(scope, pr.id)
        runs = tuple(mapping.status_run(s) for s in mapping.latest_statuses(statuses))
        head = pr.source.commit.hash if pr.source.commit else None
        checks = CheckSummary.from_runs(pr.source.branch.name, runs, sha=head)
        return self._pull(scope, pr, checks=checks)

    async def list_pull_requests(
        self, which: PullFilter, *, scope: str | None = None, branch: str | None = None
    ) -> Sequence[PullRequest]:
        """Open pull requests: the account's own, those it is a reviewer of, or the one from
        a branch of a repository."""
        me = await self.me() if which != "branch" else None
        if which == "branch":
            if scope is None or not branch:
                raise InvalidRequest("pull requests for a branch need a repository and a branch")
            repo = self._scope(scope)
            q = f"source.branch.name={bbql_string(branch)}"
            return await self._prs(repo, q)
        assert me is not None
        if which == "mine":
            if scope is not None:
                return await self._prs(self._scope(scope), f"author.uuid={bbql_string(me.uuid)}")
            mine: list[PullRequest] = []
            for workspace in await self.workspaces():
                url = self.client.user_pull_requests_url(workspace, me.uuid)
                prs = await self.client.pull_requests(url, {"state": "OPEN", "pagelen": PAGELEN})
                mine += [self._pull(_scope_of(pr, ""), pr) for pr in prs]
            return mine
        q = f"reviewers.uuid={bbql_string(me.uuid)}"
        if scope is not None:
            return await self._prs(self._scope(scope), q)
        out: list[PullRequest] = []
        async for repo in self._repos('scm="git"'):
            out += await self._prs(repo, q)
        return out

    async def _prs(self, repo: str, q: str) -> list[PullRequest]:
        params: dict[str, str | int] = {
            "state": "OPEN",
            "q": f'{q} AND state="OPEN"',
            "pagelen": PAGELEN,
        }
        prs = await self.client.pull_requests(self.client.pull_requests_url(repo), params)
        return [self._pull(repo, pr) for pr in prs]

    async def approve(self, ref: ItemRef) -> bool:
        """Approve a pull request as the signed-in account (not a capability of the sdk:
        offered to the hub as a command). ``True`` when Bitbucket recorded the approval."""
        scope = self._scope(ref.scope)
        participant = await self.client.approve(scope, self._number(ref))
        return participant.approved

    # -- CIProvider ---------------------------------------------------------------------------
    async def get_checks(self, scope: str, ref: str) -> CheckSummary:
        """Build statuses of a commit (40 hex digits, or the abbreviated hash a pull request
        names, which Bitbucket resolves) or of a branch's head commit."""
        repo = self._scope(scope)
        sha = ref if _SHA.fullmatch(ref) else None
        if sha is None and _SHORT_SHA.fullmatch(ref):
            try:
                statuses = await self.client.commit_statuses(repo, ref)
            except NotFound:
                pass  # not a commit: a branch whose name looks like one
            else:
                runs = tuple(mapping.status_run(s) for s in mapping.latest_statuses(statuses))
                return CheckSummary.from_runs(ref, runs, sha=ref)
        if sha is None:
            try:
                branch = await self.client._get(
                    BbBranchRef, f"{repo_path(repo)}/refs/branches/{seg(ref)}"
                )
            except NotFound:
                return CheckSummary(ref=ref)
            sha = branch.target.hash if branch.target else None
            if sha is None:
                return CheckSummary(ref=ref)
        statuses = await self.client.commit_statuses(repo, sha)
        runs = tuple(mapping.status_run(s) for s in mapping.latest_statuses(statuses))
        return CheckSummary.from_runs(ref, runs, sha=sha)

    # -- mapping ------------------------------------------------------------------------------
    def _ref(self, scope: str, number: int, *, issue: bool) -> ItemRef:
        return ItemRef(
            connector=CONNECTOR,
            host=self.host,
            scope=scope,
            key=f"{ISSUE_KEY}{number}" if issue else f"#{number}",
            number=number,
            kind=ItemKind.ISSUE if issue else ItemKind.PULL_REQUEST,
        )

    def _repo(self, scope: str) -> RepoRef | None:
        try:
            return RepoRef.from_path(self.host, scope)
        except ValueError:
            return None

    def _issue(self, scope: str, i: BbIssue) -> Issue:
        scope = _scope_of(i, scope)
        return Issue(
            ref=self._ref(scope, i.id, issue=True),
            repo=self._repo(scope),
            title=i.title,
            state=mapping.issue_state(i.state),
            url=i.links.web or f"{self.web_url}/{scope}/issues/{i.id}",
            author=mapping.user(i.reporter),
            assignees=mapping.users([i.assignee] if i.assignee else []),
            body=i.content.raw if i.content else None,
            created_at=i.created_on,
            updated_at=i.updated_on or i.created_on,
            priority=i.priority,
            type=i.kind,
        )

    def _pull(
        self, scope: str, pr: BbPullRequest, *, checks: CheckSummary | None = None
    ) -> PullRequest:
        scope = _scope_of(pr, scope)
        repo = self._repo(scope)
        head_repo_name = pr.source.repository.full_name if pr.source.repository else scope
        approvals = sum(1 for p in pr.participants if p.approved)
        return PullRequest(
            ref=self._ref(scope, pr.id, issue=False),
            repo=repo,
            title=pr.title,
            state=mapping.pr_state(pr),
            url=pr.links.web or f"{self.web_url}/{scope}/pull-requests/{pr.id}",
            author=mapping.user(pr.author),
            body=pr.description
            if pr.description is not None
            else (pr.summary.raw if pr.summary else None),
            comments=pr.comment_count,
            created_at=pr.created_on,
            updated_at=pr.updated_on,
            head_ref=pr.source.branch.name,
            head_sha=pr.source.commit.hash if pr.source.commit else None,
            base_ref=pr.destination.branch.name,
            head_repo=self._repo(head_repo_name or scope),
            draft=pr.draft,
            merged=pr.state == "MERGED",
            review_state=mapping.review_state(pr.participants, pr.reviewers),
            requested_reviewers=mapping.users(pr.reviewers),
            checks=checks,
            approvals=approvals,
        )


def _scope_of(item: BbPullRequest | BbIssue, fallback: str) -> str:
    """The repository an item belongs to, from its own answer (destination repository of a
    pull request, ``repository`` of an issue), else ``fallback``."""
    repo = item.destination.repository if isinstance(item, BbPullRequest) else item.repository
    name = repo.full_name if repo else None
    return name if name and REPO.fullmatch(name) else fallback


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


__all__ = ["BitbucketConnector"]
