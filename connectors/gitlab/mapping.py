"""GitLab's words in Tieline's: states, merge status, approvals, pipeline and job status,
and what GitLab allows on a pipeline or a job now.

Pure functions of wire models, kept apart from the connector so each rule can be read (and
tested) on its own.
"""

from __future__ import annotations

from collections.abc import Sequence

from connectors.sdk import CheckConclusion, CheckRun, ItemState, Label, ReviewState, User
from connectors.sdk.ci import CIAction, RunStatus

from .models import GlApprovals, GlJob, GlLabel, GlMember, GlMergeRequest, GlUser

#: Pipeline and job statuses still on their way (GitLab's ``Ci::HasStatus``).
ACTIVE = frozenset(
    {
        "created",
        "waiting_for_resource",
        "preparing",
        "waiting_for_callback",
        "pending",
        "running",
        "canceling",
        "scheduled",
    }
)

_PIPELINE = {
    "success": CheckConclusion.SUCCESS,
    "failed": CheckConclusion.FAILURE,
    "canceled": CheckConclusion.CANCELLED,
    "skipped": CheckConclusion.SKIPPED,
    # A pipeline waiting on a manual job that must run before it can go on ("blocked").
    "manual": CheckConclusion.ACTION_REQUIRED,
}


def pipeline_conclusion(status: str) -> CheckConclusion:
    """A pipeline's status as a conclusion; an unknown (newer) status counts as neutral."""
    if status in ACTIVE:
        return CheckConclusion.PENDING
    return _PIPELINE.get(status, CheckConclusion.NEUTRAL)


def job_conclusion(job: GlJob) -> CheckConclusion:
    """A job's status as a conclusion.

    Two GitLab rules matter here: a failed job with ``allow_failure`` does not fail its
    pipeline (GitLab shows it as a warning: neutral), and a manual job is either optional
    (``allow_failure``: nothing is waiting for it, so it counts as skipped) or blocking (the
    pipeline waits for someone to start it: action required).
    """
    if job.status == "failed" and job.allow_failure:
        return CheckConclusion.NEUTRAL
    if job.status == "manual":
        return CheckConclusion.SKIPPED if job.allow_failure else CheckConclusion.ACTION_REQUIRED
    return pipeline_conclusion(job.status)


def run_status(status: str) -> str:
    """GitLab's status in the queued / in_progress / completed vocabulary of check runs."""
    if status in ("running", "canceling"):
        return "in_progress"
    if status == "manual":
        return "waiting"
    if status in ACTIVE:
        return "queued"
    return "completed"


def job_run(job: GlJob) -> CheckRun:
    """A job (or bridge) as a check run; its stage is the run's group."""
    return CheckRun(
        name=job.name,
        status=run_status(job.status),
        conclusion=job_conclusion(job),
        url=job.web_url,
        started_at=job.started_at,
        completed_at=job.finished_at,
        group=job.stage,
    )


def issue_state(state: str) -> ItemState:
    return ItemState.CLOSED if state == "closed" else ItemState.OPEN


def mr_state(mr: GlMergeRequest) -> ItemState:
    """``merged`` and ``closed`` are final; ``opened`` and ``locked`` (being merged right
    now) are open, or draft."""
    if mr.state == "merged":
        return ItemState.MERGED
    if mr.state == "closed":
        return ItemState.CLOSED
    return ItemState.DRAFT if mr.is_draft else ItemState.OPEN


#: ``detailed_merge_status`` values that say "not decided yet" rather than "no".
_UNDECIDED = frozenset({"unchecked", "checking", "preparing", "approvals_syncing"})


def mergeable(mr: GlMergeRequest) -> bool | None:
    """Can it be merged now? From ``detailed_merge_status`` (15.6+: ``mergeable`` or the
    reason it is not), else the older ``merge_status``; ``None`` while GitLab checks."""
    detailed = mr.detailed_merge_status
    if detailed:
        if detailed in _UNDECIDED:
            return None
        return detailed == "mergeable"
    if mr.merge_status == "can_be_merged":
        return True
    if mr.merge_status in ("cannot_be_merged", "cannot_be_merged_recheck"):
        return False
    return None


def review_state(mr: GlMergeRequest, approvals: GlApprovals | None) -> ReviewState:
    """Where review stands.

    A reviewer's "request changes" (17.x) blocks first; approval rules that still need
    approvals (Premium: ``approvals_left``) mean review is required; rules that are met, or
    any approval where no rule exists (Free), mean approved; reviewers assigned but nobody
    approved yet also means review is required.
    """
    if mr.detailed_merge_status == "requested_changes":
        return ReviewState.CHANGES_REQUESTED
    given = len(approvals.approved_by) if approvals else 0
    left = approvals.approvals_left if approvals else None
    if left is not None and left > 0:
        return ReviewState.REVIEW_REQUIRED
    if given or (left == 0 and approvals is not None and (approvals.approvals_required or 0) > 0):
        return ReviewState.APPROVED
    if mr.detailed_merge_status == "not_approved" or mr.reviewers:
        return ReviewState.REVIEW_REQUIRED
    return ReviewState.NONE


def person(u: GlUser | GlMember) -> User:
    """A user or a project member as the sdk's; an empty ``public_email`` is none."""
    return User(
        login=u.username,
        name=u.name,
        url=u.web_url,
        avatar_url=u.avatar_url,
        email=u.public_email or None,
    )


def user(u: GlUser | None) -> User | None:
    return None if u is None else person(u)


def users(us: Sequence[GlUser] | None) -> tuple[User, ...]:
    return tuple(x for x in (user(u) for u in us or ()) if x is not None)


def labels(ls: Sequence[GlLabel]) -> tuple[Label, ...]:
    return tuple(Label(name=lb.name, color=lb.color) for lb in ls)


# -- CI: pipelines and jobs as the sdk's RunStatus, conclusions and actions -----------------
#: Statuses GitLab can cancel (``Ci::HasStatus::CANCELABLE_STATUSES``).
CANCELABLE = frozenset(
    {
        "created",
        "waiting_for_resource",
        "preparing",
        "waiting_for_callback",
        "pending",
        "running",
        "scheduled",
    }
)
#: Job statuses GitLab can retry (``Ci::Build#retryable?``: finished ones).
RETRYABLE = frozenset({"success", "failed", "canceled"})
#: Job statuses that can be played: a manual job, or a delayed one started now.
PLAYABLE = frozenset({"manual", "scheduled"})


def ci_status(status: str) -> RunStatus:
    """GitLab's status as the sdk's: ``manual`` is blocked on a person (WAITING);
    ``scheduled`` (a delayed job) starts by itself, so it is queued like ``pending``."""
    if status in ("running", "canceling"):
        return RunStatus.RUNNING
    if status == "manual":
        return RunStatus.WAITING
    if status in ACTIVE:
        return RunStatus.QUEUED
    return RunStatus.COMPLETED


def ci_job_conclusion(job: GlJob) -> CheckConclusion:
    """A job's conclusion as :class:`connectors.sdk.ci.Job` wants it: the raw outcome
    (``failed`` stays a failure; the sdk reads ``allow_failure`` beside it), a blocking
    manual job as action required and an optional one as skipped, as :func:`job_conclusion`."""
    if job.status == "manual":
        return CheckConclusion.SKIPPED if job.allow_failure else CheckConclusion.ACTION_REQUIRED
    return pipeline_conclusion(job.status)


def job_actions(job: GlJob, *, bridge: bool = False) -> tuple[CIAction, ...]:
    """What GitLab allows on a job now. A trigger job (bridge) follows its downstream
    pipeline and is not a build: the jobs API's retry/cancel/play find builds only, so
    nothing is offered on it (its downstream pipeline has its own actions)."""
    if bridge:
        return ()
    out: list[CIAction] = []
    if job.status in PLAYABLE:
        out.append("play")
    if job.status in CANCELABLE:
        out.append("cancel")
    if job.status in RETRYABLE:
        out.append("retry")
    return tuple(out)


def pipeline_actions(
    status: str, jobs: Sequence[GlJob] | None = None, *, rerunnable: bool = True
) -> tuple[CIAction, ...]:
    """What GitLab allows on a pipeline now.

    ``rerun_failed`` is GitLab's "Retry" (``POST .../retry``: the failed and cancelled jobs
    again), offered when the pipeline failed or was cancelled, or when its jobs are known and
    one of them did (a failure allowed to fail leaves the pipeline green but retryable);
    ``rerun`` is a new pipeline for the same ref, once this one has finished; ``cancel``
    while something in it can still be cancelled (a pipeline blocked on a manual job still
    has jobs waiting behind it)."""
    out: list[CIAction] = []
    finished = status not in ACTIVE and status != "manual"
    if finished and rerunnable:
        out.append("rerun")
    retryable = status in ("failed", "canceled") or any(
        j.status in ("failed", "canceled") for j in jobs or ()
    )
    if retryable and status not in ("running", "canceling"):
        out.append("rerun_failed")
    if status in CANCELABLE or status == "manual":
        out.append("cancel")
    return tuple(out)
