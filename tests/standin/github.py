"""A local GitHub REST stand-in: stateful, contract-checked, with ETags, rate limits and faults.

Why not prism or wiremock: prism ignores ``If-None-Match`` and keeps no state, wiremock knows
nothing of GitHub's description. This server validates *every* request against GitHub's
OpenAPI description (openapi-core) and records violations, so a test fails when the connector
sends something GitHub would not accept. Bodies start from the description's own examples and
are overlaid with the seeded state, so creating an issue and then reading it back works.

The server, contract check, log, faults, ETag/304 and budgets come from ``tests.standin.kit``;
this file holds what is GitHub's own: its state, routes, error body, token rule,
``x-ratelimit-*`` headers with the ``core``/``search`` resources, 403 refusals, and the rule that
a 304 costs nothing. GitHub Actions (runs, jobs, logs behind a redirect to a second host,
re-runs, dispatches) is in ``tests/standin/github_actions.py``, on the same routes.

In-process (pytest): ``with GitHubStandIn() as gh: gh.url ...``  (see ``tests/conftest``)
As a process:       ``python -m tests.standin.github --port 8999 --seed seed.json``

Seed file (JSON; every key optional)::

    {"login": "octocat",
     "tokens": {"tok-a": "octocat", "tok-b": "hubot"},
     "emails": {"hubot": "hubot@example.com"},
     "issues": [{"repo": "o/r", "title": "...", "assignees": ["octocat"], "author": "hubot",
                 "labels": ["bug"], "state": "open", "body": "...", "mentions": ["octocat"]}],
     "bulk_issues": [{"repo": "o/r", "count": 5000, "assignees": ["octocat"]}],
     "pulls": [{"repo": "o/r", "title": "...", "head": "feature", "author": "octocat",
                "head_sha": "abc", "requested_reviewers": ["octocat"],
                "reviews": [{"user": "hubot", "state": "APPROVED"}], "mergeable": true}],
     "check_runs": [{"repo": "o/r", "sha": "abc", "name": "ci", "status": "completed",
                     "conclusion": "success"}],
     "statuses": [{"repo": "o/r", "sha": "abc", "context": "ci/legacy", "state": "success"}],
     "collaborators": [{"repo": "o/r", "login": "hubot"}],
     "workflows": [{"repo": "o/r", "path": ".github/workflows/ci.yml", "text": "on: ..."}],
     "runs": [{"repo": "o/r", "workflow": ".github/workflows/ci.yml", "branch": "main",
               "status": "completed", "conclusion": "failure",
               "jobs": [{"name": "test", "conclusion": "failure", "steps": ["Test"],
                         "log": "FAILED tests/test_x.py::test_y"}]}]}
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

from . import spec
from .kit import Quota, Reply, Request, Response, Router, StandIn, link_pages

if TYPE_CHECKING:
    from .github_actions import ActionsState, BlobHost
    from .github_gists import GistsState

VARY = "Accept, Authorization, Cookie, X-GitHub-OTP"


@dataclass
class _Repo:
    owner: str
    name: str
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    comments: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    pulls: dict[int, dict[str, Any]] = field(default_factory=dict)
    reviews: dict[int, list[dict[str, Any]]] = field(default_factory=dict)
    check_runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    statuses: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    collaborators: list[str] = field(default_factory=list)
    next_number: int = 1


class State:
    """The stand-in's world: users, repositories and their issues, pulls and checks."""

    def __init__(self, login: str = "octocat") -> None:
        self.login = login
        self.tokens: dict[str, str] = {}
        self.revoked: set[str] = set()
        #: OAuth apps: client id -> client secret (for the app-authenticated token routes).
        self.apps: dict[str, str] = {}
        self.repos: dict[tuple[str, str], _Repo] = {}
        self.clock = 1_700_000_000
        self.user_ids: dict[str, int] = {}
        #: Public e-mails by login: GitHub shows one only where its owner made it public, and
        #: sends ``"email": null`` otherwise.
        self.emails: dict[str, str] = {}
        self._actions: ActionsState | None = None
        self._gists: GistsState | None = None

    @property
    def gists(self) -> GistsState:
        """The users' gists (``tests.standin.github_gists``)."""
        if self._gists is None:
            from .github_gists import GistsState

            self._gists = GistsState(self)
        return self._gists

    @property
    def actions(self) -> ActionsState:
        """GitHub Actions: workflows, runs, jobs and logs (``tests.standin.github_actions``)."""
        if self._actions is None:
            from .github_actions import ActionsState

            self._actions = ActionsState(self)
        return self._actions

    # -- seeding -------------------------------------------------------------------------
    def repo(self, full: str) -> _Repo:
        owner, name = full.split("/", 1)
        key = (owner.lower(), name.lower())
        if key not in self.repos:
            self.repos[key] = _Repo(owner, name, collaborators=[owner])
        return self.repos[key]

    def _tick(self) -> str:
        self.clock += 1
        return datetime.fromtimestamp(self.clock, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def user(self, login: str) -> dict[str, Any]:
        uid = self.user_ids.setdefault(login, len(self.user_ids) + 1)
        u: dict[str, Any] = spec.component_example("simple-user-items")[0]
        u.update(
            login=login,
            id=uid,
            node_id=f"U_{uid}",
            url=f"{spec.SERVER}/users/{login}",
            html_url=f"https://github.com/{login}",
            avatar_url=f"https://avatars.githubusercontent.com/u/{uid}",
            email=self.emails.get(login),
        )
        return u

    def add_issue(
        self,
        repo: str,
        title: str,
        *,
        body: str | None = None,
        author: str | None = None,
        assignees: list[str] | None = None,
        labels: list[str] | None = None,
        state: str = "open",
        mentions: list[str] | None = None,
        pull: bool = False,
    ) -> dict[str, Any]:
        r = self.repo(repo)
        n = r.next_number
        r.next_number += 1
        ts = self._tick()
        issue: dict[str, Any] = spec.component_example("issue")
        base = f"{spec.SERVER}/repos/{r.owner}/{r.name}"
        web = f"https://github.com/{r.owner}/{r.name}"
        issue.update(
            id=hash((r.owner, r.name, n)) & 0x7FFFFFFF,
            node_id=f"I_{r.owner}_{r.name}_{n}",
            number=n,
            title=title,
            body=body,
            state=state,
            state_reason=None if state == "open" else "completed",
            user=self.user(author or self.login),
            labels=[
                {"id": i + 1, "name": lb, "color": "d73a4a", "default": False}
                for i, lb in enumerate(labels or [])
            ],
            assignees=[self.user(a) for a in assignees or []],
            assignee=self.user(assignees[0]) if assignees else None,
            comments=0,
            created_at=ts,
            updated_at=ts,
            closed_at=None if state == "open" else ts,
            url=f"{base}/issues/{n}",
            repository_url=base,
            labels_url=f"{base}/issues/{n}/labels{{/name}}",
            comments_url=f"{base}/issues/{n}/comments",
            events_url=f"{base}/issues/{n}/events",
            html_url=f"{web}/{'pull' if pull else 'issues'}/{n}",
            milestone=None,
            closed_by=None,
        )
        issue.pop("pinned_comment", None)
        issue["_mentions"] = list(mentions or [])
        if pull:
            issue["pull_request"] = {
                "url": f"{base}/pulls/{n}",
                "html_url": f"{web}/pull/{n}",
                "diff_url": f"{web}/pull/{n}.diff",
                "patch_url": f"{web}/pull/{n}.patch",
                "merged_at": None,
            }
        else:
            issue.pop("pull_request", None)
        r.issues[n] = issue
        return issue

    def add_pull(
        self,
        repo: str,
        title: str,
        *,
        head: str,
        base: str = "main",
        author: str | None = None,
        head_sha: str | None = None,
        head_owner: str | None = None,
        requested_reviewers: list[str] | None = None,
        reviews: list[dict[str, str]] | None = None,
        mergeable: bool | None = True,
        draft: bool = False,
        body: str | None = None,
    ) -> dict[str, Any]:
        r = self.repo(repo)
        issue = self.add_issue(repo, title, body=body, author=author, pull=True)
        n = issue["number"]
        pr: dict[str, Any] = spec.component_example("pull-request")
        sha = head_sha or hashlib.sha1(f"{repo}{head}".encode()).hexdigest()
        owner = head_owner or r.owner
        repo_json = pr["head"]["repo"]
        repo_json.update(
            name=r.name,
            full_name=f"{r.owner}/{r.name}",
            owner=self.user(r.owner),
            html_url=f"https://github.com/{r.owner}/{r.name}",
            url=f"{spec.SERVER}/repos/{r.owner}/{r.name}",
        )
        pr.update(
            id=issue["id"],
            number=n,
            title=title,
            body=body,
            state="open",
            draft=draft,
            merged=False,
            merged_at=None,
            mergeable=mergeable,
            mergeable_state="clean" if mergeable else "dirty",
            user=self.user(author or self.login),
            requested_reviewers=[self.user(u) for u in requested_reviewers or []],
            requested_teams=[],
            labels=[],
            assignees=[],
            assignee=None,
            milestone=None,
            created_at=issue["created_at"],
            updated_at=issue["updated_at"],
            closed_at=None,
            url=f"{spec.SERVER}/repos/{r.owner}/{r.name}/pulls/{n}",
            html_url=issue["html_url"],
        )
        pr["head"].update(ref=head, sha=sha, label=f"{owner}:{head}", user=self.user(owner))
        pr["head"]["repo"] = repo_json
        pr["base"].update(ref=base, label=f"{r.owner}:{base}")
        pr["base"]["repo"] = json.loads(json.dumps(repo_json))
        r.pulls[n] = pr
        issue["_requested"] = list(requested_reviewers or [])
        r.reviews[n] = []
        for rv in reviews or []:
            review = spec.component_example("pull-request-review-items")[0]
            review.update(
                id=len(r.reviews[n]) + 1,
                user=self.user(rv["user"]),
                state=rv["state"],
                submitted_at=self._tick(),
            )
            r.reviews[n].append(review)
        return pr

    def add_check_run(
        self,
        repo: str,
        sha: str,
        name: str,
        status: str = "completed",
        conclusion: str | None = None,
    ) -> None:
        r = self.repo(repo)
        run = spec.component_example("check-run-paginated")["check_runs"][0]
        runs = r.check_runs.setdefault(sha, [])
        run.update(
            id=len(runs) + 1,
            head_sha=sha,
            name=name,
            status=status,
            conclusion=conclusion,
            html_url=f"https://github.com/{r.owner}/{r.name}/runs/{len(runs) + 1}",
        )
        runs.append(run)

    def add_status(self, repo: str, sha: str, context: str, state: str) -> None:
        r = self.repo(repo)
        st = spec.component_example("combined-commit-status")["statuses"][0]
        st.update(context=context, state=state, id=len(r.statuses.get(sha, [])) + 1)
        r.statuses.setdefault(sha, []).append(st)

    def seed(self, data: dict[str, Any]) -> None:
        """Apply a seed document (see the module docstring)."""
        self.login = data.get("login", self.login)
        self.tokens.update(data.get("tokens", {}))
        self.emails.update(data.get("emails", {}))
        for i in data.get("issues", []):
            i = dict(i)
            self.add_issue(i.pop("repo"), i.pop("title"), **i)
        for b in data.get("bulk_issues", []):
            for k in range(int(b["count"])):
                self.add_issue(b["repo"], f"Issue {k + 1}", assignees=b.get("assignees"))
        for p in data.get("pulls", []):
            p = dict(p)
            self.add_pull(p.pop("repo"), p.pop("title"), **p)
        for c in data.get("check_runs", []):
            self.add_check_run(c["repo"], c["sha"], c["name"], c["status"], c.get("conclusion"))
        for s in data.get("statuses", []):
            self.add_status(s["repo"], s["sha"], s["context"], s["state"])
        for c in data.get("collaborators", []):
            self.repo(c["repo"]).collaborators.append(c["login"])
        workflows: dict[str, dict[str, Any]] = {}
        for w in data.get("workflows", []):
            wf = self.actions.add_workflow(w["repo"], w["path"], w["text"], name=w.get("name"))
            workflows[w["path"]] = wf
        for r in data.get("runs", []):
            r = dict(r)
            repo, path = r.pop("repo"), r.pop("workflow", None)
            self.actions.add_run(repo, workflow=workflows.get(path) if path else None, **r)


def _error(status: int, message: str) -> Reply:
    return Reply(
        status,
        {
            "message": message,
            "documentation_url": "https://docs.github.com/rest",
            "status": str(status),
        },
    )


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_")}


routes: Router[GitHubStandIn] = Router()


class GitHubStandIn(StandIn):
    """GitHub's REST API over ``State``. Thread-safe; ``start()``/``stop()`` or a ``with``."""

    service = "GitHub"
    router = routes
    contract = spec.CONTRACT
    budgets = {"core": 5000, "search": 30}
    not_modified_spends = False  # GitHub: a conditional request answered 304 does not count
    vary = VARY

    def __init__(self, state: State | None = None, *, port: int = 0, validate: bool = True) -> None:
        self.state = state or State()
        self.max_age = 60
        self._blob: BlobHost | None = None
        super().__init__(port=port, validate=validate)

    @property
    def blob(self) -> BlobHost:
        """The second host Actions' log redirects point at, started on first use."""
        with self.lock:
            if self._blob is None:
                from .github_actions import BlobHost

                self._blob = BlobHost().start()
            return self._blob

    def stop(self) -> None:
        super().stop()
        if self._blob is not None:
            self._blob.stop()
            self._blob = None

    def spent(self, account: str | None = None, resource: str | None = "core") -> int:
        """Primary rate-limit points spent so far (by ``account``, or by everyone)."""
        return super().spent(account, resource)

    # -- GitHub's rules ------------------------------------------------------------------------
    def error(self, status: int, message: str) -> Reply:
        return _error(status, message)

    def unauthorized(self, req: Request) -> Reply:
        return _error(401, "Bad credentials")

    def authenticate(self, req: Request) -> str | None:
        """Any scheme (``token``, ``Bearer``); a token nobody was given acts as ``state.login``,
        so tests need not register one; a revoked token is refused."""
        header = req.headers.get("authorization", "")
        if req.path.startswith("/applications/"):
            return self._app(header)
        if req.path == "/credentials/revoke":
            return "anonymous"  # GitHub: this endpoint needs no authentication
        token = header.split(" ", 1)[-1].strip()
        if not token or token in self.state.revoked:
            return None
        return self.state.tokens.get(token, self.state.login)

    def _app(self, header: str) -> str | None:
        """``/applications/{client_id}/...`` authenticate as the app: Basic id:secret."""
        import base64
        import binascii

        scheme, _, value = header.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            client_id, _, secret = base64.b64decode(value).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return None
        return f"app:{client_id}" if self.state.apps.get(client_id) == secret else None

    def charge(self, req: Request) -> dict[str, int]:
        """Search has its own budget; reading ``/rate_limit`` is free but reports ``core``."""
        resource = "search" if req.path.startswith("/search/") else "core"
        return {resource: 0 if req.path == "/rate_limit" else 1}

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        return {
            "x-ratelimit-limit": str(quota.limit),
            "x-ratelimit-remaining": str(quota.remaining),
            "x-ratelimit-reset": str(math.ceil(quota.reset)),
            "x-ratelimit-used": str(quota.used),
            "x-ratelimit-resource": quota.budget,
        }

    def rate_limited(self, quota: Quota) -> Reply:
        return _error(403, f"API rate limit exceeded for user {quota.account}.")

    def throttled(self, req: Request, seconds: float, *, secondary: bool) -> Reply:
        """GitHub's secondary limit answers 403 (sometimes 429), always with Retry-After."""
        return _error(
            403 if secondary else 429, "You have exceeded a secondary rate limit."
        ).with_headers({"retry-after": str(math.ceil(seconds))})

    def cache_control(self, req: Request) -> str:
        if req.path == "/rate_limit":
            return "no-cache"  # as GitHub: the budget is always fetched fresh
        return f"private, max-age={self.max_age}, s-maxage={self.max_age}"

    # -- helpers for routes --------------------------------------------------------------------
    def repo_of(self, req: Request) -> _Repo:
        key = (req.path_args["owner"].lower(), req.path_args["repo"].lower())
        if key not in self.state.repos:
            raise _error(404, "Not Found")
        return self.state.repos[key]

    def issue_of(self, r: _Repo, n: int) -> dict[str, Any]:
        if n not in r.issues:
            raise _error(404, "Not Found")
        return r.issues[n]

    def with_repo(self, r: _Repo, issue: dict[str, Any]) -> dict[str, Any]:
        out = _public(issue)
        repo = spec.component_example("issue-with-repo-items")[0]["repository"]
        repo.update(
            name=r.name,
            full_name=f"{r.owner}/{r.name}",
            owner=self.state.user(r.owner),
            html_url=f"https://github.com/{r.owner}/{r.name}",
            url=f"{spec.SERVER}/repos/{r.owner}/{r.name}",
        )
        out["repository"] = repo
        return out


def _sorted(items: list[dict[str, Any]], q: dict[str, str]) -> list[dict[str, Any]]:
    key = q.get("sort", "created")
    field_ = {"created": "created_at", "updated": "updated_at", "comments": "comments"}.get(
        key, "created_at"
    )
    desc = q.get("direction", "desc") == "desc"
    return sorted(items, key=lambda i: (i[field_], i["number"]), reverse=desc)


def _state_ok(item: dict[str, Any], q: dict[str, str]) -> bool:
    want = q.get("state", "open")
    return want == "all" or item["state"] == want


_RE = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"


@routes.route("GET", r"/user")
def _r_user(s: GitHubStandIn, req: Request) -> Response:
    u = spec.example("/user", "get")
    u.update({k: v for k, v in s.state.user(req.me).items() if k in u})
    u["name"] = req.me.title()
    return 200, u, {}


@routes.route("DELETE", r"/applications/(?P<client_id>[^/]+)/token")
def _r_delete_app_token(s: GitHubStandIn, req: Request) -> Response:
    if req.me != f"app:{req.path_args['client_id']}":
        raise s.error(404, "Not Found")
    token = (req.json or {}).get("access_token")
    if token not in s.state.tokens or token in s.state.revoked:
        raise s.error(422, "Validation Failed")
    s.state.revoked.add(token)
    return 204, b"", {}


@routes.route("POST", r"/credentials/revoke")
def _r_revoke_credentials(s: GitHubStandIn, req: Request) -> Response:
    s.state.revoked.update(str(t) for t in (req.json or {}).get("credentials", []))
    return 202, {}, {}


@routes.route("GET", r"/rate_limit")
def _r_rate(s: GitHubStandIn, req: Request) -> Response:
    body = spec.example("/rate_limit", "get")
    for res in ("core", "search"):
        q = s.quota(req.me, res)
        body["resources"][res] = {
            "limit": q.limit,
            "remaining": q.remaining,
            "reset": math.ceil(q.reset),
            "used": q.used,
        }
    body["rate"] = body["resources"]["core"]
    return 200, body, {}


@routes.route("GET", r"/issues")
def _r_my_issues(s: GitHubStandIn, req: Request) -> Response:
    q, me = req.args, req.me
    which = q.get("filter", "assigned")
    out = []
    for r in s.state.repos.values():
        for i in r.issues.values():
            if not _state_ok(i, q):
                continue
            assigned = any(a["login"] == me for a in i["assignees"])
            created = i["user"]["login"] == me
            mentioned = me in i.get("_mentions", [])
            ok = {
                "assigned": assigned,
                "created": created,
                "mentioned": mentioned,
                "subscribed": assigned or created or mentioned,
                "all": True,
                "repos": True,
            }[which]
            if ok:
                out.append(s.with_repo(r, i))
    items, link = link_pages(_sorted(out, q), req)
    return 200, items, link


@routes.route("GET", r"/search/issues")
def _r_search(s: GitHubStandIn, req: Request) -> Response:
    terms = req.args.get("q", "").split()
    out = []
    for r in s.state.repos.values():
        for i in r.issues.values():
            ok = True
            for t in terms:
                key, _, val = t.partition(":")
                val = req.me if val == "@me" else val
                if t == "is:pr":
                    ok &= "pull_request" in i
                elif t == "is:issue":
                    ok &= "pull_request" not in i
                elif key in ("is", "state") and val in ("open", "closed"):
                    ok &= i["state"] == val
                elif key == "author":
                    ok &= i["user"]["login"] == val
                elif key == "assignee":
                    ok &= any(a["login"] == val for a in i["assignees"])
                elif key == "review-requested":
                    ok &= val in i.get("_requested", [])
                elif key == "repo":
                    ok &= val.lower() == f"{r.owner}/{r.name}".lower()
                elif key == "mentions":
                    ok &= val in i.get("_mentions", [])
            if ok:
                item = _public(i)
                item["score"] = 1.0
                out.append(item)
    items, link = link_pages(_sorted(out, req.args), req)
    return 200, {"total_count": len(out), "incomplete_results": False, "items": items}, link


@routes.route("GET", _RE + r"/issues")
def _r_repo_issues(s: GitHubStandIn, req: Request) -> Response:
    r = s.repo_of(req)
    out = [_public(i) for i in r.issues.values() if _state_ok(i, req.args)]
    items, link = link_pages(_sorted(out, req.args), req)
    return 200, items, link


@routes.route("POST", _RE + r"/issues")
def _r_create_issue(s: GitHubStandIn, req: Request) -> Response:
    r = s.repo_of(req)
    d = req.json or {}
    labels = [lb if isinstance(lb, str) else lb["name"] for lb in d.get("labels", [])]
    issue = s.state.add_issue(
        f"{r.owner}/{r.name}",
        d["title"],
        body=d.get("body"),
        author=req.me,
        labels=labels,
        assignees=d.get("assignees"),
    )
    return 201, _public(issue), {"location": issue["url"]}


@routes.route("GET", _RE + r"/issues/(?P<n>\d+)")
def _r_get_issue(s: GitHubStandIn, req: Request) -> Response:
    return 200, _public(s.issue_of(s.repo_of(req), int(req.path_args["n"]))), {}


@routes.route("PATCH", _RE + r"/issues/(?P<n>\d+)")
def _r_update_issue(s: GitHubStandIn, req: Request) -> Response:
    issue = s.issue_of(s.repo_of(req), int(req.path_args["n"]))
    d = req.json or {}
    ts = s.state._tick()
    for k in ("title", "body"):
        if k in d:
            issue[k] = d[k]
    if "state" in d:
        issue["state"] = d["state"]
        issue["closed_at"] = ts if d["state"] == "closed" else None
        issue["state_reason"] = d.get("state_reason") or (
            "completed" if d["state"] == "closed" else "reopened"
        )
    issue["updated_at"] = ts
    return 200, _public(issue), {}


@routes.route("POST", _RE + r"/issues/(?P<n>\d+)/comments")
def _r_comment(s: GitHubStandIn, req: Request) -> Response:
    r = s.repo_of(req)
    n = int(req.path_args["n"])
    issue = s.issue_of(r, n)
    c = spec.component_example("issue-comment")
    comments = r.comments.setdefault(n, [])
    cid = n * 1000 + len(comments) + 1
    c.update(
        id=cid,
        body=(req.json or {})["body"],
        user=s.state.user(req.me),
        created_at=s.state._tick(),
        html_url=f"{issue['html_url']}#issuecomment-{cid}",
    )
    comments.append(c)
    issue["comments"] += 1
    issue["updated_at"] = c["created_at"]
    return 201, c, {}


@routes.route("GET", _RE + r"/pulls")
def _r_pulls(s: GitHubStandIn, req: Request) -> Response:
    r, q = s.repo_of(req), req.args
    out = []
    for n, pr in r.pulls.items():
        if not _state_ok(r.issues[n], q):
            continue
        if "head" in q and pr["head"]["label"].lower() != q["head"].lower():
            continue
        item = dict(pr)
        item["state"] = r.issues[n]["state"]
        out.append(item)
    items, link = link_pages(_sorted(out, q), req)
    return 200, items, link


@routes.route("GET", _RE + r"/pulls/(?P<n>\d+)")
def _r_pull(s: GitHubStandIn, req: Request) -> Response:
    r = s.repo_of(req)
    n = int(req.path_args["n"])
    if n not in r.pulls:
        raise _error(404, "Not Found")
    pr = dict(r.pulls[n])
    pr["state"] = r.issues[n]["state"]
    return 200, pr, {}


@routes.route("GET", _RE + r"/pulls/(?P<n>\d+)/reviews")
def _r_reviews(s: GitHubStandIn, req: Request) -> Response:
    r = s.repo_of(req)
    items, link = link_pages(r.reviews.get(int(req.path_args["n"]), []), req)
    return 200, items, link


def _sha_for(r: _Repo, ref: str) -> str:
    for pr in r.pulls.values():
        if ref in (pr["head"]["ref"], pr["head"]["sha"]):
            return str(pr["head"]["sha"])
    return ref


@routes.route("GET", _RE + r"/commits/(?P<ref>.+)/check-runs")
def _r_checks(s: GitHubStandIn, req: Request) -> Response:
    r = s.repo_of(req)
    ref = unquote(req.path_args["ref"])  # a branch with a slash arrives as feature%2Fx
    runs = r.check_runs.get(ref) or r.check_runs.get(_sha_for(r, ref), [])
    items, link = link_pages(runs, req)
    return 200, {"total_count": len(runs), "check_runs": items}, link


@routes.route("GET", _RE + r"/commits/(?P<ref>.+)/status")
def _r_status(s: GitHubStandIn, req: Request) -> Response:
    r = s.repo_of(req)
    sha = _sha_for(r, unquote(req.path_args["ref"]))
    sts = r.statuses.get(sha, [])
    states = {x["state"] for x in sts}
    state = (
        "failure"
        if states & {"failure", "error"}
        else "pending"
        if "pending" in states or not sts
        else "success"
    )
    body = spec.component_example("combined-commit-status")
    body.update(state=state, sha=sha, statuses=sts, total_count=len(sts))
    return 200, body, {}


@routes.route("GET", _RE + r"/assignees")
@routes.route("GET", _RE + r"/collaborators")
def _r_assignees(s: GitHubStandIn, req: Request) -> Response:
    r = s.repo_of(req)
    users = [s.state.user(u) for u in dict.fromkeys(r.collaborators)]
    items, link = link_pages(users, req)
    return 200, items, link


from . import github_actions as _actions_routes  # noqa: E402  (registers the Actions routes)

del _actions_routes

from . import github_gists as _gists_routes  # noqa: E402

_gists_routes.register(routes)
del _gists_routes


def main(argv: list[str] | None = None) -> None:
    """``python -m tests.standin.github --port N --seed FILE``: serve until interrupted."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--seed", type=Path)
    ap.add_argument("--no-validate", action="store_true")
    args = ap.parse_args(argv)
    state = State()
    if args.seed:
        state.seed(json.loads(args.seed.read_text(encoding="utf-8")))
    server = GitHubStandIn(state, port=args.port, validate=not args.no_validate).start()
    print(f"GitHub stand-in listening on {server.url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        for v in server.violations:
            print("contract violation:", v, flush=True)


if __name__ == "__main__":
    main()
