"""A local GitLab REST v4 stand-in on the stand-in kit: stateful, contract-checked, GitLab's
own error bodies, rate-limit headers and pagination.

Every request is validated against GitLab's generated OpenAPI description
(``tests/contracts/gitlab/openapi3.yaml``); the three routes that file lacks (to-do items, issue
and merge request notes) against ``tests/contracts/gitlab/documented.yaml``, written by hand
from GitLab's API pages. A request neither allows is a violation, and the ``gitlab`` fixture
fails the test.

Answers start from real GitLab bodies (go-gitlab's recorded fixtures) or the API pages'
examples (``tests/standin/data/gitlab/``, see its PROVENANCE.md), overlaid with the state, so
creating an issue and reading it back works. What GitLab does that matters to a client:

- projects are addressed by numeric id or URL-encoded full path (``group%2Fsub%2Fproject``);
  an unencoded path matches no route, as on GitLab;
- ``Authorization: Bearer`` (personal, project, group and OAuth tokens) or ``PRIVATE-TOKEN``;
  a token without the ``api`` scope gets 403 ``insufficient_scope`` on writes;
- errors: ``{"message": "404 Project Not Found"}``, ``{"message": "401 Unauthorized"}``,
  validation ``{"message": {"title": ["can't be blank"]}}``, bad parameters (Grape)
  ``{"error": "..."}``;
- Rack::Attack's budget on every answer (``RateLimit-Limit/-Observed/-Remaining/-Reset``,
  ``RateLimit-ResetTime``) and, when spent, 429 ``Retry later`` with ``Retry-After``; a 304
  costs budget like any request;
- ``Cache-Control: max-age=0, private, must-revalidate`` with a weak ETag: every poll
  revalidates, an unchanged answer is a 304;
- offset pagination with ``Link`` and ``X-Page``/``X-Total``/... headers, keyset pagination
  (``pagination=keyset``, cursor in the ``next`` link) on a project's issues;
- CI: pipelines (list, single, a merge request's), jobs and bridges (retried attempts only
  with ``include_retried=true``), the trace as ``text/plain`` served whole whatever
  ``Range`` says, pipeline retry (each failed or cancelled job gets a new attempt) and
  cancel, job retry/cancel/play with GitLab's refusals (``403 Forbidden - Job is not
  retryable``, ``400 Bad request - Unplayable Job``, ``403 Forbidden`` on a protected
  branch), pipeline creation (``Reference not found``, ``Insufficient permissions ...``),
  ``GET /projects/:id`` and raw repository files.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import formatdate
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import unquote

from tests.standin.kit import (
    OpenAPIContract,
    Quota,
    Reply,
    Request,
    Response,
    Router,
    StandIn,
    keyset_pages,
    page_window,
)
from tests.standin.kit.paging import link_header

if TYPE_CHECKING:
    from .gitlab_snippets import SnippetsState

Json = Any
ROOT = Path(__file__).resolve().parents[1]
CONTRACT = OpenAPIContract(ROOT / "contracts" / "gitlab" / "openapi3.yaml")
DOCUMENTED = OpenAPIContract(ROOT / "contracts" / "gitlab" / "documented.yaml")
DATA = Path(__file__).resolve().parent / "data" / "gitlab"
API = "/api/v4"
P = r"/api/v4/projects/(?P<id>[^/]+)"  # one segment: a numeric id or an encoded path


@cache
def _body(name: str) -> Json:
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def body(name: str) -> Json:
    """A fresh copy of a recorded or documented body (``recorded/get_user.json``)."""
    return copy.deepcopy(_body(name))


@dataclass
class Token:
    account: str
    scopes: tuple[str, ...] = ("api",)
    kind: str = "personal"  # personal | oauth
    id: int = 1
    revoked: bool = False


@dataclass
class Project:
    id: int
    path: str
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    notes: dict[tuple[str, int], list[dict[str, Any]]] = field(default_factory=dict)
    mrs: dict[int, dict[str, Any]] = field(default_factory=dict)
    approvals: dict[int, dict[str, Any]] = field(default_factory=dict)
    pipelines: dict[int, dict[str, Any]] = field(default_factory=dict)
    jobs: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    bridges: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    members: list[dict[str, Any]] = field(default_factory=list)
    #: job id -> its trace (bytes, as GitLab stores it)
    traces: dict[int, bytes] = field(default_factory=dict)
    #: (file path, ref or None for the default branch) -> text
    files: dict[tuple[str, str | None], str] = field(default_factory=dict)
    branches: set[str] = field(default_factory=lambda: {"main"})
    #: protected branch -> who may run pipelines and play jobs on it
    protected: dict[str, set[str]] = field(default_factory=dict)
    #: merge requests switched off in the project's settings (their API answers 403)
    mrs_disabled: bool = False
    #: who may not use CI lint (it needs the Developer role)
    lint_refused: set[str] = field(default_factory=set)
    #: what POST /pipeline and .../play were sent, for tests to read back
    created: list[dict[str, Any]] = field(default_factory=list)
    played: list[dict[str, Any]] = field(default_factory=list)
    next_issue: int = 1
    next_mr: int = 1


class State:
    """The stand-in's world: users, projects (any group depth), their items, CI and to-dos."""

    def __init__(self, login: str = "alice", web: str = "https://gitlab.com") -> None:
        self.login = login
        self.web = web
        self.projects: dict[str, Project] = {}
        self.user_ids: dict[str, int] = {}
        #: Public e-mails by username; the others are served as GitLab's ``""`` (none shown).
        self.emails: dict[str, str] = {}
        self.todos: list[dict[str, Any]] = []
        self.clock = 1_700_000_000.0
        self.ids = 1000
        self._snippets: SnippetsState | None = None

    @property
    def snippets(self) -> SnippetsState:
        """The users' personal snippets (``tests.standin.gitlab_snippets``)."""
        if self._snippets is None:
            from .gitlab_snippets import SnippetsState

            self._snippets = SnippetsState(self)
        return self._snippets

    def _next_id(self) -> int:
        self.ids += 1
        return self.ids

    def tick(self) -> str:
        self.clock += 1
        return datetime.fromtimestamp(self.clock, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    # -- seeding ---------------------------------------------------------------------------
    def project(self, path: str) -> Project:
        key = path.lower()
        if key not in self.projects:
            self.projects[key] = Project(id=len(self.projects) + 1, path=path)
        return self.projects[key]

    def find(self, ident: str) -> Project | None:
        ident = unquote(ident)
        if ident.isdigit():
            return next((p for p in self.projects.values() if p.id == int(ident)), None)
        return self.projects.get(ident.lower())

    def user(self, login: str, name: str | None = None) -> dict[str, Any]:
        """A ``UserBasic`` from the recorded ``GET /user`` answer."""
        uid = self.user_ids.setdefault(login, len(self.user_ids) + 1)
        u = body("recorded/get_user.json")
        keep = ("id", "username", "name", "state", "avatar_url", "web_url", "locked")
        out = {k: u.get(k) for k in keep if k in u or k == "locked"}
        out.update(
            id=uid,
            username=login,
            name=name or login.replace("_", " ").title(),
            web_url=f"{self.web}/{login}",
            avatar_url=f"https://secure.gravatar.com/avatar/{uid}?s=80&d=identicon",
            locked=False,
            public_email=self.emails.get(login, ""),
        )
        return out

    def add_member(
        self, path: str, login: str, *, name: str | None = None, state: str = "active"
    ) -> None:
        """A member of the project (the stand-in does not tell direct from inherited)."""
        m = body("documented/member.json")
        m.update(self.user(login, name), state=state, membership_state=state, access_level=30)
        self.project(path).members.append(m)

    def add_issue(
        self,
        path: str,
        title: str,
        *,
        description: str | None = None,
        author: str | None = None,
        assignees: list[str] | None = None,
        labels: list[str] | None = None,
        state: str = "opened",
        legacy: bool = False,
    ) -> dict[str, Any]:
        """An issue. ``legacy``: as older GitLab answers (no ``references``, no ``/-/``)."""
        p = self.project(path)
        iid = p.next_issue
        p.next_issue += 1
        ts = self.tick()
        i: dict[str, Any] = body("recorded/issue_move.json")
        web = f"{self.web}/{p.path}/{'' if legacy else '-/'}issues/{iid}"
        api = f"{self.web}{API}/projects/{p.id}"
        who = [self.user(a) for a in assignees or []]
        i.update(
            id=self._next_id(),
            iid=iid,
            project_id=p.id,
            title=title,
            description=description,
            state=state,
            created_at=ts,
            updated_at=ts,
            closed_at=None if state == "opened" else ts,
            labels=list(labels or []),
            assignees=who,
            assignee=who[0] if who else None,
            author=self.user(author or self.login),
            user_notes_count=0,
            web_url=web,
            issue_type="issue",
            type="ISSUE",
        )
        i["_links"] = {
            "self": f"{api}/issues/{iid}",
            "notes": f"{api}/issues/{iid}/notes",
            "award_emoji": f"{api}/issues/{iid}/award_emoji",
            "project": api,
        }
        if not legacy:
            i["references"] = {"short": f"#{iid}", "relative": f"#{iid}", "full": f"{p.path}#{iid}"}
        p.issues[iid] = i
        return i

    def add_mr(
        self,
        path: str,
        title: str,
        *,
        source_branch: str,
        target_branch: str = "main",
        author: str | None = None,
        reviewers: list[str] | None = None,
        draft: bool = False,
        state: str = "opened",
        detailed_merge_status: str | None = "mergeable",
        sha: str | None = None,
        approved_by: list[str] | None = None,
        approvals_required: int | None = None,
        pipeline: int | None = None,
        legacy: bool = False,
    ) -> dict[str, Any]:
        """A merge request. ``approvals_required=None`` answers approvals as the Free tier
        does (no rules); ``legacy`` as GitLab before 15.6 (no detailed status, no draft)."""
        p = self.project(path)
        iid = p.next_mr
        p.next_mr += 1
        ts = self.tick()
        mr: dict[str, Any] = body("recorded/get_merge_request.json")
        sha = sha or f"{iid:02x}" * 20
        mr.update(
            id=self._next_id(),
            iid=iid,
            project_id=p.id,
            source_project_id=p.id,
            target_project_id=p.id,
            title=title,
            description=None,
            state=state,
            created_at=ts,
            updated_at=ts,
            merged_at=ts if state == "merged" else None,
            closed_at=ts if state == "closed" else None,
            source_branch=source_branch,
            target_branch=target_branch,
            author=self.user(author or self.login),
            assignees=[],
            assignee=None,
            reviewers=[self.user(r) for r in reviewers or []],
            labels=[],
            draft=draft,
            work_in_progress=draft,
            sha=sha,
            user_notes_count=0,
            has_conflicts=detailed_merge_status == "conflict",
            web_url=f"{self.web}/{p.path}/-/merge_requests/{iid}",
            reference=f"!{iid}",
            references={"short": f"!{iid}", "relative": f"!{iid}", "full": f"{p.path}!{iid}"},
            detailed_merge_status=detailed_merge_status,
            merge_status="can_be_merged" if detailed_merge_status == "mergeable" else "unchecked",
            head_pipeline=None,
            pipeline=None,
        )
        mr["_pipeline"] = pipeline
        if legacy:
            for k in ("references", "detailed_merge_status", "draft"):
                mr.pop(k, None)
        p.mrs[iid] = mr
        a = body("documented/approvals.json")
        a.update(
            id=mr["id"],
            iid=iid,
            project_id=p.id,
            title=title,
            approved=bool(approved_by),
            approved_by=[
                {"user": self.user(u), "approved_at": self.tick()} for u in approved_by or []
            ],
        )
        if approvals_required is None:
            for k in ("approvals_required", "approvals_left"):
                a.pop(k)
        else:
            a["approvals_required"] = approvals_required
            a["approvals_left"] = max(0, approvals_required - len(approved_by or []))
            a["approved"] = a["approvals_left"] == 0
        p.approvals[iid] = a
        return mr

    def add_pipeline(
        self,
        path: str,
        *,
        ref: str,
        sha: str,
        status: str,
        jobs: Sequence[tuple[str, str, str, bool]] = (),
        bridges: Sequence[tuple[str, str, str]] = (),
        source: str = "push",
        name: str | None = "Build pipeline",
    ) -> dict[str, Any]:
        """A pipeline with jobs ``(name, stage, status, allow_failure)`` and trigger jobs
        ``(name, stage, status)``."""
        p = self.project(path)
        pid = self._next_id()
        ts = self.tick()
        pl: dict[str, Any] = body("documented/pipeline.json")
        pl.update(
            id=pid,
            iid=len(p.pipelines) + 1,
            project_id=p.id,
            status=status,
            source=source,
            name=name,
            ref=ref,
            sha=sha,
            web_url=f"{self.web}/{p.path}/-/pipelines/{pid}",
            created_at=ts,
            updated_at=ts,
        )
        if not ref.startswith("refs/"):
            p.branches.add(ref)
        p.pipelines[pid] = pl
        p.jobs[pid] = []
        for jname, stage, st, allowed in jobs:
            self.add_job(p.path, pid, jname, stage, st, allow_failure=allowed)
        basic = {k: pl[k] for k in ("id", "project_id", "ref", "sha", "status")}
        p.bridges[pid] = []
        for name, stage, st in bridges:
            b = body("documented/bridge.json")
            bid = self._next_id()
            b.update(id=bid, name=name, stage=stage, status=st, ref=ref, pipeline=basic)
            b["web_url"] = f"{self.web}/{p.path}/-/jobs/{bid}"
            b["downstream_pipeline"].update(status=st, ref=ref)
            p.bridges[pid].append(b)
        return pl

    def add_job(
        self,
        path: str,
        pipeline: int,
        name: str,
        stage: str,
        status: str,
        *,
        allow_failure: bool = False,
        trace: str | bytes | None = None,
    ) -> dict[str, Any]:
        """A job of a pipeline (the API page's example overlaid), with its trace."""
        p = self.project(path)
        pl = p.pipelines[pipeline]
        j = body("documented/job.json")
        jid = self._next_id()
        ts = self.tick()
        basic = {k: pl[k] for k in ("id", "project_id", "ref", "sha", "status")}
        started = status not in ("created", "pending", "manual", "scheduled", "skipped")
        j.update(
            id=jid,
            name=name,
            stage=stage,
            status=status,
            allow_failure=allow_failure,
            ref=pl["ref"],
            pipeline=basic,
            created_at=ts,
            started_at=ts if started else None,
            finished_at=ts if status in ("success", "failed", "canceled") else None,
            web_url=f"{self.web}/{p.path}/-/jobs/{jid}",
            failure_reason="script_failure" if status == "failed" else None,
        )
        j["commit"]["id"] = pl["sha"]
        j["_retried"] = False
        p.jobs.setdefault(pipeline, []).append(j)
        if trace is not None:
            p.traces[jid] = trace.encode() if isinstance(trace, str) else trace
        return j

    def job(self, jid: int) -> tuple[Project, dict[str, Any]] | None:
        for p in self.projects.values():
            for jobs in p.jobs.values():
                for j in jobs:
                    if j["id"] == jid:
                        return p, j
        return None

    def refresh(self, p: Project, pid: int) -> None:
        """A pipeline's status from its current jobs, as GitLab composes it."""
        jobs = [j for j in p.jobs.get(pid, []) if not j["_retried"]]
        sts = {j["status"] for j in jobs if not (j["allow_failure"] and j["status"] == "failed")}
        pl = p.pipelines[pid]
        for st in ("running", "pending", "created"):
            if st in sts:
                pl["status"] = st
                break
        else:
            if "failed" in sts:
                pl["status"] = "failed"
            elif "manual" in {j["status"] for j in jobs if not j["allow_failure"]}:
                pl["status"] = "manual"
            elif "canceled" in sts:
                pl["status"] = "canceled"
            elif jobs:
                pl["status"] = "success"
        pl["updated_at"] = self.tick()
        for j in jobs:
            j["pipeline"]["status"] = pl["status"]

    def mention(self, login: str, issue: dict[str, Any], *, action: str = "mentioned") -> None:
        """A to-do for ``login``: mentioned in (or assigned, ...) an issue."""
        p = self.find(str(issue["project_id"]))
        assert p is not None
        t = body("documented/todo.json")
        t.update(
            id=self._next_id(),
            action_name=action,
            target_type="Issue",
            target_url=issue["web_url"],
            state="pending",
            created_at=self.tick(),
        )
        t["project"].update(id=p.id, path=p.path.rsplit("/", 1)[-1], path_with_namespace=p.path)
        t["_for"] = login
        t["_target"] = (p.path, issue["iid"])
        self.todos.append(t)


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_")}


def _order(items: list[dict[str, Any]], req: Request, default: str = "created_at") -> list[Any]:
    key = req.args.get("order_by", default)
    desc = req.args.get("sort", "desc") == "desc"
    return sorted(items, key=lambda i: (i.get(key) or "", i["id"]), reverse=desc)


class GitLabStandIn(StandIn):
    """GitLab on 127.0.0.1. ``state`` is the world; ``tokens`` map a token to a ``Token``."""

    service = "GitLab"
    router: ClassVar[Router[GitLabStandIn]] = Router()
    contract = CONTRACT
    budgets = {"requests": 2000}  # gitlab.com: authenticated API requests per user and minute
    window = 60.0
    not_modified_spends = True  # Rack::Attack counts every request, 304s included
    vary = "Origin, Accept-Encoding"

    def __init__(self, state: State | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.state = state or State()
        self.gl_tokens: dict[str, Token] = {"tok-a": Token(self.state.login)}
        self.default_cache_control = "max-age=0, private, must-revalidate"
        if self.validate:
            DOCUMENTED.warm()

    # -- hooks ------------------------------------------------------------------------------
    def error(self, status: int, message: str) -> Reply:
        text = "Internal Server Error" if message == "Server Error" else message
        return Reply(status, {"message": text if text[:3].isdigit() else f"{status} {text}"})

    def not_found(self, req: Request) -> Reply:
        return Reply(404, {"error": "404 Not Found"})  # Grape: no such route

    def unauthorized(self, req: Request) -> Reply:
        return Reply(401, {"message": "401 Unauthorized"})

    def rejected(self, req: Request, problems: list[str]) -> Reply:
        return Reply(400, {"error": "; ".join(problems)})  # Grape's parameter validation

    def check_contract(self, req: Request) -> list[str]:
        """GitLab's file where it has the route, the documented supplement where not."""
        problems = CONTRACT.check(req)
        if problems and all("Path not found" in p for p in problems):
            return DOCUMENTED.check(req)
        return problems

    def token(self, req: Request) -> Token | None:
        scheme, _, value = req.headers.get("authorization", "").partition(" ")
        secret = value.strip() if scheme.lower() == "bearer" else req.headers.get("private-token")
        t = self.gl_tokens.get(secret or "")
        return t if t is not None and not t.revoked else None

    def authenticate(self, req: Request) -> str | None:
        t = self.token(req)
        return t.account if t else None

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(quota.limit),
            "RateLimit-Observed": str(quota.used),
            "RateLimit-Remaining": str(quota.remaining),
            "RateLimit-Reset": str(int(quota.reset)),
            "RateLimit-ResetTime": formatdate(quota.reset, usegmt=True),
        }

    def rate_limited(self, quota: Quota) -> Reply:
        return Reply(
            429,
            b"Retry later\n",
            {"content-type": "text/plain", "retry-after": str(quota.retry_after())},
        )

    def throttled(self, req: Request, seconds: float, *, secondary: bool) -> Reply:
        return Reply(
            429,
            b"Retry later\n",
            {"content-type": "text/plain", "retry-after": str(math.ceil(seconds))},
        )

    # -- helpers for routes ------------------------------------------------------------------
    def project(self, req: Request) -> Project:
        p = self.state.find(req.path_args["id"])
        if p is None:
            raise Reply(404, {"message": "404 Project Not Found"})
        return p

    def require_api(self, req: Request) -> None:
        t = self.token(req)
        if t is None or "api" not in t.scopes:
            raise Reply(
                403,
                {
                    "error": "insufficient_scope",
                    "error_description": "The request requires higher privileges than "
                    "provided by the access token.",
                    "scope": "api",
                },
            )

    @staticmethod
    def offset(req: Request, items: list[Any]) -> tuple[list[Any], dict[str, str]]:
        """GitLab's offset pagination: Link plus the ``X-`` headers."""
        w = page_window(req.args, len(items), default=20, maximum=100)
        headers = link_header(req, w)
        headers.update(
            {
                "x-page": str(w.page),
                "x-per-page": str(w.per_page),
                "x-total": str(w.total),
                "x-total-pages": str(w.last),
                "x-next-page": str(w.page + 1) if w.page < w.last else "",
                "x-prev-page": str(w.page - 1) if w.page > 1 else "",
            }
        )
        return w.slice(items), headers


R = GitLabStandIn.router


def _labels(i: dict[str, Any], req: Request) -> dict[str, Any]:
    out = _public(i)
    if req.args.get("with_labels_details") == "true":
        out["labels"] = [
            {
                "id": n + 1,
                "name": lb,
                "color": "#d9534f",
                "description": None,
                "text_color": "#FFFFFF",
            }
            for n, lb in enumerate(i["labels"])
        ]
    return out


def _issues(s: GitLabStandIn, req: Request, items: list[dict[str, Any]], scope: str) -> list[Any]:
    me = req.account
    if scope in ("assigned_to_me", "assigned-to-me"):
        items = [i for i in items if any(a["username"] == me for a in i["assignees"])]
    elif scope in ("created_by_me", "created-by-me"):
        items = [i for i in items if i["author"]["username"] == me]
    state = req.args.get("state", "all")
    return [i for i in items if state == "all" or i["state"] == state]


# -- account ------------------------------------------------------------------------------------
@R.route("GET", r"/api/v4/user")
def get_user(s: GitLabStandIn, req: Request) -> Response:
    u = body("recorded/get_user.json")
    u.update(s.state.user(req.account or ""), email=f"{req.account}@example.com")
    return 200, u, {}


@R.route("GET", r"/api/v4/personal_access_tokens/self")
def token_self(s: GitLabStandIn, req: Request) -> Response:
    t = s.token(req)
    if t is None or t.kind == "oauth":
        raise Reply(404, {"message": "404 Not Found"})
    pat = body("recorded/list_personal_access_tokens_without_user_filter.json")[1]
    pat.update(id=t.id, scopes=list(t.scopes), revoked=False, active=True, expires_at="2027-01-01")
    pat["user_id"] = s.state.user_ids.get(t.account)
    return 200, pat, {}


@R.route("DELETE", r"/api/v4/personal_access_tokens/self")
def revoke_self(s: GitLabStandIn, req: Request) -> Response:
    t = s.token(req)
    if t is None or t.kind == "oauth":
        raise Reply(400, {"message": "400 Bad request"})
    t.revoked = True
    return 204, b"", {}


# -- issues ---------------------------------------------------------------------------------------
@R.route("GET", r"/api/v4/issues")
def list_all_issues(s: GitLabStandIn, req: Request) -> Response:
    every = [i for p in s.state.projects.values() for i in p.issues.values()]
    items = _order(_issues(s, req, every, req.args.get("scope", "created_by_me")), req)
    page, headers = s.offset(req, items)
    return 200, [_labels(i, req) for i in page], headers


@R.route("GET", P + r"/issues")
def list_project_issues(s: GitLabStandIn, req: Request) -> Response:
    p = s.project(req)
    items = _issues(s, req, list(p.issues.values()), req.args.get("scope", "all"))
    if req.args.get("pagination") == "keyset":
        window, headers = keyset_pages(
            items,
            req,
            order_by=("created_at", "updated_at", "id", "title"),
            default_sort="desc",
            default=20,
        )
        return 200, [_labels(dict(i), req) for i in window], headers
    page, headers = s.offset(req, _order(items, req))
    return 200, [_labels(i, req) for i in page], headers


@R.route("GET", P + r"/issues/(?P<iid>\d+)")
def get_issue(s: GitLabStandIn, req: Request) -> Response:
    i = s.project(req).issues.get(int(req.path_args["iid"]))
    if i is None:
        raise Reply(404, {"message": "404 Not found"})
    return 200, _labels(i, req), {}


@R.route("POST", P + r"/issues")
def create_issue(s: GitLabStandIn, req: Request) -> Response:
    p = s.project(req)
    s.require_api(req)
    data = req.json or {}
    if not str(data.get("title") or "").strip():
        raise Reply(400, {"message": {"title": ["can't be blank"]}})
    labels = data.get("labels") or []
    if isinstance(labels, str):
        labels = [x for x in labels.split(",") if x]
    i = s.state.add_issue(
        p.path,
        data["title"],
        description=data.get("description"),
        author=req.account,
        labels=labels,
    )
    return 201, _public(i), {}


@R.route("POST", P + r"/(?P<kind>issues|merge_requests)/(?P<iid>\d+)/notes")
def create_note(s: GitLabStandIn, req: Request) -> Response:
    p = s.project(req)
    s.require_api(req)
    kind, iid = req.path_args["kind"], int(req.path_args["iid"])
    item = (p.issues if kind == "issues" else p.mrs).get(iid)
    if item is None:
        raise Reply(404, {"message": "404 Not found"})
    n = body("documented/note.json")
    n.update(
        id=s.state._next_id(),
        body=req.json["body"],
        author=s.state.user(req.account or ""),
        created_at=s.state.tick(),
        noteable_id=item["id"],
        noteable_iid=iid,
        noteable_type="Issue" if kind == "issues" else "MergeRequest",
        project_id=p.id,
    )
    n["updated_at"] = n["created_at"]
    p.notes.setdefault((kind, iid), []).append(n)
    item["user_notes_count"] += 1
    return 201, n, {}


@R.route("GET", P + r"/members/all")
def members_all(s: GitLabStandIn, req: Request) -> Response:
    q = req.args.get("query", "").lower()
    items = [
        m
        for m in s.project(req).members
        if not q or q in m["username"].lower() or q in (m["name"] or "").lower()
    ]
    page, headers = s.offset(req, items)
    return 200, page, headers


@R.route("GET", r"/api/v4/todos")
def todos(s: GitLabStandIn, req: Request) -> Response:
    state = req.args.get("state", "pending")
    out = []
    for t in s.state.todos:
        if t["_for"] != req.account or t["state"] != state:
            continue
        if "type" in req.args and t["target_type"] != req.args["type"]:
            continue
        if "action" in req.args and t["action_name"] != req.args["action"]:
            continue
        path, iid = t["_target"]
        out.append({**_public(t), "target": _public(s.state.projects[path.lower()].issues[iid])})
    out.sort(key=lambda t: t["id"], reverse=True)
    page, headers = s.offset(req, out)
    return 200, page, headers


# -- merge requests -----------------------------------------------------------------------------
_SINGLE_ONLY = (
    "head_pipeline",
    "pipeline",
    "diff_refs",
    "merge_error",
    "user",
    "changes_count",
    "first_contribution",
    "latest_build_started_at",
    "latest_build_finished_at",
    "first_deployed_to_production_at",
    "subscribed",
)


def _mrs(s: GitLabStandIn, req: Request, items: list[dict[str, Any]], scope: str) -> list[Any]:
    me = req.account
    if scope in ("created_by_me", "created-by-me"):
        items = [m for m in items if m["author"]["username"] == me]
    elif scope in ("assigned_to_me", "assigned-to-me"):
        items = [m for m in items if any(a["username"] == me for a in m["assignees"])]
    elif scope == "reviews_for_me":
        items = [m for m in items if any(r["username"] == me for r in m["reviewers"])]
    a = req.args
    if "reviewer_username" in a:
        items = [
            m for m in items if any(r["username"] == a["reviewer_username"] for r in m["reviewers"])
        ]
    if "source_branch" in a:
        items = [m for m in items if m["source_branch"] == a["source_branch"]]
    state = a.get("state", "all")
    items = [m for m in items if state == "all" or m["state"] == state]
    return [{k: v for k, v in _public(m).items() if k not in _SINGLE_ONLY} for m in items]


@R.route("GET", r"/api/v4/merge_requests")
def list_all_mrs(s: GitLabStandIn, req: Request) -> Response:
    every = [m for p in s.state.projects.values() for m in p.mrs.values()]
    items = _order(_mrs(s, req, every, req.args.get("scope", "created_by_me")), req)
    page, headers = s.offset(req, items)
    return 200, page, headers


@R.route("GET", P + r"/merge_requests")
def list_project_mrs(s: GitLabStandIn, req: Request) -> Response:
    if s.project(req).mrs_disabled:
        raise Reply(403, {"message": "403 Forbidden"})
    items = _mrs(s, req, list(s.project(req).mrs.values()), req.args.get("scope", "all"))
    page, headers = s.offset(req, _order(items, req))
    return 200, page, headers


@R.route("GET", P + r"/merge_requests/(?P<iid>\d+)")
def get_mr(s: GitLabStandIn, req: Request) -> Response:
    p = s.project(req)
    mr = p.mrs.get(int(req.path_args["iid"]))
    if mr is None:
        raise Reply(404, {"message": "404 Not found"})
    out = _public(mr)
    if mr["_pipeline"] is not None:
        pl = p.pipelines[mr["_pipeline"]]
        head = body("recorded/get_merge_request.json")["head_pipeline"]
        head.update(pl, user=s.state.user(s.state.login))
        out["head_pipeline"] = head
        out["pipeline"] = {k: pl[k] for k in ("id", "sha", "ref", "status", "web_url")}
    return 200, out, {}


@R.route("GET", P + r"/merge_requests/(?P<iid>\d+)/approvals")
def approvals(s: GitLabStandIn, req: Request) -> Response:
    a = s.project(req).approvals.get(int(req.path_args["iid"]))
    if a is None:
        raise Reply(404, {"message": "404 Not found"})
    return 200, a, {}


# The CI routes (pipelines, jobs, traces, retry/cancel/play, create, lint, files) live in
# tests/standin/gitlab_ci.py, registered on the same router when this module is imported.
from tests.standin import gitlab_ci  # noqa: E402, F401

from .gitlab_snippets import register as _register_snippets  # noqa: E402

_register_snippets(R)
