"""Failures of a failed pipeline as diagnostics on the files its logs point at.

On ``ci.failed`` for a watched branch (and, at a session's first sync, which announces
nothing, for the newest run of each pipeline that had already failed), the failed jobs'
logs are read in the background (:func:`server.hub.ci.diagnostics.collect`), and every
file they point at in the folder's checkout gets ``textDocument/publishDiagnostics`` --
open or not, as LSP allows -- with source :data:`SOURCE`, a message naming the job and
the tool (``[unit · pytest] assert 1 == 2``), the tool's code, and the severity and range
the tool gave. They are cleared (an empty list) when the next run of the same pipeline
passes, when the branch changes, when the folder goes away, and when ``ci.diagnostics``
is switched off.

Several pipelines' failures in one file are merged into CI's part of its list, and that
part into the file's one list beside other features' (a workspace task's errors, a broken
diagram) by :class:`~server.lsp.diagnostics.DiagnosticsBoard`. ``codeDescription``,
``data``, ``relatedInformation`` and tags are sent only to clients that declare support.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ..server import TielineServer
from .ci import client_supports_content

if TYPE_CHECKING:
    from server.hub.ci.diagnostics import JobFailure, RunKey, Store
    from server.hub.ci.failures import Failure
    from server.hub.events import Event
    from server.hub.hub import Hub

log = logging.getLogger("tieline.lsp")

SOURCE = "Tieline CI"
OWNER = "ci"  # this feature's part of each file's list
SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}
#: Codes whose finding is unused code (``Unnecessary``: editors fade it) or a deprecated
#: API (``Deprecated``: struck through), as the tools name them.
UNNECESSARY = frozenset(
    {"F401", "F811", "F841", "unused-ignore", "unused-awaitable", "TS6133", "TS6138",
     "TS6192", "TS6196", "TS6198", "TS6199", "TS6205", "no-unused-vars",
     "@typescript-eslint/no-unused-vars", "unused_imports", "unused_variables", "dead_code",
     "unused_mut", "W0611", "W0612", "unused-import", "unused-variable"}
)  # fmt: skip
DEPRECATED = frozenset(
    {"deprecated", "TS6385", "TS6387", "import/no-deprecated", "W4902", "deprecated-method"}
)
_RUSTC = re.compile(r"E\d{4}")
_ESLINT_CORE = re.compile(r"[a-z]+(?:-[a-z]+)*")


def code_url(tool: str, code: str | None) -> str | None:
    """Where the tool documents ``code``, for the codes whose page is known from the code
    alone (rustc's error index, eslint's core rules)."""
    if not code:
        return None
    if tool == "rustc" and _RUSTC.fullmatch(code):
        return f"https://doc.rust-lang.org/error_codes/{code}.html"
    if tool == "eslint" and _ESLINT_CORE.fullmatch(code):
        return f"https://eslint.org/docs/latest/rules/{code}"
    return None


def caps_of(ls: TielineServer) -> types.PublishDiagnosticsClientCapabilities | None:
    caps = ls.client_capabilities
    td = caps.text_document if caps else None
    return td.publish_diagnostics if td else None


def to_diagnostic(
    jf: JobFailure,
    caps: types.PublishDiagnosticsClientCapabilities | None,
    *,
    logs_readable: bool = False,
) -> types.Diagnostic:
    """One failure as the client can take it (see the module docstring)."""
    data = {"job": jf.job_id, "pipeline": jf.pipeline_id, "tool": jf.failure.tool}
    return failure_diagnostic(
        jf.failure,
        jf.job,
        caps,
        source=SOURCE,
        data=data | {"log": jf.log_uri},
        log_uri=jf.log_uri if logs_readable else None,
        log_title=f"the log of {jf.job}",
    )


def failure_diagnostic(
    f: Failure,
    who: str,
    caps: types.PublishDiagnosticsClientCapabilities | None,
    *,
    source: str,
    data: dict[str, Any],
    log_uri: str | None = None,
    log_title: str = "the log",
) -> types.Diagnostic:
    """A :class:`~server.hub.ci.failures.Failure` as a diagnostic, said by ``who`` (a CI
    job, a workspace task): the tool's range, severity and code, and -- to clients that
    declare each -- its documentation link, ``data``, the log as related information (when
    ``log_uri`` is given: the client can open it) and the unused/deprecated tags."""
    line = max(f.line - 1, 0)
    start = types.Position(line=line, character=max((f.column or 1) - 1, 0))
    if f.end_line is not None and f.end_column is not None:
        end = types.Position(line=max(f.end_line - 1, line), character=max(f.end_column - 1, 0))
        if (end.line, end.character) < (start.line, start.character):
            end = start
    else:  # to the end of the line: the start of the next one
        end = types.Position(line=line + 1, character=0)
    diag = types.Diagnostic(
        range=types.Range(start=start, end=end),
        message=f"[{who} · {f.tool}] {f.message}",
        severity=SEVERITY[f.severity],
        source=source,
        code=f.code,
    )
    if caps is None:
        return diag
    url = code_url(f.tool, f.code)
    if url and caps.code_description_support:
        diag.code_description = types.CodeDescription(href=url)
    if caps.data_support:
        diag.data = data
    if caps.related_information and log_uri:
        where = types.Location(
            uri=log_uri, range=types.Range(start=types.Position(0, 0), end=types.Position(0, 0))
        )
        diag.related_information = [
            types.DiagnosticRelatedInformation(location=where, message=log_title)
        ]
    offered = set(caps.tag_support.value_set) if caps.tag_support else set()
    tags = []
    if f.code in UNNECESSARY and types.DiagnosticTag.Unnecessary in offered:
        tags.append(types.DiagnosticTag.Unnecessary)
    if f.code in DEPRECATED and types.DiagnosticTag.Deprecated in offered:
        tags.append(types.DiagnosticTag.Deprecated)
    if tags:
        diag.tags = tags
    return diag


class Publisher:
    """The CI diagnostics of one editor session: what is shown, what is being read."""

    def __init__(self, ls: TielineServer, hub: Hub) -> None:
        from server.hub.ci.diagnostics import Store

        self.ls = ls
        self.hub = hub
        self.store: Store = Store()
        self.shown: set[str] = set()  # uris published with a non-empty list
        self.reading: dict[RunKey, asyncio.Task[None]] = {}
        self.baselined: set[str] = set()  # sessions whose first sync was looked at
        self.dropped = 0  # failures over the cap at the last publish (logged when it changes)

    @property
    def enabled(self) -> bool:
        return bool(self.hub.config.ci.diagnostics)

    def publish(self) -> None:
        """Every file's list as the store has it now; files no longer in it get ``[]``."""
        from server.hub.ci.diagnostics import MOST

        by_file, dropped = self.store.by_file(MOST)
        if dropped and dropped != self.dropped:
            log.info(
                "CI diagnostics: showing %d failures, %d more left out (at most %d)",
                MOST,
                dropped,
                MOST,
            )
        self.dropped = dropped
        caps = caps_of(self.ls)
        readable = client_supports_content(self.ls)
        lists = {
            path.as_uri(): [to_diagnostic(jf, caps, logs_readable=readable) for jf in found]
            for path, found in by_file.items()
        }
        self.ls.diagnostics.put(OWNER, lists)
        self.shown = set(lists)

    def failed(self, event: Event) -> None:
        if event.payload.get("pipeline"):
            self._failed(event.payload)

    def _failed(self, payload: Mapping[str, Any]) -> None:
        from server.hub.ci.diagnostics import RunKey

        if not self.enabled:
            return
        key = RunKey.of(payload)
        self._cancel(key)
        task = asyncio.ensure_future(self._read(key, dict(payload)))
        self.reading[key] = task
        self.ls.background.add(task)
        task.add_done_callback(self.ls.background.discard)
        task.add_done_callback(lambda t: self._done(key, t))

    async def _read(self, key: RunKey, payload: dict[str, Any]) -> None:
        from connectors.sdk.errors import TielineError
        from server.hub.ci.diagnostics import collect

        try:
            runs = await collect(self.hub, payload)
        except TielineError as exc:
            log.warning("CI diagnostics of %s: %s", key.name, exc.message)
            return
        if not self.enabled or not runs:
            return
        self.store.put(key, runs)
        self.publish()

    def _done(self, key: RunKey, task: asyncio.Task[None]) -> None:
        if self.reading.get(key) is task:
            del self.reading[key]
        if not task.cancelled() and task.exception() is not None:
            log.error("CI diagnostics failed", exc_info=task.exception())

    def _cancel(self, key: RunKey) -> None:
        old = self.reading.pop(key, None)
        if old is not None and not old.done():
            old.cancel()

    def succeeded(self, event: Event) -> None:
        from server.hub.ci.diagnostics import RunKey

        if not event.payload.get("pipeline"):
            return
        key = RunKey.of(event.payload)
        self._cancel(key)  # a passing run wins over the failed one still being read
        if self.store.clear(key):
            self.publish()

    def synced(self, event: Event) -> None:
        """A session synced: checkouts that changed branch lose their runs, and on its first
        sync (a baseline, which announces nothing) the newest run of each pipeline of a
        watched branch that had already failed is read, so opening the editor after a red
        run shows it too."""
        self.folders_changed()
        session = self.hub.sessions.get(event.subject)
        if session is None or session.key in self.baselined:
            return
        self.baselined.add(session.key)
        from server.hub.ci.ids import ci_id

        for key, pipelines in session.coordinator.index.branch_pipelines.items():
            for p in pipelines:
                if p.failed:
                    self._failed(
                        {
                            "pipeline": ci_id(p.ref),
                            "name": p.name,
                            "number": p.number,
                            "branch": key.rpartition("@")[2],
                            "scope": p.ref.scope,
                        }
                    )

    def folders_changed(self) -> None:
        """After a sync, a branch switch or a folder change: the runs of checkouts no
        longer on their branch go; switched off, all go."""
        if not self.enabled:
            for key in list(self.reading):
                self._cancel(key)
            changed = self.store.clear_all()
            self.baselined.clear()  # switched on again: the next sync reads what failed
        else:
            changed = self.store.prune(self.hub.folders)
        if changed:
            self.publish()


def subscribe(ls: TielineServer, hub: Hub) -> Publisher:
    from server.hub.events import EventKind

    pub = Publisher(ls, hub)
    ls.ci_diagnostics = pub
    hub.bus.subscribe(EventKind.CI_FAILED, pub.failed)
    hub.bus.subscribe(EventKind.CI_SUCCEEDED, pub.succeeded)
    hub.bus.subscribe(EventKind.SYNC_COMPLETED, pub.synced)
    return pub


def folders_changed(ls: TielineServer) -> None:
    """The workspace's folders or settings changed (see :meth:`Publisher.folders_changed`)."""
    pub = getattr(ls, "ci_diagnostics", None)
    if isinstance(pub, Publisher):
        pub.folders_changed()


__all__ = [
    "SOURCE",
    "Publisher",
    "caps_of",
    "code_url",
    "failure_diagnostic",
    "folders_changed",
    "subscribe",
    "to_diagnostic",
]
