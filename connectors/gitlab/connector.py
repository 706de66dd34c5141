"""GitLab connector: maps GitLab's REST v4 API into Tieline's shared models.

Glue only: the wire calls live in :mod:`.client`, the status rules in :mod:`.mapping`,
GitLab CI (pipelines, jobs, traces, retry/cancel/play, Run pipeline) in :mod:`.ci`,
retries/caching/rate limits in the client the hub injects. One instance serves one GitLab
host (gitlab.com or a self-managed instance) and one account.

Items are named in their project's full path (``group/sub/project``, any depth): issues
``#N`` and merge requests ``!N`` -- GitLab numbers them apart, unlike GitHub. Cursors are
GitLab's own ``next`` links, checked to point at this account's API before being followed.

Choices where GitLab offers more than one way:

- *Mentioned*: the to-do list (``GET /todos?type=Issue``), keeping the ``mentioned`` and
  ``directly_addressed`` items. It is GitLab's documented record of mentions ("a to-do item is
  created when you are mentioned"); a text search for ``@login`` would also match e-mail
  addresses and longer names, and misses mentions in comments. Pending to-dos only: one the
  user marked done has been dealt with.
- *Comments*: the Notes API (``POST .../notes``), not discussions: on a merge request a new
  discussion is a resolvable thread, which can hold up merging where threads must be resolved.
- *Review requested*: ``reviewer_username`` (GitLab 13.8+) rather than the newer
  ``scope=reviews_for_me``, so older self-managed instances answer too.
- *Approvals* are read with the project's numeric id taken from the merge request (the
  OpenAPI description types that endpoint's ``:id`` as an integer).
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from connectors.sdk import (
    CheckResult,
    CheckRun,
    CheckSummary,
    Comment,
    Connector,
    ConnectorContext,
    InvalidRequest,
    Issue,
    ItemKind,
    ItemRef,
    Page,
    PullRequest,
    RepoRef,
    TielineError,
    User,
    redact,
)
from connectors.sdk.capabilities import IssueFilter, PullFilter
from connectors.sdk.ci import CIAction, LogChunk, Pipeline, Trigger
from connectors.sdk.paging import check_link
from connectors.sdk.users import users_matching

from . import mapping
from .ci import GitLabCI
from .client import PER_PAGE, GitLabClient, Noteable
from .models import GlApprovals, GlIssue, GlMergeRequest, GlPipelineRef, GlTodo
from .snippets import GitLabSnippets

CONNECTOR = "gitlab"
SERVICE = "GitLab"
MAX_USERS = 20
MENTION_ACTIONS = frozenset({"mentioned", "directly_addressed"})

_SEGMENT = r"[A-Za-z0-9_][A-Za-z0-9_.-]*"
_PATH = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT})+")
_SHA = re.compile(r"[0-9a-fA-F]{40}")
_WEB_ITEM = re.compile(r"^/(?P<path>.+?)(?:/-)?/(?:issues|work_items|merge_requests)/\d+(?:/|$)")


class GitLabConnector(GitLabSnippets, Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = GitLabClient(ctx.http)
        self._login: str | None = None
        self.ci = GitLabCI(
            self.client, connector=CONNECTOR, host=lambda: self.host, project=self._project
        )

    # -- where we are ---------------------------------------------------------------------
    @property
    def host(self) -> str:
        """The instance's host: ``gitlab.com`` or a self-managed one."""
        if self.ctx.host:
            return self.ctx.host
        return urlsplit(self.web_url).hostname or self.manifest().default_host

    @property
    def web_url(self) -> str:
        """The instance's web root; derived from the API URL (``.../api/v4``) when unset."""
        if self.ctx.web_url:
            return self.ctx.web_url.rstrip("/")
        api = self.ctx.api_url.rstrip("/")
        suffix = self.manifest().attach.api_path
        return api[: -len(suffix)] if suffix and api.endswith(suffix) else api

    def _project(self, scope: str | None) -> str:
        """A scope as a project: a full path of two or more segments, or a numeric id."""
        if scope is None:
            raise InvalidRequest("this needs a GitLab project (group/project)")
        path = scope.strip().strip("/")
        if path.isdigit() or _PATH.fullmatch(path):
            return path
        raise InvalidRequest(f"{scope!r} is not a GitLab project path (group/sub/project)")

    @staticmethod
    def _number(ref: ItemRef) -> int:
        if ref.number is None:
            raise InvalidRequest(f"{ref.label} has no number")
        return ref.number

    @staticmethod
    def _is_mr(ref: ItemRef) -> bool:
        return ref.kind is ItemKind.PULL_REQUEST or ref.key.startswith("!")

    async def _me(self) -> str:
        """The account's username (asked once: review requests filter by it)."""
        if self._login is None:
            user, _ = await self.client.current_user()
            self._login = user.username
        return self._login

    # -- hooks ------------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        """Who are we? ``GET /user``, whose answer also carries the rate-limit budget; for
        access tokens (personal, project, group) also their scopes, which GitLab tells
        through ``/personal_access_tokens/self`` (15.5+). OAuth tokens' scopes are the ones
        the sign-in asked for; GitLab's API does not report them."""
        try:
            user, headers = await self.client.current_user()
        except TielineError as exc:
            return CheckResult.failed(exc)
        self._login = user.username
        scopes: tuple[str, ...] | None = None
        if self.ctx.method in ("token", "env"):
            try:
                scopes = (await self.client.token_self()).scopes
            except TielineError:
                scopes = None  # a CI job token, or an instance older than 15.5
        return CheckResult(
            ok=True,
            account=user.username,
            name=user.name,
            detail=f"signed in to {self.host} as {user.username}",
            rate_limit_remaining=_int(headers.get("ratelimit-remaining")),
            rate_limit_limit=_int(headers.get("ratelimit-limit")),
            scopes=scopes,
        )

    @classmethod
    def body_error(cls, response: httpx.Response) -> TielineError | None:
        """GitLab's validation errors put an object in ``message``
        (``{"message": {"title": ["can't be blank"]}}``), which the stack's generic reading
        would print as a Python dict; say it as ``title can't be blank``. Other answers are
        left to the stack."""
        status = response.status_code
        if status not in (400, 409, 422):
            return None
        try:
            body = response.json()
        except ValueError:
            return None
        message = body.get("message") if isinstance(body, dict) else None
        if not isinstance(message, dict | list):
            return None
        req = response.request
        text = (
            f"{SERVICE}: {status} {response.reason_phrase} on {req.method} {req.url.path}: "
            f"{_flatten(message)}"
        )
        return InvalidRequest(redact(text), status=status, service=SERVICE)

    # -- IssueTracker ---------------------------------------------------------------------
    async def get_issue(self, ref: ItemRef) -> Issue:
        """An issue (``#N``), or a merge request (``!N``) as GitLab keeps those apart."""
        project = self._project(ref.scope)
        if self._is_mr(ref):
            mr = await self.client.get_merge_request(project, self._number(ref))
            return self._pull(mr)
        return self._issue(await self.client.get_issue(project, self._number(ref)))

    async def list_issues(
        self, which: IssueFilter, *, scope: str | None = None, cursor: str | None = None
    ) -> Page:
        """Open issues: assigned to or created by the account (``scope=assigned_to_me`` /
        ``created_by_me``), mentioning it (the to-do list), or all of one project's
        (keyset-paginated where the instance can), newest activity first."""
        project = self._project(scope) if scope is not None else None
        if which == "mentioned":
            return await self._mentions(project, cursor)
        params: dict[str, str | int] | None = None
        if cursor is not None:
            url = check_link(self.ctx.http, cursor)
        else:
            url = self.client.issues_url(project)
            params = {
                "state": "opened",
                "order_by": "updated_at",
                "sort": "desc",
                "with_labels_details": "true",
                "per_page": PER_PAGE,
            }
            if which == "open":
                if project is None:
                    raise InvalidRequest("listing a project's open issues needs a project")
                params["pagination"] = "keyset"
            else:
                params["scope"] = "assigned_to_me" if which == "assigned" else "created_by_me"
        page = await self.client.page(GlIssue, url, params)
        items = tuple(self._issue(i) for i in page.items)
        return Page(items=items, next_cursor=page.next_url, unchanged=page.from_cache)

    async def _mentions(self, project: str | None, cursor: str | None) -> Page:
        if cursor is not None:
            page = await self.client.todos_page(check_link(self.ctx.http, cursor))
        else:
            params: dict[str, str | int] = {
                "type": "Issue",
                "state": "pending",
                "per_page": PER_PAGE,
            }
            page = await self.client.todos_page(self.client.todos_url(), params)
        seen: set[int] = set()
        items: list[Issue] = []
        for todo in page.items:
            issue = self._todo_issue(todo)
            if issue is None or issue.id in seen:
                continue
            if project is not None and self._scope_of_issue(issue) != project:
                continue
            seen.add(issue.id)
            items.append(self._issue(issue))
        return Page(items=tuple(items), next_cursor=page.next_url, unchanged=page.from_cache)

    @staticmethod
    def _todo_issue(todo: GlTodo) -> GlIssue | None:
        if todo.action_name not in MENTION_ACTIONS or todo.target_type != "Issue":
            return None
        if not todo.target:
            return None
        return GlIssue.model_validate(todo.target)

    async def create_issue(
        self, scope: str, title: str, body: str = "", labels: Sequence[str] = ()
    ) -> Issue:
        gl = await self.client.create_issue(self._project(scope), title, body, labels)
        return self._issue(gl)

    async def add_comment(self, ref: ItemRef, body: str) -> Comment:
        """A comment on an issue or a merge request. Notes have no web URL of their own:
        the item's page with ``#note_ID`` is where GitLab shows one."""
        project = self._project(ref.scope)
        noteable: Noteable = "merge_requests" if self._is_mr(ref) else "issues"
        note = await self.client.create_note(project, noteable, self._number(ref), body)
        kind = "pull_request" if noteable == "merge_requests" else "issue"
        return Comment(
            id=note.id,
            body=note.body,
            url=f"{self._web_url_for(kind, project, self._number(ref))}#note_{note.id}",
            author=mapping.user(note.author),
            created_at=note.created_at,
        )

    async def search_users(self, scope: str | None, prefix: str) -> Sequence[User]:
        """Project members (inherited ones too) whose username or name starts with
        ``prefix``, for ``@`` completion: usernames first, then names."""
        if scope is None:
            return []
        p = prefix.lstrip("@").lower()
        return await users_matching(self._active_members(scope, p), p, MAX_USERS)

    async def _active_members(self, scope: str, query: str) -> AsyncIterator[User]:
        """Active project members, each once (inherited ones are listed again per group)."""
        seen: set[int] = set()
        async for m in self.client.members(self._project(scope), query):
            if m.id in seen or (m.state is not None and m.state != "active"):
                continue
            seen.add(m.id)
            yield mapping.person(m)

    # -- CodeHost -----------------------------------------------------------------------------
    async def get_pull_request(self, ref: ItemRef) -> PullRequest:
        """The merge request with its approvals, review state, mergeability and the jobs
        of its head pipeline."""
        project = self._project(ref.scope)
        mr = await self.client.get_merge_request(project, self._number(ref))
        approvals = await self.client.approvals(mr.project_id, mr.iid)
        checks = None
        if mr.head_pipeline is not None:
            checks = await self._summary(project, mr.head_pipeline, mr.source_branch)
        return self._pull(mr, approvals=approvals, checks=checks)

    async def list_pull_requests(
        self, which: PullFilter, *, scope: str | None = None, branch: str | None = None
    ) -> Sequence[PullRequest]:
        """Open merge requests: the account's own, those it is asked to review, or the one
        from a branch of a project."""
        project = self._project(scope) if scope is not None else None
        params: dict[str, str | int] = {"state": "opened"}
        if which == "branch":
            if project is None or not branch:
                raise InvalidRequest("merge requests for a branch need a project and a branch")
            params["source_branch"] = branch
        elif which == "mine":
            params["scope"] = "created_by_me"
        else:
            params.update(scope="all", reviewer_username=await self._me())
        mrs = await self.client.list_merge_requests(project, **params)
        return [self._pull(mr) for mr in mrs]

    # -- CIProvider ---------------------------------------------------------------------------
    async def get_checks(self, scope: str, ref: str) -> CheckSummary:
        """The newest pipeline of a branch, tag or (40 hex digits) commit, as its jobs
        grouped by stage, with the pipeline's page as the summary's URL."""
        project = self._project(scope)
        if _SHA.fullmatch(ref):
            pipeline = await self.client.latest_pipeline(project, sha=ref)
        else:
            pipeline = await self.client.latest_pipeline(project, ref=ref)
        if pipeline is None:
            return CheckSummary(ref=ref)
        return await self._summary(project, pipeline, ref)

    async def _summary(self, project: str, pipeline: GlPipelineRef, ref: str) -> CheckSummary:
        jobs = await self.client.pipeline_jobs(project, pipeline.id)
        bridges = await self.client.pipeline_bridges(project, pipeline.id)
        runs = tuple(mapping.job_run(j) for j in [*jobs, *bridges])
        if not runs:
            # A pipeline without jobs (a YAML error, say) still has a status worth showing.
            runs = (
                CheckRun(
                    name=f"pipeline #{pipeline.id}",
                    status=mapping.run_status(pipeline.status),
                    conclusion=mapping.pipeline_conclusion(pipeline.status),
                    url=pipeline.web_url,
                ),
            )
        return CheckSummary.from_runs(ref, runs, sha=pipeline.sha, url=pipeline.web_url)

    # -- Pipelines and PipelineControl (GitLab CI: see .ci) ---------------------------------
    async def list_pipelines(
        self, scope: str, *, branch: str | None = None, limit: int = 5
    ) -> Sequence[Pipeline]:
        return await self.ci.list_pipelines(scope, branch=branch, limit=limit)

    async def get_pipeline(self, ref: ItemRef) -> Pipeline:
        return await self.ci.get_pipeline(ref)

    async def job_log(self, ref: ItemRef, *, offset: int = 0) -> LogChunk:
        return await self.ci.job_log(ref, offset=offset)

    async def act(self, ref: ItemRef, action: CIAction) -> Pipeline | None:
        return await self.ci.act(ref, action)

    async def triggers(self, scope: str) -> Sequence[Trigger]:
        return await self.ci.triggers(scope)

    async def trigger(
        self, scope: str, trigger_id: str, branch: str, inputs: Mapping[str, str]
    ) -> Pipeline | None:
        return await self.ci.trigger(scope, trigger_id, branch, inputs)

    # -- mapping ------------------------------------------------------------------------------
    def _scope_from(self, references: str | None, web_url: str, project_id: int) -> str:
        """The project path of an item: from ``references.full`` (``group/sub/project#7``),
        else from its web URL (older instances), else the numeric project id."""
        if references:
            path = re.split(r"[#!]", references, maxsplit=1)[0]
            if _PATH.fullmatch(path):
                return path
        path = urlsplit(web_url).path
        root = urlsplit(self.web_url).path.rstrip("/")
        if root and path.startswith(root + "/"):
            path = path[len(root) :]
        m = _WEB_ITEM.match(path)
        if m and _PATH.fullmatch(m["path"]):
            return m["path"]
        return str(project_id)

    def _scope_of_issue(self, i: GlIssue) -> str:
        return self._scope_from(
            i.references.full if i.references else None, i.web_url, i.project_id
        )

    def _repo(self, scope: str) -> RepoRef | None:
        try:
            return RepoRef.from_path(self.host, scope)
        except ValueError:
            return None  # a numeric id: no path to name the repository by

    def _ref(self, scope: str, number: int, *, mr: bool) -> ItemRef:
        return ItemRef(
            connector=CONNECTOR,
            host=self.host,
            scope=scope,
            key=f"{'!' if mr else '#'}{number}",
            number=number,
            kind=ItemKind.PULL_REQUEST if mr else ItemKind.ISSUE,
        )

    def _web_url_for(self, kind: str, scope: str, number: int) -> str:
        template = self.manifest().web_urls.for_kind(kind) or "{web}/{scope}/-/issues/{number}"
        return template.format(web=self.web_url, scope=scope, number=number, key="", sha="")

    def _issue(self, i: GlIssue) -> Issue:
        scope = self._scope_of_issue(i)
        return Issue(
            ref=self._ref(scope, i.iid, mr=False),
            repo=self._repo(scope),
            title=i.title,
            state=mapping.issue_state(i.state),
            url=i.web_url,
            author=mapping.user(i.author),
            labels=mapping.labels(i.labels),
            assignees=mapping.users(i.assignees),
            body=i.description,
            comments=i.user_notes_count,
            created_at=i.created_at,
            updated_at=i.updated_at,
            closed_at=i.closed_at,
            type=i.issue_type,
        )

    def _pull(
        self,
        mr: GlMergeRequest,
        *,
        approvals: GlApprovals | None = None,
        checks: CheckSummary | None = None,
    ) -> PullRequest:
        scope = self._scope_from(
            mr.references.full if mr.references else None, mr.web_url, mr.project_id
        )
        repo = self._repo(scope)
        same_project = mr.source_project_id in (None, mr.target_project_id)
        fields: dict[str, Any] = {}
        if approvals is not None:
            fields = {
                "approvals": len(approvals.approved_by),
                "approvals_required": approvals.approvals_required,
            }
        return PullRequest(
            ref=self._ref(scope, mr.iid, mr=True),
            repo=repo,
            title=mr.title,
            state=mapping.mr_state(mr),
            url=mr.web_url,
            author=mapping.user(mr.author),
            labels=mapping.labels(mr.labels),
            assignees=mapping.users(mr.assignees),
            body=mr.description,
            comments=mr.user_notes_count,
            created_at=mr.created_at,
            updated_at=mr.updated_at,
            closed_at=mr.closed_at or mr.merged_at,
            head_ref=mr.source_branch,
            head_sha=mr.sha,
            base_ref=mr.target_branch,
            head_repo=repo if same_project else None,
            draft=mr.is_draft,
            merged=mr.state == "merged",
            mergeable=mapping.mergeable(mr),
            mergeable_state=mr.detailed_merge_status or mr.merge_status,
            review_state=mapping.review_state(mr, approvals),
            requested_reviewers=mapping.users(mr.reviewers),
            checks=checks,
            **fields,
        )


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _flatten(message: dict[str, Any] | list[Any]) -> str:
    """``{"title": ["can't be blank"], "base": ["x"]}`` -> ``title can't be blank; x``."""
    if isinstance(message, list):
        return "; ".join(str(m) for m in message)
    parts: list[str] = []
    for field, problems in message.items():
        for p in problems if isinstance(problems, list) else [problems]:
            parts.append(str(p) if field in ("base", "error") else f"{field} {p}")
    return "; ".join(parts)
