"""CircleCI connector: CircleCI workflows as the sdk's pipelines, their jobs and step output,
and the controls CircleCI offers on them (re-run, re-run from failed, cancel, approve, start
a pipeline with parameters).

Glue only: requests live in :mod:`.client`, CircleCI's words and the choice of *workflow =
pipeline* in :mod:`.mapping` (read its docstring for why, and for the keys refs carry).
Retries, caching and rate limits are the injected client's.
"""

from __future__ import annotations

import contextvars
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from connectors.sdk import (
    CheckConclusion,
    CheckResult,
    Connector,
    ConnectorContext,
    InvalidRequest,
    ItemKind,
    ItemRef,
    Job,
    LogChunk,
    Pipeline,
    RepoRef,
    RunStatus,
    Step,
    TielineError,
    Trigger,
)
from connectors.sdk.ci import CIAction

from . import mapping as m
from .client import CircleCIClient
from .models import CcJob, CcPipeline, CcV1Action, CcV1Build, CcV1Step, CcWorkflow
from .params import declared_parameters, trigger_input, typed, usable

DEFAULT_HOST = "circleci.com"
#: Finished jobs' whole logs kept per connector, so paging through one costs no request.
LOG_CACHE = 8
#: Finished step actions' outputs kept, so polling a running job re-reads only what runs.
OUTPUT_CACHE = 256
#: Pages of pipelines ``list_pipelines`` reads at most to find ``limit`` workflows.
MAX_PIPELINE_PAGES = 5
#: The one trigger CircleCI has: "run the project's pipeline" with its declared parameters.
TRIGGER_ID = "pipeline"

#: True while ``act`` reads back what it changed: every GET then revalidates with CircleCI
#: (the hub's cache would otherwise answer with the state from before the POST).
_FRESH: contextvars.ContextVar[bool] = contextvars.ContextVar("circleci_fresh", default=False)


class CircleCIConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        #: Parameter types per project, from the last ``triggers()`` (``trigger`` needs them
        #: to send ``true`` and ``3`` as JSON booleans and numbers, as CircleCI requires).
        self._param_types: dict[str, dict[str, str]] = {}
        #: The whole text of recently read finished jobs (a finished log never changes).
        self._logs: OrderedDict[str, str] = OrderedDict()
        #: Outputs of finished actions, by (job, step, container): they never change.
        self._outputs: OrderedDict[tuple[str, int, int], str] = OrderedDict()

    @property
    def client(self) -> CircleCIClient:
        return CircleCIClient(self.ctx.http, fresh=_FRESH.get())

    @property
    def host(self) -> str:
        return self.ctx.host or DEFAULT_HOST

    # -- hooks ------------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        """Whose token this is: ``GET /me``'s login names the account. CircleCI reports
        neither a personal token's scopes (it has none: it acts as the user) nor a budget.
        Always asked afresh: whether the token works *now* is the question."""
        try:
            me, headers = await CircleCIClient(self.ctx.http, fresh=True).me()
        except TielineError as exc:
            return CheckResult.failed(exc, f"CircleCI: {exc.message}")
        except ValueError:
            return CheckResult(ok=False, detail="CircleCI: unexpected answer")
        return CheckResult(
            ok=True,
            account=me.login,
            name=me.name or me.login,
            detail=f"signed in to CircleCI as {me.login}",
            scopes=None,
            rate_limit_remaining=_int(headers.get("ratelimit-remaining")),
            rate_limit_limit=_int(headers.get("ratelimit-limit")),
        )

    def ci_scope(self, repo: RepoRef) -> str | None:
        """The project slug (``gh/octo/app``, ``bb/team/repo``, or a ``projects`` setting's
        ``circleci/<org-id>/<project-id>``); see :func:`.mapping.project_slug`."""
        return m.project_slug(repo, self.ctx.settings)

    # -- Pipelines --------------------------------------------------------------------------
    async def list_pipelines(
        self, scope: str, *, branch: str | None = None, limit: int = 5
    ) -> Sequence[Pipeline]:
        """The newest ``limit`` workflows of the project (on ``branch``), without jobs: one
        request per CircleCI pipeline page plus one per pipeline for its workflows."""
        out: list[Pipeline] = []
        token: str | None = None
        for _ in range(MAX_PIPELINE_PAGES):
            page = await self.client.pipelines(scope, branch=branch, token=token)
            for pl in page.items:
                workflows = await self.client.all_pipeline_workflows(pl.id)
                out.extend(self._pipelines_of(scope, pl, workflows))
                if len(out) >= limit:
                    return out[:limit]
            token = page.next_token
            if not token:
                break
        return out[:limit]

    async def get_pipeline(self, ref: ItemRef) -> Pipeline:
        """One workflow with its jobs; failed jobs carry their steps (one v1.1 request each:
        the failing step is what a reader wants, and a green workflow costs nothing more)."""
        scope, key = ref.scope, ref.key
        if key.startswith("pipeline/"):
            pl = await self.client.pipeline(key.removeprefix("pipeline/"))
            workflows = await self.client.all_pipeline_workflows(pl.id)
            if not workflows:
                return self._bare_pipeline(scope, pl)
            key = _oldest(workflows).id
        wf = await self.client.workflow(key)
        pl = await self.client.pipeline(wf.pipeline_id)
        siblings = await self.client.all_pipeline_workflows(pl.id)
        jobs = await self.client.all_workflow_jobs(wf.id)
        mapped: list[Job] = []
        for job in jobs:
            steps: tuple[Step, ...] = ()
            _, conclusion = m.job_status(job.status)
            if job.job_number is not None and conclusion in _FAILED:
                try:
                    steps = _steps(await self.client.v1_build(scope, job.job_number))
                except TielineError:
                    steps = ()  # step output is a bonus; the job itself is known
            mapped.append(self._job(scope, wf, job, steps))
        return self._workflow(scope, pl, wf, siblings, tuple(mapped))

    async def job_log(self, ref: ItemRef, *, offset: int = 0) -> LogChunk:
        """A job's output, its steps' outputs joined under ``==> step`` headers (with the
        container when the job ran in parallel). CircleCI has no incremental log API: each call
        reads the whole (v1.1 steps, then every action's pre-signed ``output_url``, sent no
        token) and returns the text from ``offset`` (characters); ``complete`` once the job
        has finished. A running step's output appears when CircleCI publishes it. A finished
        job's text is kept (the last :data:`LOG_CACHE`), so paging through it is free."""
        if ref.kind is not ItemKind.JOB or not ref.key.isdigit():
            return LogChunk(text="", offset=offset, next_offset=offset, complete=True)
        kept = self._logs.get(ref.id)
        if kept is not None:
            self._logs.move_to_end(ref.id)
            return _slice(kept, offset, complete=True)
        # Asked afresh: a log is polled for what is new, which a cached answer cannot tell.
        fresh = CircleCIClient(self.ctx.http, fresh=True)
        build = await fresh.v1_build(ref.scope, int(ref.key))
        parts: list[str] = []
        whole_read = True
        for number, step in enumerate(build.steps):
            parallel = len(step.actions) > 1
            for action in step.actions:
                header = f"==> {step.name or action.name}"
                if parallel:
                    header += f" [container {action.index}]"
                parts.append(header + "\n")
                text, read = await self._output(ref, number, action)
                whole_read = whole_read and read
                parts.append(text if not text or text.endswith("\n") else text + "\n")
        whole = "".join(parts)
        done = (
            build.lifecycle in ("finished", "not_run")
            if build.lifecycle
            else (build.status or "") in m.V1_DONE
        )
        if done and whole_read:
            _remember(self._logs, ref.id, whole, LOG_CACHE)
        return _slice(whole, offset, complete=done)

    async def _output(self, ref: ItemRef, step: int, action: CcV1Action) -> tuple[str, bool]:
        """One action's output text ("" while it has none) and whether it was read: one that
        could not be (an expired signature, storage down) is said in the log instead, and
        read again next time."""
        if not action.output_url:
            return "", True
        key = (ref.id, step, action.index)
        kept = self._outputs.get(key)
        if kept is not None:
            return kept, True
        try:
            text = await self.client.action_output(action.output_url)
        except TielineError as exc:
            return f"(this step's output could not be read: {exc.message})\n", False
        if action.status in m.V1_DONE:
            _remember(self._outputs, key, text, OUTPUT_CACHE)
        return text, True

    # -- PipelineControl ---------------------------------------------------------------------
    async def act(self, ref: ItemRef, action: CIAction) -> Pipeline | None:
        """Workflows re-run (whole, or ``rerun_failed``: from the failed jobs) or cancel; a
        build job cancels, or re-runs alone (``retry``: the workflow re-run with that job);
        an approval job plays (is approved). Re-runs answer with the new workflow; every
        read-back asks CircleCI afresh."""
        token = _FRESH.set(True)
        try:
            return await self._act(ref, action)
        finally:
            _FRESH.reset(token)

    async def _act(self, ref: ItemRef, action: CIAction) -> Pipeline | None:
        scope, key = ref.scope, ref.key
        if ref.kind is ItemKind.PIPELINE and not key.startswith("pipeline/"):
            if action in ("rerun", "rerun_failed"):
                new = await self.client.rerun_workflow(key, from_failed=action == "rerun_failed")
                return await self.get_pipeline(self._ref(scope, new))
            if action == "cancel":
                await self.client.cancel_workflow(key)
                return await self.get_pipeline(ref)
        elif ref.kind is ItemKind.JOB and key.isdigit():
            number = int(key)
            details = await self.client.job(scope, number)
            workflow_id = details.latest_workflow.id
            if action == "cancel":
                await self.client.cancel_job(scope, number)
                return await self.get_pipeline(self._ref(scope, workflow_id))
            if action == "retry":
                jobs = await self.client.all_workflow_jobs(workflow_id)
                job_id = next((j.id for j in jobs if j.job_number == number), None)
                if job_id is None:
                    raise InvalidRequest(f"CircleCI: job {number} is not in its workflow")
                new = await self.client.rerun_workflow(workflow_id, jobs=[job_id])
                return await self.get_pipeline(self._ref(scope, new))
        elif ref.kind is ItemKind.JOB and "/approval/" in key and action == "play":
            workflow_id, _, request_id = key.partition("/approval/")
            await self.client.approve(workflow_id, request_id)
            return await self.get_pipeline(self._ref(scope, workflow_id))
        raise InvalidRequest(f"CircleCI cannot {action} {ref.kind.value} {key}")

    async def triggers(self, scope: str) -> Sequence[Trigger]:
        """One trigger, the project's pipeline, with the parameters its config declares.

        API v2 cannot read a file from the repository, so the parameters come from the
        config of the project's latest pipeline (``GET /pipeline/{id}/config``, its
        ``source``): what the next run would take unless the config changed since.
        ``executor`` and ``steps`` parameters cannot be passed through the API and are left
        out. A project with no pipeline yet has a trigger with no inputs."""
        page = await self.client.pipelines(scope)
        params: Mapping[str, Any] = {}
        if page.items:
            config = await self.client.pipeline_config(page.items[0].id)
            params = declared_parameters(config.source)
        inputs = tuple(trigger_input(name, spec) for name, spec in params.items() if usable(spec))
        self._param_types[scope] = {
            i.name: str(params[i.name].get("type", "string")) for i in inputs
        }
        return (
            Trigger(
                id=TRIGGER_ID,
                name="Run pipeline",
                description=f"Start a CircleCI pipeline of {scope} on a branch",
                inputs=inputs,
                url=f"{self.web}/pipelines/{m.web_project(scope)}",
            ),
        )

    async def trigger(
        self, scope: str, trigger_id: str, branch: str, inputs: Mapping[str, str]
    ) -> Pipeline | None:
        """Start a pipeline on ``branch`` with the inputs as typed pipeline parameters:
        ``POST /project/{slug}/pipeline`` for ``gh/``/``bb/`` projects, ``POST
        /project/{provider}/{org}/{project}/pipeline/run`` for GitHub App and GitLab ones
        (``circleci/...``), which the classic endpoint refuses. The answer names a pipeline
        whose workflows do not exist yet: it comes back as the workflow-less pipeline
        ``pipeline/<id>``, which ``get_pipeline`` follows to its workflow once CircleCI has
        made one; ``None`` when CircleCI skipped the run."""
        if trigger_id != TRIGGER_ID:
            raise InvalidRequest(f"CircleCI has no trigger {trigger_id!r} (only {TRIGGER_ID!r})")
        if scope not in self._param_types and inputs:
            await self.triggers(scope)
        token = _FRESH.set(True)
        try:
            return await self._trigger(scope, branch, inputs)
        finally:
            _FRESH.reset(token)

    async def _trigger(self, scope: str, branch: str, inputs: Mapping[str, str]) -> Pipeline | None:
        types = self._param_types.get(scope, {})
        parameters = {name: typed(name, value, types.get(name)) for name, value in inputs.items()}
        if scope.startswith("circleci/"):
            # GitHub App and GitLab projects: the classic trigger is "not available" to them.
            created = await self.client.run_pipeline(scope, branch=branch, parameters=parameters)
            if created is None:
                return None
        else:
            # gh/ and bb/ projects: the classic trigger, which CircleCI server has too.
            created = await self.client.trigger_pipeline(
                scope, branch=branch, parameters=parameters
            )
        return Pipeline(
            ref=self._ref(scope, f"pipeline/{created.id}", created.number),
            name=f"pipeline {created.number}",
            status=RunStatus.QUEUED,
            branch=branch,
            number=created.number,
            event="api",
            url=m.pipeline_url(self.web, scope, created.number),
            created_at=created.created_at,
        )

    # -- mapping ------------------------------------------------------------------------------
    def _ref(self, scope: str, key: str, number: int | None = None) -> ItemRef:
        return m.pipeline_ref(self.host, scope, key, number)

    def _pipelines_of(
        self, scope: str, pl: CcPipeline, workflows: Sequence[CcWorkflow]
    ) -> list[Pipeline]:
        if not workflows:
            return [self._bare_pipeline(scope, pl)]
        newest_first = sorted(workflows, key=_created, reverse=True)
        return [self._workflow(scope, pl, wf, workflows, ()) for wf in newest_first]

    def _bare_pipeline(self, scope: str, pl: CcPipeline) -> Pipeline:
        status, conclusion = m.PIPELINE_STATE.get(pl.state, (RunStatus.QUEUED, _PENDING))
        errors = "; ".join(e.message for e in pl.errors if e.message)
        return Pipeline(
            ref=self._ref(scope, f"pipeline/{pl.id}", pl.number),
            name=f"pipeline {pl.number}" + (f": {errors}" if errors else ""),
            status=status,
            conclusion=conclusion,
            branch=pl.vcs.branch if pl.vcs else None,
            sha=pl.vcs.revision if pl.vcs else None,
            number=pl.number,
            event=m.EVENTS.get(pl.trigger.type, pl.trigger.type or None),
            url=m.pipeline_url(self.web, scope, pl.number),
            created_at=pl.created_at,
        )

    def _workflow(
        self,
        scope: str,
        pl: CcPipeline,
        wf: CcWorkflow,
        siblings: Sequence[CcWorkflow],
        jobs: tuple[Job, ...],
    ) -> Pipeline:
        status, conclusion = m.workflow_status(wf.status)
        same = sorted((s for s in siblings if s.name == wf.name), key=_created)
        attempt = next((i + 1 for i, s in enumerate(same) if s.id == wf.id), 1)
        return Pipeline(
            ref=self._ref(scope, wf.id, pl.number),
            name=wf.name,
            status=status,
            conclusion=conclusion,
            branch=pl.vcs.branch if pl.vcs else None,
            sha=pl.vcs.revision if pl.vcs else None,
            number=pl.number,
            attempt=attempt,
            event=m.EVENTS.get(pl.trigger.type, pl.trigger.type or None),
            url=m.workflow_url(self.web, scope, pl.number, wf.id),
            created_at=wf.created_at,
            started_at=wf.created_at,
            finished_at=wf.stopped_at,
            jobs=jobs,
            actions=m.workflow_actions(wf.status),
        )

    def _job(self, scope: str, wf: CcWorkflow, job: CcJob, steps: tuple[Step, ...]) -> Job:
        status, conclusion = m.job_status(job.status)
        key = m.job_key(wf.id, job.id, job.type, job.job_number, job.approval_request_id)
        wf_done = m.workflow_status(wf.status)[0] is RunStatus.COMPLETED
        url = m.workflow_url(self.web, scope, wf.pipeline_number, wf.id)
        return Job(
            ref=m.job_ref(self.host, scope, key, job.job_number),
            name=job.name,
            status=status,
            conclusion=conclusion,
            stage=wf.name,
            url=f"{url}/jobs/{job.job_number}" if job.job_number is not None else url,
            started_at=job.started_at,
            finished_at=job.stopped_at,
            steps=steps,
            actions=m.job_actions(
                job.type, job.status, has_number=job.job_number is not None, workflow_done=wf_done
            ),
        )


_PENDING = CheckConclusion.PENDING
_FAILED = frozenset({CheckConclusion.FAILURE, CheckConclusion.TIMED_OUT})


K = TypeVar("K")


def _remember(cache: OrderedDict[K, str], key: K, value: str, size: int) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > size:
        cache.popitem(last=False)


def _slice(whole: str, offset: int, *, complete: bool) -> LogChunk:
    start = min(max(offset, 0), len(whole))
    return LogChunk(text=whole[start:], offset=start, next_offset=len(whole), complete=complete)


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _created(wf: CcWorkflow) -> tuple[bool, str]:
    return (wf.created_at is not None, wf.created_at.isoformat() if wf.created_at else "")


def _oldest(workflows: Sequence[CcWorkflow]) -> CcWorkflow:
    return sorted(workflows, key=_created)[0]


def _steps(build: CcV1Build) -> tuple[Step, ...]:
    return tuple(_step(i, s) for i, s in enumerate(build.steps, start=1))


def _step(number: int, step: CcV1Step) -> Step:
    """A step from its actions (one per container): failed if any container failed."""
    statuses = [a.status or "running" for a in step.actions] or ["not_run"]
    worst = next((s for s in statuses if s in ("failed", "infrastructure_fail", "timedout")), None)
    chosen = worst or next((s for s in statuses if s == "running"), statuses[0])
    status, conclusion = m.ACTION_STATUS.get(chosen, (RunStatus.RUNNING, _PENDING))
    starts = [a.start_time for a in step.actions if a.start_time]
    ends = [a.end_time for a in step.actions if a.end_time]
    return Step(
        name=step.name,
        number=number,
        status=status,
        conclusion=conclusion,
        started_at=min(starts) if starts else None,
        finished_at=max(ends) if ends and status is RunStatus.COMPLETED else None,
    )
