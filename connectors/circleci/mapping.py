"""CircleCI's words mapped to the sdk's: statuses, triggers, project slugs, refs and web pages.

**A Tieline pipeline is a CircleCI workflow**, not a CircleCI pipeline. CircleCI's pipeline
is the envelope of one config run (its ``state`` says only whether the config compiled);
results, re-runs and cancels are per *workflow* (``POST /workflow/{id}/rerun`` makes a new
workflow in the same pipeline), and a pipeline with two workflows can pass one and fail the
other. So each workflow is one :class:`~connectors.sdk.ci.Pipeline` (``number`` is its
CircleCI pipeline's number, ``attempt`` counts its re-runs in that pipeline), its jobs are
:class:`~connectors.sdk.ci.Job` s with the workflow's name as ``stage``, and a CircleCI
pipeline that has no workflow (its config failed, or it is still being set up) is shown as
one pipeline of its own, keyed ``pipeline/<id>``.

Keys (``ItemRef.key``, scope = the project slug):

- a workflow: its id (a UUID); a workflow-less pipeline: ``pipeline/<pipeline id>``;
- a build job that has started: its job number (``"42"``: what v2's job endpoints and v1.1's
  step output are addressed by); one that has not: ``<workflow id>/job/<job id>``;
- an approval job: ``<workflow id>/approval/<approval request id>``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from connectors.sdk import CheckConclusion, ItemKind, ItemRef, RepoRef, RunStatus
from connectors.sdk.ci import CIAction

CONNECTOR = "circleci"
S, C = RunStatus, CheckConclusion

#: Workflow statuses (CircleCI's ``Workflow.status`` enum).
WORKFLOW_STATUS: dict[str, tuple[RunStatus, CheckConclusion]] = {
    "success": (S.COMPLETED, C.SUCCESS),
    "running": (S.RUNNING, C.PENDING),
    # Still running, but a job has failed: the end is known to be a failure, not yet here.
    "failing": (S.RUNNING, C.PENDING),
    "on_hold": (S.WAITING, C.PENDING),  # waiting for an approval job
    "not_run": (S.COMPLETED, C.SKIPPED),
    "failed": (S.COMPLETED, C.FAILURE),
    "error": (S.COMPLETED, C.FAILURE),  # the workflow itself broke (config, infrastructure)
    "canceled": (S.COMPLETED, C.CANCELLED),
    # A job needed a restricted context or an approval the actor may not give.
    "unauthorized": (S.COMPLETED, C.ACTION_REQUIRED),
}

#: Job statuses (CircleCI's ``Job.status`` enum).
JOB_STATUS: dict[str, tuple[RunStatus, CheckConclusion]] = {
    "success": (S.COMPLETED, C.SUCCESS),
    "running": (S.RUNNING, C.PENDING),
    "queued": (S.QUEUED, C.PENDING),
    "not_running": (S.QUEUED, C.PENDING),  # waiting for an executor
    "blocked": (S.QUEUED, C.PENDING),  # waiting for the jobs it depends on
    "on_hold": (S.WAITING, C.PENDING),  # an approval job not yet approved
    "not_run": (S.COMPLETED, C.SKIPPED),
    "failed": (S.COMPLETED, C.FAILURE),
    "infrastructure_fail": (S.COMPLETED, C.FAILURE),
    "terminated-unknown": (S.COMPLETED, C.FAILURE),
    "timedout": (S.COMPLETED, C.TIMED_OUT),
    "canceled": (S.COMPLETED, C.CANCELLED),
    "unauthorized": (S.COMPLETED, C.ACTION_REQUIRED),
    # Superseded by a re-run (which lives in the new workflow): no verdict of its own.
    "retried": (S.COMPLETED, C.NEUTRAL),
}

#: CircleCI pipeline states, for a pipeline that has no workflow.
PIPELINE_STATE: dict[str, tuple[RunStatus, CheckConclusion]] = {
    "errored": (S.COMPLETED, C.FAILURE),
    "created": (S.QUEUED, C.PENDING),
    "setup-pending": (S.QUEUED, C.PENDING),
    "setup": (S.QUEUED, C.PENDING),
    "pending": (S.QUEUED, C.PENDING),
}

#: ``Pipeline.event`` from ``trigger.type``.
EVENTS = {"webhook": "push", "scheduled_pipeline": "schedule", "api": "api", "explicit": "api"}

#: v1.1 step action statuses that have finished.
V1_DONE = frozenset(
    {"success", "failed", "canceled", "timedout", "infrastructure_fail", "not_run", "fixed"}
)
#: v1.1 action statuses, for steps.
ACTION_STATUS: dict[str, tuple[RunStatus, CheckConclusion]] = {
    "success": (S.COMPLETED, C.SUCCESS),
    "fixed": (S.COMPLETED, C.SUCCESS),
    "running": (S.RUNNING, C.PENDING),
    "failed": (S.COMPLETED, C.FAILURE),
    "infrastructure_fail": (S.COMPLETED, C.FAILURE),
    "timedout": (S.COMPLETED, C.TIMED_OUT),
    "canceled": (S.COMPLETED, C.CANCELLED),
    "not_run": (S.COMPLETED, C.SKIPPED),
}


def workflow_status(status: str) -> tuple[RunStatus, CheckConclusion]:
    return WORKFLOW_STATUS.get(status, (S.RUNNING, C.PENDING))


def job_status(status: str) -> tuple[RunStatus, CheckConclusion]:
    return JOB_STATUS.get(status, (S.QUEUED, C.PENDING))


def workflow_actions(status: str) -> tuple[CIAction, ...]:
    """What CircleCI allows on a workflow now: a finished one re-runs (from its failed jobs
    when it failed), a running or held one cancels."""
    run, _ = workflow_status(status)
    if run is not S.COMPLETED:
        return ("cancel",)
    if status in ("failed", "error"):
        return ("rerun", "rerun_failed")
    return ("rerun",)


def job_actions(
    kind: str, status: str, *, has_number: bool, workflow_done: bool
) -> tuple[CIAction, ...]:
    """A held approval job plays (approves); a started build job cancels while it runs and
    re-runs alone (``rerun`` with ``jobs``) once its workflow has finished."""
    if kind == "approval":
        return ("play",) if status == "on_hold" else ()
    run, _ = job_status(status)
    if run in (S.RUNNING, S.QUEUED) and has_number:
        return ("cancel",)
    if run is S.COMPLETED and workflow_done and status != "not_run":
        return ("retry",)
    return ()


# -- project slugs ---------------------------------------------------------------------------
def _hosts(settings: Mapping[str, Any], key: str, default: Iterable[str]) -> set[str]:
    value = settings.get(key)
    return {h.lower() for h in (value if isinstance(value, list) else default)}


def project_slug(repo: RepoRef, settings: Mapping[str, Any]) -> str | None:
    """The CircleCI project slug of ``repo``: a ``projects`` setting entry first
    (``host/owner/name=SLUG`` or ``owner/name=SLUG``), else ``gh/owner/name`` for GitHub hosts
    and ``bb/owner/name`` for Bitbucket ones; ``None`` for a repository CircleCI names only
    by ids (GitLab, GitHub App projects: ``circleci/<org-id>/<project-id>``) and no entry."""
    full = f"{repo.host.lower()}/{repo.full_name}"
    for entry in settings.get("projects") or ():
        name, sep, slug = str(entry).partition("=")
        name, slug = name.strip().strip("/"), slug.strip().strip("/")
        if sep and slug and name.lower() in (full.lower(), repo.full_name.lower()):
            return slug
    host = repo.host.lower()
    if host in _hosts(settings, "github_hosts", ("github.com",)):
        return f"gh/{repo.full_name}"
    if host in _hosts(settings, "bitbucket_hosts", ("bitbucket.org",)):
        return f"bb/{repo.full_name}"
    return None


_WEB_VCS = {"gh": "github", "github": "github", "bb": "bitbucket", "bitbucket": "bitbucket"}


def web_project(slug: str) -> str:
    """The slug as the web app spells it (``gh/o/r`` -> ``github/o/r``)."""
    vcs, _, rest = slug.partition("/")
    return f"{_WEB_VCS.get(vcs, vcs)}/{rest}"


def workflow_url(web: str, slug: str, pipeline_number: int, workflow_id: str) -> str:
    return f"{web}/pipelines/{quote(web_project(slug))}/{pipeline_number}/workflows/{workflow_id}"


def pipeline_url(web: str, slug: str, pipeline_number: int) -> str:
    return f"{web}/pipelines/{quote(web_project(slug))}/{pipeline_number}"


# -- refs --------------------------------------------------------------------------------------
def pipeline_ref(host: str, slug: str, key: str, number: int | None = None) -> ItemRef:
    return ItemRef(
        connector=CONNECTOR, host=host, scope=slug, key=key, number=number, kind=ItemKind.PIPELINE
    )


def job_ref(host: str, slug: str, key: str, number: int | None = None) -> ItemRef:
    return ItemRef(
        connector=CONNECTOR, host=host, scope=slug, key=key, number=number, kind=ItemKind.JOB
    )


def job_key(
    workflow_id: str, job_id: str, kind: str, number: int | None, approval: str | None
) -> str:
    if kind == "approval" and approval:
        return f"{workflow_id}/approval/{approval}"
    if number is not None:
        return str(number)
    return f"{workflow_id}/job/{job_id}"
