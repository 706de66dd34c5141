"""GitHub Actions as the sdk's ``Pipelines`` and ``PipelineControl``: runs, jobs, logs, control.

A *pipeline* is a workflow run, named ``ItemRef(kind=pipeline, scope="owner/repo",
key="<run id>")``; a *job* is one of its jobs, ``key="<job id>"`` (job ids are unique across
a repository's runs and attempts). A run read by its ref is its latest attempt;
:meth:`Actions.get_attempt` reads an earlier one (``/attempts/{n}``).

Logs. GitHub has no live log API: while a job is queued or running its log endpoint has
nothing (it redirects to a blob that does not exist yet; actions/runner#886). What exists is
the job's steps, so a job's log *document* here is one line per finished step
(``[step 2] Build: success``), a blank line, then GitHub's log once the job has finished.
While it runs, :meth:`Actions.job_log` returns the step lines so far with ``complete=False``
and asks GitHub for nothing but the job; steps finish in order and their lines never
change, so the document only grows and an offset handed out while the job ran is still
right in the finished one (no state needed: a fresh connector agrees). The finished log is
one text (``GET .../jobs/{id}/logs``, a 302 to a pre-signed blob URL on another host that the
hub's client follows without credentials); offsets are *bytes* of the UTF-8 document (as
GitLab's and Jenkins' are), sliced here on a character boundary, and a finished job's
document is kept (a few, by job id) so paging through it downloads it once. When that
endpoint has no log for a finished job of a finished run, the run's zip is read instead
(``zipfile``).

Control. Re-run, re-run failed jobs and cancel act on the run, ``retry`` on one job; each
returns the run read back *fresh* (``Cache-Control: no-cache``: the cache revalidates rather
than answer with the copy from before the action). ``Pipeline.actions`` lists what GitHub
allows in the run's state: a running run can be cancelled, a finished one re-run (its failed
jobs alone when some failed), a finished job of a finished run re-run.

Triggers. Workflows with a ``workflow_dispatch`` event, with the inputs their YAML declares
(:mod:`.workflow_file`); :meth:`Actions.trigger` dispatches with ``return_run_details`` and
reads the new run back, or finds it among the branch's newest ``workflow_dispatch`` runs
where the server answers the older 204, or returns ``None``.
"""

from __future__ import annotations

import io
import zipfile
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from connectors.sdk import (
    CheckConclusion,
    InvalidRequest,
    ItemKind,
    ItemRef,
    NotFound,
    PermissionDenied,
    RepoRef,
)
from connectors.sdk.ci import CIAction, Job, LogChunk, Pipeline, RunStatus, Step, Trigger

from .models import GhJob, GhStep, GhWorkflowRun
from .workflow_file import dispatch_inputs

if TYPE_CHECKING:
    from .connector import GitHubConnector

#: GitHub's run and job statuses. ``waiting``: an environment's protection rule holds it
#: (a person must approve); ``requested``/``pending``: created, not yet queued for a runner.
STATUS = {
    "queued": RunStatus.QUEUED,
    "requested": RunStatus.QUEUED,
    "pending": RunStatus.QUEUED,
    "waiting": RunStatus.WAITING,
    "action_required": RunStatus.WAITING,
    "in_progress": RunStatus.RUNNING,
    "completed": RunStatus.COMPLETED,
}
#: Conclusions the sdk lacks: ``startup_failure`` (the workflow file is invalid, nothing ran).
CONCLUSION = {c.value: c for c in CheckConclusion} | {"startup_failure": CheckConclusion.FAILURE}
_RERUN_FAILED = frozenset({"failure", "cancelled", "timed_out"})
_NO_LOG = frozenset({"skipped", "cancelled"})
_KEEP_LOGS = 4
_WRITE_HINT = (
    " (re-running, cancelling and dispatching need write access to Actions: a fine-grained"
    " token's or GitHub App's 'Actions: write' permission, a classic token's repo scope)"
)


def run_status(status: str | None) -> RunStatus:
    return STATUS.get(status or "", RunStatus.QUEUED)


def conclusion(status: str | None, value: str | None) -> CheckConclusion:
    """``pending`` until completed; an unknown conclusion is ``neutral`` (neither red nor
    green), not a failure."""
    if status != "completed" or value is None:
        return CheckConclusion.PENDING
    return CONCLUSION.get(value, CheckConclusion.NEUTRAL)


def run_actions(run: GhWorkflowRun) -> tuple[CIAction, ...]:
    if run.status != "completed":
        return ("cancel",)
    if run.conclusion in _RERUN_FAILED:
        return ("rerun", "rerun_failed")
    return ("rerun",)


class Actions:
    """The connector's Actions half, kept apart so ``connector.py`` stays the glue it is."""

    def __init__(self, connector: GitHubConnector) -> None:
        self.gh = connector
        self._logs: OrderedDict[tuple[str, int], bytes] = OrderedDict()

    # -- refs ---------------------------------------------------------------------------------
    def _ref(self, repo: RepoRef, kind: ItemKind, key: int) -> ItemRef:
        return ItemRef(
            connector="github", host=self.gh.host, scope=repo.full_name, key=str(key), kind=kind
        )

    def _target(self, ref: ItemRef, kind: ItemKind) -> tuple[RepoRef, int]:
        if ref.kind is not kind:
            raise InvalidRequest(f"{ref.key!r} is a {ref.kind.value}, not a {kind.value}")
        try:
            return self.gh._repo(ref.scope), int(ref.key)
        except ValueError:
            raise InvalidRequest(f"{ref.key!r} is not a GitHub Actions {kind.value} id") from None

    # -- Pipelines ----------------------------------------------------------------------------
    async def list_pipelines(
        self, scope: str, *, branch: str | None = None, limit: int = 5
    ) -> Sequence[Pipeline]:
        repo = self.gh._repo(scope)
        runs, _ = await self.gh.client.list_runs(
            repo.owner, repo.name, branch=branch, per_page=limit
        )
        return [self._pipeline(repo, r) for r in runs[:limit]]

    async def get_pipeline(self, ref: ItemRef, *, fresh: bool = False) -> Pipeline:
        repo, run_id = self._target(ref, ItemKind.PIPELINE)
        c = self.gh.client
        run = await c.get_run(repo.owner, repo.name, run_id, fresh=fresh)
        jobs = await c.list_jobs(repo.owner, repo.name, run_id, fresh=fresh)
        return self._pipeline(repo, run, jobs)

    async def get_attempt(self, ref: ItemRef, attempt: int) -> Pipeline:
        """Attempt ``attempt`` (from 1) of a run, with the jobs that ran in it."""
        repo, run_id = self._target(ref, ItemKind.PIPELINE)
        c = self.gh.client
        run = await c.get_run(repo.owner, repo.name, run_id, attempt=attempt)
        jobs = await c.list_jobs(repo.owner, repo.name, run_id, attempt=attempt)
        return self._pipeline(repo, run, jobs)

    async def job_log(self, ref: ItemRef, *, offset: int = 0) -> LogChunk:
        repo, job_id = self._target(ref, ItemKind.JOB)
        doc = self._logs.get((repo.full_name, job_id))
        complete = True
        if doc is None:
            job = await self.gh.client.get_job(repo.owner, repo.name, job_id, fresh=True)
            head = step_lines(job).encode()
            if job.status != "completed":
                doc, complete = head, False  # no live log in GitHub's API: the steps so far
            else:
                log = (await self._finished_log(repo, job)).encode()
                doc = head + b"\n" + log if head and log else head + log
                self._keep(repo.full_name, job_id, doc)
        start = _boundary(doc, max(0, offset))
        return LogChunk(
            text=doc[start:].decode("utf-8", errors="replace"),
            offset=start,
            next_offset=max(len(doc), start),
            complete=complete,
        )

    async def _finished_log(self, repo: RepoRef, job: GhJob) -> str:
        c = self.gh.client
        try:
            return await c.job_log(repo.owner, repo.name, job.id)
        except NotFound:
            if job.conclusion in _NO_LOG and not job.steps:
                return ""  # skipped, or cancelled before a runner took it: no log was written
        run = await c.get_run(repo.owner, repo.name, job.run_id)
        if run.status != "completed":
            raise NotFound(f"GitHub has no log for job {job.name!r} ({job.id}) yet")
        data = await c.run_logs_zip(repo.owner, repo.name, job.run_id)
        found = log_from_zip(data, job.name)
        if found is None:
            raise NotFound(f"GitHub's log archive of run {job.run_id} has no {job.name!r}")
        return found

    def _keep(self, scope: str, job_id: int, doc: bytes) -> None:
        self._logs[(scope, job_id)] = doc
        while len(self._logs) > _KEEP_LOGS:
            self._logs.popitem(last=False)

    # -- PipelineControl ----------------------------------------------------------------------
    async def act(self, ref: ItemRef, action: CIAction) -> Pipeline | None:
        c = self.gh.client
        try:
            if ref.kind is ItemKind.JOB:
                if action != "retry":
                    raise InvalidRequest(f"GitHub Actions cannot {action} a job; only retry it")
                repo, job_id = self._target(ref, ItemKind.JOB)
                await c.rerun_job(repo.owner, repo.name, job_id)
                job = await c.get_job(repo.owner, repo.name, job_id, fresh=True)
                run_ref = self._ref(repo, ItemKind.PIPELINE, job.run_id)
                return await self.get_pipeline(run_ref, fresh=True)
            repo, run_id = self._target(ref, ItemKind.PIPELINE)
            if action == "rerun":
                await c.rerun(repo.owner, repo.name, run_id)
            elif action == "rerun_failed":
                await c.rerun_failed_jobs(repo.owner, repo.name, run_id)
            elif action == "cancel":
                await c.cancel(repo.owner, repo.name, run_id)
            else:
                raise InvalidRequest(f"GitHub Actions cannot {action} a workflow run")
        except PermissionDenied as exc:
            raise _hinted(exc) from None
        return await self.get_pipeline(ref, fresh=True)

    async def triggers(self, scope: str) -> Sequence[Trigger]:
        repo = self.gh._repo(scope)
        c = self.gh.client
        out: list[Trigger] = []
        for wf in await c.list_workflows(repo.owner, repo.name):
            if wf.state != "active":
                continue  # disabled workflows refuse dispatches
            try:
                text = await c.file_text(repo.owner, repo.name, wf.path)
            except (NotFound, ValueError):
                continue  # a dynamic workflow (CodeQL, Pages) has no file in the repository
            inputs = dispatch_inputs(text)
            if inputs is None:
                continue
            out.append(
                Trigger(
                    id=str(wf.id), name=wf.name, description=wf.path, inputs=inputs, url=wf.html_url
                )
            )
        return out

    async def trigger(
        self, scope: str, trigger_id: str, branch: str, inputs: Mapping[str, str]
    ) -> Pipeline | None:
        repo = self.gh._repo(scope)
        c = self.gh.client
        asked = datetime.now(UTC) - timedelta(seconds=5)  # allow for clock skew
        # GitHub Enterprise Server (``https://HOST/api/v3``) does not document
        # ``return_run_details``: it gets the plain request and the run is looked for below.
        details = not urlsplit(self.gh.ctx.api_url or "").path.rstrip("/").endswith("/api/v3")
        try:
            result = await c.dispatch(
                repo.owner, repo.name, trigger_id, branch, inputs, details=details
            )
        except PermissionDenied as exc:
            raise _hinted(exc) from None
        if result is not None:
            run_ref = self._ref(repo, ItemKind.PIPELINE, result.workflow_run_id)
            return await self.get_pipeline(run_ref, fresh=True)
        # (GitHub's search syntax ``created=>=...`` is not what its description allows for
        # that parameter, a date-time: the time is compared here instead.)
        runs, _ = await c.list_runs(
            repo.owner, repo.name, branch=branch, per_page=5, event="workflow_dispatch"
        )
        for run in runs:
            recent = run.created_at is None or run.created_at >= asked
            if recent and trigger_id in (str(run.workflow_id), (run.path or "").split("@")[0]):
                return self._pipeline(repo, run)
        return None  # GitHub creates the run a moment later: the next poll shows it

    # -- mapping ------------------------------------------------------------------------------
    def _pipeline(self, repo: RepoRef, run: GhWorkflowRun, jobs: Sequence[GhJob] = ()) -> Pipeline:
        status = run_status(run.status)
        finished = status is RunStatus.COMPLETED
        return Pipeline(
            ref=self._ref(repo, ItemKind.PIPELINE, run.id),
            name=run.name or run.display_title or (run.path or str(run.id)),
            status=status,
            conclusion=conclusion(run.status, run.conclusion),
            branch=run.head_branch,
            sha=run.head_sha,
            number=run.run_number,
            attempt=run.run_attempt or 1,
            event=run.event,
            url=run.html_url,
            created_at=run.created_at,
            started_at=run.run_started_at,
            finished_at=run.updated_at if finished else None,
            jobs=tuple(self._job(repo, j, run_finished=finished) for j in jobs),
            actions=run_actions(run),
        )

    def _job(self, repo: RepoRef, j: GhJob, *, run_finished: bool) -> Job:
        done = j.status == "completed"
        return Job(
            ref=self._ref(repo, ItemKind.JOB, j.id),
            name=j.name,
            status=run_status(j.status),
            conclusion=conclusion(j.status, j.conclusion),
            stage=j.workflow_name,
            url=j.html_url,
            started_at=j.started_at,
            finished_at=j.completed_at if done else None,
            steps=tuple(_step(s) for s in j.steps or ()),
            # GitHub re-runs a single job only once its whole run has finished.
            actions=("retry",) if done and run_finished else (),
        )


def _step(s: GhStep) -> Step:
    return Step(
        name=s.name,
        number=s.number,
        status=run_status(s.status),
        conclusion=conclusion(s.status, s.conclusion),
        started_at=s.started_at,
        finished_at=s.completed_at,
    )


def step_lines(job: GhJob) -> str:
    """The head of a job's log document: a line per finished step, in step order."""
    done = [s for s in job.steps or () if s.status == "completed"]
    done.sort(key=lambda s: s.number if s.number is not None else 0)
    return "".join(
        f"[step {s.number}] {s.name}: {s.conclusion or 'completed'}\n"
        if s.number is not None
        else f"[step] {s.name}: {s.conclusion or 'completed'}\n"
        for s in done
    )


def _boundary(data: bytes, offset: int) -> int:
    """``offset`` moved forward past UTF-8 continuation bytes, so a slice never starts in
    the middle of a character."""
    while offset < len(data) and data[offset] & 0xC0 == 0x80:
        offset += 1
    return offset


def _hinted(exc: PermissionDenied) -> PermissionDenied:
    """GitHub's 403 for a token without write access says only "Resource not accessible by
    integration" (or "Must have admin rights to Repository."): say what is missing. Other
    403s (a run too old to re-run, one still going) keep GitHub's own words alone."""
    said = exc.message.lower()
    if not any(k in said for k in ("not accessible by", "admin rights", "permission")):
        return exc
    return PermissionDenied(exc.message + _WRITE_HINT, status=exc.status, service=exc.service)


def log_from_zip(data: bytes, job_name: str) -> str | None:
    """One job's log from a run's log archive: the top-level ``<n>_<job name>.txt``, or the
    job's folder of step logs joined in step order. GitHub drops characters a file name cannot
    hold (``/``, ``:``) from job names there, so names are compared without them."""

    def plain(name: str) -> str:
        return "".join(ch for ch in name if ch not in '/\\:*?"<>|').strip()

    want = plain(job_name)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return None
    with archive:
        names = archive.namelist()
        for name in names:
            if "/" not in name and name.endswith(".txt"):
                _, _, rest = name.partition("_")
                if plain(rest[: -len(".txt")]) == want:
                    return archive.read(name).decode("utf-8", errors="replace")
        steps = sorted(
            (n for n in names if "/" in n and plain(n.split("/", 1)[0]) == want),
            key=lambda n: _step_number(n.split("/", 1)[1]),
        )
        if not steps:
            return None
        return "".join(archive.read(n).decode("utf-8", errors="replace") for n in steps)


def _step_number(file: str) -> int:
    head = file.partition("_")[0]
    return int(head) if head.isdigit() else 0
