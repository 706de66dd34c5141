"""Tieline's own test service: a little issue tracker that exists only in this file.

It is no real service's stand-in, so it has no contract: this module *is* its definition. It
exists to test what is generic: the stand-in kit itself (``tests/standin/test_kit.py``) and,
later, the hub's service-independent machinery (HTTP stack, pagination strategies, rate-limit
handling, sync) without dragging one real service's quirks into those tests. It is also the
smallest complete example of a stand-in built on the kit.

The API (JSON; ``Authorization: Bearer <token>``, tokens in ``tokens``):

- ``GET /me`` -> ``{"login": ...}``
- ``GET /projects`` -> ``[{"key", "issues"}]``, Link-paged
- ``GET /projects/{key}/issues?state=open|closed|all`` -> issues, Link-paged (``page``,
  ``per_page``), or keyset-paged with ``pagination=keyset&order_by=id|updated&sort=asc|desc``
- ``GET /issues?filter=assigned|created|mentioned`` -> the caller's open issues, Link-paged
- ``POST /projects/{key}/issues`` ``{"title", "body"?}`` -> 201 (422 without a title)
- ``GET``/``PATCH /projects/{key}/issues/{number}`` (``title``, ``body``, ``state``)
- ``POST /projects/{key}/issues/{number}/comments`` ``{"body"}`` -> 201 the comment
- ``GET /search?q=&startAt=&maxResults=`` -> ``{startAt, maxResults, total, isLast, values}``
- ``POST /search`` ``{"q", "nextPageToken"?, "maxResults"?}`` -> ``{issues, isLast,
  nextPageToken?}``

CI (Tieline's own, Jenkins-like in its log and GitLab-like in its pipelines; ``{scope}`` is a
repository path, percent-encoded: ``octo%2Fapp``):

- ``GET /ci/projects/{scope}/pipelines?branch=&per_page=`` -> pipelines newest first, without
  jobs: ``{id, name, number, status, branch, sha, attempt, event, created, started,
  finished, web_url}``; ``status`` is ``queued|running|manual|success|failed|canceled``
- ``GET /ci/pipelines/{id}`` -> the pipeline with ``jobs``: ``{id, name, stage, status,
  allow_failure, web_url, steps: [{name, number, status}]}``
- ``GET /ci/jobs/{id}/log?start=N`` -> ``text/plain`` from byte ``N``, at most ``log_page``
  bytes; ``X-Text-Size`` is the offset to ask next, ``X-More-Data: true`` while more is
  written or waits (Jenkins' progressive text)
- ``POST /ci/pipelines/{id}/rerun|rerun-failed|cancel``, ``POST /ci/jobs/{id}/retry|play``
  -> the pipeline (409 when its state does not allow it)
- ``GET /ci/projects/{scope}/triggers`` -> ``[{id, name, description, inputs: [{name, type,
  required, default, options, description}]}]``; ``POST /ci/projects/{scope}/triggers/{id}``
  ``{"branch", "inputs"}`` -> 201 the new pipeline (422 naming a missing or bad input)

Errors are ``{"error": message}``. One budget, ``requests`` (1000 an hour per account),
reported with the IETF draft's ``RateLimit-Limit``/``-Remaining``/``-Reset`` (seconds to go);
an exhausted budget is 429 with Retry-After; a 304 spends budget like any request.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from .kit import (
    Quota,
    Reply,
    Request,
    Response,
    Router,
    StandIn,
    keyset_pages,
    link_pages,
    offset_body,
    token_body,
)


@dataclass
class Project:
    key: str
    issues: dict[int, dict[str, Any]] = field(default_factory=dict)
    next_number: int = 1


class Tracker:
    """The service's world: projects of numbered issues. ``clock`` makes timestamps
    deterministic and strictly increasing."""

    def __init__(self) -> None:
        self.projects: dict[str, Project] = {}
        self.clock = 1_700_000_000
        self.next_id = 1

    def project(self, key: str) -> Project:
        return self.projects.setdefault(key, Project(key))

    def tick(self) -> int:
        self.clock += 1
        return self.clock

    def add_issue(
        self,
        project: str,
        title: str,
        *,
        body: str | None = None,
        state: str = "open",
        author: str = "ada",
        assignee: str | None = None,
        mentions: tuple[str, ...] = (),
    ) -> dict[str, Any]:
        p = self.project(project)
        ts = self.tick()
        issue = {
            "id": self.next_id,
            "project": p.key,
            "number": p.next_number,
            "title": title,
            "body": body,
            "state": state,
            "author": author,
            "assignee": assignee,
            "mentions": list(mentions),
            "comments": [],
            "created": ts,
            "updated": ts,
        }
        self.next_id += 1
        p.issues[p.next_number] = issue
        p.next_number += 1
        return issue


FINISHED = ("success", "failed", "canceled", "skipped")


class Builds:
    """The service's CI: pipelines of jobs (each with steps and a log) and the hand-started
    pipelines (triggers) of each project."""

    def __init__(self, tracker: Tracker) -> None:
        self._t = tracker
        self.pipelines: dict[int, dict[str, Any]] = {}
        self.jobs: dict[int, dict[str, Any]] = {}
        self.logs: dict[int, bytes] = {}
        self.triggers: dict[str, list[dict[str, Any]]] = {}
        self.numbers: dict[str, int] = {}
        self.next_id = 100

    def _id(self) -> int:
        self.next_id += 1
        return self.next_id

    def add_pipeline(
        self,
        scope: str,
        name: str,
        branch: str,
        *,
        jobs: list[tuple[str, str | None, str]] = (),  # type: ignore[assignment]
        status: str | None = None,
        sha: str = "c0ffee" * 6 + "beef",
        event: str = "push",
    ) -> dict[str, Any]:
        """A pipeline with ``jobs`` given as ``(name, stage, status)``; its status follows
        from theirs unless ``status`` says."""
        pid = self._id()
        number = self.numbers[scope] = self.numbers.get(scope, 0) + 1
        ts = self._t.tick()
        p: dict[str, Any] = {
            "id": pid,
            "scope": scope,
            "name": name,
            "number": number,
            "status": "queued",
            "branch": branch,
            "sha": sha,
            "attempt": 1,
            "event": event,
            "created": ts,
            "started": ts,
            "finished": None,
            "jobs": [],
        }
        self.pipelines[pid] = p
        for job_name, stage, job_status in jobs:
            self.add_job(pid, job_name, stage, job_status)
        if status is not None:
            p["status"] = status
            p["finished"] = ts if status in FINISHED else None
        else:
            self.settle(pid)
        return p

    def add_job(
        self,
        pid: int,
        name: str,
        stage: str | None,
        status: str,
        *,
        steps: tuple[tuple[str, str], ...] = (),
        allow_failure: bool = False,
        log: str | bytes = b"",
    ) -> dict[str, Any]:
        jid = self._id()
        job = {
            "id": jid,
            "pipeline": pid,
            "name": name,
            "stage": stage,
            "status": status,
            "allow_failure": allow_failure,
            "steps": [
                {"name": n, "number": i + 1, "status": st} for i, (n, st) in enumerate(steps)
            ],
        }
        self.jobs[jid] = job
        self.pipelines[pid]["jobs"].append(jid)
        self.logs[jid] = log.encode() if isinstance(log, str) else log
        return job

    def job_named(self, pid: int, name: str) -> dict[str, Any]:
        return next(
            self.jobs[j] for j in self.pipelines[pid]["jobs"] if self.jobs[j]["name"] == name
        )

    def settle(self, pid: int) -> None:
        """The pipeline's status from its jobs' (a failure allowed to fail does not count)."""
        p = self.pipelines[pid]
        states = [self.jobs[j] for j in p["jobs"]]
        live = [j["status"] for j in states]
        if any(s in ("running", "queued") for s in live):
            p["status"] = "running" if "running" in live else p["status"]
            p["finished"] = None
            return
        if any(s == "manual" for s in live) and not any(s == "failed" for s in live):
            p["status"] = "manual"
            return
        bad = any(j["status"] == "failed" and not j["allow_failure"] for j in states)
        p["status"] = "canceled" if "canceled" in live else "failed" if bad else "success"
        p["finished"] = self._t.tick()

    def finish_job(self, jid: int, status: str, log: str | bytes = b"") -> None:
        """A job ends (``success``/``failed``), with more log written; the pipeline follows."""
        job = self.jobs[jid]
        job["status"] = status
        self.logs[jid] += log.encode() if isinstance(log, str) else log
        for step in job["steps"]:
            if step["status"] in ("running", "queued"):
                step["status"] = status
        self.settle(job["pipeline"])

    def rerun(self, pid: int, *, failed_only: bool) -> None:
        p = self.pipelines[pid]
        p["attempt"] += 1
        for jid in p["jobs"]:
            job = self.jobs[jid]
            if not failed_only or job["status"] in ("failed", "canceled"):
                job["status"] = "queued"
        p["status"] = "queued"
        p["finished"] = None

    def wire(self, p: dict[str, Any], base: str, *, jobs: bool) -> dict[str, Any]:
        out = {k: v for k, v in p.items() if k not in ("jobs", "scope")}
        out["web_url"] = f"{base}/ci/{p['scope']}/-/pipelines/{p['id']}"
        if jobs:
            out["jobs"] = [
                {
                    **{k: v for k, v in self.jobs[j].items() if k != "pipeline"},
                    "web_url": f"{base}/ci/{p['scope']}/-/jobs/{j}",
                }
                for j in p["jobs"]
            ]
        return out


routes: Router[SyntheticStandIn] = Router()


class SyntheticStandIn(StandIn):
    """The tracker over HTTP; see the module docstring for its API."""

    service = "synthetic"
    router = routes
    # No ``contract``: Tieline's own service, nothing outside this file defines it.
    budgets = {"requests": 1000}

    def __init__(
        self, tokens: dict[str, str] | None = None, *, port: int = 0, validate: bool = True
    ) -> None:
        super().__init__(port=port, validate=validate)
        self.state = Tracker()
        self.ci = Builds(self.state)
        #: The most log bytes one answer carries (the rest comes with ``X-More-Data``).
        self.log_page = 1 << 20
        self.tokens.update(tokens or {"tok-ada": "ada", "tok-bob": "bob"})

    def error(self, status: int, message: str) -> Reply:
        return Reply(status, {"error": message})

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(quota.limit),
            "RateLimit-Remaining": str(quota.remaining),
            "RateLimit-Reset": str(quota.retry_after()),
        }

    def project_of(self, req: Request) -> Project:
        key = req.path_args["project"]
        if key not in self.state.projects:
            raise self.error(404, f"no project {key}")
        return self.state.projects[key]

    def issue_of(self, req: Request) -> dict[str, Any]:
        issues = self.project_of(req).issues
        n = int(req.path_args["number"])
        if n not in issues:
            raise self.error(404, f"no issue {n}")
        return issues[n]

    def matching(self, text: str) -> list[dict[str, Any]]:
        t = text.lower()
        return [
            i
            for p in self.state.projects.values()
            for i in p.issues.values()
            if t in i["title"].lower() or t in (i["body"] or "").lower()
        ]


_P = r"/projects/(?P<project>[^/]+)"


@routes.route("GET", r"/me")
def _me(s: SyntheticStandIn, req: Request) -> Response:
    return 200, {"login": req.me}, {}


@routes.route("GET", r"/projects")
def _projects(s: SyntheticStandIn, req: Request) -> Response:
    listed = [{"key": p.key, "issues": len(p.issues)} for p in s.state.projects.values()]
    items, headers = link_pages(listed, req)
    return 200, items, headers


@routes.route("GET", _P + r"/issues")
def _issues(s: SyntheticStandIn, req: Request) -> Response:
    want = req.args.get("state", "open")
    if want not in ("open", "closed", "all"):
        raise s.error(422, f"state must be open, closed or all, not {want!r}")
    found = [i for i in s.project_of(req).issues.values() if want == "all" or i["state"] == want]
    if req.args.get("pagination") == "keyset":
        page, headers = keyset_pages(found, req, order_by=("id", "updated"))
        return 200, page, headers
    items, headers = link_pages(found, req)
    return 200, items, headers


@routes.route("POST", _P + r"/issues")
def _create(s: SyntheticStandIn, req: Request) -> Response:
    data = req.json or {}
    if not isinstance(data.get("title"), str) or not data["title"]:
        raise s.error(422, "title is required")
    s.project_of(req)
    issue = s.state.add_issue(
        req.path_args["project"], data["title"], body=data.get("body"), author=req.me
    )
    return 201, issue, {"location": f"{req.base_url}{req.path}/{issue['number']}"}


@routes.route("GET", _P + r"/issues/(?P<number>\d+)")
def _issue(s: SyntheticStandIn, req: Request) -> Response:
    return 200, s.issue_of(req), {}


@routes.route("PATCH", _P + r"/issues/(?P<number>\d+)")
def _update(s: SyntheticStandIn, req: Request) -> Response:
    issue = s.issue_of(req)
    data = req.json or {}
    if data.get("state", "open") not in ("open", "closed"):
        raise s.error(422, "state must be open or closed")
    for k in ("title", "body", "state"):
        if k in data:
            issue[k] = data[k]
    issue["updated"] = s.state.tick()
    return 200, issue, {}


@routes.route("GET", r"/issues")
def _mine(s: SyntheticStandIn, req: Request) -> Response:
    which = req.args.get("filter", "assigned")
    field_of = {"assigned": "assignee", "created": "author"}
    if which not in ("assigned", "created", "mentioned"):
        raise s.error(422, f"filter must be assigned, created or mentioned, not {which!r}")
    found = [
        i
        for p in s.state.projects.values()
        for i in p.issues.values()
        if i["state"] == "open"
        and (req.me in i["mentions"] if which == "mentioned" else i[field_of[which]] == req.me)
    ]
    found.sort(key=lambda i: -int(i["updated"]))
    items, headers = link_pages(found, req)
    return 200, items, headers


@routes.route("POST", _P + r"/issues/(?P<number>\d+)/comments")
def _comment(s: SyntheticStandIn, req: Request) -> Response:
    issue = s.issue_of(req)
    body = (req.json or {}).get("body")
    if not isinstance(body, str) or not body:
        raise s.error(422, "body is required")
    comment = {"id": len(issue["comments"]) + 1, "body": body, "author": req.me}
    issue["comments"].append(comment)
    issue["updated"] = s.state.tick()
    return 201, comment, {}


@routes.route("GET", r"/search")
def _search(s: SyntheticStandIn, req: Request) -> Response:
    return 200, offset_body(s.matching(req.args.get("q", "")), req.args), {}


@routes.route("POST", r"/search")
def _search_tokens(s: SyntheticStandIn, req: Request) -> Response:
    data = req.json or {}
    return 200, token_body(s.matching(str(data.get("q", ""))), data), {}


# -- CI -----------------------------------------------------------------------------------------

_CI = r"/ci/projects/(?P<scope>[^/]+)"


def _pipeline_of(s: SyntheticStandIn, req: Request) -> dict[str, Any]:
    pid = int(req.path_args["id"])
    if pid not in s.ci.pipelines:
        raise s.error(404, f"no pipeline {pid}")
    return s.ci.pipelines[pid]


def _job_of(s: SyntheticStandIn, req: Request) -> dict[str, Any]:
    jid = int(req.path_args["id"])
    if jid not in s.ci.jobs:
        raise s.error(404, f"no job {jid}")
    return s.ci.jobs[jid]


@routes.route("GET", _CI + r"/pipelines")
def _pipelines(s: SyntheticStandIn, req: Request) -> Response:
    scope = unquote(req.path_args["scope"])
    branch = req.args.get("branch")
    found = [
        p
        for p in s.ci.pipelines.values()
        if p["scope"] == scope and (branch is None or p["branch"] == branch)
    ]
    found.sort(key=lambda p: -int(p["id"]))
    base = s.url
    items, headers = link_pages([s.ci.wire(p, base, jobs=False) for p in found], req)
    return 200, items, headers


@routes.route("GET", r"/ci/pipelines/(?P<id>\d+)")
def _pipeline(s: SyntheticStandIn, req: Request) -> Response:
    return 200, s.ci.wire(_pipeline_of(s, req), s.url, jobs=True), {}


@routes.route("GET", r"/ci/jobs/(?P<id>\d+)/log")
def _log(s: SyntheticStandIn, req: Request) -> Response:
    job = _job_of(s, req)
    start = req.args.get("start", "0")
    if not start.isdigit():
        raise s.error(422, "start must be a byte offset")
    data = s.ci.logs[job["id"]]
    begin = min(int(start), len(data))
    end = min(len(data), begin + s.log_page)
    more = end < len(data) or job["status"] not in FINISHED
    headers = {
        "content-type": "text/plain; charset=utf-8",
        "X-Text-Size": str(end),
        "X-More-Data": "true" if more else "false",
    }
    return 200, data[begin:end] or b"", headers


@routes.route("POST", r"/ci/pipelines/(?P<id>\d+)/(?P<what>rerun|rerun-failed|cancel)")
def _pipeline_action(s: SyntheticStandIn, req: Request) -> Response:
    p = _pipeline_of(s, req)
    what = req.path_args["what"]
    done = p["status"] in FINISHED
    if what == "cancel":
        if done:
            raise s.error(409, f"pipeline {p['id']} has finished: nothing to cancel")
        for jid in p["jobs"]:
            if s.ci.jobs[jid]["status"] not in FINISHED:
                s.ci.jobs[jid]["status"] = "canceled"
        p["status"], p["finished"] = "canceled", s.state.tick()
    else:
        if not done:
            raise s.error(409, f"pipeline {p['id']} is still running")
        if what == "rerun-failed" and p["status"] != "failed":
            raise s.error(409, f"pipeline {p['id']} has no failed jobs")
        s.ci.rerun(p["id"], failed_only=what == "rerun-failed")
    return 200, s.ci.wire(p, s.url, jobs=True), {}


@routes.route("POST", r"/ci/jobs/(?P<id>\d+)/(?P<what>retry|play)")
def _job_action(s: SyntheticStandIn, req: Request) -> Response:
    job = _job_of(s, req)
    what = req.path_args["what"]
    if what == "play" and job["status"] != "manual":
        raise s.error(409, f"job {job['id']} is not a manual job")
    if what == "retry" and job["status"] not in ("failed", "canceled"):
        raise s.error(409, f"job {job['id']} has not failed")
    job["status"] = "queued"
    p = s.ci.pipelines[job["pipeline"]]
    p["status"], p["finished"] = "running", None
    return 200, s.ci.wire(p, s.url, jobs=True), {}


@routes.route("GET", _CI + r"/triggers")
def _triggers(s: SyntheticStandIn, req: Request) -> Response:
    return 200, s.ci.triggers.get(unquote(req.path_args["scope"]), []), {}


@routes.route("POST", _CI + r"/triggers/(?P<id>[^/]+)")
def _trigger(s: SyntheticStandIn, req: Request) -> Response:
    scope = unquote(req.path_args["scope"])
    found = [t for t in s.ci.triggers.get(scope, []) if t["id"] == req.path_args["id"]]
    if not found:
        raise s.error(404, f"no trigger {req.path_args['id']}")
    data = req.json or {}
    branch, inputs = data.get("branch"), data.get("inputs") or {}
    if not isinstance(branch, str) or not branch:
        raise s.error(422, "branch is required")
    for spec in found[0]["inputs"]:
        value = inputs.get(spec["name"])
        if value is None and spec.get("required") and spec.get("default") is None:
            raise s.error(422, f"input {spec['name']} is required")
        if value is not None and spec.get("options") and value not in spec["options"]:
            raise s.error(422, f"input {spec['name']} must be one of {spec['options']}")
    p = s.ci.add_pipeline(
        scope, found[0]["name"], branch, jobs=[("run", None, "queued")], event="manual"
    )
    p["inputs"] = dict(inputs)
    return 201, s.ci.wire(p, s.url, jobs=True), {}
