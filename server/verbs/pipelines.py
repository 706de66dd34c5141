"""This checkout's CI as ``ci`` and ``log`` read it: the branches of the current directory's
clone (each remote's repository at the checked-out branch) with what every CI session says
of them, their JSON, and a job found by its id or its name."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.sdk.ci import Job, Pipeline, RunStatus
from connectors.sdk.models import CheckConclusion, CheckRun
from server.hub.ci.board import Branch, branches
from server.hub.ci.ids import ci_id
from server.hub.sync.syncers import Checks, PipelineRuns, branch_key
from server.hub.views import Gathered, gather

from .base import Context, Missing, UsageError, sign_in_hint
from .items import checks_json, service_name
from .render import iso

VIEWS = (PipelineRuns.view, Checks.view)
CAPABILITIES = ("Pipelines", "CIProvider")


@dataclass
class CI:
    """What the CI sessions said of this checkout's branches, after one gather."""

    gathered: Gathered
    branches: list[Branch]
    repo_keys: list[str]

    @property
    def running(self) -> bool:
        """Anything still to finish: a pipeline, or a check of a session without pipelines."""
        return any(
            not p.finished for b in self.branches for r in b.runs for p in r.pipelines
        ) or any(b.summary is not None and b.summary.pending for b in self.branches)

    @property
    def state(self) -> str:
        """``success``, ``failure``, ``pending`` (anything still running), or ``none``."""
        states = [state_of(b) for b in self.branches]
        for s in ("failure", "pending", "success"):
            if s in states:
                return s
        return "none"


def state_of(b: Branch) -> str:
    running = any(not p.finished for r in b.runs for p in r.pipelines)
    summary = b.summary
    if summary is not None and summary.failed:
        return "failure"
    if running or (summary is not None and summary.pending):
        return "pending"
    if summary is not None and summary.total:
        return "success"
    return "none"


def checkout_keys(ctx: Context) -> list[str]:
    """``scope@branch`` of every remote of the current directory's clone."""
    hub = ctx.hub
    folder = hub.folders[0] if hub.folders else None
    if folder is None or folder.root is None:
        raise Missing(f"{ctx.cwd} is not in a git checkout")
    if not folder.branch:
        raise Missing(f"{folder.root}: no branch is checked out (detached HEAD)")
    if not folder.remotes:
        raise Missing(f"{folder.root}: no remote of this clone is on a host Tieline serves")
    return list(dict.fromkeys(branch_key(r.repo, folder.branch) for r in folder.remotes))


async def read(ctx: Context, *, force: bool = False) -> CI:
    keys = checkout_keys(ctx)
    got = await gather(ctx.hub, VIEWS, max_age=ctx.max_age, force=force or ctx.fresh)
    if not got.sessions and not got.problems:
        from connectors.sdk.errors import AuthError

        raise AuthError(sign_in_hint(ctx.hub, *CAPABILITIES))
    # A session that failed this time keeps what it said before (while watching), and
    # its failure is reported beside it.
    found = [b for b in branches(ctx.hub) if b.key in keys]
    reported = [
        b for b in found if any(r.pipelines or (r.checks and r.checks.total) for r in b.runs)
    ]
    return CI(got, reported, keys)


def word(status: str, conclusion: str) -> str:
    """What a pipeline, job or check shows: its conclusion once finished, else its status."""
    return conclusion if status == RunStatus.COMPLETED.value else status


def colour(state: str) -> str | None:
    if state in ("success",):
        return "green"
    if state in ("failure", "timed_out", "cancelled", "action_required"):
        return "red"
    if state in ("running", "queued", "waiting", "pending", "in_progress"):
        return "yellow"
    return "dim"


def job_json(j: Job) -> dict[str, Any]:
    return {
        "id": ci_id(j.ref),
        "name": j.name,
        "stage": j.stage,
        "status": j.status.value,
        "conclusion": j.conclusion.value,
        "state": word(j.status.value, j.conclusion.value),
        "allow_failure": j.allow_failure,
        "url": j.url,
        "started_at": iso(j.started_at),
        "finished_at": iso(j.finished_at),
    }


def pipeline_json(hub: Any, p: Pipeline) -> dict[str, Any]:
    return {
        "id": ci_id(p.ref),
        "service": p.ref.connector,
        "service_name": service_name(hub, p.ref.connector),
        "name": p.name,
        "number": p.number,
        "attempt": p.attempt,
        "status": p.status.value,
        "conclusion": p.conclusion.value,
        "state": word(p.status.value, p.conclusion.value),
        "event": p.event,
        "sha": p.sha,
        "url": p.url,
        "started_at": iso(p.started_at),
        "finished_at": iso(p.finished_at),
        "jobs": [job_json(j) for j in p.jobs],
    }


def check_json(service: str, r: CheckRun) -> dict[str, Any]:
    return {
        "service": service,
        "name": r.name,
        "status": r.status,
        "conclusion": r.conclusion.value,
        "state": "pending" if r.conclusion is CheckConclusion.PENDING else r.conclusion.value,
        "url": r.url,
    }


def ci_json(ctx: Context, ci: CI) -> dict[str, Any]:
    out = []
    for b in ci.branches:
        pipes = [pipeline_json(ctx.hub, p) for r in b.runs for p in r.pipelines]
        named = {j["name"] for p in pipes for j in p["jobs"]}
        checks = [
            check_json(r.session.connector_id, c)
            for r in b.runs
            if r.checks is not None
            for c in r.checks.runs
            if c.name not in named  # a job the pipeline reports counts once
        ]
        out.append(
            {
                "repo": b.scope,
                "branch": b.branch,
                "state": state_of(b),
                "summary": checks_json(b.summary),
                "pipelines": pipes,
                "checks": checks,
            }
        )
    return {"state": ci.state, "branches": out}


@dataclass(frozen=True)
class FoundJob:
    session: Any
    pipeline: Pipeline
    job: Job


def find_job(ci: CI, text: str) -> FoundJob:
    """The job ``text`` names: its id (``ci --json``), ``PIPELINE/JOB``, or a job's name
    among this branch's newest pipelines; a usage error listing them when it is ambiguous."""
    jobs = [FoundJob(r.session, p, j) for b in ci.branches for r in b.runs for p in r.pipelines
            for j in p.jobs]  # fmt: skip
    exact = [f for f in jobs if ci_id(f.job.ref) == text]
    if exact:
        return exact[0]
    named = [f for f in jobs if f.job.name == text or f"{f.pipeline.name}/{f.job.name}" == text]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        options = ", ".join(f"{f.pipeline.name}/{f.job.name}" for f in named)
        raise UsageError(f"{text!r} is the name of several jobs: say which ({options})")
    known = ", ".join(sorted({f.job.name for f in jobs})) or "none"
    raise Missing(f"no job {text!r} in the CI of {', '.join(ci.repo_keys)} (jobs: {known})")


__all__ = [
    "CI",
    "FoundJob",
    "checkout_keys",
    "ci_json",
    "colour",
    "find_job",
    "read",
    "state_of",
    "word",
]
