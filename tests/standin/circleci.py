"""A local CircleCI stand-in on the stand-in kit: API v2 (pipelines, workflows, jobs, re-runs,
cancels, approvals, triggers), v1.1's job detail for steps, and a second server playing the
pre-signed storage host that step output lives on.

Where each shape comes from (CircleCI publishes no contract in any package here):

- **API v2 requests** are validated against CircleCI's own OpenAPI description of API v2
  (``tests/contracts/circleci/openapi.json``, February 2025, from CircleCI-Public's
  circleci-sdk-go; see PROVENANCE there), with its ``Circle-Token`` security scheme;
  answers are built field by field from that description's response schemas (``Pipeline``,
  ``Workflow``, ``Job``, ``JobDetails``, ``PipelineConfig``, ``{items, next_page_token}``
  lists, ``{"message"}`` errors) and every v2 success is checked against them.
- **Triggers**: the classic ``POST /project/{slug}/pipeline`` for ``gh``/``bb`` projects and
  ``POST /project/{provider}/{org}/{project}/pipeline/run`` (``config``/``checkout``
  branch) for GitHub App and GitLab ones, which the classic one refuses; parameters are
  checked against the config's declared ``parameters`` and their types, as CircleCI does.
- **v1.1's job detail** (``GET /api/v1.1/project/{vcs}/{org}/{repo}/{build_num}``) is
  validated against ``tests/contracts/circleci/documented.yaml``, written from CircleCI's v1
  API reference (https://circleci.com/docs/api/v1/#single-job; circleci/circleci-docs
  ``api-v1/index.html``, whose example gives ``lifecycle``: queued, not_run, not_running,
  running or finished); its answer's ``steps[]`` /
  ``actions[]`` follow a recorded real answer (the public gist josh-padnick/1b951f7b...,
  "Sample CircleCI API Output", 2015: ``name``, ``index``, ``step``, ``status``,
  ``failed``, ``start_time``, ``end_time``, ``has_output``, ``output_url``) and the
  ``JobDetails`` schema of CircleCI's own MCP server (CircleCI-Public/mcp-server-circleci,
  ``src/clients/schemas.ts``: ``steps[].actions[].{index, step, failed}``).
- **Step output**: ``output_url`` is a pre-signed S3 URL answering a JSON array of
  ``{message, time, type}`` (the same gist; CircleCI's docs). :class:`OutputHost` serves it
  and records any request that carries a CircleCI credential as a violation.
- **Errors** are ``{"message": "..."}`` (the description's ``default`` response):
  ``401 {"message": "You must log in first."}``, ``404 {"message": "Not found"}`` (CircleCI's
  wording for both, as its clients' test suites record them).
- **Rate limits** as CircleCI's API guide describes them (circleci/circleci-docs,
  ``docs/guides/modules/toolkit/pages/api-developers-guide.adoc``, "Rate limits"):
  ``RateLimit-Limit``/``-Remaining``/``-Reset`` (seconds to the reset) and the older
  ``X-RateLimit-Limit-Hour``/``X-RateLimit-Remaining``/``X-RateLimit-Reset`` on answers; a
  throttled request is 429 ``{"message": ...}`` with ``Retry-After``. The budget here is the
  5,000 requests an hour per token that CircleCI's docs tooling quotes.
- **Caching**: "Some CircleCI APIs may emit a Cache-Control header" (v1 reference, "Cache-Control
  Header"); no ETag is documented, so the stand-in sends the kit's ``private, max-age=60`` and
  no ETag: a fresh answer is reused, a stale one is fetched again whole.
- **Pagination**: ``next_page_token`` in the body, ``page-token`` back (``page_size`` items a
  page; 20 on CircleCI, small here so tests cross pages).
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import math
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from tests.standin.kit import OpenAPIContract, Quota, Reply, Request, Response, Router, StandIn
from tests.standin.kit.paging import decode_cursor, encode_cursor

Json = Any
ROOT = Path(__file__).resolve().parents[1]
CONTRACT = OpenAPIContract(
    ROOT / "contracts" / "circleci" / "openapi.json", server_url="https://circleci.com"
)
DOCUMENTED = OpenAPIContract(
    ROOT / "contracts" / "circleci" / "documented.yaml", server_url="https://circleci.com"
)
V2 = "/api/v2"
SLUG = r"(?P<slug>[^/]+)"  # one segment: the slug URL-escaped (gh%2Fo%2Fr)
ID = r"(?P<id>[0-9a-f-]{36})"


@functools.cache
def _answers() -> Any:
    """CircleCI's description for checking the stand-in's own answers. Its schemas mark
    nullable fields with Swagger 2's ``x-nullable`` (``stopped_at`` of a running workflow is
    ``null`` on the wire), which OpenAPI 3 ignores; this in-memory copy reads it as 3.0's
    ``nullable``, the file stays as CircleCI wrote it. One more field is made nullable here:
    a job's ``started_at``, which the description requires as a string although a job that
    has not started (``blocked``, ``on_hold``) has no start time -- the stand-in sends
    ``null`` there, and the connector must take it."""
    from openapi_core import OpenAPI
    from openapi_core.configurations import Config

    def nullable(node: Any) -> Any:
        if isinstance(node, dict):
            out = {k: nullable(v) for k, v in node.items()}
            if out.pop("x-nullable", False):
                out["nullable"] = True
            return out
        if isinstance(node, list):
            return [nullable(v) for v in node]
        return node

    doc = nullable(copy.deepcopy(CONTRACT.document))
    jobs = doc["paths"]["/workflow/{id}/job"]["get"]["responses"]["200"]["content"]
    job = jobs["application/json"]["schema"]["properties"]["items"]["items"]
    job["properties"]["started_at"]["nullable"] = True
    return OpenAPI.from_dict(doc, config=Config(spec_validator_cls=None))


def answer_problems(req: Request, status: int, payload: Json) -> list[str]:
    """Every way a v2 answer breaks the response schema CircleCI's description gives."""
    body = json.dumps(payload).encode()
    out = []
    for e in CONTRACT.answer_errors(req, status, {}, body, openapi=_answers()):
        details = [x.message for x in getattr(e.__cause__, "schema_errors", ())] or [str(e)]
        out.append(f"answer to {req.method} {req.path}: {'; '.join(details)}")
    return out


def _uuid(n: int) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"circleci-standin/{n}"))


@dataclass
class Project:
    slug: str
    config: str = "version: 2.1\n"
    pipelines: list[str] = field(default_factory=list)  # ids, oldest first
    next_pipeline: int = 1


class State:
    """CircleCI's world: projects, pipelines, workflows, jobs, v1.1 steps and step outputs."""

    def __init__(self, login: str = "ada") -> None:
        self.login = login
        self.projects: dict[str, Project] = {}
        self.pipelines: dict[str, dict[str, Any]] = {}
        self.configs: dict[str, str] = {}  # pipeline id -> source config
        self.workflows: dict[str, dict[str, Any]] = {}
        self.pipeline_workflows: dict[str, list[str]] = {}
        self.jobs: dict[str, list[dict[str, Any]]] = {}  # workflow id -> jobs
        self.steps: dict[tuple[str, int], list[dict[str, Any]]] = {}  # (slug, number) -> steps
        self.outputs: dict[str, list[dict[str, Any]]] = {}  # output key -> lines
        self.job_numbers = itertools.count(100)
        self.ids = itertools.count(1)
        self.clock = 1_700_000_000.0
        self.output_base = "http://127.0.0.1:9/output"  # set by the fixture to OutputHost
        self.triggered: list[dict[str, Any]] = []

    def tick(self) -> str:
        self.clock += 1
        return datetime.fromtimestamp(self.clock, UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def new_id(self) -> str:
        return _uuid(next(self.ids))

    # -- seeding ---------------------------------------------------------------------------
    def project(self, slug: str, config: str | None = None) -> Project:
        p = self.projects.setdefault(slug, Project(slug))
        if config is not None:
            p.config = config
        return p

    def add_pipeline(
        self,
        slug: str,
        *,
        branch: str = "main",
        sha: str = "0" * 39 + "1",
        state: str = "created",
        trigger: str = "webhook",
        errors: Sequence[dict[str, str]] = (),
        parameters: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        p = self.project(slug)
        pid = self.new_id()
        vcs_host = {"gh": "github.com", "bb": "bitbucket.org"}.get(slug[:2], "gitlab.com")
        repo_url = f"https://{vcs_host}/{slug.split('/', 1)[1]}"
        pl = {
            "id": pid,
            "errors": list(errors),
            "project_slug": slug,
            "updated_at": self.tick(),
            "number": p.next_pipeline,
            "trigger_parameters": parameters or {},
            "state": state,
            "created_at": self.tick(),
            "trigger": {
                "type": trigger,
                "received_at": self.tick(),
                "actor": {"login": self.login, "avatar_url": None},
            },
            "vcs": {
                "provider_name": {"gh": "GitHub", "bb": "Bitbucket"}.get(slug[:2], "GitLab"),
                "origin_repository_url": repo_url,
                "target_repository_url": repo_url,
                "revision": sha,
                "branch": branch,
                "commit": {"subject": "a commit", "body": ""},
            },
        }
        p.next_pipeline += 1
        p.pipelines.append(pid)
        self.pipelines[pid] = pl
        self.configs[pid] = p.config
        self.pipeline_workflows[pid] = []
        return pl

    def add_workflow(
        self, pipeline: dict[str, Any], name: str = "build", status: str = "success"
    ) -> dict[str, Any]:
        wid = self.new_id()
        wf = {
            "pipeline_id": pipeline["id"],
            "id": wid,
            "name": name,
            "project_slug": pipeline["project_slug"],
            "status": status,
            "started_by": _uuid(0),
            "pipeline_number": pipeline["number"],
            "created_at": self.tick(),
            "stopped_at": None if status in ("running", "failing", "on_hold") else self.tick(),
        }
        self.workflows[wid] = wf
        self.pipeline_workflows[pipeline["id"]].append(wid)
        self.jobs[wid] = []
        return wf

    def add_job(
        self,
        workflow: dict[str, Any],
        name: str,
        status: str = "success",
        *,
        kind: str = "build",
        steps: Sequence[tuple[str, str, str]] = (),
        parallel: int = 1,
    ) -> dict[str, Any]:
        """A job; ``steps`` are ``(name, status, output text)`` (one action per container)."""
        job: dict[str, Any] = {
            "dependencies": [],
            "id": self.new_id(),
            "started_at": self.tick() if status not in ("blocked", "on_hold") else None,
            "name": name,
            "project_slug": workflow["project_slug"],
            "status": status,
            "type": kind,
            "stopped_at": None
            if status in ("running", "queued", "on_hold", "blocked", "not_run")
            else self.tick(),
        }
        if kind == "approval":
            job["approval_request_id"] = self.new_id()
        elif status not in ("blocked", "not_run"):
            job["job_number"] = next(self.job_numbers)
            self.steps[(workflow["project_slug"], job["job_number"])] = [
                self._step(workflow, job, i, s, parallel) for i, s in enumerate(steps)
            ]
        self.jobs[workflow["id"]].append(job)
        return job

    def _step(
        self, wf: dict[str, Any], job: dict[str, Any], i: int, spec: tuple[str, str, str], par: int
    ) -> dict[str, Any]:
        name, status, text = spec
        actions = []
        for index in range(par):
            key = f"{job['job_number']}-{i}-{index}"
            self.outputs[key] = [
                {"message": line, "time": self.tick(), "type": "out"}
                for line in text.splitlines(keepends=True)
            ]
            actions.append(
                {
                    "truncated": False,
                    "index": index,
                    "parallel": par > 1,
                    "failed": True if status == "failed" else None,
                    "infrastructure_fail": None,
                    "name": name,
                    "bash_command": None,
                    "status": status,
                    "timedout": None,
                    "continue": None,
                    "end_time": None if status == "running" else self.tick(),
                    "type": "test",
                    "start_time": self.tick(),
                    "step": i,
                    "run_time_millis": 1234,
                    "has_output": bool(text),
                    "output_url": (
                        f"{self.output_base}/{key}?AWSAccessKeyId=AKIAEXAMPLE&Expires=1"
                        f"&Signature=c2lnbmF0dXJl"
                        if text and status != "running"
                        else None
                    ),
                }
            )
        return {"name": name, "actions": actions}

    # -- lookups ---------------------------------------------------------------------------
    def job_by_number(self, slug: str, number: int) -> tuple[dict[str, Any], dict[str, Any]]:
        for wid, jobs in self.jobs.items():
            for j in jobs:
                if j.get("job_number") == number and j["project_slug"] == slug:
                    return self.workflows[wid], j
        raise KeyError(number)


#: The story's config: one pipeline parameter without a default, which CircleCI then requires.
STORY_CONFIG = """version: 2.1
parameters:
  version:
    type: string
    description: The version to release
jobs: {}
"""


def seed_ci_story(state: State, slug: str, branch: str = "feature") -> dict[str, Any]:
    """The capability suite's CI story on CircleCI (``tests/capabilities``' ``CIStory``
    fields but ``repo``): on ``branch``, a pipeline whose failed ``build`` workflow's ``unit``
    job logged a pytest failure, a newer one whose running ``deploy`` workflow's ``ship`` job
    writes more and succeeds on ``finish_running()`` (its step's output is published when the
    step ends, as CircleCI does), and a config declaring a ``version`` parameter with no
    default (CircleCI's one trigger is "Run pipeline")."""
    state.project(slug, config=STORY_CONFIG)
    failed = state.add_workflow(state.add_pipeline(slug, branch=branch), "build", "failed")
    state.add_job(failed, "lint", "success", steps=[("Lint", "success", "ok\n")])
    state.add_job(
        failed,
        "unit",
        "failed",
        steps=[("Run tests", "failed", "setting up\nFAILED tests/test_app.py::test_it - 1 == 2\n")],
    )
    running = state.add_workflow(state.add_pipeline(slug, branch=branch), "deploy", "running")
    ship = state.add_job(running, "ship", "running", steps=[("Ship", "running", "")])

    def finish_running() -> None:
        action = state.steps[(slug, ship["job_number"])][0]["actions"][0]
        key = f"{ship['job_number']}-0-0"
        state.outputs[key] = [
            {"message": line, "time": state.tick(), "type": "out"}
            for line in ("shipping...\n", "shipped\n")
        ]
        action.update(
            status="success",
            end_time=state.tick(),
            has_output=True,
            output_url=f"{state.output_base}/{key}?Signature=c2lnbmF0dXJl",
        )
        ship.update(status="success", stopped_at=state.tick())
        running.update(status="success", stopped_at=state.tick())

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


routes: Router[CircleCIStandIn] = Router()


class CircleCIStandIn(StandIn):
    """CircleCI over HTTP (``/api/v2``, ``/api/v1.1``); see the module docstring."""

    service = "CircleCI"
    router = routes
    contract = CONTRACT
    budgets = {"requests": 5000}
    etags = False  # CircleCI documents none
    page_size = 20

    def __init__(self, state: State | None = None, *, validate: bool = True) -> None:
        super().__init__(validate=validate)
        self.state = state or State()
        self.tokens.update({"tok-ada": "ada", "tok-bob": "bob"})
        if self.validate:
            DOCUMENTED.warm()

    # -- hooks ------------------------------------------------------------------------------
    def error(self, status: int, message: str) -> Reply:
        return Reply(status, {"message": message})

    def not_found(self, req: Request) -> Reply:
        return self.error(404, "Not found")

    def unauthorized(self, req: Request) -> Reply:
        return self.error(401, "You must log in first.")

    def rejected(self, req: Request, problems: list[str]) -> Reply:
        return self.error(400, "; ".join(problems))

    def authenticate(self, req: Request) -> str | None:
        return self.tokens.get(req.headers.get("circle-token", ""))

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(quota.limit),
            "RateLimit-Remaining": str(quota.remaining),
            "RateLimit-Reset": str(quota.retry_after()),
            "X-RateLimit-Limit-Hour": str(quota.limit),
            "X-RateLimit-Remaining": str(quota.remaining),
            "X-RateLimit-Reset": str(quota.retry_after()),
        }

    def rate_limited(self, quota: Quota) -> Reply:
        return self.error(429, "Rate limit exceeded").with_headers(
            {"retry-after": str(quota.retry_after())}
        )

    def throttled(self, req: Request, seconds: float, *, secondary: bool) -> Reply:
        return self.error(429, "Rate limit exceeded").with_headers(
            {"retry-after": str(math.ceil(seconds))}
        )

    def _route(self, req: Request) -> Response:
        """Routes' answers are checked too: a v2 success must fit CircleCI's response schema,
        so the connector is tested against CircleCI's shapes, not the stand-in's guesses."""
        status, payload, headers = super()._route(req)
        if self.validate and req.path.startswith(V2) and status < 300 and payload is not None:
            problems = answer_problems(req, status, payload)
            if problems:
                with self.lock:
                    self.violations.extend(problems)
        return status, payload, headers

    def check_contract(self, req: Request) -> list[str]:
        """v2 against CircleCI's description; v1.1 against the documented supplement."""
        if req.path.startswith("/api/v1.1/"):
            return DOCUMENTED.check(req)
        return CONTRACT.check(req)

    # -- helpers ----------------------------------------------------------------------------
    def page(self, items: Sequence[Any], req: Request) -> dict[str, Any]:
        token = req.args.get("page-token")
        start = int(decode_cursor("circleci", token)) if token else 0
        chunk = list(items[start : start + self.page_size])
        nxt = start + self.page_size
        return {
            "items": chunk,
            "next_page_token": encode_cursor("circleci", nxt) if nxt < len(items) else None,
        }

    def project_of(self, req: Request) -> Project:
        slug = unquote(req.path_args["slug"])
        if slug not in self.state.projects:
            raise self.error(404, "Project not found")
        return self.state.projects[slug]

    def workflow_of(self, req: Request) -> dict[str, Any]:
        wf = self.state.workflows.get(req.path_args["id"])
        if wf is None:
            raise self.not_found(req)
        return wf

    def pipeline_of(self, req: Request) -> dict[str, Any]:
        pl = self.state.pipelines.get(req.path_args["id"])
        if pl is None:
            raise self.not_found(req)
        return pl


# -- API v2 -----------------------------------------------------------------------------------
@routes.route("GET", rf"{V2}/me")
def _me(s: CircleCIStandIn, req: Request) -> Response:
    login = req.account or ""
    return 200, {"id": _uuid(hash(login) % 1000), "login": login, "name": login.title()}, {}


@routes.route("GET", rf"{V2}/project/{SLUG}/pipeline")
def _pipelines(s: CircleCIStandIn, req: Request) -> Response:
    p = s.project_of(req)
    pls = [s.state.pipelines[i] for i in reversed(p.pipelines)]  # newest first
    if "branch" in req.args:
        pls = [pl for pl in pls if pl["vcs"]["branch"] == req.args["branch"]]
    return 200, s.page(pls, req), {}


@routes.route("POST", rf"{V2}/project/{SLUG}/pipeline")
def _trigger(s: CircleCIStandIn, req: Request) -> Response:
    """The classic trigger, "not available to projects that use GitLab or GitHub App" (the
    description's words; the refusal's wording is the stand-in's)."""
    p = s.project_of(req)
    if p.slug.startswith("circleci/"):
        raise s.error(400, "This endpoint is not available to GitLab or GitHub App projects")
    body = req.json or {}
    return _start(s, p, body.get("branch", "main"), body)


@routes.route(
    "POST", rf"{V2}/project/(?P<provider>[^/]+)/(?P<org>[^/]+)/(?P<project>[^/]+)/pipeline/run"
)
def _run(s: CircleCIStandIn, req: Request) -> Response:
    """The trigger for every project type: config and checkout from a branch or a tag."""
    a = req.path_args
    slug = "/".join(unquote(a[k]) for k in ("provider", "org", "project"))
    if slug not in s.state.projects:
        raise s.error(404, "Project not found")
    body = req.json or {}
    branch = (body.get("checkout") or {}).get("branch") or (body.get("config") or {}).get("branch")
    return _start(s, s.state.projects[slug], branch or "main", body)


def _start(s: CircleCIStandIn, p: Project, branch: str, body: dict[str, Any]) -> Response:
    import yaml

    declared = (yaml.safe_load(p.config) or {}).get("parameters") or {}
    given = body.get("parameters") or {}
    unexpected = sorted(set(given) - set(declared))
    if unexpected:
        raise s.error(400, f"Unexpected argument(s): {', '.join(unexpected)}")
    for name, value in given.items():
        kind = declared[name].get("type")
        if kind == "boolean" and not isinstance(value, bool):
            raise s.error(400, f"Expected boolean value for parameter {name}")
        if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
            raise s.error(400, f"Expected integer value for parameter {name}")
    pl = s.state.add_pipeline(p.slug, branch=branch, trigger="api", parameters=given)
    s.state.triggered.append(body)
    wf = s.state.add_workflow(pl, "build", "running")
    s.state.add_job(wf, "test", "queued")
    return (
        201,
        {k: pl[k] for k in ("id", "state", "number", "created_at")},
        {},
    )


@routes.route("GET", rf"{V2}/pipeline/{ID}")
def _pipeline(s: CircleCIStandIn, req: Request) -> Response:
    return 200, s.pipeline_of(req), {}


@routes.route("GET", rf"{V2}/pipeline/{ID}/config")
def _config(s: CircleCIStandIn, req: Request) -> Response:
    pl = s.pipeline_of(req)
    source = s.state.configs[pl["id"]]
    return 200, {"source": source, "compiled": source}, {}


@routes.route("GET", rf"{V2}/pipeline/{ID}/workflow")
def _workflows(s: CircleCIStandIn, req: Request) -> Response:
    pl = s.pipeline_of(req)
    wfs = [s.state.workflows[w] for w in reversed(s.state.pipeline_workflows[pl["id"]])]
    return 200, s.page(wfs, req), {}


@routes.route("GET", rf"{V2}/workflow/{ID}")
def _workflow(s: CircleCIStandIn, req: Request) -> Response:
    return 200, s.workflow_of(req), {}


@routes.route("GET", rf"{V2}/workflow/{ID}/job")
def _workflow_jobs(s: CircleCIStandIn, req: Request) -> Response:
    wf = s.workflow_of(req)
    return 200, s.page(s.state.jobs[wf["id"]], req), {}


@routes.route("POST", rf"{V2}/workflow/{ID}/rerun")
def _rerun(s: CircleCIStandIn, req: Request) -> Response:
    """A new workflow of the same name in the same pipeline: all jobs again, only the failed
    ones (``from_failed``; the rest keep their result), or only ``jobs``."""
    wf = s.workflow_of(req)
    if wf["status"] in ("running", "failing", "on_hold"):
        raise s.error(400, "Workflow is still running")
    body = req.json or {}
    if body.get("from_failed") and body.get("jobs"):
        raise s.error(400, "from_failed and jobs are mutually exclusive")
    pl = s.state.pipelines[wf["pipeline_id"]]
    new = s.state.add_workflow(pl, wf["name"], "running")
    wanted = set(body.get("jobs") or ())
    for old in s.state.jobs[wf["id"]]:
        again = (
            (old["status"] == "failed")
            if body.get("from_failed")
            else (old["id"] in wanted if wanted else True)
        )
        s.state.add_job(new, old["name"], "queued" if again else old["status"], kind=old["type"])
    return 202, {"workflow_id": new["id"]}, {}


@routes.route("POST", rf"{V2}/workflow/{ID}/cancel")
def _cancel(s: CircleCIStandIn, req: Request) -> Response:
    wf = s.workflow_of(req)
    wf["status"], wf["stopped_at"] = "canceled", s.state.tick()
    for j in s.state.jobs[wf["id"]]:
        if j["status"] in ("running", "queued", "blocked", "on_hold", "not_running"):
            j["status"] = "canceled"
    return 202, {"message": "Accepted."}, {}


@routes.route("POST", rf"{V2}/workflow/{ID}/approve/(?P<request>[0-9a-f-]{{36}})")
def _approve(s: CircleCIStandIn, req: Request) -> Response:
    wf = s.workflow_of(req)
    for j in s.state.jobs[wf["id"]]:
        if j.get("approval_request_id") == req.path_args["request"] and j["status"] == "on_hold":
            j["status"] = "success"
            wf["status"] = "running"
            return 202, {"message": "Accepted."}, {}
    raise s.error(404, "Not found")


@routes.route("GET", rf"{V2}/project/{SLUG}/job/(?P<number>\d+)")
def _job(s: CircleCIStandIn, req: Request) -> Response:
    p = s.project_of(req)
    try:
        wf, job = s.state.job_by_number(p.slug, int(req.path_args["number"]))
    except KeyError:
        raise s.error(404, "Job not found") from None
    web = f"https://app.circleci.com/pipelines/github/{p.slug.split('/', 1)[1]}"
    page = f"{web}/{wf['pipeline_number']}/workflows/{wf['id']}/jobs/{job['job_number']}"
    return (
        200,
        {
            "web_url": page,
            "project": {"id": _uuid(7), "slug": p.slug, "name": p.slug, "external_url": web},
            "parallel_runs": [{"index": 0, "status": job["status"]}],
            "started_at": job["started_at"],
            "latest_workflow": {"id": wf["id"], "name": wf["name"]},
            "name": job["name"],
            "executor": {"resource_class": "medium", "type": "docker"},
            "parallelism": 1,
            "status": job["status"],
            "number": job["job_number"],
            "pipeline": {"id": wf["pipeline_id"]},
            "duration": 1000,
            "created_at": job["started_at"],
            "messages": [],
            "contexts": [],
            "organization": {"name": p.slug.split("/")[1]},
            "queued_at": job["started_at"],
            "stopped_at": job["stopped_at"],
        },
        {},
    )


@routes.route("POST", rf"{V2}/project/{SLUG}/job/(?P<number>\d+)/cancel")
def _cancel_job(s: CircleCIStandIn, req: Request) -> Response:
    p = s.project_of(req)
    try:
        _, job = s.state.job_by_number(p.slug, int(req.path_args["number"]))
    except KeyError:
        raise s.error(404, "Job not found") from None
    job["status"] = "canceled"
    return 200, {"message": "Accepted."}, {}


# -- API v1.1 ---------------------------------------------------------------------------------
@routes.route("GET", r"/api/v1.1/project/(?P<vcs>[^/]+)/(?P<org>[^/]+)/(?P<repo>[^/]+)/(?P<n>\d+)")
def _v1_build(s: CircleCIStandIn, req: Request) -> Response:
    a = req.path_args
    slug = f"{unquote(a['vcs'])}/{unquote(a['org'])}/{unquote(a['repo'])}"
    number = int(a["n"])
    try:
        _, job = s.state.job_by_number(slug, number)
    except KeyError:
        raise s.error(404, "Build not found") from None
    lifecycle = "running" if job["status"] in ("running", "queued") else "finished"
    return (
        200,
        {
            "build_num": number,
            "vcs_type": "github",
            "username": a["org"],
            "reponame": a["repo"],
            "status": job["status"],
            "lifecycle": lifecycle,
            "steps": s.state.steps.get((slug, number), []),
        },
        {},
    )


# -- the storage host output_url points at ------------------------------------------------------
out_routes: Router[OutputHost] = Router()


class OutputHost(StandIn):
    """The pre-signed storage (S3) host: no account, the signature is in the URL. Any request
    carrying a CircleCI credential (a ``Circle-Token`` or ``Authorization`` header) is
    recorded as a violation: the account's token must never reach this host."""

    service = "step output storage"
    router = out_routes
    etags = False

    def __init__(self, state: State) -> None:
        super().__init__(validate=False)
        self.state = state

    def authenticate(self, req: Request) -> str | None:
        leaked = [h for h in ("circle-token", "authorization") if h in req.headers]
        if leaked:
            with self.lock:
                self.violations.append(f"{req.path}: sent {', '.join(leaked)} to the output host")
        if "Signature" not in req.args:
            return None
        return "presigned"

    def unauthorized(self, req: Request) -> Reply:
        return Reply(403, b"<Error><Code>AccessDenied</Code></Error>")

    def charge(self, req: Request) -> dict[str, int]:
        return {}


@out_routes.route("GET", r"/output/(?P<key>[^/]+)")
def _output(s: OutputHost, req: Request) -> Response:
    lines = s.state.outputs.get(req.path_args["key"])
    if lines is None:
        raise Reply(404, b"<Error><Code>NoSuchKey</Code></Error>")
    return 200, lines, {}
