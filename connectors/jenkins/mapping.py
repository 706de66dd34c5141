"""Jenkins' builds, stages, queue items and parameters as Tieline's CI models.

Results (``hudson.model.Result``): ``SUCCESS``; ``UNSTABLE`` (it built, but tests failed or a
quality gate tripped: shown as a failure, since that is what a developer must look at);
``FAILURE``; ``ABORTED`` (cancelled); ``NOT_BUILT`` (skipped). A build without a result is
still running. Stages are the Stage View plugin's ``StatusExt`` values.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Literal
from urllib.parse import unquote

from connectors.sdk import (
    CheckConclusion,
    CIAction,
    InvalidRequest,
    ItemRef,
    Job,
    Pipeline,
    RunStatus,
    TriggerInput,
)

from .models import PIPELINE_RUN, JBuild, JParameterDefinition, JQueueItem, JStage

__all__ = ["JStage"]

_RESULT = {
    "SUCCESS": CheckConclusion.SUCCESS,
    "UNSTABLE": CheckConclusion.FAILURE,
    "FAILURE": CheckConclusion.FAILURE,
    "ABORTED": CheckConclusion.CANCELLED,
    "NOT_BUILT": CheckConclusion.SKIPPED,
}
_STAGE: dict[str, tuple[RunStatus, CheckConclusion]] = {
    "SUCCESS": (RunStatus.COMPLETED, CheckConclusion.SUCCESS),
    "FAILED": (RunStatus.COMPLETED, CheckConclusion.FAILURE),
    "UNSTABLE": (RunStatus.COMPLETED, CheckConclusion.FAILURE),
    "ABORTED": (RunStatus.COMPLETED, CheckConclusion.CANCELLED),
    "SKIPPED": (RunStatus.COMPLETED, CheckConclusion.SKIPPED),
    "IN_PROGRESS": (RunStatus.RUNNING, CheckConclusion.PENDING),
    "PAUSED_PENDING_INPUT": (RunStatus.WAITING, CheckConclusion.PENDING),
}
#: Why a build ran, by the class of its first cause.
_EVENT = {
    "hudson.model.Cause$UserIdCause": "manual",
    "hudson.model.Cause$RemoteCause": "api",
    "hudson.model.Cause$UpstreamCause": "upstream",
    "hudson.triggers.TimerTrigger$TimerTriggerCause": "schedule",
    "hudson.triggers.SCMTrigger$SCMTriggerCause": "push",
    "jenkins.branch.BranchEventCause": "push",
    "jenkins.branch.BranchIndexingCause": "push",
    "com.cloudbees.jenkins.GitHubPushCause": "push",
    "org.jenkinsci.plugins.workflow.cps.replay.ReplayCause": "replay",
}
_INPUT_TYPES: dict[str, Literal["string", "boolean", "choice", "password"]] = {
    "StringParameterDefinition": "string",
    "TextParameterDefinition": "string",
    "BooleanParameterDefinition": "boolean",
    "ChoiceParameterDefinition": "choice",
    "PasswordParameterDefinition": "password",
}
_REMOTE_PREFIXES = ("refs/remotes/origin/", "remotes/origin/", "origin/", "refs/heads/")


def _time(ms: int | None) -> datetime | None:
    return datetime.fromtimestamp(ms / 1000, UTC) if ms else None


def decode_branch(name: str) -> str:
    """A multibranch project's job name back to its branch (``feature%2Fx y``)."""
    return unquote(name)


def is_pipeline_run(build: JBuild) -> bool:
    return build.cls == PIPELINE_RUN


def built_branch(build: JBuild) -> str | None:
    """The branch git's ``BuildData`` says a build built (``origin/main`` -> ``main``)."""
    revision = build.revision
    if revision is None or not revision.branch or not revision.branch[0].name:
        return None
    name = revision.branch[0].name
    for prefix in _REMOTE_PREFIXES:
        if name.startswith(prefix):
            return name.removeprefix(prefix)
    return name


def _build_state(build: JBuild) -> tuple[RunStatus, CheckConclusion]:
    if build.building or build.in_progress or build.result is None:
        return RunStatus.RUNNING, CheckConclusion.PENDING
    return RunStatus.COMPLETED, _RESULT.get(build.result, CheckConclusion.NEUTRAL)


def _name(build: JBuild, fallback: str) -> str:
    full = build.full_display_name or ""
    suffix = f" {build.display_name or f'#{build.number}'}"
    return (full.removesuffix(suffix) if full.endswith(suffix) else full) or fallback


def pipeline(
    ref: ItemRef,
    build: JBuild,
    *,
    branch: str | None,
    stages: Sequence[JStage] | None,
    job_ref: Callable[[str, int], ItemRef],
) -> Pipeline:
    """A build as a pipeline; with ``stages`` (a Pipeline run's, from ``wfapi/describe``) its
    jobs are the stages, else the build itself is its one job once it was read alone."""
    status, conclusion = _build_state(build)
    finished = (
        _time((build.timestamp or 0) + build.duration)
        if status is RunStatus.COMPLETED and build.timestamp
        else None
    )
    jobs: tuple[Job, ...] = ()
    if stages:
        jobs = tuple(
            _stage_job(job_ref, build, s, running=status is not RunStatus.COMPLETED) for s in stages
        )
        if status is RunStatus.RUNNING and any(j.status is RunStatus.WAITING for j in jobs):
            status = RunStatus.WAITING
    elif stages is not None or not is_pipeline_run(build):
        jobs = (
            Job(
                ref=job_ref(str(build.number), build.number),
                name=build.display_name or f"#{build.number}",
                status=status,
                conclusion=conclusion,
                url=build.url,
                started_at=_time(build.timestamp),
                finished_at=finished,
            ),
        )
    actions: tuple[CIAction, ...] = ("rerun",) if status is RunStatus.COMPLETED else ("cancel",)
    causes = build.causes
    revision = build.revision
    return Pipeline(
        ref=ref,
        name=_name(build, ref.scope),
        status=status,
        conclusion=conclusion,
        branch=branch,
        sha=revision.sha1 if revision is not None else None,
        number=build.number,
        event=_EVENT.get(causes[0].cls) if causes else None,
        url=build.url,
        created_at=_time(build.timestamp),
        started_at=_time(build.timestamp),
        finished_at=finished,
        jobs=jobs,
        actions=actions,
    )


def _stage_job(
    job_ref: Callable[[str, int], ItemRef], build: JBuild, stage: JStage, *, running: bool
) -> Job:
    if stage.status == "NOT_EXECUTED":
        status, conclusion = (
            (RunStatus.QUEUED, CheckConclusion.PENDING)
            if running
            else (RunStatus.COMPLETED, CheckConclusion.SKIPPED)
        )
    else:
        status, conclusion = _STAGE.get(
            stage.status, (RunStatus.COMPLETED, CheckConclusion.NEUTRAL)
        )
    started = stage.start_time_millis or None
    finished = (
        _time(started + (stage.duration_millis or 0))
        if started and status is RunStatus.COMPLETED
        else None
    )
    return Job(
        ref=job_ref(f"{build.number}:{stage.id}", build.number),
        name=stage.name,
        status=status,
        conclusion=conclusion,
        url=build.url,
        started_at=_time(started),
        finished_at=finished,
    )


def queued_pipeline(ref: ItemRef, item: JQueueItem, scope: str, *, branch: str | None) -> Pipeline:
    """A build still in the queue (or taken out of it before it started)."""
    actions: tuple[CIAction, ...] = ()
    if item.cancelled:
        status, conclusion = RunStatus.COMPLETED, CheckConclusion.CANCELLED
    else:
        status, conclusion, actions = RunStatus.QUEUED, CheckConclusion.PENDING, ("cancel",)
    return Pipeline(
        ref=ref,
        name=(item.task.name if item.task and item.task.name else scope),
        status=status,
        conclusion=conclusion,
        branch=branch,
        event="manual",
        url=item.task.url if item.task else None,
        created_at=_time(item.in_queue_since),
        actions=actions,
    )


def trigger_input(d: JParameterDefinition) -> TriggerInput:
    """A build parameter as a trigger input (Jenkins sends no password's default back)."""
    kind = _INPUT_TYPES.get(d.type) or _INPUT_TYPES.get(d.cls.rsplit(".", 1)[-1], "string")
    default = d.default_value.value if d.default_value is not None else None
    if kind == "password":
        default = None
    elif isinstance(default, bool):
        default = "true" if default else "false"
    return TriggerInput(
        name=d.name,
        description=d.description or "",
        type=kind,
        required=False,  # Jenkins fills every parameter it is not given with its default
        default=None if default is None else str(default),
        options=tuple(d.choices or ()),
    )


def form_values(
    definitions: Sequence[JParameterDefinition], inputs: Mapping[str, str]
) -> dict[str, str]:
    """The form ``buildWithParameters`` takes: the inputs given, by the names the job
    declares (Jenkins takes its defaults for the rest and ignores unknown names silently, so
    an unknown name is refused here rather than lost)."""
    known = {d.name: d for d in definitions}
    unknown = [n for n in inputs if n not in known]
    if unknown:
        raise InvalidRequest(
            f"Jenkins: the job has no parameter {', '.join(unknown)} "
            f"(it takes {', '.join(known) or 'none'})"
        )
    out: dict[str, str] = {}
    for name, value in inputs.items():
        d = known[name]
        if d.type == "ChoiceParameterDefinition" and d.choices and value not in d.choices:
            raise InvalidRequest(
                f"Jenkins: {name} must be one of {', '.join(d.choices)}, not {value!r}"
            )
        out[name] = value
    return out


def parameter_values(build: JBuild) -> dict[str, str]:
    """A build's parameters, to build again with: the values Jenkins sends back (never a
    password's or a file's, which then take their defaults)."""
    out: dict[str, str] = {}
    for p in build.parameters:
        if p.value is None or isinstance(p.value, dict | list):
            continue
        out[p.name] = (
            ("true" if p.value else "false") if isinstance(p.value, bool) else str(p.value)
        )
    return out
