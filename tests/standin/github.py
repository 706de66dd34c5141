"""A local GitHub REST stand-in: stateful, contract-checked, with ETags, rate limits and faults.

Why not prism or wiremock: prism ignores ``If-None-Match`` and keeps no state, wiremock knows
nothing of GitHub's description. This server validates *every* request against GitHub's
OpenAPI description (openapi-core) and records violations, so a test fails when the connector
sends something GitHub would not accept. Bodies start from the description's own examples and
are overlaid with the seeded state, so creating an issue and then reading it back works.

In-process (pytest): ``with GitHubStandIn() as gh: gh.url ...``  (see ``tests/github/conftest``)
As a process:       ``python -m tests.standin.github --port 8999 --seed seed.json``

Seed file (JSON; every key optional)::

    {"login": "octocat",
     "tokens": {"tok-a": "octocat", "tok-b": "hubot"},
     "issues": [{"repo": "o/r", "title": "...", "assignees": ["octocat"], "author": "hubot",
                 "labels": ["bug"], "state": "open", "body": "...", "mentions": ["octocat"]}],
     "bulk_issues": [{"repo": "o/r", "count": 5000, "assignees": ["octocat"]}],
     "pulls": [{"repo": "o/r", "title": "...", "head": "feature", "author": "octocat",
                "head_sha": "abc", "requested_reviewers": ["octocat"],
                "reviews": [{"user": "hubot", "state": "APPROVED"}], "mergeable": true}],
     "check_runs": [{"repo": "o/r", "sha": "abc", "name": "ci", "status": "completed",
                     "conclusion": "success"}],
     "statuses": [{"repo": "o/r", "sha": "abc", "context": "ci/legacy", "state": "success"}],
     "collaborators": [{"repo": "o/r", "login": "hubot"}]}
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from . import spec

Json = Any
CACHE_CONTROL = "private, max-age=60, s-maxage=60"
VARY = "Accept, Authorization, Cookie, X-GitHub-OTP"
LIMITS = {"core": 5000, "search": 30}


def _now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class LoggedRequest:
    """One request as the stand-in saw it (``authorization`` removed)."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    time: float
    status: int = 0
    account: str | None = None
    counted: bool = False  # did it spend primary rate-limit budget?


@dataclass
class Fault:
    """Answer the next ``count`` matching requests with a failure instead of the real thing."""

    kind: str  # "500" | "502" | "reset" | "ratelimit" | "retry_after" | "401" | "secondary"
    count: int = 1
    seconds: float = 1.0  # for ratelimit (reset in N s) and retry_after
    path: str | None = None  # only requests whose path contains this


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
        self.repos: dict[tuple[str, str], _Repo] = {}
        self.clock = 1_700_000_000
        self.user_ids: dict[str, int] = {}

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
        issue = spec.component_example("issue")
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
        pr = spec.component_example("pull-request")
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


class _Reply(Exception):
    def __init__(self, status: int, body: Json, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


def _error(status: int, message: str) -> _Reply:
    return _Reply(
        status,
        {
            "message": message,
            "documentation_url": "https://docs.github.com/rest",
            "status": str(status),
        },
    )


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_")}


class GitHubStandIn:
    """The server. Thread-safe; ``start()``/``stop()`` or use as a context manager."""

    def __init__(self, state: State | None = None, *, port: int = 0, validate: bool = True) -> None:
        self.state = state or State()
        self.validate = validate
        self.log: list[LoggedRequest] = []
        self.violations: list[str] = []
        self.faults: list[Fault] = []
        self.max_age = 60
        self.used: dict[tuple[str, str], int] = {}
        self.reset_at = int(time.time()) + 3600
        self.lock = threading.RLock()
        self._port = port
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        if validate:
            spec.validator()  # build before serving, not inside the first request

    # -- lifecycle --------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> GitHubStandIn:
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", self._port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> GitHubStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- test helpers -----------------------------------------------------------------------
    def inject(
        self, kind: str, count: int = 1, *, seconds: float = 1.0, path: str | None = None
    ) -> None:
        """Fail the next ``count`` requests (optionally only those whose path contains ``path``)."""
        with self.lock:
            self.faults.append(Fault(kind, count, seconds, path))

    def reset_log(self) -> None:
        with self.lock:
            self.log.clear()

    def spent(self, account: str | None = None, resource: str = "core") -> int:
        """Primary rate-limit points spent so far (by ``account``, or by everyone)."""
        with self.lock:
            return sum(
                v for (a, r), v in self.used.items() if r == resource and account in (None, a)
            )

    # -- request handling -------------------------------------------------------------------
    def _take_fault(self, path: str) -> Fault | None:
        with self.lock:
            for f in self.faults:
                if f.count > 0 and (f.path is None or f.path in path):
                    f.count -= 1
                    if f.count == 0:
                        self.faults.remove(f)
                    return f
        return None

    def _rate_headers(self, account: str, resource: str) -> dict[str, str]:
        used = self.used.get((account, resource), 0)
        limit = LIMITS[resource]
        return {
            "x-ratelimit-limit": str(limit),
            "x-ratelimit-remaining": str(max(0, limit - used)),
            "x-ratelimit-reset": str(self.reset_at),
            "x-ratelimit-used": str(used),
            "x-ratelimit-resource": resource,
        }

    def handle(
        self, method: str, raw_path: str, headers: dict[str, str], body: bytes, host: str
    ) -> tuple[int, dict[str, str], bytes] | None:
        """Answer one request: (status, headers, body), or ``None`` to reset the connection."""
        parts = urlsplit(raw_path)
        path = parts.path
        query = parse_qsl(parts.query, keep_blank_values=True)
        lower = {k.lower(): v for k, v in headers.items()}
        entry = LoggedRequest(
            method,
            path,
            query,
            {k: v for k, v in lower.items() if k != "authorization"},
            time.time(),
        )
        with self.lock:
            self.log.append(entry)
        if self.validate:
            problems = spec.violations(method, path, query, lower, body, lower.get("content-type"))
            if problems:
                with self.lock:
                    self.violations.extend(problems)
                entry.status = 422
                return self._encode(422, {"message": "Validation Failed: " + "; ".join(problems)})

        token = lower.get("authorization", "").split(" ", 1)[-1].strip()
        account = self.state.tokens.get(token, self.state.login) if token else None
        entry.account = account
        resource = "search" if path.startswith("/search/") else "core"
        counted = path != "/rate_limit"

        fault = self._take_fault(path)
        if fault is not None:
            reply = self._fault(fault, account or "anonymous", resource)
            if reply is None:
                entry.status = -1
                return None
            entry.status = reply[0]
            return reply

        if account is None or token in self.state.revoked:
            entry.status = 401
            return self._encode(401, {"message": "Bad credentials"})

        with self.lock:
            key = (account, resource)
            rate = self._rate_headers(account, resource)
            if counted and self.used.get(key, 0) >= LIMITS[resource]:
                entry.status = 403
                return self._encode(
                    403, {"message": f"API rate limit exceeded for user {account}."}, rate
                )
            try:
                status, payload, extra = self._route(method, path, dict(query), body, account, host)
            except _Reply as r:
                status, payload, extra = r.status, r.body, r.headers
            text = json.dumps(payload, separators=(",", ":")).encode()
            out = {**rate, **extra}
            if method == "GET" and status == 200:
                etag = 'W/"' + hashlib.sha256(text + account.encode()).hexdigest()[:40] + '"'
                out["etag"] = etag
                out["cache-control"] = (
                    "no-cache"  # as GitHub: the budget is always fetched fresh
                    if path == "/rate_limit"
                    else f"private, max-age={self.max_age}, s-maxage={self.max_age}"
                )
                out["vary"] = VARY
                if etag in [t.strip() for t in lower.get("if-none-match", "").split(",")]:
                    # GitHub: a conditional request answered 304 does not count.
                    entry.status = 304
                    return (
                        304,
                        {
                            **self._rate_headers(account, resource),
                            **{"etag": etag, "cache-control": out["cache-control"], "vary": VARY},
                        },
                        b"",
                    )
            if counted:
                self.used[key] = self.used.get(key, 0) + 1
                entry.counted = True
                out.update(self._rate_headers(account, resource))
            entry.status = status
            return self._encode(status, payload, out, text)

    def _encode(
        self,
        status: int,
        payload: Json,
        headers: dict[str, str] | None = None,
        text: bytes | None = None,
    ) -> tuple[int, dict[str, str], bytes]:
        data = text if text is not None else json.dumps(payload).encode()
        h = {"content-type": "application/json; charset=utf-8", **(headers or {})}
        return status, h, data

    def _fault(
        self, f: Fault, account: str, resource: str
    ) -> tuple[int, dict[str, str], bytes] | None:
        if f.kind == "reset":
            return None
        if f.kind in ("500", "502"):
            return self._encode(int(f.kind), {"message": "Server Error"})
        if f.kind == "401":
            return self._encode(401, {"message": "Bad credentials"})
        if f.kind == "ratelimit":
            rate = self._rate_headers(account, resource)
            rate.update(
                {
                    "x-ratelimit-remaining": "0",
                    "x-ratelimit-reset": str(int(time.time() + f.seconds + 0.999)),
                }
            )
            return self._encode(
                403, {"message": f"API rate limit exceeded for user {account}."}, rate
            )
        if f.kind in ("retry_after", "secondary"):
            status = 429 if f.kind == "retry_after" else 403
            return self._encode(
                status,
                {"message": "You have exceeded a secondary rate limit."},
                {"retry-after": str(int(f.seconds))},
            )
        raise ValueError(f"unknown fault {f.kind}")

    # -- routes ---------------------------------------------------------------------------
    def _route(
        self, method: str, path: str, q: dict[str, str], body: bytes, me: str, host: str
    ) -> tuple[int, Json, dict[str, str]]:
        for pattern, meth, fn in _ROUTES:
            m = re.fullmatch(pattern, path)
            if m and meth == method:
                data = json.loads(body) if body else {}
                return fn(self, m, q, data, me, host)
        raise _error(404, "Not Found")

    def _paginate(
        self, items: list[Any], q: dict[str, str], path: str, host: str
    ) -> tuple[list[Any], dict[str, str]]:
        per_page = min(int(q.get("per_page", 30)), 100)
        page = max(int(q.get("page", 1)), 1)
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page : page * per_page]

        def link(p: int) -> str:
            return f"http://{host}{path}?" + urlencode(
                {**q, "page": str(p), "per_page": str(per_page)}
            )

        rels = []
        if page < last:
            rels += [f'<{link(page + 1)}>; rel="next"', f'<{link(last)}>; rel="last"']
        if page > 1:
            rels += [f'<{link(1)}>; rel="first"', f'<{link(page - 1)}>; rel="prev"']
        return chunk, ({"link": ", ".join(rels)} if rels else {})

    def _get_repo(self, m: re.Match[str]) -> _Repo:
        key = (m["owner"].lower(), m["repo"].lower())
        if key not in self.state.repos:
            raise _error(404, "Not Found")
        return self.state.repos[key]

    def _issue(self, r: _Repo, n: int) -> dict[str, Any]:
        if n not in r.issues:
            raise _error(404, "Not Found")
        return r.issues[n]

    def _with_repo(self, r: _Repo, issue: dict[str, Any]) -> dict[str, Any]:
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


def _r_user(
    s: GitHubStandIn, m: re.Match[str], q: dict[str, str], d: Json, me: str, host: str
) -> tuple[int, Json, dict[str, str]]:
    u = spec.example("/user", "get")
    u.update({k: v for k, v in s.state.user(me).items() if k in u})
    u["name"] = me.title()
    return 200, u, {}


def _r_rate(
    s: GitHubStandIn, m: re.Match[str], q: dict[str, str], d: Json, me: str, host: str
) -> tuple[int, Json, dict[str, str]]:
    body = spec.example("/rate_limit", "get")
    for res in ("core", "search"):
        h = s._rate_headers(me, res)
        body["resources"][res] = {
            "limit": int(h["x-ratelimit-limit"]),
            "remaining": int(h["x-ratelimit-remaining"]),
            "reset": int(h["x-ratelimit-reset"]),
            "used": int(h["x-ratelimit-used"]),
        }
    body["rate"] = body["resources"]["core"]
    return 200, body, {}


def _r_my_issues(
    s: GitHubStandIn, m: re.Match[str], q: dict[str, str], d: Json, me: str, host: str
) -> tuple[int, Json, dict[str, str]]:
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
                out.append(s._with_repo(r, i))
    items, link = s._paginate(_sorted(out, q), q, "/issues", host)
    return 200, items, link


def _r_repo_issues(
    s: GitHubStandIn, m: re.Match[str], q: dict[str, str], d: Json, me: str, host: str
) -> tuple[int, Json, dict[str, str]]:
    r = s._get_repo(m)
    out = [_public(i) for i in r.issues.values() if _state_ok(i, q)]
    items, link = s._paginate(_sorted(out, q), q, m.group(0), host)
    return 200, items, link


def _r_create_issue(
    s: GitHubStandIn, m: re.Match[str], q: dict[str, str], d: Json, me: str, host: str
) -> tuple[int, Json, dict[str, str]]:
    r = s._get_repo(m)
    labels = [lb if isinstance(lb, str) else lb["name"] for lb in d.get("labels", [])]
    issue = s.state.add_issue(
        f"{r.owner}/{r.name}",
        d["title"],
        body=d.get("body"),
        author=me,
        labels=labels,
        assignees=d.get("assignees"),
    )
    return 201, _public(issue), {"location": issue["url"]}


def _r_get_issue(
    s: GitHubStandIn, m: re.Match[str], q: dict[str, str], d: Json, me: str, host: str
) -> tuple[int, Json, dict[str, str]]:
    return 200, _public(s._issue(s._get_repo(m), int(m["n"]))), {}


def _r_update_issue(
    s: GitHubStandIn, m: re.Match[str], q: dict[str, str], d: Json, me: str, host: str
) -> tuple[int, Json, dict[str, str]]:
    r = s._get_repo(m)
    issue = s._issue(r, int(m["n"]))
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


def _r_comment(
    s: GitHubStandIn, m: re.Match[str], q: dict[str, str], d: Json, me: str, host: str
) -> tuple[int, Json, dict[str, str]]:
    r = s._get_repo(m)
    n = int(m["n"])
    issue = s._issue(r, n)
    c = spec.component_example("issue-comment")
    comments = r.comments.setdefault(n, [])
    cid = n * 1000 + len(comments) + 1
    c.update(
        id=cid,
        body=d["body"],
        user=s.state.user(me),
        created_at=s.state._tick(),
        html_url=f"{issue['html_url']}#issuecomment-{cid}",
    )
    comments.append(c)
    issue["comments"] += 1
    issue["updated_at"] = c["created_at"]
    return 201, c, {}


def _r_search(
    s: GitHubStandIn, m: re.Match[str], q: dict[str, str], d: Json, me: str, host: str
) -> tuple[int, Json, dict[str, str]]:
    terms = q.get("q", "").split()
    out = []
    for r in s.state.repos.values():
        for i in r.issues.values():
            ok = True
            for t in terms:
                key, _, val = t.partition(":")
                val = me if val == "@me" else val
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
    items, link = s._paginate(_sorted(out, q), q, "/search/issues", host)
    return 200, {"total_count": len(out), "incomplete_results": False, "items": items}, link


def _r_pulls(
    s: GitHubStandIn, m: re.Match[str], q: dict[str, str], d: Json, me: str, host: str
) -> tuple[int, Json, dict[str, str]]:
    r = s._get_repo(m)
    out = []
    for n, pr in r.pulls.items():
        if not _state_ok(r.issues[n], q):
            continue
        if "head" in q and pr["head"]["label"].lower() != q["head"].lower():
            continue
        item = dict(pr)
        item["state"] = r.issues[n]["state"]
        out.append(item)
    items, link = s._paginate(_sorted(out, q), q, m.group(0), host)
    return 200, items, link


def _r_pull(
    s: GitHubStandIn, m: re.Match[str], q: dict[str, str], d: Json, me: str, host: str
) -> tuple[int, Json, dict[str, str]]:
    r = s._get_repo(m)
    n = int(m["n"])
    if n not in r.pulls:
        raise _error(404, "Not Found")
    pr = dict(r.pulls[n])
    pr["state"] = r.issues[n]["state"]
    return 200, pr, {}


def _r_reviews(
    s: GitHubStandIn, m: re.Match[str], q: dict[str, str], d: Json, me: str, host: str
) -> tuple[int, Json, dict[str, str]]:
    r = s._get_repo(m)
    items, link = s._paginate(r.reviews.get(int(m["n"]), []), q, m.group(0), host)
    return 200, items, link


def _sha_for(r: _Repo, ref: str) -> str:
    for pr in r.pulls.values():
        if ref in (pr["head"]["ref"], pr["head"]["sha"]):
            return str(pr["head"]["sha"])
    return ref


def _r_checks(
    s: GitHubStandIn, m: re.Match[str], q: dict[str, str], d: Json, me: str, host: str
) -> tuple[int, Json, dict[str, str]]:
    r = s._get_repo(m)
    ref = unquote(m["ref"])  # a branch with a slash arrives as feature%2Fx
    runs = r.check_runs.get(ref) or r.check_runs.get(_sha_for(r, ref), [])
    items, link = s._paginate(runs, q, m.group(0), host)
    return 200, {"total_count": len(runs), "check_runs": items}, link


def _r_status(
    s: GitHubStandIn, m: re.Match[str], q: dict[str, str], d: Json, me: str, host: str
) -> tuple[int, Json, dict[str, str]]:
    r = s._get_repo(m)
    sha = _sha_for(r, unquote(m["ref"]))
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


def _r_assignees(
    s: GitHubStandIn, m: re.Match[str], q: dict[str, str], d: Json, me: str, host: str
) -> tuple[int, Json, dict[str, str]]:
    r = s._get_repo(m)
    users = [s.state.user(u) for u in dict.fromkeys(r.collaborators)]
    items, link = s._paginate(users, q, m.group(0), host)
    return 200, items, link


_RE = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
Route = Callable[
    [GitHubStandIn, re.Match[str], dict[str, str], Json, str, str], tuple[int, Json, dict[str, str]]
]
_ROUTES: list[tuple[str, str, Route]] = [
    (r"/user", "GET", _r_user),
    (r"/rate_limit", "GET", _r_rate),
    (r"/issues", "GET", _r_my_issues),
    (r"/search/issues", "GET", _r_search),
    (_RE + r"/issues", "GET", _r_repo_issues),
    (_RE + r"/issues", "POST", _r_create_issue),
    (_RE + r"/issues/(?P<n>\d+)", "GET", _r_get_issue),
    (_RE + r"/issues/(?P<n>\d+)", "PATCH", _r_update_issue),
    (_RE + r"/issues/(?P<n>\d+)/comments", "POST", _r_comment),
    (_RE + r"/pulls", "GET", _r_pulls),
    (_RE + r"/pulls/(?P<n>\d+)", "GET", _r_pull),
    (_RE + r"/pulls/(?P<n>\d+)/reviews", "GET", _r_reviews),
    (_RE + r"/commits/(?P<ref>.+)/check-runs", "GET", _r_checks),
    (_RE + r"/commits/(?P<ref>.+)/status", "GET", _r_status),
    (_RE + r"/assignees", "GET", _r_assignees),
    (_RE + r"/collaborators", "GET", _r_assignees),
]


class _Handler(BaseHTTPRequestHandler):
    standin: GitHubStandIn
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("host", "127.0.0.1")
        try:
            reply = self.standin.handle(
                self.command, self.path, dict(self.headers.items()), body, host
            )
        except Exception as exc:  # a stand-in bug must surface as a failing test, not a hang
            with self.standin.lock:
                self.standin.violations.append(
                    f"stand-in error on {self.command} {self.path}: {exc!r}"
                )
            reply = (500, {"content-type": "application/json"}, b'{"message":"stand-in error"}')
        if reply is None:
            # RST instead of FIN: the client sees "connection reset by peer".
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            self.connection.close()
            return
        status, headers, data = reply
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("content-length", str(len(data)))
        self.send_header("date", self.date_time_string())
        self.end_headers()
        if data and self.command != "HEAD":
            self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = do_HEAD = _serve


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
