"""CI in the editor: the CI panel, actions and triggers, job logs as documents, and a message
when a pipeline of my branch finishes.

The panel (``tieline/panel/items`` of ``ci``) merges every session: branch → pipeline →
stage (where the service groups jobs) → job → step, the failing ones first; a session whose
connector reports checks but no pipelines shows its checks under the branch as before. Each
pipeline and job carries ``ciItem`` (its id) and the actions it allows now, as ``can.<action>``
words of ``contextValue`` and as item actions, so shells offer only what will work.

Logs are ``tieline-log:`` documents. A client that declares ``workspace.textDocumentContent``
(LSP 3.18) gets the scheme in the server's capabilities and reads them with
``workspace/textDocumentContent``, one page (:data:`~server.hub.ci.logs.PAGE`) a document
(``?page=N``; each page ends with the next page's URI), refreshed while the job runs. Other
shells page through ``tieline/log``; a plain editor's ``tieline.ci.openLog`` opens a copy of
the log as a file.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from lsprotocol import types

from connectors.sdk.errors import TielineError
from connectors.sdk.lazy import lazy_module

from .. import tieline_methods as methods
from ..common import arg, hub_or_fail, info, plain
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..server import TielineServer, client_supports_show_document

if TYPE_CHECKING:
    from connectors.sdk.ci import Job, Pipeline
    from server.hub.ci.logs import Paged
    from server.hub.events import Event
    from server.hub.hub import Hub

    from .. import tieline_protocol as proto
else:
    proto = lazy_module("server.lsp.tieline_protocol")

log = logging.getLogger("tieline.lsp")

CONTENT = types.WORKSPACE_TEXT_DOCUMENT_CONTENT
LOG_SCHEME = "tieline-log"  # server.hub.ci.ids.LOG_SCHEME, without importing the hub early
ICONS = {
    "success": "pass",
    "failure": "error",
    "timed_out": "error",
    "cancelled": "circle-slash",
    "action_required": "warning",
    "skipped": "debug-step-over",
    "neutral": "circle-outline",
    "pending": "sync",
}
STATE_ICONS = {"queued": "clock", "waiting": "debug-pause"}
ACTION_TITLES = {
    "rerun": ("Re-run", "debug-restart"),
    "rerun_failed": ("Re-run Failed Jobs", "debug-rerun"),
    "cancel": ("Cancel", "debug-stop"),
    "retry": ("Retry", "debug-restart"),
    "play": ("Run", "play"),
}


def client_supports_content(ls: TielineServer) -> bool:
    caps = ls.client_capabilities
    ws = caps.workspace if caps else None
    return bool(ws and ws.text_document_content is not None)


# -- the panel ------------------------------------------------------------------------------


def _cmd(command: str, title: str, *args: Any) -> proto.Command:
    return proto.Command(command=command, title=title, arguments=list(args) or None)


def _age(when: datetime | None) -> str:
    if when is None:
        return ""
    secs = (datetime.now(UTC) - when).total_seconds()
    if secs < 60:
        return "just now"
    if secs < 3600:
        return f"{int(secs // 60)} min ago"
    if secs < 86400:
        return f"{int(secs // 3600)} h ago"
    return f"{int(secs // 86400)} d ago"


def _state(status: str, conclusion: str) -> str:
    """What a node shows: the conclusion once finished, else the status."""
    return conclusion if status == "completed" else status


def _icon(status: str, conclusion: str) -> str:
    if status != "completed":
        return STATE_ICONS.get(status, "sync")
    return ICONS.get(conclusion, "circle-outline")


def _rank(status: str, failed: bool) -> int:
    return 0 if failed else 1 if status != "completed" else 2


def _context(kind: str, conclusion: str, actions: tuple[str, ...], *extra: str) -> str:
    return " ".join([f"ci.{conclusion}", kind, *extra, *(f"can.{a}" for a in actions)])


def _act_actions(item: str, actions: tuple[str, ...]) -> list[proto.ItemAction]:
    out = []
    for a in actions:
        title, icon = ACTION_TITLES.get(a, (a, "play"))
        out.append(
            proto.ItemAction(
                id=a,
                title=title,
                icon=icon,
                placement="inline" if a in ("rerun", "retry", "cancel", "play") else "context",
                command=_cmd("tieline.ci.act", title, item, a),
            )
        )
    return out


def _browser(url: str | None) -> list[proto.ItemAction]:
    if not url:
        return []
    return [
        proto.ItemAction(
            id="open",
            title="Open in Browser",
            icon="link-external",
            command=_cmd("tieline.openInBrowser", "Open in Browser", url),
        )
    ]


def ci_panel(hub: Hub, parent_id: str | None) -> list[proto.TreeItem]:
    """The CI panel's items under ``parent_id`` (the branches at the top)."""
    from server.hub.ci import board

    branches = board.branches(hub)
    if parent_id is None:
        if not branches:
            names = [f.branch for f in hub.folders if f.branch]
            if not names:
                return [proto.TreeItem(id="ci/none", label="No branch checked out", icon="info")]
            return [
                proto.TreeItem(id="ci/pending", label=f"{names[0]}: not synced yet", icon="sync")
            ]
        return [_branch_node(hub, b) for b in branches]
    for b in branches:
        if _branch_id(b) == parent_id:
            return _branch_children(hub, b)
    try:
        if parent_id.startswith("ci/p/"):
            found = board.find(hub, parent_id[len("ci/p/") :])
            return _pipeline_children(hub, found.session, found.pipeline)
        if parent_id.startswith("ci/s/"):
            pid, _, stage = parent_id[len("ci/s/") :].rpartition("/")
            found = board.find(hub, pid)
            jobs = [j for j in found.pipeline.jobs if (j.stage or "") == unquote(stage)]
            return [_job_node(found.session, j) for j in _failing_first(jobs)]
        if parent_id.startswith("ci/j/"):
            found = board.find(hub, parent_id[len("ci/j/") :])
            return _steps(parent_id, found.job) if found.job else []
    except TielineError:
        return []  # replaced by a newer run since the shell last looked
    return []


def _branch_id(b: Any) -> str:
    """``ci/<connector>/<scope>@<branch>``, the first CI's connector (the ids the checks
    view always had); pipelines, stages and jobs are ``ci/p/``, ``ci/s/``, ``ci/j/``."""
    return f"ci/{b.runs[0].session.connector_id}/{b.key}"


def _branch_node(hub: Hub, b: Any) -> proto.TreeItem:
    from ..cards import checks_text

    summary = b.summary
    overall = summary.overall.value if summary else "neutral"
    services = list(dict.fromkeys(r.session.manifest.name for r in b.runs))
    pr = next(
        (
            pr
            for r in b.runs
            if (pr := r.session.coordinator.index.branch_pulls.get(b.key)) is not None
        ),
        None,
    )
    has = any(r.pipelines or (r.checks and r.checks.runs) for r in b.runs)
    checks = checks_text(summary) if summary else ""
    return proto.TreeItem(
        id=_branch_id(b),
        label=b.branch,
        description=" · ".join([", ".join(services), b.scope, checks or "no checks"]),
        tooltip=f"CI for `{b.branch}` in {b.scope} ({', '.join(services)})"
        + (f" ({pr.ref.key})" if pr else ""),
        icon={"success": "pass", "failure": "error", "pending": "sync"}.get(
            overall, "circle-outline"
        ),
        has_children=has,
        context_value=f"ci.{overall}",
        url=(pr.url if pr else None) or (summary.url if summary else None),
        service=b.runs[0].session.connector_id if b.runs else None,
    )


def _branch_children(hub: Hub, b: Any) -> list[proto.TreeItem]:
    from server.hub.sanitize import plain_text

    out: list[proto.TreeItem] = []
    pipes = [(r.session, p) for r in b.runs for p in r.pipelines]
    pipes.sort(key=lambda sp: _rank(sp[1].status.value, sp[1].failed))
    out += [_pipeline_node(s, p) for s, p in pipes]
    for r in b.runs:
        if r.checks is None:
            continue
        jobs = {j.name for p in r.pipelines for j in p.jobs}
        for i, run in enumerate(r.checks.runs):
            if run.name in jobs:
                continue  # shown under its pipeline
            out.append(
                proto.TreeItem(
                    id=f"{_branch_id(b)}/{i}"
                    if r is b.runs[0]
                    else f"{_branch_id(b)}/{r.session.connector_id}/{i}",
                    label=plain_text(run.name, 100),
                    description=" · ".join(x for x in (run.group or "", run.conclusion.value) if x),
                    icon=ICONS.get(run.conclusion.value, "circle-outline"),
                    url=run.url,
                    command=_cmd("tieline.openInBrowser", "Open in Browser", run.url)
                    if run.url
                    else None,
                    service=r.session.connector_id,
                )
            )
    return out


def _pipeline_node(session: Any, p: Pipeline) -> proto.TreeItem:
    from server.hub.ci.ids import ci_id
    from server.hub.sanitize import plain_text

    pid = ci_id(p.ref)
    status, conclusion = p.status.value, p.conclusion.value
    label = plain_text(p.name, 100) + (f" #{p.number}" if p.number is not None else "")
    when = p.finished_at or p.started_at or p.created_at
    failed = [j.name for j in p.failed_jobs()]
    desc = [session.manifest.name, _state(status, conclusion)]
    if p.attempt > 1:
        desc.append(f"attempt {p.attempt}")
    if when:
        desc.append(_age(when))
    tooltip = f"{label} on `{p.branch or '?'}` ({session.manifest.name}): " + _state(
        status, conclusion
    )
    if failed:
        tooltip += "\n\nFailed: " + ", ".join(plain_text(n, 60) for n in failed)
    return proto.TreeItem(
        id=f"ci/p/{pid}",
        label=label,
        description=" · ".join(desc),
        tooltip=tooltip,
        icon=_icon(status, conclusion),
        url=p.url,
        has_children=bool(p.jobs),
        context_value=_context("pipeline", conclusion, p.actions),
        actions=_act_actions(pid, p.actions) + _browser(p.url),
        service=session.connector_id,
        key=f"#{p.number}" if p.number is not None else None,
        ci_item=pid,
    )


def _failing_first(jobs: list[Job] | tuple[Job, ...]) -> list[Job]:
    return sorted(jobs, key=lambda j: _rank(j.status.value, j.failed))


def _pipeline_children(hub: Hub, session: Any, p: Pipeline) -> list[proto.TreeItem]:
    from server.hub.ci.ids import ci_id

    stages = list(dict.fromkeys(j.stage or "" for j in p.jobs))
    if len(stages) <= 1:
        return [_job_node(session, j) for j in _failing_first(p.jobs)]
    pid = ci_id(p.ref)
    out = []
    for stage in stages:
        jobs = [j for j in p.jobs if (j.stage or "") == stage]
        bad = any(j.failed for j in jobs)
        running = any(j.status.value != "completed" for j in jobs)
        state = "failure" if bad else "pending" if running else "success"
        out.append(
            (
                0 if bad else 1,
                proto.TreeItem(
                    id=f"ci/s/{pid}/{quote(stage, safe='')}",
                    label=stage or "(no stage)",
                    description=f"{len(jobs)} job{'s' if len(jobs) != 1 else ''} · {state}",
                    icon=ICONS.get(state, "circle-outline"),
                    has_children=True,
                    context_value=f"ci.{state} stage",
                    service=session.connector_id,
                ),
            )
        )
    out.sort(key=lambda x: x[0])
    return [node for _, node in out]


def _job_node(session: Any, j: Job) -> proto.TreeItem:
    from server.hub.ci.ids import ci_id, log_uri
    from server.hub.sanitize import plain_text

    jid = ci_id(j.ref)
    uri = log_uri(j.ref, j.name)
    status, conclusion = j.status.value, j.conclusion.value
    desc = [_state(status, conclusion)]
    if j.allow_failure and j.conclusion.value in ("failure", "timed_out"):
        desc.append("allowed to fail")
    if j.started_at and j.finished_at:
        secs = int((j.finished_at - j.started_at).total_seconds())
        desc.append(f"{secs // 60}m {secs % 60}s" if secs >= 60 else f"{secs}s")
    open_log = proto.ItemAction(
        id="log",
        title="Open Log",
        icon="output",
        placement="inline",
        command=_cmd("tieline.ci.openLog", "Open Log", uri),
    )
    return proto.TreeItem(
        id=f"ci/j/{jid}",
        label=plain_text(j.name, 100),
        description=" · ".join(desc),
        icon=_icon(status, conclusion),
        url=j.url,
        command=_cmd("tieline.ci.openLog", "Open Log", uri),
        has_children=bool(j.steps),
        context_value=_context("job", conclusion, j.actions, "log"),
        actions=[open_log, *_act_actions(jid, j.actions), *_browser(j.url)],
        service=session.connector_id,
        ci_item=jid,
        log_uri=uri,
    )


def _steps(parent: str, j: Job) -> list[proto.TreeItem]:
    from server.hub.sanitize import plain_text

    return [
        proto.TreeItem(
            id=f"{parent}/{i}",
            label=plain_text(st.name, 100),
            description=_state(st.status.value, st.conclusion.value),
            icon=_icon(st.status.value, st.conclusion.value),
            context_value=f"ci.{st.conclusion.value} step",
        )
        for i, st in enumerate(j.steps)
    ]


# -- wire shapes ----------------------------------------------------------------------------


def pipeline_wire(hub: Hub, connector: str, p: Pipeline) -> proto.CIPipeline:
    from server.hub.ci.ids import ci_id, log_uri

    name = hub.registry.manifest(connector).name if connector in hub.registry else connector
    return proto.CIPipeline(
        id=ci_id(p.ref),
        service=connector,
        service_name=name,
        name=p.name,
        status=p.status.value,
        conclusion=p.conclusion.value,
        number=p.number,
        attempt=p.attempt,
        branch=p.branch,
        sha=p.sha,
        event=p.event,
        url=p.url,
        created_at=p.created_at,
        finished_at=p.finished_at,
        actions=list(p.actions),
        jobs=[
            proto.CIJob(
                id=ci_id(j.ref),
                name=j.name,
                status=j.status.value,
                conclusion=j.conclusion.value,
                stage=j.stage,
                url=j.url,
                allow_failure=j.allow_failure,
                actions=list(j.actions),
                log_uri=log_uri(j.ref, j.name),
                steps=[
                    proto.CIStep(
                        name=st.name,
                        number=st.number,
                        status=st.status.value,
                        conclusion=st.conclusion.value,
                    )
                    for st in j.steps
                ],
            )
            for j in p.jobs
        ],
    )


def _item(value: str) -> str:
    """A pipeline or job id, also when a shell hands the panel node's id."""
    for prefix in ("ci/p/", "ci/j/"):
        if value.startswith(prefix):
            return value[len(prefix) :]
    return value


async def act(ls: TielineServer, item: str, action: str) -> proto.CIActResult:
    from server.hub.ci import board

    hub = await hub_or_fail(ls)
    session, after = await board.act(hub, _item(item), action)
    what = action.replace("_", " ")
    message = f"{session.manifest.name}: {what} requested"
    if after is not None:
        message += f" ({after.name}" + (f" #{after.number})" if after.number else ")")
    return proto.CIActResult(
        pipeline=pipeline_wire(hub, session.connector_id, after) if after else None,
        message=message,
    )


async def trigger(
    ls: TielineServer, trigger_id: str, branch: str | None, inputs: dict[str, str]
) -> proto.CITriggerResult:
    from server.hub.ci import board

    hub = await hub_or_fail(ls)
    session, after = await board.trigger(hub, trigger_id, branch, inputs)
    message = f"{session.manifest.name}: started"
    if after is not None:
        message += f" {after.name}" + (f" #{after.number}" if after.number else "")
        message += f" on {after.branch}" if after.branch else ""
    return proto.CITriggerResult(
        pipeline=pipeline_wire(hub, session.connector_id, after) if after else None,
        message=message,
    )


async def list_triggers(ls: TielineServer, folder: str | None) -> proto.CITriggersResult:
    from server.hub.ci import board

    from ..server import path_of

    hub = await hub_or_fail(ls)
    chosen = None
    if folder is not None:
        path = path_of(folder)
        chosen = hub.folder_for(path) if path is not None else None
        if chosen is None:
            raise FeatureError(code=INVALID_PARAMS, message=f"{folder!r} is no workspace folder")
    out = []
    for c in await board.triggers(hub, chosen):
        t = c.trigger
        out.append(
            proto.CITrigger(
                id=c.id,
                name=t.name,
                description=t.description,
                service=c.session.connector_id,
                service_name=c.session.manifest.name,
                scope=c.scope,
                branch=c.branch,
                url=t.url,
                inputs=[
                    proto.CITriggerInput(
                        name=i.name,
                        description=i.description,
                        type=i.type,
                        required=i.required,
                        default=i.default,
                        options=list(i.options),
                    )
                    for i in t.inputs
                ],
            )
        )
    return proto.CITriggersResult(triggers=out)


# -- logs -----------------------------------------------------------------------------------


class LogWatch:
    """Tells the client when an open log changes: ``workspace/textDocumentContent/refresh``
    for the pages it read that way, ``tieline/log/changed`` for logs it pages through
    ``tieline/log``. At most one message per log per :attr:`every` seconds."""

    every = 0.5

    def __init__(self, ls: TielineServer) -> None:
        self.ls = ls
        self.watched: set[int] = set()
        self.paged: set[str] = set()  # log URIs read with tieline/log
        self._pending: dict[str, int] = {}

    def watch(self, doc: Paged) -> None:
        if id(doc) in self.watched:
            return
        self.watched.add(id(doc))
        doc.listeners.append(self._changed)

    def _changed(self, doc: Paged, changed_from: int) -> None:
        first = doc.uri not in self._pending
        self._pending[doc.uri] = min(changed_from, self._pending.get(doc.uri, changed_from))
        if first:
            asyncio.get_running_loop().call_later(self.every, self._flush, doc)

    def _flush(self, doc: Paged) -> None:
        from server.hub.ci.ids import page_uri

        changed_from = self._pending.pop(doc.uri, 0)
        if doc.pages_read and client_supports_content(self.ls):
            for n in doc.pages_from(changed_from):
                if n in doc.pages_read:
                    sent = self.ls.protocol.send_request(
                        types.WORKSPACE_TEXT_DOCUMENT_CONTENT_REFRESH,
                        types.TextDocumentContentRefreshParams(uri=page_uri(doc.uri, n)),
                    )
                    sent.add_done_callback(_quiet)
        if doc.uri in self.paged:
            self.ls.protocol.notify(
                methods.LOG_CHANGED,
                proto.LogChangedParams(uri=doc.uri, version=doc.version).wire(),
            )


def _quiet(sent: Any) -> None:
    """A client that fails a refresh still reads the document when it next shows it."""
    if not sent.cancelled() and sent.exception() is not None:
        log.debug("textDocumentContent/refresh failed: %s", sent.exception())


def _watch(ls: TielineServer) -> LogWatch:
    w = getattr(ls, "_log_watch", None)
    if w is None:
        w = LogWatch(ls)
        ls._log_watch = w  # type: ignore[attr-defined]
    return w


def _open(hub: Hub, uri: str) -> Paged:
    """The document ``uri`` names: a workspace task's output (``tieline-log://task/...``,
    :mod:`server.hub.tasks.ids`) or a CI job's log."""
    from server.hub.ci.logs import open_log
    from server.hub.tasks.ids import is_task_log_uri

    if is_task_log_uri(uri):
        return hub.tasks.output(uri)
    cfg = hub.config.ci
    return open_log(hub, uri, page_size=cfg.log_page_kb * 1024, follow=cfg.log_follow_interval)


async def _ready(doc: Paged, upto: int, patience: float) -> None:
    # On a timeout the shell asks again (a running job wrote nothing new meanwhile).
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(doc.ready(upto), patience)


async def read_log(ls: TielineServer, uri: str, offset: int, limit: int | None) -> proto.LogResult:
    hub = await hub_or_fail(ls)
    doc = _open(hub, uri)
    w = _watch(ls)
    w.paged.add(doc.uri)
    w.watch(doc)
    await _ready(doc, offset + 1, 60.0 if offset == 0 else 10.0)
    text, nxt = doc.slice(offset, limit)
    return proto.LogResult(
        text=text,
        next_offset=nxt,
        complete=doc.complete and nxt >= len(doc.text),
        total=len(doc.text) if doc.complete else None,
        version=doc.version,
        failing_step=doc.failing.name if doc.failing else None,
        error=doc.error,
    )


async def log_content(ls: TielineServer, uri: str) -> str:
    from server.hub.ci.ids import parse_log_uri
    from server.hub.tasks.ids import is_task_log_uri, page_of

    hub = await hub_or_fail(ls)
    page = page_of(uri) if is_task_log_uri(uri) else parse_log_uri(uri)[1]
    doc = _open(hub, uri)
    _watch(ls).watch(doc)
    await _ready(doc, (page - 1) * doc.page_size + 1, 60.0)
    doc.pages_read.add(page)
    return doc.page(page)


async def open_log_document(ls: TielineServer, uri: str) -> dict[str, Any]:
    """Show a job's log (or a task's output): the ``tieline-log:`` document where the client
    reads those, else a copy written to a file (plain editors), else only its URI."""
    from server.hub import paths

    hub = await hub_or_fail(ls)
    if not uri.startswith(f"{LOG_SCHEME}:"):
        from server.hub.ci import board
        from server.hub.ci.ids import log_uri

        found = board.find(hub, _item(uri))
        if found.job is None:
            raise TielineError("only a job has a log: name a job")
        uri = log_uri(found.job.ref, found.job.name)
    doc = _open(hub, uri)
    if client_supports_content(ls) and client_supports_show_document(ls):
        await ls.window_show_document_async(types.ShowDocumentParams(uri=doc.uri, take_focus=True))
        return {"uri": doc.uri}
    if not client_supports_show_document(ls):
        return {"uri": doc.uri}
    await _ready(doc, 0, 120.0)
    folder = paths.ensure(paths.data_dir() / "logs")
    target = folder / doc.copy_name()
    await asyncio.to_thread(target.write_text, doc.text, encoding="utf-8")
    await ls.window_show_document_async(
        types.ShowDocumentParams(uri=target.as_uri(), take_focus=True)
    )
    return {"uri": doc.uri, "file": target.as_uri()}


# -- notifications --------------------------------------------------------------------------


def subscribe(ls: TielineServer, hub: Hub) -> None:
    """A pipeline of my branch finished: a message (``ci.notify``) offering its log and page."""
    from server.hub.events import EventKind, pushed

    async def ask(event: Event) -> None:
        p = event.payload
        service = (
            hub.registry.manifest(event.connector).name
            if event.connector in hub.registry
            else event.connector
        )
        failed = event.kind == EventKind.CI_FAILED
        word = {"cancelled": "was cancelled", "timed_out": "timed out"}.get(
            str(p.get("conclusion")), "failed" if failed else "passed"
        )
        title = p.get("title") or p.get("name")
        text = f"{service}: {title} {word} on {p.get('branch')}"
        if p.get("failed_job_name"):
            text += f" ({p['failed_job_name']})"
        actions = []
        if p.get("failed_job"):
            actions.append(types.MessageActionItem(title="Open Log"))
        url = p.get("url")
        if url:
            actions.append(types.MessageActionItem(title="Open in Browser"))
        level = types.MessageType.Warning if failed else types.MessageType.Info
        if not actions:
            ls.window_show_message(types.ShowMessageParams(type=level, message=text))
            return
        choice = await ls.window_show_message_request_async(
            types.ShowMessageRequestParams(type=level, message=text, actions=actions)
        )
        if choice is None:
            return
        try:
            if choice.title == "Open Log":
                await open_log_document(ls, str(p["failed_job"]))
            elif choice.title == "Open in Browser" and isinstance(url, str):
                await ls.window_show_document_async(
                    types.ShowDocumentParams(uri=url, external=True)
                )
        except TielineError as exc:
            info(ls, f"Could not open it: {exc.message}")

    def on_ci(event: Event) -> None:
        wanted = hub.config.ci.notify
        if pushed(event):  # any branch's run, from a webhook; the sync it asks for tells of mine
            return
        if wanted == "off" or (wanted == "failures" and event.kind != EventKind.CI_FAILED):
            return
        task = asyncio.ensure_future(ask(event))
        ls.background.add(task)
        task.add_done_callback(ls.background.discard)

    hub.bus.subscribe(EventKind.CI_FAILED, on_ci)
    hub.bus.subscribe(EventKind.CI_SUCCEEDED, on_ci)


# -- handlers -------------------------------------------------------------------------------


def setup(server: TielineServer) -> None:
    server.content_schemes.append(LOG_SCHEME)

    @server.feature(methods.CI_ACT)
    @guarded(methods.CI_ACT)
    async def ci_act(ls: TielineServer, params: Any) -> dict[str, Any]:
        p = proto.CIActParams.model_validate(plain(params))
        return (await act(ls, p.item, p.action)).wire()

    @server.feature(methods.CI_TRIGGERS)
    @guarded(methods.CI_TRIGGERS)
    async def ci_triggers(ls: TielineServer, params: Any = None) -> dict[str, Any]:
        p = proto.CITriggersParams.model_validate(plain(params) or {})
        return (await list_triggers(ls, p.folder)).wire()

    @server.feature(methods.CI_TRIGGER)
    @guarded(methods.CI_TRIGGER)
    async def ci_trigger(ls: TielineServer, params: Any) -> dict[str, Any]:
        p = proto.CITriggerParams.model_validate(plain(params))
        return (await trigger(ls, p.trigger, p.branch, p.inputs)).wire()

    @server.feature(methods.LOG)
    @guarded(methods.LOG)
    async def ci_log(ls: TielineServer, params: Any) -> dict[str, Any]:
        p = proto.LogParams.model_validate(plain(params))
        return (await read_log(ls, p.uri, p.offset, p.limit)).wire()

    @server.feature(CONTENT)
    @guarded(CONTENT)
    async def content(
        ls: TielineServer, params: types.TextDocumentContentParams
    ) -> types.TextDocumentContentResult:
        if params.uri.startswith("tieline-mail:"):  # the one handler serves every scheme
            from .mail import mail_content

            return types.TextDocumentContentResult(text=await mail_content(ls, params.uri))
        return types.TextDocumentContentResult(text=await log_content(ls, params.uri))

    @server.command("tieline.ci.act")
    @guarded("tieline.ci.act")
    async def act_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        from server.hub.ci import board

        item = _item(arg(list(args), 0, str, "pipeline or job id"))
        action = args[1] if len(args) > 1 and isinstance(args[1], str) else None
        if action is None:
            hub = await hub_or_fail(ls)
            allowed = board.find(hub, item).actions
            if not allowed:
                raise TielineError("it allows nothing now")
            action = allowed[0] if len(allowed) == 1 else await _ask(ls, "Which?", allowed)
            if action is None:
                return {"cancelled": True}
        result = await act(ls, item, action)
        info(ls, result.message)
        return result.wire()

    @server.command("tieline.ci.trigger")
    @guarded("tieline.ci.trigger")
    async def trigger_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        listed = (await list_triggers(ls, None)).triggers
        wanted = args[0] if args and isinstance(args[0], str) else None
        if wanted is None:
            if not listed:
                raise TielineError("no CI of this workspace has pipelines to start by hand")
            names = {f"{t.name} ({t.service_name})": t for t in listed}
            picked = await _ask(ls, "Start which pipeline?", tuple(names))
            if picked is None:
                return {"cancelled": True}
            wanted = names[picked].id
        t = next((x for x in listed if x.id == wanted), None)
        branch = args[1] if len(args) > 1 and isinstance(args[1], str) else None
        given = args[2] if len(args) > 2 and isinstance(args[2], dict) else {}
        inputs = {str(k): str(v) for k, v in given.items()}
        for spec in t.inputs if t else []:
            if spec.name in inputs or spec.default is not None or not spec.required:
                continue
            choices = spec.options or (["true", "false"] if spec.type == "boolean" else [])
            if not choices:
                raise TielineError(
                    f"{t.name if t else wanted} needs the input {spec.name!r}: pass the inputs "
                    "as the command's third argument"
                )
            value = await _ask(ls, f"{spec.name}?", tuple(choices))
            if value is None:
                return {"cancelled": True}
            inputs[spec.name] = value
        result = await trigger(ls, wanted, branch, inputs)
        info(ls, result.message)
        return result.wire()

    @server.command("tieline.ci.openLog")
    @guarded("tieline.ci.openLog")
    async def open_log_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        return await open_log_document(ls, arg(list(args), 0, str, "log URI or job id"))


async def _ask(ls: TielineServer, question: str, options: tuple[str, ...]) -> str | None:
    choice = await ls.window_show_message_request_async(
        types.ShowMessageRequestParams(
            type=types.MessageType.Info,
            message=question,
            actions=[types.MessageActionItem(title=o) for o in options],
        )
    )
    return choice.title if choice is not None else None
