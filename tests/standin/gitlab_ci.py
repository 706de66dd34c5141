"""The GitLab stand-in's CI routes, on the router of :mod:`tests.standin.gitlab` (which
imports this module last, so every route there is registered first).

Pipelines (list, single, a merge request's, create), jobs and bridges (retried attempts only
with ``include_retried=true``), the trace as ``text/plain`` served whole whatever ``Range``
says, pipeline retry (each failed or cancelled job gets a new attempt) and cancel, job
retry/cancel/play with GitLab's refusals, CI lint's merged configuration, ``GET
/projects/:id`` and raw repository files. Bodies: see ``tests/standin/data/gitlab/PROVENANCE.md``.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

import yaml

from tests.standin.gitlab import GitLabStandIn, P, Project, R, State, _order, _public, body
from tests.standin.kit import Reply, Request, Response


# -- CI -------------------------------------------------------------------------------------------
@R.route("GET", P + r"/pipelines")
def pipelines(s: GitLabStandIn, req: Request) -> Response:
    a = req.args
    items = [
        pl
        for pl in s.project(req).pipelines.values()
        if a.get("ref", pl["ref"]) == pl["ref"] and a.get("sha", pl["sha"]) == pl["sha"]
    ]
    page, headers = s.offset(req, _order(items, req, default="id"))
    return 200, page, headers


@R.route("GET", P + r"/pipelines/(?P<pid>\d+)/(?P<what>jobs|bridges)")
def pipeline_jobs(s: GitLabStandIn, req: Request) -> Response:
    p = s.project(req)
    pid = int(req.path_args["pid"])
    if pid not in p.pipelines:
        raise Reply(404, {"message": "404 Not found"})
    items = (p.jobs if req.path_args["what"] == "jobs" else p.bridges)[pid]
    if req.args.get("include_retried") != "true":
        items = [j for j in items if not j.get("_retried")]
    page, headers = s.offset(req, [_public(j) for j in items])
    return 200, page, headers


def _single(s: GitLabStandIn, pl: dict[str, Any]) -> dict[str, Any]:
    """``PipelineWithMetadata``: a real gitlab.com pipeline (go-gitlab's recorded merge
    request's ``head_pipeline``) overlaid with the state, timing from its jobs."""
    out = body("recorded/get_merge_request.json")["head_pipeline"]
    out.update(_public(pl), user=s.state.user(s.state.login))
    p = s.state.find(str(pl["project_id"]))
    jobs = [j for j in (p.jobs.get(pl["id"], []) if p else []) if not j["_retried"]]
    starts = [j["started_at"] for j in jobs if j["started_at"]]
    ends = [j["finished_at"] for j in jobs if j["finished_at"]]
    finished = pl["status"] in ("success", "failed", "canceled", "skipped")
    out.update(
        started_at=min(starts) if starts else None,
        finished_at=max(ends) if ends and finished else None,
        detailed_status={**out["detailed_status"], "text": pl["status"], "group": pl["status"]},
    )
    return out


def _pipeline(s: GitLabStandIn, req: Request) -> tuple[Project, dict[str, Any]]:
    p = s.project(req)
    pl = p.pipelines.get(int(req.path_args["pid"]))
    if pl is None:
        raise Reply(404, {"message": "404 Not found"})
    return p, pl


def _may_run(s: GitLabStandIn, req: Request, p: Project, ref: str) -> bool:
    allowed = p.protected.get(ref)
    return allowed is None or req.account in allowed


@R.route("GET", P + r"/pipelines/(?P<pid>\d+)")
def get_pipeline(s: GitLabStandIn, req: Request) -> Response:
    _, pl = _pipeline(s, req)
    return 200, _single(s, pl), {}


@R.route("POST", P + r"/pipelines/(?P<pid>\d+)/retry")
def retry_pipeline(s: GitLabStandIn, req: Request) -> Response:
    """GitLab's Retry: each failed or cancelled job gets a new attempt (a new job; the old
    one becomes ``retried`` and leaves the default list)."""
    p, pl = _pipeline(s, req)
    s.require_api(req)
    if not _may_run(s, req, p, pl["ref"]):
        raise Reply(403, {"message": "403 Forbidden"})
    olds = [
        j for j in p.jobs[pl["id"]] if not j["_retried"] and j["status"] in ("failed", "canceled")
    ]
    for old in olds:  # none: GitLab answers the pipeline unchanged
        _retry(s, p, old)
    s.state.refresh(p, pl["id"])
    return 201, _single(s, pl), {}


def _retry(s: GitLabStandIn, p: Project, old: dict[str, Any]) -> dict[str, Any]:
    old["_retried"] = True
    new = s.state.add_job(
        p.path,
        old["pipeline"]["id"],
        old["name"],
        old["stage"],
        "pending",
        allow_failure=old["allow_failure"],
    )
    return new


@R.route("POST", P + r"/pipelines/(?P<pid>\d+)/cancel")
def cancel_pipeline(s: GitLabStandIn, req: Request) -> Response:
    p, pl = _pipeline(s, req)
    s.require_api(req)
    for j in p.jobs[pl["id"]]:
        if j["status"] in _CANCELABLE:
            j.update(status="canceled", finished_at=s.state.tick())
    pl["status"] = "canceled"
    s.state.refresh(p, pl["id"])
    pl["status"] = "canceled"
    return 201, _single(s, pl), {}


_CANCELABLE = {"created", "waiting_for_resource", "preparing", "pending", "running", "scheduled"}


def _create(s: GitLabStandIn, req: Request, p: Project, ref: str, source: str) -> dict[str, Any]:
    sha = f"{len(p.pipelines) + 1:02x}" * 20
    pl = s.state.add_pipeline(p.path, ref=ref, sha=sha, status="created", source=source, name=None)
    s.state.add_job(p.path, pl["id"], "build", "build", "pending", trace="")
    s.state.refresh(p, pl["id"])
    return pl


@R.route("POST", P + r"/pipeline")
def create_pipeline(s: GitLabStandIn, req: Request) -> Response:
    """Run pipeline: the ref must exist; variables and inputs are kept for the test."""
    p = s.project(req)
    s.require_api(req)
    data = req.json or {}
    ref = data["ref"]
    if ref not in p.branches:
        raise Reply(400, {"message": {"base": ["Reference not found"]}})
    if not _may_run(s, req, p, ref):
        raise Reply(
            400,
            {"message": {"base": ["Insufficient permissions to create a new pipeline"]}},
        )
    p.created.append(data)
    pl = _create(s, req, p, ref, "api")
    return 201, _single(s, pl), {}


@R.route("GET", P + r"/merge_requests/(?P<iid>\d+)/pipelines")
def mr_pipelines(s: GitLabStandIn, req: Request) -> Response:
    p = s.project(req)
    mr = p.mrs.get(int(req.path_args["iid"]))
    if mr is None:
        raise Reply(404, {"message": "404 Not found"})
    refs = {mr["source_branch"], f"refs/merge-requests/{mr['iid']}/head"}
    items = [pl for pl in p.pipelines.values() if pl["ref"] in refs]
    page, headers = s.offset(req, sorted(items, key=lambda pl: pl["id"], reverse=True))
    return 200, page, headers


@R.route("POST", P + r"/merge_requests/(?P<iid>\d+)/pipelines")
def create_mr_pipeline(s: GitLabStandIn, req: Request) -> Response:
    p = s.project(req)
    s.require_api(req)
    mr = p.mrs.get(int(req.path_args["iid"]))
    if mr is None:
        raise Reply(404, {"message": "404 Not found"})
    pl = _create(s, req, p, f"refs/merge-requests/{mr['iid']}/head", "merge_request_event")
    return 201, _single(s, pl), {}


def _job(s: GitLabStandIn, req: Request) -> tuple[Project, dict[str, Any]]:
    p = s.project(req)
    found = s.state.job(int(req.path_args["jid"]))
    if found is None or found[0] is not p:
        raise Reply(404, {"message": "404 Not found"})
    return found


@R.route("GET", P + r"/jobs/(?P<jid>\d+)")
def get_job(s: GitLabStandIn, req: Request) -> Response:
    _, j = _job(s, req)
    return 200, _public(j), {}


@R.route("GET", P + r"/jobs/(?P<jid>\d+)/trace")
def job_trace(s: GitLabStandIn, req: Request) -> Response:
    """The whole trace as text, whatever ``Range`` asks (GitLab serves no ranges here)."""
    p, j = _job(s, req)
    return 200, p.traces.get(j["id"], b""), {"content-type": "text/plain; charset=utf-8"}


@R.route("POST", P + r"/jobs/(?P<jid>\d+)/retry")
def retry_job(s: GitLabStandIn, req: Request) -> Response:
    p, j = _job(s, req)
    s.require_api(req)
    if j["status"] not in ("success", "failed", "canceled") or j["_retried"]:
        raise Reply(403, {"message": "403 Forbidden - Job is not retryable"})
    new = _retry(s, p, j)
    s.state.refresh(p, j["pipeline"]["id"])
    return 201, _public(new), {}


@R.route("POST", P + r"/jobs/(?P<jid>\d+)/cancel")
def cancel_job(s: GitLabStandIn, req: Request) -> Response:
    p, j = _job(s, req)
    s.require_api(req)
    if j["status"] in _CANCELABLE:
        j.update(status="canceled", finished_at=s.state.tick())
        s.state.refresh(p, j["pipeline"]["id"])
    return 201, _public(j), {}


@R.route("POST", P + r"/jobs/(?P<jid>\d+)/play")
def play_job(s: GitLabStandIn, req: Request) -> Response:
    """``authorize!(:play_job)`` (a protected branch: 403), then ``playable?`` (400)."""
    p, j = _job(s, req)
    s.require_api(req)
    if not _may_run(s, req, p, j["ref"]):
        raise Reply(403, {"message": "403 Forbidden"})
    if j["status"] not in ("manual", "scheduled"):
        raise Reply(400, {"message": "400 Bad request - Unplayable Job"})
    p.played.append({"job": j["id"], **(req.json or {})})
    j.update(status="pending", user=s.state.user(req.me))
    s.state.refresh(p, j["pipeline"]["id"])
    basic = {
        k: j[k]
        for k in (
            "id",
            "status",
            "stage",
            "name",
            "ref",
            "tag",
            "coverage",
            "allow_failure",
            "created_at",
            "started_at",
            "finished_at",
            "duration",
            "queued_duration",
            "user",
            "commit",
            "pipeline",
            "web_url",
        )
    }
    return 200, basic, {}


def _ruby_yaml(node: Any, indent: int = 0) -> str:
    """A mapping as Ruby's ``Hash#to_yaml`` writes one with symbol keys (``:variables:``),
    as GitLab's CI lint answers ``merged_yaml``; scalars and lists as YAML flow."""
    pad = "  " * indent
    out = []
    for k, v in node.items():
        if isinstance(v, dict):
            out.append(f"{pad}:{k}:\n{_ruby_yaml(v, indent + 1)}")
        else:
            out.append(f"{pad}:{k}: {json.dumps(v)}\n")
    return "".join(out)


@R.route("GET", P + r"/ci/lint")
def ci_lint(s: GitLabStandIn, req: Request) -> Response:
    """The configuration at ``content_ref`` with its ``include: local`` files merged (their
    ``variables`` under the file's own, as GitLab merges them); a Reporter is refused."""
    p = s.project(req)
    if req.account in p.lint_refused:
        raise Reply(403, {"message": "403 Forbidden"})
    ref = req.args.get("content_ref")
    text = p.files.get((".gitlab-ci.yml", ref)) or p.files.get((".gitlab-ci.yml", None))
    if text is None:
        return (
            200,
            {
                "valid": False,
                "errors": ["Please provide content of .gitlab-ci.yml"],
                "warnings": [],
                "merged_yaml": None,
                "includes": [],
            },
            {},
        )
    docs = [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
    config = next((d for d in docs if "spec" not in d), {})
    merged: dict[str, Any] = {}
    includes = []
    for inc in config.get("include") or []:
        local = inc.get("local") if isinstance(inc, dict) else inc
        part = yaml.safe_load(p.files.get((str(local).lstrip("/"), None), "")) or {}
        merged.setdefault("variables", {}).update(part.get("variables") or {})
        includes.append(
            {
                "type": "local",
                "location": local,
                "blob": None,
                "raw": None,
                "extra": {},
                "context_project": p.path,
                "context_sha": "0" * 40,
            }
        )
    merged.setdefault("variables", {}).update(config.get("variables") or {})
    merged.update({k: v for k, v in config.items() if k not in ("include", "variables")})
    return (
        200,
        {
            "valid": True,
            "errors": [],
            "warnings": [],
            "merged_yaml": "---\n" + _ruby_yaml(merged),
            "includes": includes,
        },
        {},
    )


@R.route("GET", P)
def get_project(s: GitLabStandIn, req: Request) -> Response:
    p = s.project(req)
    out = body("documented/project.json")
    name = p.path.rsplit("/", 1)[-1]
    ns = p.path.rsplit("/", 1)[0]
    out.update(
        id=p.id,
        name=name,
        path=name,
        path_with_namespace=p.path,
        name_with_namespace=" / ".join(p.path.split("/")),
        web_url=f"{s.state.web}/{p.path}",
        default_branch="main",
    )
    out["namespace"].update(full_path=ns, path=ns.rsplit("/", 1)[-1])
    return 200, out, {}


@R.route("GET", P + r"/repository/files/(?P<file>[^/]+)/raw")
def raw_file(s: GitLabStandIn, req: Request) -> Response:
    p = s.project(req)
    path = unquote(req.path_args["file"])
    ref = req.args.get("ref")
    text = p.files.get((path, ref if ref and ref != "main" else None))
    if text is None and ref:
        text = p.files.get((path, None)) if ref in p.branches else None
    if text is None:
        raise Reply(404, {"message": "404 File Not Found"})
    return 200, text.encode(), {"content-type": "text/plain; charset=utf-8"}


def seed_ci_story(state: State, path: str, branch: str = "feature") -> dict[str, Any]:
    """The capability suite's CI story on GitLab (``tests/capabilities``' ``CIStory`` fields
    but ``repo``): on ``branch``, a failed pipeline ``build`` whose job ``unit`` logged a
    pytest failure, a running pipeline ``deploy`` whose job ``ship`` writes more and
    succeeds on ``finish_running()``, and a ``.gitlab-ci.yml`` whose ``spec:inputs`` has a
    required ``version`` (GitLab's one trigger is "Run pipeline")."""
    p = state.project(path)
    failed = state.add_pipeline(path, ref=branch, sha="f" * 40, status="failed", name="build")
    state.add_job(path, failed["id"], "lint", "check", "success", trace="ok\n")
    state.add_job(
        path,
        failed["id"],
        "unit",
        "test",
        "failed",
        trace="setting up\nFAILED tests/test_app.py::test_it - assert 1 == 2\n",
    )
    state.refresh(p, failed["id"])
    running = state.add_pipeline(path, ref=branch, sha="e" * 40, status="running", name="deploy")
    ship = state.add_job(path, running["id"], "ship", "deploy", "running", trace="shipping...\n")
    state.refresh(p, running["id"])
    p.files[(".gitlab-ci.yml", None)] = (
        "spec:\n  inputs:\n    version:\n      description: The version to release\n"
        "---\nrelease:\n  script: [make release]\n"
    )

    def finish_running() -> None:
        p.traces[ship["id"]] += b"shipped\n"
        ship.update(status="success", finished_at=state.tick())
        state.refresh(p, running["id"])

    return {
        "branch": branch,
        "failed_pipeline": "build",
        "failed_job": "unit",
        "log_line": "FAILED tests/test_app.py::test_it",
        "running_pipeline": "deploy",
        "finish_running": finish_running,
        "more_log": "shipped",
        "trigger": "Run pipeline",
        "trigger_input": "version",
    }
