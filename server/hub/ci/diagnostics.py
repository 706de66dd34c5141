"""Failures of a failed pipeline, kept until the next run of that pipeline passes.

When a pipeline of a watched branch fails (``ci.failed``), :func:`collect` reads each failed
job's whole log (:func:`~.logs.read_raw`) and finds what it points at in every checkout of
that branch (:func:`~.failures.find_failures`, off the event loop: a multi-MB log is a
parse of tens of milliseconds). A :class:`Store` keeps the answers per *run key* -- the
same connector, host, scope, branch and pipeline name, so the next run of ``build`` on
``feature`` replaces or clears what the last one said -- and per checkout root, and lays
them out per file for whoever publishes them (the LSP layer turns them into diagnostics).

Service-neutral: any connector with ``Pipelines``; nothing here knows LSP.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from connectors.sdk.capabilities import Pipelines, provides
from connectors.sdk.errors import TielineError
from connectors.sdk.models import CheckConclusion

from . import board
from .failures import Failure, find_failures
from .ids import ci_id, log_uri, parse_ci_id

if TYPE_CHECKING:
    from connectors.sdk.ci import Pipeline

    from ..hub import Hub
    from ..sessions import Session
    from ..workspace import Folder

log = logging.getLogger("tieline.ci.diagnostics")

#: The most failures kept for all pipelines together (an editor's problems list is read
#: by a person; a log of 10 000 warnings helps nobody as 10 000 squiggles).
MOST = 500
#: A job that ended so: its log says why. A cancelled one's says nothing of the code.
_FAILED = frozenset({CheckConclusion.FAILURE, CheckConclusion.TIMED_OUT})


@dataclass(frozen=True, slots=True)
class RunKey:
    """Which pipeline a run is a run *of*: its next run (any id) replaces this one's say."""

    connector: str
    host: str
    scope: str
    branch: str
    name: str

    @classmethod
    def of(cls, payload: Mapping[str, Any]) -> RunKey:
        """From a ``ci.failed``/``ci.succeeded`` event's payload (its pipeline id names the
        connector and host; scope, branch and name are given)."""
        ref = parse_ci_id(str(payload["pipeline"]))
        return cls(
            ref.connector,
            ref.host,
            str(payload.get("scope") or ref.scope),
            str(payload.get("branch") or ""),
            str(payload.get("name") or ""),
        )


@dataclass(frozen=True, slots=True)
class JobFailure:
    """One failure and the job whose log said it."""

    failure: Failure
    job: str
    """The job's name, as the CI panel shows it."""
    job_id: str
    pipeline_id: str
    log_uri: str
    job_url: str | None = None


@dataclass(frozen=True, slots=True)
class Run:
    """What one failed run said about one checkout."""

    key: RunKey
    root: Path
    pipeline_id: str
    found: tuple[JobFailure, ...]


@dataclass
class Store:
    """The runs whose failures are shown, by run key and checkout root."""

    runs: dict[tuple[RunKey, Path], Run] = field(default_factory=dict)

    def put(self, key: RunKey, runs: Iterable[Run]) -> None:
        """A run of ``key`` failed: what it said replaces what the last run of it said."""
        self.clear(key)
        for run in runs:
            self.runs[(key, run.root)] = run

    def clear(self, key: RunKey) -> bool:
        """The next run of ``key`` passed: its failures go. True when something went."""
        gone = [k for k in self.runs if k[0] == key]
        for k in gone:
            del self.runs[k]
        return bool(gone)

    def clear_all(self) -> bool:
        had = bool(self.runs)
        self.runs.clear()
        return had

    def prune(self, folders: Iterable[Folder]) -> bool:
        """Drop the runs of checkouts no folder has on that branch any more (the person
        switched branches, the folder was closed). True when something went."""
        here = {(_root(f), f.branch) for f in folders}
        gone = [k for k in self.runs if (k[1], k[0].branch) not in here]
        for k in gone:
            del self.runs[k]
        return bool(gone)

    def by_file(self, most: int = MOST) -> tuple[dict[Path, list[JobFailure]], int]:
        """Every failure by absolute file path, at most ``most`` in all (the runs' order,
        each run's in log order), and how many were left out."""
        out: dict[Path, list[JobFailure]] = {}
        kept = dropped = 0
        for run in self.runs.values():
            for jf in run.found:
                if kept >= most:
                    dropped += 1
                    continue
                out.setdefault(run.root / jf.failure.path, []).append(jf)
                kept += 1
        return out, dropped


def _root(folder: Folder) -> Path | None:
    if folder.root is not None:
        return folder.root
    primary = folder.primary
    return primary.root if primary is not None else None


def checkouts(hub: Hub, session: Session, scope: str, branch: str) -> list[Path]:
    """The roots of the folders that have ``branch`` of the repository whose CI scope is
    ``scope`` checked out (two worktrees may)."""
    out: list[Path] = []
    for f in hub.folders:
        root = _root(f)
        if root is None or f.branch != branch:
            continue
        if any(session.connector.ci_scope(r.repo) == scope for r in f.remotes) and root not in out:
            out.append(root)
    return out


async def _pipeline(hub: Hub, session: Session, pid: str) -> Pipeline:
    try:
        return board.find(hub, pid).pipeline
    except TielineError:  # not in the index (any more): ask the service
        connector: Any = session.connector
        pipeline: Pipeline = await connector.get_pipeline(parse_ci_id(pid))
        return pipeline


async def collect(hub: Hub, payload: Mapping[str, Any], *, most: int = MOST) -> list[Run]:
    """What the failed pipeline of a ``ci.failed`` payload says about each checkout of its
    branch: every failed job's log read whole and parsed (off the loop). A job whose log
    cannot be read is logged and skipped; the others still count. Nothing (``[]``, which
    leaves the last run's say standing) when no job failed: a cancelled run fixed nothing."""
    from .logs import read_raw

    key = RunKey.of(payload)
    pid = str(payload["pipeline"])
    session = hub.session_for(key.connector, key.host, key.scope)
    if session is None or not provides(session.connector, Pipelines):
        return []
    roots = checkouts(hub, session, key.scope, key.branch)
    if not roots:
        return []
    pipeline = await _pipeline(hub, session, pid)
    jobs = [j for j in pipeline.failed_jobs() if j.conclusion in _FAILED]
    if not jobs:  # cancelled, or failed outside any job: nothing to say
        return []
    found: dict[Path, list[JobFailure]] = {root: [] for root in roots}
    capped = False
    for job in jobs:
        if all(len(jfs) >= most for jfs in found.values()):
            capped = True
            break
        try:
            raw = await read_raw(session.connector, job.ref)
        except TielineError as exc:
            log.warning("the log of %s could not be read: %s", job.name, exc.message)
            continue
        for root in roots:
            left = most - len(found[root])
            if left <= 0:
                capped = True
                continue
            # One more than fits: then it is known that some were left out.
            failures = await asyncio.to_thread(find_failures, raw, root, limit=left + 1)
            if len(failures) > left:
                capped, failures = True, failures[:left]
            found[root] += [
                JobFailure(f, job.name, ci_id(job.ref), pid, log_uri(job.ref, job.name), job.url)
                for f in failures
            ]
    runs = [Run(key, root, pid, tuple(jfs)) for root, jfs in found.items()]
    if capped:
        log.info("%s on %s: showing the first %d failures, the rest left out", key.name,
                 key.branch, most)  # fmt: skip
    total = sum(len(r.found) for r in runs)
    log.info(
        "%s #%s on %s: %d failure(s) in the logs of %d failed job(s)",
        key.name,
        payload.get("number") or "?",
        key.branch,
        total,
        len(jobs),
    )
    return runs


__all__ = ["MOST", "JobFailure", "Run", "RunKey", "Store", "checkouts", "collect"]
