"""Every session's CI in one place: the branches of the workspace with their pipelines and
checks, items found by id, and the actions and triggers a person starts from the editor.

Read from the coordinators' indexes (no I/O) except for the actions themselves, which go
through ``PipelineControl`` of the session the item came from and then ask for a sync, so
the panel shows the re-run without waiting for the next poll.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, get_args

from connectors.sdk.capabilities import PipelineControl, Pipelines, provides
from connectors.sdk.ci import CIAction, Job, Pipeline, Trigger
from connectors.sdk.errors import CapabilityError, TielineError
from connectors.sdk.models import CheckSummary, ItemKind, ItemRef

from .ids import BadCIRequest, ci_id, parse_ci_id, parse_trigger_id, trigger_id

if TYPE_CHECKING:
    from ..hub import Hub
    from ..sessions import Session

ACTIONS: tuple[str, ...] = get_args(CIAction)


@dataclass
class Run:
    """One session's part of a branch: its pipelines (newest of each name) and its checks
    (a code host's checks include other apps' besides its own CI's jobs)."""

    session: Session
    pipelines: tuple[Pipeline, ...] = ()
    checks: CheckSummary | None = None


@dataclass
class Branch:
    """A folder's branch (``scope@branch``) and what every CI says of it."""

    key: str
    runs: list[Run] = field(default_factory=list)
    summary: CheckSummary | None = None

    @property
    def scope(self) -> str:
        return self.key.rpartition("@")[0]

    @property
    def branch(self) -> str:
        return self.key.rpartition("@")[2]


@dataclass(frozen=True)
class Found:
    """An item of the board: the pipeline, and the job when the id named one."""

    session: Session
    pipeline: Pipeline
    job: Job | None = None

    @property
    def actions(self) -> tuple[CIAction, ...]:
        return self.job.actions if self.job is not None else self.pipeline.actions

    @property
    def ref(self) -> ItemRef:
        return self.job.ref if self.job is not None else self.pipeline.ref


@dataclass(frozen=True)
class TriggerChoice:
    """A trigger offered for one CI scope, with where it runs."""

    id: str
    session: Session
    scope: str
    branch: str | None
    trigger: Trigger


def branches(hub: Hub) -> list[Branch]:
    """Every watched branch that some session reports CI for, in session order."""
    out: dict[str, Branch] = {}
    for s in hub.sessions.values():
        idx = s.coordinator.index
        keys = list(dict.fromkeys([*idx.branch_pipelines, *idx.branch_checks]))
        for key in keys:
            b = out.setdefault(key, Branch(key))
            pipes = idx.branch_pipelines.get(key, ())
            b.runs.append(Run(s, pipes, idx.branch_checks.get(key)))
    for b in out.values():
        b.summary = _merged(b)
    return list(out.values())


def _merged(b: Branch) -> CheckSummary | None:
    states = [
        st for r in b.runs if (st := r.session.coordinator.index.branch_state(b.key)) is not None
    ]
    if not states:
        return None
    if len(states) == 1:
        return states[0]
    runs = tuple(run for st in states for run in st.runs)
    return CheckSummary.from_runs(b.key, runs, sha=states[0].sha, url=states[0].url)


def find(hub: Hub, item: str) -> Found:
    """The pipeline or job an id names (:func:`~.ids.ci_id`), from the sessions' indexes."""
    ref = parse_ci_id(item)
    for s in hub.sessions.values():
        if s.connector_id != ref.connector or s.host != ref.host:
            continue
        for pipes in s.coordinator.index.branch_pipelines.values():
            for p in pipes:
                if ref.kind is ItemKind.PIPELINE and _same(p.ref, ref):
                    return Found(s, p)
                for j in p.jobs:
                    if ref.kind is ItemKind.JOB and _same(j.ref, ref):
                        return Found(s, p, j)
    raise TielineError(
        f"no {ref.kind.value} {ref.key} of {ref.scope} is in the CI panel now "
        "(it may have been replaced by a newer run): refresh and try again"
    )


def _same(a: ItemRef, b: ItemRef) -> bool:
    return (a.connector, a.host, a.scope, a.key, a.kind) == (
        b.connector,
        b.host,
        b.scope,
        b.key,
        b.kind,
    )


def _control(s: Session) -> Any:
    if not provides(s.connector, PipelineControl):
        raise CapabilityError(
            f"{s.manifest.name} does not let Tieline re-run, cancel or start its pipelines "
            "(its connector has no PipelineControl)"
        )
    return s.connector


async def act(hub: Hub, item: str, action: str) -> tuple[Session, Pipeline | None]:
    """Apply ``action`` to the item ``item`` names; the pipeline as it is after (``None``
    when the service answers nothing), and a sync of its session is asked for."""
    if action not in ACTIONS:
        raise BadCIRequest(f"unknown CI action {action!r} (one of {', '.join(ACTIONS)})")
    found = find(hub, item)
    if action not in found.actions:
        what = f"{found.ref.kind.value} {found.job.name if found.job else found.pipeline.name}"
        allowed = ", ".join(found.actions) or "nothing now"
        raise BadCIRequest(f"{what} does not allow {action} (it allows {allowed})")
    control = _control(found.session)
    after: Pipeline | None = await control.act(found.ref, action)
    await hub.refresh()
    return found.session, after


async def triggers(hub: Hub, folder: Any = None) -> list[TriggerChoice]:
    """The hand-started pipelines of every repository a folder watches (``folder``: one
    :class:`~server.hub.workspace.Folder`, else all), from each session with control."""
    out: list[TriggerChoice] = []
    repos = None if folder is None else {r.repo for r in folder.remotes}
    for s in hub.sessions.values():
        if not provides(s.connector, PipelineControl) or not provides(s.connector, Pipelines):
            continue
        seen: set[str] = set()
        for w in s.watch.repos:
            if repos is not None and w.repo not in repos:
                continue
            scope = s.connector.ci_scope(w.repo)
            if scope is None or scope in seen:
                continue
            seen.add(scope)
            control: Any = s.connector
            for t in await control.triggers(scope):
                tid = trigger_id(s.connector_id, s.host, scope, t.id)
                out.append(TriggerChoice(tid, s, scope, w.branch, t))
    return out


async def trigger(
    hub: Hub, trigger: str, branch: str | None, inputs: Mapping[str, str]
) -> tuple[Session, Pipeline | None]:
    """Start the trigger ``trigger`` names on ``branch`` (its folder's branch when absent),
    after checking the inputs against what the trigger asks for."""
    connector, host, scope, tid = parse_trigger_id(trigger)
    session = next(
        (s for s in hub.sessions.values() if s.connector_id == connector and s.host == host),
        None,
    )
    if session is None:
        raise TielineError(f"no {connector} session on {host}: sign in first")
    control = _control(session)
    known = {t.id: t for t in await control.triggers(scope)}
    t = known.get(tid)
    if t is None:
        raise BadCIRequest(f"{scope} has no trigger {tid!r} (it has {', '.join(known) or 'none'})")
    if branch is None:
        branch = next(
            (w.branch for w in session.watch.repos if session.connector.ci_scope(w.repo) == scope),
            None,
        )
    if not branch:
        raise BadCIRequest("say which branch to run it on (no folder has one checked out)")
    values = dict(inputs)
    for spec in t.inputs:
        value = values.get(spec.name)
        if value is None:
            if spec.default is not None:
                values[spec.name] = spec.default
            elif spec.required:
                raise BadCIRequest(f"{t.name} needs the input {spec.name!r}")
        elif spec.options and value not in spec.options:
            raise BadCIRequest(
                f"{t.name}: {spec.name} must be one of {', '.join(spec.options)}, not {value!r}"
            )
    unknown = sorted(set(values) - {i.name for i in t.inputs})
    if unknown:
        raise BadCIRequest(f"{t.name} takes no input {', '.join(unknown)}")
    after: Pipeline | None = await control.trigger(scope, tid, branch, values)
    await hub.refresh()
    return session, after


__all__ = [
    "ACTIONS",
    "Branch",
    "Found",
    "Run",
    "TriggerChoice",
    "act",
    "branches",
    "ci_id",
    "find",
    "trigger",
    "triggers",
]
