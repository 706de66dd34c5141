"""Bitbucket Pipelines: pipelines of a branch, their steps (Tieline's jobs) and step logs;
stop, re-run, and custom pipelines started by hand with variables.

- A pipeline is named by its uuid (``{...}``), a step by ``{pipeline uuid}/{step uuid}``
  (both are needed to reach its log), each in the repository's scope.
- Logs: ``GET .../steps/{step}/log`` with ``Range: bytes=N-`` for what was written since
  the last read (Bitbucket answers 206, or 416 when nothing is new); ``complete`` once the
  step's state is COMPLETED. A finished step's log may be a 307 to signed storage on
  another origin: the hub's client follows it, Range kept and credential dropped (httpx
  strips Authorization across origins). ``Accept: application/octet-stream``: the endpoint
  answers ``application/json`` with 406.
- Actions: a pipeline still pending or running can be stopped (``stopPipeline``); a finished
  one re-run, which in Bitbucket's API is a new pipeline on the same target (branch, commit,
  selector) with the same variables -- secured ones excepted, whose values the API never
  returns. Bitbucket's "re-run failed steps" and manual-step buttons have no public API.
- Triggers: ``pipelines.custom`` of ``bitbucket-pipelines.yml`` on the main branch, each with
  the ``variables`` it declares (name, default, allowed-values, description), started as a
  ``custom`` selector on the branch asked for.
"""

from __future__ import annotations

import codecs
from collections.abc import Mapping, Sequence
from typing import Any

from connectors.sdk import InvalidRequest, ItemKind, ItemRef, NotFound, TielineError
from connectors.sdk.ci import CIAction, Job, LogChunk, Pipeline, RunStatus, Trigger

from . import mapping
from .base import CONNECTOR, BitbucketBase
from .client import repo_path
from .models import BbPipeline, BbRepoMain, BbStep

CONFIG_FILE = "bitbucket-pipelines.yml"


class PipelinesMixin(BitbucketBase):
    """The Pipelines and PipelineControl capabilities."""

    # -- refs and urls ------------------------------------------------------------------------
    def _pipeline_ref(self, scope: str, p: BbPipeline) -> ItemRef:
        return ItemRef(
            connector=CONNECTOR,
            host=self.host,
            scope=scope,
            key=p.uuid,
            number=p.build_number,
            kind=ItemKind.PIPELINE,
        )

    def _job_ref(self, scope: str, pipeline: str, step: BbStep) -> ItemRef:
        return ItemRef(
            connector=CONNECTOR,
            host=self.host,
            scope=scope,
            key=f"{pipeline}/{step.uuid}",
            kind=ItemKind.JOB,
        )

    def _pipeline_url(self, scope: str, p: BbPipeline) -> str | None:
        if p.build_number is None:
            return None
        return f"{self.web_url}/{scope}/pipelines/results/{p.build_number}"

    @staticmethod
    def _job_ids(ref: ItemRef) -> tuple[str, str]:
        pipeline, sep, step = ref.key.partition("/")
        if not sep or not pipeline or not step:
            raise InvalidRequest(f"{ref.label} is not a Bitbucket pipeline step")
        return pipeline, step

    # -- mapping ------------------------------------------------------------------------------
    def _pipeline(self, scope: str, p: BbPipeline, steps: Sequence[BbStep] = ()) -> Pipeline:
        status = mapping.run_status(p.state)
        url = self._pipeline_url(scope, p)
        jobs = tuple(self._job(scope, p, s, url, n) for n, s in enumerate(steps, 1))
        target = p.target
        branch = target.ref_name if target.ref_type in (None, "branch", "named_branch") else None
        branch = branch or target.source
        trigger = (p.trigger.name or "").lower() if p.trigger else None
        if target.selector and target.selector.type == "custom":
            trigger = "custom"
        elif target.type == "pipeline_pullrequest_target":
            trigger = "pull_request"
        actions: tuple[CIAction, ...] = ("rerun",) if status is RunStatus.COMPLETED else ("cancel",)
        return Pipeline(
            ref=self._pipeline_ref(scope, p),
            name=_pipeline_name(p),
            status=status,
            conclusion=mapping.conclusion(p.state),
            branch=branch,
            sha=target.commit.hash if target.commit else None,
            number=p.build_number,
            attempt=p.run_number or 1,
            event=trigger,
            url=url,
            created_at=p.created_on,
            started_at=p.created_on,
            finished_at=p.completed_on,
            jobs=jobs,
            actions=actions,
        )

    def _job(self, scope: str, p: BbPipeline, s: BbStep, pipeline_url: str | None, n: int) -> Job:
        return Job(
            ref=self._job_ref(scope, p.uuid, s),
            # An unnamed step is "Step N" on Bitbucket's pipeline page too.
            name=s.name or f"Step {n}",
            status=mapping.run_status(s.state),
            conclusion=mapping.conclusion(s.state),
            url=f"{pipeline_url}/steps/{s.uuid}" if pipeline_url else None,
            started_at=s.started_on,
            finished_at=s.completed_on,
        )

    # -- Pipelines ----------------------------------------------------------------------------
    async def list_pipelines(
        self, scope: str, *, branch: str | None = None, limit: int = 5
    ) -> Sequence[Pipeline]:
        """The newest pipelines of the repository (of one branch when given), without steps."""
        repo = self._scope(scope)
        found = await self.client.pipelines(repo, branch=branch, limit=limit)
        return [self._pipeline(repo, p) for p in found]

    async def get_pipeline(self, ref: ItemRef) -> Pipeline:
        """One pipeline with its steps as jobs."""
        repo = self._scope(ref.scope)
        p = await self.client.pipeline(repo, ref.key)
        steps = await self.client.steps(repo, p.uuid)
        return self._pipeline(repo, p, steps)

    async def job_log(self, ref: ItemRef, *, offset: int = 0) -> LogChunk:
        """A step's log from byte ``offset``; ``complete`` once the step has finished. The
        step's state is read first, so a log that ends while it is read is read once more
        next time rather than marked complete early."""
        repo = self._scope(ref.scope)
        pipeline, step_id = self._job_ids(ref)
        step = await self.client.step(repo, pipeline, step_id)
        done = mapping.run_status(step.state) is RunStatus.COMPLETED
        try:
            data = await self.client.step_log(repo, pipeline, step_id, max(offset, 0))
        except NotFound:
            if done or step.started_on is None:
                data = b""  # no log yet (pending), or a step that never ran
            else:
                raise
        except TielineError as exc:
            if getattr(exc, "status", None) != 416:
                raise
            data = b""  # Range Not Satisfiable: nothing after offset yet
        # A read may end inside a UTF-8 character while the step writes: those bytes are
        # left for the next read rather than turned into a replacement character.
        decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        text = decoder.decode(data, final=done)
        pending = len(decoder.getstate()[0])
        return LogChunk(
            text=text, offset=offset, next_offset=offset + len(data) - pending, complete=done
        )

    # -- PipelineControl ----------------------------------------------------------------------
    async def act(self, ref: ItemRef, action: CIAction) -> Pipeline | None:
        """``cancel`` stops a pipeline and reads it back; ``rerun`` starts a new pipeline on
        the same target with the same (unsecured) variables and returns it."""
        repo = self._scope(ref.scope)
        if ref.kind is ItemKind.JOB:
            raise InvalidRequest("Bitbucket acts on whole pipelines, not single steps")
        if action == "cancel":
            await self.client.stop_pipeline(repo, ref.key)
            return await self.get_pipeline(ref)
        if action != "rerun":
            raise InvalidRequest(f"Bitbucket Pipelines cannot {action.replace('_', ' ')}")
        p = await self.client.pipeline(repo, ref.key)
        new = await self.client.run_pipeline(repo, _target_of(p), _variables_of(p))
        return self._pipeline(repo, new)

    async def triggers(self, scope: str) -> Sequence[Trigger]:
        """Custom pipelines of ``bitbucket-pipelines.yml`` on the main branch."""
        repo = self._scope(scope)
        main = await self.client._get(BbRepoMain, repo_path(repo))
        branch = main.mainbranch.name if main.mainbranch and main.mainbranch.name else "HEAD"
        try:
            text = await self.client.file_text(repo, branch, CONFIG_FILE)
        except NotFound:
            return []
        import yaml  # a runtime dependency of Tieline; only this method needs it

        try:
            config = yaml.safe_load(text or "")
        except yaml.YAMLError as exc:
            raise InvalidRequest(f"{CONFIG_FILE} on {branch} is not valid YAML: {exc}") from exc
        url = f"{self.web_url}/{repo}/pipelines"
        return mapping.custom_triggers(config, url=url)

    async def trigger(
        self, scope: str, trigger_id: str, branch: str, inputs: Mapping[str, str]
    ) -> Pipeline | None:
        """Run custom pipeline ``trigger_id`` on ``branch`` with ``inputs`` as variables."""
        repo = self._scope(scope)
        target = {
            "type": "pipeline_ref_target",
            "ref_type": "branch",
            "ref_name": branch,
            "selector": {"type": "custom", "pattern": trigger_id},
        }
        variables = [{"key": k, "value": v} for k, v in inputs.items()]
        new = await self.client.run_pipeline(repo, target, variables)
        return self._pipeline(repo, new)


def _pipeline_name(p: BbPipeline) -> str:
    """Which pipeline of ``bitbucket-pipelines.yml`` ran, as its selector names it: a custom
    pipeline's or a branch/tag/pull-request pattern's name, ``default``, else the ref."""
    sel = p.target.selector
    if sel and sel.pattern:
        return sel.pattern
    if sel and sel.type:
        return sel.type
    if p.target.ref_name:
        return p.target.ref_name
    if p.target.source:
        return f"{p.target.source} → {p.target.destination or ''}".strip()
    return "pipeline"


def _target_of(p: BbPipeline) -> dict[str, Any]:
    """The target to re-run ``p`` on: the same ref, commit and selector."""
    t = p.target
    out: dict[str, Any] = {"type": t.type or "pipeline_ref_target"}
    if t.ref_type:
        out["ref_type"] = t.ref_type
    if t.ref_name:
        out["ref_name"] = t.ref_name
    if t.commit and t.commit.hash:
        out["commit"] = {"type": "commit", "hash": t.commit.hash}
    if t.selector and t.selector.type:
        sel: dict[str, Any] = {"type": t.selector.type}
        if t.selector.pattern:
            sel["pattern"] = t.selector.pattern
        out["selector"] = sel
    if t.source:
        out["source"] = t.source
    if t.destination:
        out["destination"] = t.destination
    return out


def _variables_of(p: BbPipeline) -> list[dict[str, Any]]:
    return [{"key": v.key, "value": v.value or ""} for v in p.variables if not v.secured]
