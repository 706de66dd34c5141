"""Jenkins connector: builds of jobs, folders and multibranch pipelines as Tieline pipelines.

Glue only: the wire calls live in :mod:`.client`, the mapping in :mod:`.mapping`. One instance
serves one Jenkins site and one user (HTTP Basic, user id + API token).

- A repository builds in one job (:meth:`JenkinsConnector.ci_scope`): the ``jobs`` setting maps
  ``owner/repo`` to a job's full name (``team/app``); unmapped repositories build in the job
  named like the repository, inside ``folder``. The scope of every pipeline is that job's
  full name (what ``ci_scope`` gives, as the sdk asks: the hub files pipelines by it).
- A multibranch project (``_class`` ``WorkflowMultiBranchProject``) holds one job per branch,
  named by branch-api's encoding (``feature/x y`` -> ``feature%2Fx y``); its builds are listed
  from the branch's job, and their keys start with that job's name (``feature%2Fx y/3``; an
  encoded name has no ``/``), so a ref alone finds the build again. Any other job is one line
  of builds, filtered by the branch git's ``BuildData`` says it built when a branch is asked
  for.
- A pipeline is a build (key: its number). Its jobs are the Pipeline run's stages from the
  Stage View plugin's ``wfapi/describe`` (key ``number:stage-id``); a freestyle build, or a
  controller without that plugin, is one job, the build itself (key ``number``). Every stage
  shares the build's one console log, so ``job_log`` reads that, incrementally
  (``logText/progressiveText``; offsets are bytes).
- A build started from the editor first waits in the queue: until it leaves, its pipeline is
  the queue item (key ``queue:N``), which ``get_pipeline`` follows to the build.
- Re-run builds the job again with the build's parameters (passwords are never sent back by
  Jenkins, so those take their defaults); cancel stops a running build or takes a queued one
  out of the queue. Jenkins has no "re-run failed stages" in its API.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from connectors.sdk import (
    CheckResult,
    CIAction,
    ConfigError,
    Connector,
    ConnectorContext,
    InvalidRequest,
    ItemKind,
    ItemRef,
    LogChunk,
    NotFound,
    Pipeline,
    RepoRef,
    TielineError,
    Trigger,
)

from . import mapping
from .client import JenkinsClient, encode_name, job_path
from .models import JBuild, JJob

TRIGGER_ID = "build"
#: Branch jobs of a multibranch project read for a list without a branch.
MAX_BRANCHES = 50


class JenkinsConnector(Connector):
    manifest_path = Path(__file__).with_name("manifest.toml")

    def __init__(self, ctx: ConnectorContext) -> None:
        super().__init__(ctx)
        self.client = JenkinsClient(ctx.http)
        #: Job full name -> is it a multibranch project (learned from its ``_class``).
        self._multibranch: dict[str, bool] = {}
        self._jobs = _job_map(ctx.settings.get("jobs") or ())

    # -- settings and refs ----------------------------------------------------------------
    @property
    def site(self) -> str:
        site = self.ctx.settings.get("site") or self.ctx.web_url or self.ctx.api_url
        if not site:
            raise ConfigError("set connectors.jenkins.site to your Jenkins' address")
        return str(site).rstrip("/")

    @property
    def host(self) -> str:
        return self.ctx.host or (urlsplit(self.site).hostname or "")

    def _ref(self, job: str, key: str, kind: ItemKind, number: int | None) -> ItemRef:
        """The ref of ``key`` (a build, a stage, a queue item) of the job named ``job``: a
        branch job's are its multibranch project's, keyed by the branch job's name first."""
        parent, _, name = job.rpartition("/")
        if parent and self._multibranch.get(parent):
            job, key = parent, f"{name}/{key}"
        return ItemRef(
            connector=self.manifest().id,
            host=self.host,
            scope=job,
            key=key,
            number=number,
            kind=kind,
        )

    def _locate(self, ref: ItemRef) -> tuple[str, str]:
        """The full name of the job a ref's build is in, and the key within that job (the
        reverse of :meth:`_ref`; a key with a branch job's name says its scope is a
        multibranch project, which later refs of it then need)."""
        name, sep, key = ref.key.rpartition("/")
        if not sep:
            return ref.scope, ref.key
        if not name:
            raise NotFound(f"Jenkins: {ref.key!r} names no build of {ref.scope}")
        self._multibranch[ref.scope] = True
        return f"{ref.scope}/{name}", key

    def ci_scope(self, repo: RepoRef) -> str | None:
        """The full name of the job that builds ``repo`` (``team/app``; its URL is
        ``/job/team/job/app``): the ``jobs`` setting's entry, else the repository's name
        inside ``folder``."""
        mapped = self._jobs.get(repo.full_name.lower())
        if mapped is not None:
            return mapped
        folder = str(self.ctx.settings.get("folder") or "").strip("/")
        return f"{folder}/{repo.name}" if folder else repo.name

    # -- hooks ----------------------------------------------------------------------------
    async def check(self) -> CheckResult:
        """Who are we? ``/me/api/json``; the account is the Jenkins user id. An answer without
        ``X-Jenkins`` is from something else at that address."""
        try:
            me, response = await self.client.me()
        except TielineError as exc:
            return CheckResult.failed(exc)
        version = response.headers.get("x-jenkins")
        if not version:
            return CheckResult(
                ok=False, detail=f"{self.site} answered, but not as Jenkins (no X-Jenkins header)"
            )
        if not me.id or me.id == "anonymous":
            return CheckResult(
                ok=False, detail=f"Jenkins at {self.host} took the request as anonymous"
            )
        return CheckResult(
            ok=True,
            account=me.id,
            name=me.full_name,
            detail=f"signed in to Jenkins {version} at {self.host} as {me.full_name or me.id}",
        )

    # -- Pipelines -----------------------------------------------------------------------
    async def list_pipelines(
        self, scope: str, *, branch: str | None = None, limit: int = 5
    ) -> Sequence[Pipeline]:
        """The newest builds of ``scope``'s job (of the branch's job in a multibranch project;
        of every branch's newest build without a branch)."""
        limit = max(1, min(limit, 100))
        multibranch = self._multibranch.get(scope)
        if multibranch and branch:
            return await self._branch_builds(scope, branch, limit)
        job = await self._job(scope, builds=0 if multibranch else limit, branches=not branch)
        if job.multibranch:
            if branch:
                return await self._branch_builds(scope, branch, limit)
            newest = [
                (f"{scope}/{j.name}", j.last_build)
                for j in job.jobs[:MAX_BRANCHES]
                if j.last_build is not None
            ]
            newest.sort(key=lambda p: p[1].timestamp or 0, reverse=True)
            return [self._pipeline(name, b) for name, b in newest[:limit]]
        builds = job.builds
        if branch:
            builds = [b for b in builds if mapping.built_branch(b) in (branch, None)]
        return [self._pipeline(scope, b, job=job) for b in builds[:limit]]

    async def get_pipeline(self, ref: ItemRef) -> Pipeline:
        scope, key = self._locate(ref)
        if key.startswith("queue:"):
            return await self._from_queue(scope, _number(key.removeprefix("queue:"), ref))
        number = _number(key.split(":", 1)[0], ref)
        build = await self.client.build(scope, number)
        stages: Sequence[mapping.JStage] | None = None
        if mapping.is_pipeline_run(build):
            description = await self.client.describe(scope, number)
            # No Stage View plugin: the run is one job, like a freestyle build.
            stages = description.stages if description is not None else ()
        return self._pipeline(scope, build, stages=stages)

    async def job_log(self, ref: ItemRef, *, offset: int = 0) -> LogChunk:
        """The build's console from byte ``offset`` (every stage of a build writes to that
        one log, so a stage's ref reads it too)."""
        scope, key = self._locate(ref)
        if key.startswith("queue:"):
            return LogChunk(text="", offset=offset, next_offset=offset, complete=False)
        number = _number(key.split(":", 1)[0], ref)
        part = await self.client.progressive_text(scope, number, offset)
        return LogChunk(
            text=part.text, offset=offset, next_offset=part.next_start, complete=not part.more
        )

    # -- PipelineControl ---------------------------------------------------------------------
    async def act(self, ref: ItemRef, action: CIAction) -> Pipeline | None:
        scope, key = self._locate(ref)
        if key.startswith("queue:"):
            if action != "cancel":
                raise InvalidRequest(f"Jenkins: a queued build can only be cancelled, not {action}")
            item = _number(key.removeprefix("queue:"), ref)
            await self.client.cancel_queue_item(item)
            return await self._from_queue(scope, item)
        number = _number(key.split(":", 1)[0], ref)
        if action == "cancel":
            await self.client.stop(scope, number)
            return await self.get_pipeline(self._ref(scope, str(number), ItemKind.PIPELINE, number))
        if action in ("rerun", "retry"):
            # The job's parameters now decide the request: ones added since the build take
            # their defaults, ones removed since are dropped (Jenkins refuses a plain build of
            # a parameterized job, and parameters of an unparameterized one).
            build = await self.client.build(scope, number)
            job = await self._job(scope)
            if not job.parameter_definitions:
                return await self._start(scope, None)
            known = {d.name for d in job.parameter_definitions}
            values = {k: v for k, v in mapping.parameter_values(build).items() if k in known}
            return await self._start(scope, values)
        raise InvalidRequest(
            f"Jenkins cannot {action.replace('_', ' ')} a build; it can re-run or cancel one"
        )

    async def triggers(self, scope: str) -> Sequence[Trigger]:
        """One trigger, "build": the job's parameters as its inputs (a multibranch project's
        from its first branch job that has any: a Jenkinsfile declares them for every
        branch)."""
        job = await self._job(scope, child_parameters=True)
        definitions = job.parameter_definitions
        if job.multibranch:
            definitions = next(
                (c.parameter_definitions for c in job.jobs if c.parameter_definitions), []
            )
        if not job.multibranch and job.buildable is False:
            return []
        return [
            Trigger(
                id=TRIGGER_ID,
                name=f"Build {job.full_display_name or job.display_name or scope}",
                description="Builds the branch's job" if job.multibranch else "",
                inputs=tuple(mapping.trigger_input(d) for d in definitions),
                url=job.url,
            )
        ]

    async def trigger(
        self, scope: str, trigger_id: str, branch: str, inputs: Mapping[str, str]
    ) -> Pipeline | None:
        """Build ``scope``'s job (a multibranch project's job for ``branch``; a single-branch
        job builds what its own SCM settings say, so ``branch`` does not change it)."""
        if trigger_id != TRIGGER_ID:
            raise InvalidRequest(f"Jenkins: no trigger {trigger_id!r} (it has {TRIGGER_ID!r})")
        job = await self._job(scope)
        if job.multibranch:
            if not branch:
                raise InvalidRequest("Jenkins: a multibranch project builds a branch; name one")
            scope = f"{scope}/{encode_name(branch)}"
            job = await self._job(scope)
        if not job.parameter_definitions:
            if inputs:
                raise InvalidRequest(
                    f"Jenkins: {scope} takes no parameters, and was given {', '.join(inputs)}"
                )
            return await self._start(scope, None)
        return await self._start(scope, mapping.form_values(job.parameter_definitions, inputs))

    # -- internals ------------------------------------------------------------------------
    async def _job(
        self, scope: str, *, builds: int = 0, branches: bool = False, child_parameters: bool = False
    ) -> JJob:
        try:
            job = await self.client.job(
                scope, builds=builds, branches=branches, child_parameters=child_parameters
            )
        except NotFound as exc:
            raise NotFound(
                f"Jenkins: no job {scope} at {self.host} (or it is hidden from this user); "
                "map the repository to its job with connectors.jenkins.jobs "
                f"({exc.message})",
                status=exc.status,
                service=exc.service,
            ) from exc
        self._multibranch[scope] = job.multibranch
        return job

    async def _branch_builds(self, scope: str, branch: str, limit: int) -> list[Pipeline]:
        name = f"{scope}/{encode_name(branch)}"
        try:
            job = await self.client.job(name, builds=limit)
        except NotFound:
            return []  # the project has not indexed (or has dropped) that branch
        return [self._pipeline(name, b, job=job, branch=branch) for b in job.builds[:limit]]

    async def _start(self, scope: str, parameters: Mapping[str, str] | None) -> Pipeline | None:
        item = await self.client.build_now(scope, parameters)
        if item is None:
            return None
        return await self._from_queue(scope, item)

    async def _from_queue(self, scope: str, item: int) -> Pipeline:
        """A queue item as a pipeline: the build once it has one, else waiting in the queue."""
        queued = await self.client.queue_item(item)
        if queued.executable is not None:
            build = await self.client.build(scope, queued.executable.number)
            return self._pipeline(scope, build)
        ref = self._ref(scope, f"queue:{item}", ItemKind.PIPELINE, None)
        return mapping.queued_pipeline(ref, queued, scope, branch=self._branch_of(scope))

    def _branch_of(self, scope: str) -> str | None:
        parent, _, name = scope.rpartition("/")
        return mapping.decode_branch(name) if parent and self._multibranch.get(parent) else None

    def _pipeline(
        self,
        scope: str,
        build: JBuild,
        *,
        job: JJob | None = None,
        branch: str | None = None,
        stages: Sequence[mapping.JStage] | None = None,
    ) -> Pipeline:
        ref = self._ref(scope, str(build.number), ItemKind.PIPELINE, build.number)
        return mapping.pipeline(
            ref,
            build,
            branch=branch or self._branch_of(scope) or mapping.built_branch(build),
            stages=stages,
            job_ref=lambda key, number: self._ref(scope, key, ItemKind.JOB, number),
        )


def _job_map(entries: Sequence[str] | str) -> dict[str, str]:
    """``["octo/app=team/app"]`` -> ``{"octo/app": "team/app"}`` (repositories compared
    without case, as code hosts do); a malformed entry is a configuration error."""
    if isinstance(entries, str):
        entries = [entries]
    out: dict[str, str] = {}
    for entry in entries:
        repo, sep, job = str(entry).partition("=")
        repo, job = repo.strip().strip("/"), job.strip().strip("/")
        if not sep or not repo or not job:
            raise ConfigError(f'connectors.jenkins.jobs: {entry!r} is not "owner/repo=folder/job"')
        job_path(job)  # refuses an empty name
        out[repo.lower()] = job
    return out


def _number(text: str, ref: ItemRef) -> int:
    try:
        return int(text)
    except ValueError:
        raise NotFound(f"Jenkins: {ref.key!r} names no build of {ref.scope}") from None


__all__ = ["JenkinsConnector"]
