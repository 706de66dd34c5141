"""GitLab CI as the sdk's Pipelines and PipelineControl: pipelines, jobs by stage, job
traces, retry/cancel/play, and "Run pipeline" with variables and inputs.

Choices where GitLab offers more than one way, or less than one would like:

- *A branch's pipelines* are its branch pipelines (``?ref=BRANCH``) merged with the
  pipelines of its open merge request (``.../merge_requests/:iid/pipelines``): a project
  that runs merge request pipelines runs them on ``refs/merge-requests/:iid/head``, which no
  ``ref`` filter finds. One merge request list (``source_branch``) per call finds it; all
  three answers carry ETags, so an unchanged poll is 304s (GitLab still counts them).
- *Jobs* are every page of ``.../pipelines/:id/jobs`` plus the trigger jobs (bridges),
  whose status is their downstream pipeline's. Retried attempts are left out, as GitLab's
  pipeline page does: each job appears once, as its latest attempt.
- *Job routes* (``/projects/:id/jobs/...``) take the project's numeric id: GitLab's OpenAPI
  description types ``:id`` as an integer there (GitLab itself also takes the path). The
  id is learnt from any pipeline or job answer and otherwise asked once
  (``GET /projects/:path``).
- *Logs*: GitLab's API serves a job's trace whole; a ``Range`` header is ignored
  (gitlab-org/gitlab#30391 and #216738 ask for it; the web UI's incremental
  ``/-/jobs/:id/trace.json`` is not part of the API and takes no token). So ``job_log``
  reads the job (is it finished?) and then the whole trace, and returns the bytes from
  ``offset`` on: offsets are bytes, as GitLab's own are. A finished job's trace is then
  revalidated with its ETag, so re-reading it is a 304.
- *Run pipeline* offers what GitLab's form offers: ``spec:inputs`` of ``.gitlab-ci.yml`` and
  its top-level variables that have a ``description``; for a file with ``include:``, the
  variables of the merged configuration from GitLab's CI lint (``GET .../ci/lint``, one
  request, only then). The default branch's file is read for :meth:`triggers` (it takes no
  branch); the branch's own for :meth:`trigger`, to tell inputs from variables.
- *Actions*: ``rerun_failed`` is GitLab's pipeline "Retry" (its failed and cancelled jobs
  again, in the same pipeline); ``rerun`` a new pipeline for the same ref (for a merge
  request pipeline, a new merge request pipeline); ``retry``/``cancel``/``play`` the job's
  own. Playing sends no variables: the sdk's ``act`` takes none (the client's ``play_job``
  can send them).
"""

from __future__ import annotations

import codecs
import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from connectors.sdk import InvalidRequest, ItemKind, ItemRef, NotFound, PermissionDenied
from connectors.sdk.ci import CIAction, Job, LogChunk, Pipeline, RunStatus, Trigger
from connectors.sdk.errors import ServiceError

from . import ci_config, mapping
from .client import GitLabClient
from .models import GlJob, GlPipeline, GlPipelineRef

SERVICE = "GitLab"
RUN_PIPELINE = "pipeline"
UNNAMED = "Pipeline"
_PIPELINE_ACTIONS: frozenset[CIAction] = frozenset({"rerun", "rerun_failed", "cancel"})
_JOB_ACTIONS: frozenset[CIAction] = frozenset({"retry", "cancel", "play"})
_MR_REF = re.compile(r"refs/merge-requests/(?P<iid>\d+)/(?:head|merge|train)")


class GitLabCI:
    """The CI half of the GitLab connector (which delegates its capability methods here)."""

    def __init__(
        self,
        client: GitLabClient,
        *,
        connector: str,
        host: Callable[[], str],
        project: Callable[[str | None], str],
    ) -> None:
        self.client = client
        self.connector = connector
        self._host = host
        self._project = project
        #: project path (lower-cased) -> numeric id, learnt from answers.
        self._ids: dict[str, int] = {}

    # -- Pipelines ------------------------------------------------------------------------
    async def list_pipelines(
        self, scope: str, *, branch: str | None = None, limit: int = 5
    ) -> Sequence[Pipeline]:
        """The newest ``limit`` pipelines of a project, or of one branch (its branch
        pipelines and its open merge request's), newest first, without jobs."""
        project = self._project(scope)
        limit = max(1, min(limit, 100))
        page = await self.client.pipelines_page(project, ref=branch, per_page=limit)
        found: dict[int, GlPipelineRef] = {p.id: p for p in page.items}
        if branch:
            try:
                mrs = await self.client.list_merge_requests(
                    project, state="opened", source_branch=branch
                )
            except (PermissionDenied, NotFound):
                mrs = []  # merge requests switched off, or hidden from this account
            for mr in mrs[:1]:
                mr_page = await self.client.merge_request_pipelines(project, mr.iid)
                for p in mr_page.items:
                    found.setdefault(p.id, p)
        newest = sorted(found.values(), key=lambda p: p.id, reverse=True)[:limit]
        for p in newest:
            self._learn(scope, p.project_id)
        return [self._pipeline(scope, p, branch=branch) for p in newest]

    async def get_pipeline(self, ref: ItemRef) -> Pipeline:
        """One pipeline with its jobs (every page) and trigger jobs, in stage order as
        GitLab lists them."""
        project = self._project(ref.scope)
        pid = _id(ref, ItemKind.PIPELINE)
        pl = await self.client.get_pipeline(project, pid)
        self._learn(ref.scope, pl.project_id)
        return await self._with_jobs(ref.scope, project, pl)

    async def _with_jobs(self, scope: str, project: str, pl: GlPipelineRef) -> Pipeline:
        jobs = await self.client.pipeline_jobs(project, pl.id)
        bridges = await self.client.pipeline_bridges(project, pl.id)
        return self._pipeline(scope, pl, jobs=jobs, bridges=bridges)

    async def job_log(self, ref: ItemRef, *, offset: int = 0) -> LogChunk:
        """The trace from byte ``offset`` on. The job is read first: when it had finished
        before the trace was read, nothing can follow (``complete``)."""
        jid = _id(ref, ItemKind.JOB)
        nid = await self._numeric(ref.scope)
        job = await self.client.get_job(nid, jid)
        finished = mapping.ci_status(job.status) is RunStatus.COMPLETED
        data = await self.client.job_trace(nid, jid)
        start = min(max(0, offset), len(data))
        text, used = _decode(data[start:], final=finished)
        return LogChunk(text=text, offset=start, next_offset=start + used, complete=finished)

    # -- PipelineControl -------------------------------------------------------------------
    async def act(self, ref: ItemRef, action: CIAction) -> Pipeline | None:
        """Apply one of the item's actions; the pipeline as it is after, with its jobs (a
        ``rerun`` answers the new pipeline). A refusal says what was refused and the likely
        reason: a token without the ``api`` scope, or a protected branch."""
        job = ref.kind is ItemKind.JOB
        if action not in (_JOB_ACTIONS if job else _PIPELINE_ACTIONS):
            other = "its pipeline" if job else "a job"
            raise InvalidRequest(f"{SERVICE}: a {ref.kind.value} cannot {action}; {other} can")
        project = self._project(ref.scope)
        try:
            if job:
                return await self._act_job(ref, project, action)
            return await self._act_pipeline(ref, project, action)
        except PermissionDenied as exc:
            detail = _detail(exc)
            why = (
                "Tieline's token lacks the api scope that changing CI needs."
                if "scope" in exc.message or "higher privileges" in exc.message
                else "On a protected branch only those allowed to merge or push to it may"
                " run, retry or cancel its pipelines and jobs."
            )
            raise PermissionDenied(
                f"{SERVICE}: not allowed to {action} {ref.kind.value} {ref.key} of {ref.scope}"
                f" ({detail}). {why}",
                status=exc.status,
                service=SERVICE,
            ) from exc

    async def _act_pipeline(self, ref: ItemRef, project: str, action: CIAction) -> Pipeline:
        pid = _id(ref, ItemKind.PIPELINE)
        pl: GlPipelineRef
        if action == "rerun_failed":
            pl = await self.client.retry_pipeline(project, pid)
        elif action == "rerun":
            old = await self.client.get_pipeline(project, pid)
            mr = _MR_REF.fullmatch(old.ref or "")
            if mr is not None:
                new = await self.client.create_merge_request_pipeline(project, int(mr["iid"]))
                if new is None:  # created later (202): show the one asked about
                    return await self._with_jobs(ref.scope, project, old)
                pl = new
            else:
                if not old.ref:
                    raise InvalidRequest(f"{SERVICE}: pipeline {pid} names no ref to run again")
                pl = await self.client.create_pipeline(project, old.ref)
        else:  # cancel
            pl = await self.client.cancel_pipeline(project, pid)
        return await self._with_jobs(ref.scope, project, pl)

    async def _act_job(self, ref: ItemRef, project: str, action: CIAction) -> Pipeline:
        jid = _id(ref, ItemKind.JOB)
        nid = await self._numeric(ref.scope)
        if action == "retry":
            job = await self.client.retry_job(nid, jid)
        elif action == "cancel":
            job = await self.client.cancel_job(nid, jid)
        else:  # play
            job = await self.client.play_job(nid, jid)
        if job.pipeline is None:
            job = await self.client.get_job(nid, job.id)
        if job.pipeline is None:
            raise InvalidRequest(f"{SERVICE}: job {jid} names no pipeline")
        pl = await self.client.get_pipeline(project, job.pipeline.id)
        return await self._with_jobs(ref.scope, project, pl)

    async def triggers(self, scope: str) -> Sequence[Trigger]:
        """One trigger, "Run pipeline", with the inputs and prefilled variables of the
        default branch's ``.gitlab-ci.yml`` (none when the project has no such file)."""
        project = self._project(scope)
        config = await self._config(project, None)
        return [
            Trigger(
                id=RUN_PIPELINE,
                name="Run pipeline",
                description="A new pipeline for a branch or tag, with variables and inputs"
                " as GitLab's Run pipeline form takes them.",
                inputs=config.offered,
                url=None,
            )
        ]

    async def trigger(
        self, scope: str, trigger_id: str, branch: str, inputs: Mapping[str, str]
    ) -> Pipeline | None:
        """``POST /projects/:id/pipeline`` on ``branch``: names the branch's
        ``spec:inputs`` declares go as typed ``inputs``, every other as a variable."""
        if trigger_id != RUN_PIPELINE:
            raise InvalidRequest(f"{SERVICE}: no trigger {trigger_id!r} (only {RUN_PIPELINE!r})")
        if not branch:
            raise InvalidRequest(f"{SERVICE}: running a pipeline needs a branch or tag")
        project = self._project(scope)
        config = await self._config(project, branch) if inputs else ci_config.CIConfig()
        typed: dict[str, Any] = {}
        variables: list[dict[str, str]] = []
        for name, value in inputs.items():
            if name in config.input_types:
                typed[name] = ci_config.typed_input(config.input_types[name], value)
            else:
                variables.append({"key": name, "value": value, "variable_type": "env_var"})
        pl = await self.client.create_pipeline(project, branch, variables=variables, inputs=typed)
        self._learn(scope, pl.project_id)
        return self._pipeline(scope, pl, branch=branch)

    # -- helpers ----------------------------------------------------------------------------
    async def _config(self, project: str, ref: str | None) -> ci_config.CIConfig:
        """The file's inputs and prefilled variables; where it includes others, the
        variables of the merged configuration (GitLab's CI lint) when GitLab gives it (it
        needs the Developer role, and a valid file)."""
        try:
            text = await self.client.raw_file(project, ci_config.CI_FILE, ref)
        except NotFound:
            return ci_config.CIConfig()
        own = ci_config.parse(text)
        if not own.includes:
            return own
        try:
            lint = await self.client.ci_lint(await self._numeric(project), ref)
        except (PermissionDenied, NotFound, InvalidRequest):
            return own
        if not lint.valid or not lint.merged_yaml:
            return own
        merged = ci_config.parse(lint.merged_yaml)
        return dataclasses.replace(own, variables=merged.variables)

    def _learn(self, scope: str, project_id: int | None) -> None:
        if project_id is not None:
            self._ids[self._project(scope).lower()] = project_id

    async def _numeric(self, scope: str) -> int:
        project = self._project(scope)
        if project.isdigit():
            return int(project)
        known = self._ids.get(project.lower())
        if known is None:
            known = (await self.client.get_project(project)).id
            self._ids[project.lower()] = known
        return known

    def _ref(self, scope: str, kind: ItemKind, ident: int) -> ItemRef:
        return ItemRef(
            connector=self.connector,
            host=self._host(),
            scope=scope,
            key=str(ident),
            number=ident,
            kind=kind,
        )

    def _pipeline(
        self,
        scope: str,
        pl: GlPipelineRef,
        *,
        branch: str | None = None,
        jobs: Sequence[GlJob] | None = None,
        bridges: Sequence[GlJob] = (),
    ) -> Pipeline:
        single = pl if isinstance(pl, GlPipeline) else None
        mr = _MR_REF.fullmatch(pl.ref or "")
        number = pl.iid if pl.iid is not None else pl.id
        mapped = tuple(self._job(scope, j) for j in jobs or ()) + tuple(
            self._job(scope, b, bridge=True) for b in bridges
        )
        return Pipeline(
            ref=self._ref(scope, ItemKind.PIPELINE, pl.id),
            # One name for every run of a branch unless ``workflow:name`` gives its own:
            # "the newest pipeline of each name" is then the branch's newest pipeline, as
            # GitLab's merge request page shows it. The running number is ``number``.
            name=pl.name or UNNAMED,
            status=mapping.ci_status(pl.status),
            conclusion=mapping.pipeline_conclusion(pl.status),
            branch=branch if mr is not None and branch else pl.ref,
            sha=pl.sha,
            number=number,
            event=pl.source,
            url=pl.web_url,
            created_at=pl.created_at,
            started_at=single.started_at if single else None,
            finished_at=single.finished_at if single else None,
            updated_at=pl.updated_at,
            jobs=mapped,
            actions=mapping.pipeline_actions(
                pl.status, [*(jobs or ()), *bridges], rerunnable=bool(pl.ref)
            ),
        )

    def _job(self, scope: str, j: GlJob, *, bridge: bool = False) -> Job:
        if j.pipeline is not None:
            self._learn(scope, j.pipeline.project_id)
        return Job(
            ref=self._ref(scope, ItemKind.JOB, j.id),
            name=j.name,
            status=mapping.ci_status(j.status),
            conclusion=mapping.ci_job_conclusion(j),
            stage=j.stage,
            # A trigger job's page says little; its downstream pipeline is what one opens.
            url=j.downstream_pipeline.web_url
            if bridge and j.downstream_pipeline and j.downstream_pipeline.web_url
            else j.web_url,
            started_at=j.started_at,
            finished_at=j.finished_at,
            allow_failure=j.allow_failure,
            actions=mapping.job_actions(j, bridge=bridge),
        )


def _id(ref: ItemRef, kind: ItemKind) -> int:
    """The service id a pipeline or job ref carries as its key."""
    if ref.kind is not kind or not ref.key.isdigit():
        raise InvalidRequest(f"{ref.label} is not a GitLab {kind.value} (its key is the id)")
    return int(ref.key)


def _decode(data: bytes, *, final: bool) -> tuple[str, int]:
    """UTF-8 text of ``data`` and how many bytes it used: while a job runs its trace may end
    inside a character, which is then left for the next read; invalid bytes are replaced."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    text = decoder.decode(data, final=final)
    pending, _ = decoder.getstate()
    return text, len(data) - len(pending)


def _detail(exc: ServiceError) -> str:
    """The service's own words from a mapped error (after ``GitLab: 403 ... on ...: ``)."""
    return exc.message.rsplit(": ", 1)[-1] if ": " in exc.message else exc.message
