"""GitHub Actions in the GitHub stand-in: workflows, runs and their attempts, jobs, logs, control.

Routes register on :data:`tests.standin.github.routes`, so every request is validated against
``@octokit/openapi`` like the rest of the stand-in. Bodies start from the description's own
examples (``workflow-run``, ``job``, ``workflow``, ``content-file``,
``workflow-dispatch-response``) overlaid with this state. Behaviour follows GitHub's, as
recorded in PyGithub's ``tests/ReplayData`` (``tests/contracts/github/recorded/``) and as
GitHub documents it:

- a job's log is a 302 to a short-lived signed URL on another host (the :class:`BlobHost`,
  a second local server that refuses any request carrying credentials and records what it
  was sent); a queued or running job has no log yet, its URL answers ``BlobNotFound``;
- a run's log archive exists once the run has finished (a zip of ``<n>_<job>.txt`` plus a
  folder of step logs per job);
- re-running makes a new attempt (``run_attempt`` + 1, ``/attempts/{n}``); ``filter=latest``
  lists each job's latest attempt; cancelling a finished run is a 409;
- a dispatch checks the workflow file's ``workflow_dispatch`` inputs as GitHub does (the 422
  messages are the recorded ones) and answers 200 with the run's id when asked
  (``return_run_details``), else 204;
- an account in ``read_only`` (a GitHub App installation token without ``actions: write``)
  gets GitHub's 403 "Resource not accessible by integration" on every write.

The refusals GitHub sends with no published body (re-running a run that is still going, or
re-running failed jobs of a run with none) use messages of the same shape; they are this
stand-in's, not recorded.
"""

from __future__ import annotations

import base64
import copy
import io
import itertools
import json
import secrets
import zipfile
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import yaml

from . import spec
from .github import _RE, GitHubStandIn, State, _error, routes
from .kit import Reply, Request, Response, Router, StandIn, link_pages

if TYPE_CHECKING:
    from .kit import Quota

_FAILED = frozenset({"failure", "cancelled", "timed_out"})
DOCS = "https://docs.github.com/rest/actions"


def _refuse(status: int, message: str, doc: str = DOCS) -> Reply:
    return Reply(status, {"message": message, "documentation_url": doc, "status": str(status)})


# -- the blob host ------------------------------------------------------------------------------
blob_routes: Router[BlobHost] = Router()


class BlobHost(StandIn):
    """Where GitHub's log redirects point (``pipelines.actions.githubusercontent.com``,
    ``productionresultssa*.blob.core.windows.net``): signed URLs, no authentication. A request
    that carries an ``Authorization`` header is refused, as Azure refuses a SAS URL sent with
    one, and recorded in :attr:`credentials_seen`."""

    service = "GitHub log storage"
    router = blob_routes
    budgets = {"blob": 1_000_000}
    etags = False

    def __init__(self) -> None:
        super().__init__(validate=False)
        self.default_cache_control = None
        self.blobs: dict[str, tuple[bytes, str]] = {}
        self.credentials_seen: list[str] = []
        self.received: list[dict[str, str]] = []

    def authenticate(self, req: Request) -> str | None:
        with self.lock:
            self.received.append(dict(req.headers))
            if "authorization" in req.headers:
                self.credentials_seen.append(req.headers["authorization"])
        return "anonymous"

    def charge(self, req: Request) -> dict[str, int]:
        return {}

    def rate_headers(self, quota: Quota) -> dict[str, str]:
        return {}

    def error(self, status: int, message: str) -> Reply:
        code = {404: "BlobNotFound", 400: "InvalidAuthenticationInfo"}.get(status, "Error")
        xml = (
            '<?xml version="1.0" encoding="utf-8"?>'
            f"<Error><Code>{code}</Code><Message>{message}</Message></Error>"
        )
        return Reply(status, xml.encode(), {"content-type": "application/xml"})

    def put(self, key: str, data: bytes, content_type: str) -> None:
        with self.lock:
            self.blobs[key] = (data, content_type)

    def signed_url(self, key: str) -> str:
        """A fresh signed URL (GitHub's expire within a minute; each redirect makes one)."""
        sig = secrets.token_urlsafe(12)
        query = "urlExpires=2099-01-01T00%3A00%3A00Z&urlSigningMethod=HMACV1"
        return f"{self.url}/logs/{key}?{query}&urlSignature={sig}"


@blob_routes.route("GET", r"/logs/(?P<key>[^/]+)")
def _r_blob(s: BlobHost, req: Request) -> Response:
    if "authorization" in req.headers:
        raise s.error(400, "Authentication information is not given in the correct format.")
    if not req.args.get("urlSignature"):
        raise s.error(400, "Signature missing.")
    found = s.blobs.get(req.path_args["key"])
    if found is None:
        raise s.error(404, "The specified blob does not exist.")
    data, content_type = found
    return 200, data, {"content-type": content_type}


# -- state ----------------------------------------------------------------------------------------
class ActionsState:
    """Workflows, runs (every attempt kept) and jobs of the stand-in's repositories."""

    def __init__(self, state: State) -> None:
        self.state = state
        self._ids = itertools.count(30_433_642)
        self.workflows: dict[int, dict[str, Any]] = {}
        self.files: dict[tuple[str, str], str] = {}
        self.runs: dict[int, list[dict[str, Any]]] = {}  # run id -> its attempts, in order
        self.jobs: dict[int, dict[str, Any]] = {}
        self.logs: dict[int, str] = {}  # job id -> its log once it has finished
        #: Accounts whose token cannot write to Actions (403 on re-run, cancel, dispatch).
        self.read_only: set[str] = set()
        #: False: answer dispatches 204 even when asked for the run's details (older servers).
        self.dispatch_details = True
        #: Jobs whose own log URL finds no blob although they finished (the run's zip has it).
        self.job_log_gone: set[int] = set()

    def _repo_key(self, repo: str) -> str:
        r = self.state.repo(repo)
        return f"{r.owner}/{r.name}"

    # -- seeding ----------------------------------------------------------------------------
    def add_workflow(
        self, repo: str, path: str, text: str, *, name: str | None = None, state: str = "active"
    ) -> dict[str, Any]:
        full = self._repo_key(repo)
        wid = next(self._ids)
        wf: dict[str, Any] = spec.component_example("workflow")
        parsed = yaml.safe_load(text) or {}
        wf.update(
            id=wid,
            node_id=f"W_{wid}",
            name=name or parsed.get("name") or path,
            path=path,
            state=state,
            url=f"{spec.SERVER}/repos/{full}/actions/workflows/{wid}",
            html_url=f"https://github.com/{full}/blob/main/{path}",
            badge_url=f"https://github.com/{full}/workflows/{wid}/badge.svg",
        )
        wf["_repo"] = full
        self.workflows[wid] = wf
        self.files[(full, path)] = text
        return wf

    def add_run(
        self,
        repo: str,
        *,
        workflow: dict[str, Any] | None = None,
        name: str = "CI",
        branch: str = "main",
        sha: str | None = None,
        event: str = "push",
        status: str = "completed",
        conclusion: str | None = "success",
        jobs: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """A run; ``jobs`` are ``{"name", "status", "conclusion", "steps": [names], "log"}``."""
        full = self._repo_key(repo)
        rid = next(self._ids)
        ts = self.state._tick()
        run: dict[str, Any] = spec.component_example("workflow-run")
        base = f"{spec.SERVER}/repos/{full}/actions/runs/{rid}"
        wid = workflow["id"] if workflow else 159038
        owner, rname = full.split("/")
        run.update(
            id=rid,
            node_id=f"WFR_{rid}",
            name=workflow["name"] if workflow else name,
            head_branch=branch,
            head_sha=sha or f"{rid:040x}",
            path=f"{workflow['path'] if workflow else '.github/workflows/ci.yml'}@{branch}",
            run_number=len([r for r in self.runs.values() if r[0]["_repo"] == full]) + 1,
            event=event,
            display_title=f"Run {rid}",
            status=status,
            conclusion=conclusion if status == "completed" else None,
            workflow_id=wid,
            url=base,
            html_url=f"https://github.com/{full}/actions/runs/{rid}",
            jobs_url=f"{base}/jobs",
            logs_url=f"{base}/logs",
            cancel_url=f"{base}/cancel",
            rerun_url=f"{base}/rerun",
            previous_attempt_url=None,
            created_at=ts,
            updated_at=ts,
            run_started_at=ts,
            run_attempt=1,
            pull_requests=[],
        )
        run["actor"] = run["triggering_actor"] = self.state.user(self.state.login)
        for key in ("repository", "head_repository"):
            run[key].update(
                name=rname,
                full_name=full,
                owner=self.state.user(owner),
                url=f"{spec.SERVER}/repos/{full}",
            )
        run["_repo"] = full
        self.runs[rid] = [run]
        for j in jobs or []:
            self.add_job(rid, **j)
        return run

    def add_job(
        self,
        run_id: int,
        name: str,
        status: str = "completed",
        conclusion: str | None = "success",
        steps: list[str] | None = None,
        log: str | None = None,
        attempt: int | None = None,
    ) -> dict[str, Any]:
        run = self.runs[run_id][-1]
        jid = next(self._ids)
        ts = self.state._tick()
        job: dict[str, Any] = spec.component_example("job")
        full = run["_repo"]
        done = status == "completed"
        job.update(
            id=jid,
            node_id=f"J_{jid}",
            run_id=run_id,
            run_url=run["url"],
            run_attempt=attempt or run["run_attempt"],
            head_sha=run["head_sha"],
            head_branch=run["head_branch"],
            url=f"{spec.SERVER}/repos/{full}/actions/jobs/{jid}",
            html_url=f"https://github.com/{full}/actions/runs/{run_id}/job/{jid}",
            check_run_url=f"{spec.SERVER}/repos/{full}/check-runs/{jid}",
            name=name,
            workflow_name=run["name"],
            status=status,
            conclusion=conclusion if done else None,
            started_at=ts if status != "queued" else None,
            completed_at=ts if done else None,
            created_at=ts,
            steps=[
                {
                    "name": step,
                    "status": status,
                    "conclusion": (conclusion if done else None),
                    "number": n + 1,
                    "started_at": ts,
                    "completed_at": ts if done else None,
                }
                for n, step in enumerate(steps or [])
            ],
        )
        if status == "queued":
            job["started_at"] = ts  # the description requires a timestamp here
        job["_repo"] = full
        self.jobs[jid] = job
        if done:
            self.logs[jid] = log if log is not None else f"{name}: done\n"
        return job

    def finish_job(self, job_id: int, conclusion: str, log: str) -> None:
        """The runner finished a job (and its run, once all its jobs have)."""
        job = self.jobs[job_id]
        ts = self.state._tick()
        job.update(status="completed", conclusion=conclusion, completed_at=ts)
        for step in job["steps"]:
            if step["status"] != "completed":  # a finished step keeps its conclusion
                step.update(status="completed", conclusion=conclusion, completed_at=ts)
        self.logs[job_id] = log
        run = self.runs[job["run_id"]][-1]
        latest = self.latest_jobs(job["run_id"])
        if all(j["status"] == "completed" for j in latest):
            bad = [j["conclusion"] for j in latest if j["conclusion"] in _FAILED]
            run.update(status="completed", conclusion=bad[0] if bad else "success", updated_at=ts)
        else:
            run.update(status="in_progress", updated_at=ts)

    # -- reading ----------------------------------------------------------------------------
    def run_of(self, req: Request, run_id: int) -> list[dict[str, Any]]:
        attempts = self.runs.get(run_id)
        full = f"{req.path_args['owner']}/{req.path_args['repo']}".lower()
        if attempts is None or attempts[0]["_repo"].lower() != full:
            raise _error(404, "Not Found")
        return attempts

    def job_of(self, req: Request, job_id: int) -> dict[str, Any]:
        job = self.jobs.get(job_id)
        full = f"{req.path_args['owner']}/{req.path_args['repo']}".lower()
        if job is None or job["_repo"].lower() != full:
            raise _error(404, "Not Found")
        return job

    def jobs_of(self, run_id: int) -> list[dict[str, Any]]:
        return sorted(
            (j for j in self.jobs.values() if j["run_id"] == run_id), key=lambda j: j["id"]
        )

    def latest_jobs(self, run_id: int) -> list[dict[str, Any]]:
        latest: dict[str, dict[str, Any]] = {}
        for j in self.jobs_of(run_id):
            if j["name"] not in latest or j["run_attempt"] > latest[j["name"]]["run_attempt"]:
                latest[j["name"]] = j
        return sorted(latest.values(), key=lambda j: j["id"])

    # -- writing ----------------------------------------------------------------------------
    def new_attempt(self, run_id: int, rerun: list[dict[str, Any]]) -> None:
        """Re-run ``rerun`` (latest jobs of the run) as the run's next attempt."""
        attempts = self.runs[run_id]
        prev = attempts[-1]
        run = copy.deepcopy(prev)
        ts = self.state._tick()
        n = prev["run_attempt"] + 1
        run.update(
            run_attempt=n,
            status="queued",
            conclusion=None,
            updated_at=ts,
            run_started_at=ts,
            previous_attempt_url=f"{prev['url']}/attempts/{n - 1}",
        )
        attempts.append(run)
        for j in rerun:
            steps = [s["name"] for s in j["steps"]]
            self.add_job(
                run_id, j["name"], status="queued", conclusion=None, steps=steps, attempt=n
            )


def _public(item: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if not k.startswith("_")}


def _acts(s: GitHubStandIn) -> ActionsState:
    return s.state.actions


def _writable(s: GitHubStandIn, req: Request) -> None:
    if req.me in _acts(s).read_only:
        raise _refuse(403, "Resource not accessible by integration")


# -- routes -------------------------------------------------------------------------------------
_RUN = _RE + r"/actions/runs/(?P<run>\d+)"


@routes.route("GET", _RE + r"/actions/runs")
def _r_runs(s: GitHubStandIn, req: Request) -> Response:
    full = f"{req.path_args['owner']}/{req.path_args['repo']}".lower()
    q = req.args
    out = []
    for attempts in _acts(s).runs.values():
        run = attempts[-1]
        if run["_repo"].lower() != full:
            continue
        if "branch" in q and run["head_branch"] != q["branch"]:
            continue
        if "event" in q and run["event"] != q["event"]:
            continue
        if "head_sha" in q and run["head_sha"] != q["head_sha"]:
            continue
        if "status" in q and q["status"] not in (run["status"], run["conclusion"]):
            continue
        created = q.get("created", "")
        if created.startswith(">=") and run["created_at"] < created[2:]:
            continue
        out.append(_public(run))
    out.sort(key=lambda r: r["id"], reverse=True)  # newest first, as GitHub lists them
    items, link = link_pages(out, req)
    return 200, {"total_count": len(out), "workflow_runs": items}, link


@routes.route("GET", _RUN)
def _r_run(s: GitHubStandIn, req: Request) -> Response:
    return 200, _public(_acts(s).run_of(req, int(req.path_args["run"]))[-1]), {}


@routes.route("GET", _RUN + r"/attempts/(?P<n>\d+)")
def _r_attempt(s: GitHubStandIn, req: Request) -> Response:
    attempts = _acts(s).run_of(req, int(req.path_args["run"]))
    n = int(req.path_args["n"])
    if not 1 <= n <= len(attempts):
        raise _error(404, "Not Found")
    return 200, _public(attempts[n - 1]), {}


@routes.route("GET", _RUN + r"/jobs")
def _r_jobs(s: GitHubStandIn, req: Request) -> Response:
    acts = _acts(s)
    run_id = int(req.path_args["run"])
    acts.run_of(req, run_id)
    which = req.args.get("filter", "latest")
    jobs = acts.latest_jobs(run_id) if which == "latest" else acts.jobs_of(run_id)
    items, link = link_pages([_public(j) for j in jobs], req)
    return 200, {"total_count": len(jobs), "jobs": items}, link


@routes.route("GET", _RUN + r"/attempts/(?P<n>\d+)/jobs")
def _r_attempt_jobs(s: GitHubStandIn, req: Request) -> Response:
    acts = _acts(s)
    run_id = int(req.path_args["run"])
    attempts = acts.run_of(req, run_id)
    n = int(req.path_args["n"])
    if not 1 <= n <= len(attempts):
        raise _error(404, "Not Found")
    jobs = [j for j in acts.jobs_of(run_id) if j["run_attempt"] == n]
    items, link = link_pages([_public(j) for j in jobs], req)
    return 200, {"total_count": len(jobs), "jobs": items}, link


@routes.route("GET", _RE + r"/actions/jobs/(?P<job>\d+)")
def _r_job(s: GitHubStandIn, req: Request) -> Response:
    return 200, _public(_acts(s).job_of(req, int(req.path_args["job"]))), {}


@routes.route("GET", _RE + r"/actions/jobs/(?P<job>\d+)/logs")
def _r_job_logs(s: GitHubStandIn, req: Request) -> Response:
    job = _acts(s).job_of(req, int(req.path_args["job"]))
    key = f"job-{job['id']}"
    log = _acts(s).logs.get(job["id"])
    if log is not None and job["id"] not in _acts(s).job_log_gone:
        s.blob.put(key, log.encode(), "text/plain; charset=utf-8")
    # A queued or running job's URL points at a blob that does not exist yet.
    return (
        302,
        None,
        {"location": s.blob.signed_url(key), "content-type": "text/html;charset=utf-8"},
    )


@routes.route("GET", _RUN + r"/logs")
def _r_run_logs(s: GitHubStandIn, req: Request) -> Response:
    acts = _acts(s)
    run_id = int(req.path_args["run"])
    run = acts.run_of(req, run_id)[-1]
    if run["status"] != "completed":
        raise _error(404, "Not Found")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for i, job in enumerate(acts.latest_jobs(run_id)):
            log = acts.logs.get(job["id"], "")
            z.writestr(f"{i}_{job['name'].replace('/', '')}.txt", log)
            z.writestr(f"{job['name'].replace('/', '')}/1_Set up job.txt", log)
    key = f"run-{run_id}-{run['run_attempt']}"
    s.blob.put(key, buf.getvalue(), "application/zip")
    return 302, None, {"location": s.blob.signed_url(key)}


@routes.route("POST", _RUN + r"/rerun")
def _r_rerun(s: GitHubStandIn, req: Request) -> Response:
    _writable(s, req)
    acts = _acts(s)
    run_id = int(req.path_args["run"])
    if acts.run_of(req, run_id)[-1]["status"] != "completed":
        raise _refuse(403, "This workflow is already running")
    acts.new_attempt(run_id, acts.latest_jobs(run_id))
    return 201, {}, {}


@routes.route("POST", _RUN + r"/rerun-failed-jobs")
def _r_rerun_failed(s: GitHubStandIn, req: Request) -> Response:
    _writable(s, req)
    acts = _acts(s)
    run_id = int(req.path_args["run"])
    if acts.run_of(req, run_id)[-1]["status"] != "completed":
        raise _refuse(403, "This workflow is already running")
    failed = [j for j in acts.latest_jobs(run_id) if j["conclusion"] in _FAILED]
    if not failed:
        raise _refuse(403, "This workflow run has no failed jobs to re-run")
    acts.new_attempt(run_id, failed)
    return 201, {}, {}


@routes.route("POST", _RUN + r"/(?P<verb>cancel|force-cancel)")
def _r_cancel(s: GitHubStandIn, req: Request) -> Response:
    _writable(s, req)
    acts = _acts(s)
    run_id = int(req.path_args["run"])
    run = acts.run_of(req, run_id)[-1]
    if run["status"] == "completed":
        raise _refuse(409, "Cannot cancel a workflow run that is completed.")
    ts = s.state._tick()
    run.update(status="completed", conclusion="cancelled", updated_at=ts)
    for j in acts.latest_jobs(run_id):
        if j["status"] != "completed":
            j.update(status="completed", conclusion="cancelled", completed_at=ts)
    return 202, {}, {}


@routes.route("POST", _RE + r"/actions/jobs/(?P<job>\d+)/rerun")
def _r_rerun_job(s: GitHubStandIn, req: Request) -> Response:
    _writable(s, req)
    acts = _acts(s)
    job = acts.job_of(req, int(req.path_args["job"]))
    if acts.runs[job["run_id"]][-1]["status"] != "completed":
        raise _refuse(403, "This workflow is already running")
    acts.new_attempt(job["run_id"], [job])
    return 201, {}, {}


@routes.route("GET", _RE + r"/actions/workflows")
def _r_workflows(s: GitHubStandIn, req: Request) -> Response:
    full = f"{req.path_args['owner']}/{req.path_args['repo']}".lower()
    wfs = [_public(w) for w in _acts(s).workflows.values() if w["_repo"].lower() == full]
    items, link = link_pages(wfs, req)
    return 200, {"total_count": len(wfs), "workflows": items}, link


@routes.route("GET", _RE + r"/contents/(?P<path>.+)")
def _r_contents(s: GitHubStandIn, req: Request) -> Response:
    r = s.repo_of(req)
    path = unquote(req.path_args["path"])
    text = _acts(s).files.get((f"{r.owner}/{r.name}", path))
    if text is None:
        raise _error(404, "Not Found")
    body: dict[str, Any] = spec.component_example("content-file")
    raw = text.encode()
    # GitHub wraps base64 at 60 characters, with newlines.
    b64 = base64.b64encode(raw).decode()
    body.update(
        type="file",
        encoding="base64",
        size=len(raw),
        name=path.rsplit("/", 1)[-1],
        path=path,
        content="\n".join(b64[i : i + 60] for i in range(0, len(b64), 60)) + "\n",
    )
    return 200, body, {}


@routes.route("POST", _RE + r"/actions/workflows/(?P<wf>[^/]+)/dispatches")
def _r_dispatch(s: GitHubStandIn, req: Request) -> Response:
    _writable(s, req)
    acts = _acts(s)
    full = f"{req.path_args['owner']}/{req.path_args['repo']}".lower()
    key = unquote(req.path_args["wf"])
    wf = next(
        (
            w
            for w in acts.workflows.values()
            if w["_repo"].lower() == full and key in (str(w["id"]), w["path"].rsplit("/", 1)[-1])
        ),
        None,
    )
    if wf is None:
        raise _error(404, "Not Found")
    doc = yaml.safe_load(acts.files[(wf["_repo"], wf["path"])]) or {}
    on = doc.get(True, doc.get("on"))
    events = (
        on
        if isinstance(on, dict)
        else {e: None for e in ([on] if isinstance(on, str) else on or [])}
    )
    doc_url = "https://docs.github.com/rest/actions/workflows#create-a-workflow-dispatch-event"
    if "workflow_dispatch" not in events:
        raise _refuse(422, "Workflow does not have 'workflow_dispatch' trigger", doc_url)
    declared = (events["workflow_dispatch"] or {}).get("inputs") or {}
    body = req.json or {}
    given = body.get("inputs") or {}
    unexpected = [k for k in given if k not in declared]
    if unexpected:
        raise _refuse(422, f"Unexpected inputs provided: {json.dumps(unexpected)}", doc_url)
    for name, decl in declared.items():
        decl = decl or {}
        if decl.get("required") and name not in given and decl.get("default") is None:
            raise _refuse(422, f"Required input '{name}' not provided", doc_url)
        if (
            name in given
            and decl.get("type") == "choice"
            and given[name] not in decl.get("options", [])
        ):
            raise _refuse(
                422,
                f"Provided value '{given[name]}' for input '{name}' not in the list of"
                " allowed values",
                doc_url,
            )
    run = acts.add_run(
        wf["_repo"],
        workflow=wf,
        branch=body["ref"],
        event="workflow_dispatch",
        status="queued",
        conclusion=None,
    )
    acts.add_job(run["id"], "build", status="queued", conclusion=None, steps=["Set up job"])
    # Wall-clock time, as GitHub stamps it (the seeded state's clock is a fixed 2023 one):
    # a client that looks for the run it just started compares this with its own clock.
    now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    run.update(created_at=now, updated_at=now, run_started_at=now)
    run["_inputs"] = dict(given)
    if body.get("return_run_details") and acts.dispatch_details:
        out = spec.component_example("workflow-dispatch-response")
        out.update(workflow_run_id=run["id"], run_url=run["url"], html_url=run["html_url"])
        return 200, out, {}
    return 204, None, {}


RELEASE = """\
name: Release
on:
  workflow_dispatch:
    inputs:
      version:
        description: The version to release
        required: true
        type: string
jobs:
  release:
    runs-on: ubuntu-latest
    steps:
      - run: make release
"""


#: What a failed Actions job's log looks like: every line stamped, ``##[group]`` opening each
#: step's output and ``##[error]`` where the runner saw the failure.
UNIT_LOG = """\
2024-05-01T10:00:00.1000000Z ##[group]Runner Image
2024-05-01T10:00:00.1000001Z Image: ubuntu-24.04
2024-05-01T10:00:00.1000002Z ##[endgroup]
2024-05-01T10:00:03.2000000Z ##[group]Run pytest -q
2024-05-01T10:00:03.2000001Z \x1b[36;1mpytest -q\x1b[0m
2024-05-01T10:00:03.2000002Z ##[endgroup]
2024-05-01T10:00:09.3000000Z FAILED tests/test_app.py::test_it - assert 1 == 2
2024-05-01T10:00:09.3000001Z 1 failed, 41 passed in 5.12s
2024-05-01T10:00:09.4000000Z ##[error]Process completed with exit code 1.
"""


def seed_ci_story(state: State, repo: str = "octo/app", branch: str = "feature") -> dict[str, Any]:
    """The capability suite's CI story on GitHub Actions (``tests/capabilities``' ``CIStory``
    fields but ``repo``): on ``branch``, a failed run ``build`` whose job ``unit`` logged a
    pytest failure, a running run ``deploy`` whose job ``ship`` has finished its first step
    (GitHub has no live log: the running document is the finished steps) and writes
    ``shipped`` when ``finish_running()`` ends it, and a ``Release`` workflow whose
    ``workflow_dispatch`` requires ``version``."""
    acts = state.actions
    build = acts.add_workflow(repo, ".github/workflows/build.yml", "name: build\non: push\n")
    deploy = acts.add_workflow(repo, ".github/workflows/deploy.yml", "name: deploy\non: push\n")
    acts.add_workflow(repo, ".github/workflows/release.yml", RELEASE)
    acts.add_run(
        repo,
        workflow=build,
        branch=branch,
        conclusion="failure",
        jobs=[
            {"name": "lint", "steps": ["Set up job", "Lint"], "log": "ok\n"},
            {
                "name": "unit",
                "conclusion": "failure",
                "steps": ["Set up job", "Test"],
                "log": UNIT_LOG,
            },
        ],
    )
    running = acts.add_run(
        repo, workflow=deploy, branch=branch, status="in_progress", conclusion=None
    )
    ship = acts.add_job(
        running["id"], "ship", status="in_progress", conclusion=None, steps=["Set up job", "Ship"]
    )
    ship["steps"][0].update(status="completed", conclusion="success")

    def finish_running() -> None:
        acts.finish_job(ship["id"], "success", "shipping...\nshipped\n")

    return {
        "branch": branch,
        "failed_pipeline": "build",
        "failed_job": "unit",
        "log_line": "FAILED tests/test_app.py::test_it",
        "running_pipeline": "deploy",
        "finish_running": finish_running,
        "more_log": "shipped",
        "trigger": "Release",
        "trigger_input": "version",
    }
