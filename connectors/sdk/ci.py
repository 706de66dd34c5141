"""CI models: pipelines, jobs, steps, logs and the triggers a person can start by hand.

Every CI service fits one shape, so one panel merges them: a *pipeline* is a GitHub
Actions workflow run, a GitLab pipeline, a Jenkins build, a CircleCI workflow or a Bitbucket
pipeline; a *job* is a unit with its own log (an Actions job, a GitLab job, a Jenkins
stage or build, a CircleCI job, a Bitbucket step); a *step* is a part of a job's log
(Actions steps, CircleCI steps). Services without one level leave it empty.

Pipelines and jobs are named by :class:`~connectors.sdk.models.ItemRef` with kind
``pipeline`` / ``job``: the scope is what :meth:`Connector.ci_scope` gave for the
repository (``octo/app``, ``gh/octo/app``, a Jenkins job path) and the key is the
service's own id, as a string. ``actions`` lists what the service allows on that item now
(a finished run can be re-run, a running one cancelled, a manual job played), so editors
offer only what will work.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Literal

from .models import CheckConclusion, CheckRun, CheckSummary, ItemRef, _Model


class RunStatus(enum.StrEnum):
    """Where a pipeline or job is in its life, whatever the service calls it."""

    QUEUED = "queued"  # created, pending, waiting for a runner
    RUNNING = "running"
    WAITING = "waiting"  # blocked on a person: a manual job, an approval, an environment
    COMPLETED = "completed"


#: What a person may do to a pipeline or a job. ``rerun``: the whole pipeline again;
#: ``rerun_failed``: only its failed jobs; ``cancel``: stop it; ``retry``: one job again;
#: ``play``: start a manual job.
CIAction = Literal["rerun", "rerun_failed", "cancel", "retry", "play"]


class Step(_Model):
    """A named part of a job (an Actions step, a CircleCI step)."""

    name: str
    number: int | None = None
    status: RunStatus = RunStatus.COMPLETED
    conclusion: CheckConclusion = CheckConclusion.PENDING
    started_at: datetime | None = None
    finished_at: datetime | None = None


class Job(_Model):
    """A unit of a pipeline with its own log."""

    ref: ItemRef
    name: str
    status: RunStatus
    conclusion: CheckConclusion = CheckConclusion.PENDING
    #: Where the job sits when the service groups jobs (a GitLab stage, a CircleCI workflow).
    stage: str | None = None
    url: str | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    steps: tuple[Step, ...] = ()
    #: A failure that does not fail the pipeline (GitLab ``allow_failure``).
    allow_failure: bool = False
    actions: tuple[CIAction, ...] = ()

    @property
    def failed(self) -> bool:
        return not self.allow_failure and self.conclusion in _BAD


class Pipeline(_Model):
    """One run of CI for a branch or a commit, with its jobs when they were asked for."""

    ref: ItemRef
    name: str
    status: RunStatus
    conclusion: CheckConclusion = CheckConclusion.PENDING
    branch: str | None = None
    sha: str | None = None
    #: The service's running number (``#42``), when it shows one.
    number: int | None = None
    attempt: int = 1
    #: Why it ran (``push``, ``pull_request``, ``schedule``, ``workflow_dispatch``, ``api``).
    event: str | None = None
    url: str | None = None
    created_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    #: When the service last changed the pipeline (a job retried, a state moved), where its
    #: list says so: how a poll tells a finished pipeline unchanged without reading its jobs.
    updated_at: datetime | None = None
    jobs: tuple[Job, ...] = ()
    actions: tuple[CIAction, ...] = ()

    @property
    def finished(self) -> bool:
        return self.status is RunStatus.COMPLETED

    @property
    def failed(self) -> bool:
        return self.finished and self.conclusion in _BAD

    def failed_jobs(self) -> tuple[Job, ...]:
        return tuple(j for j in self.jobs if j.failed)

    def summary(self) -> CheckSummary:
        """The pipeline as the checks summary cards and the status bar show: one run per job
        (or the pipeline itself while its jobs are unknown)."""
        runs = tuple(
            CheckRun(
                name=j.name,
                status=j.status.value,
                conclusion=CheckConclusion.NEUTRAL
                if j.allow_failure and j.conclusion in _BAD
                else j.conclusion,
                url=j.url,
                started_at=j.started_at,
                completed_at=j.finished_at,
                group=j.stage or self.name,
            )
            for j in self.jobs
        ) or (
            CheckRun(
                name=self.name,
                status=self.status.value,
                conclusion=self.conclusion,
                url=self.url,
                started_at=self.started_at,
                completed_at=self.finished_at,
            ),
        )
        ref = self.branch or self.sha or ""
        return CheckSummary.from_runs(ref, runs, sha=self.sha, url=self.url)


_BAD = frozenset(
    {
        CheckConclusion.FAILURE,
        CheckConclusion.TIMED_OUT,
        CheckConclusion.CANCELLED,
        CheckConclusion.ACTION_REQUIRED,
    }
)


class LogChunk(_Model):
    """Part of a job's log, from ``offset`` (as the caller asked) to :attr:`next_offset`.

    Offsets are the service's own (bytes for Jenkins' progressive text and GitLab's
    trace): a caller passes :attr:`next_offset` back to get what was written since.
    ``complete`` is true when the job has finished and nothing follows. Text is raw: ANSI
    colours and the service's section markers are the hub's to strip or render.
    """

    text: str
    offset: int = 0
    next_offset: int = 0
    complete: bool = True


class TriggerInput(_Model):
    """One input a hand-started pipeline asks for (an Actions ``workflow_dispatch`` input, a
    Jenkins build parameter, a CircleCI pipeline parameter, a GitLab variable)."""

    name: str
    description: str = ""
    type: Literal["string", "boolean", "choice", "number", "environment", "password"] = "string"
    required: bool = False
    default: str | None = None
    options: tuple[str, ...] = ()


class Trigger(_Model):
    """A pipeline a person can start by hand, with the inputs it takes."""

    id: str
    name: str
    description: str = ""
    inputs: tuple[TriggerInput, ...] = ()
    url: str | None = None


__all__ = [
    "CIAction",
    "Job",
    "LogChunk",
    "Pipeline",
    "RunStatus",
    "Step",
    "Trigger",
    "TriggerInput",
]
