"""``tieline log JOB``: a CI job's log, as the editor's log document shows it -- terminal
escapes stripped and, for a failed job, its failing step first (:mod:`server.hub.ci.logs`
does both) -- then the whole log.

JOB is a job of this branch's CI by name (``unit``, or ``build/unit`` when two pipelines
have one), or by the id ``ci --json`` prints. ``--ansi`` keeps the service's colours when
stdout is a terminal. A running job's log is printed as far as it goes; ``--follow`` keeps
reading until the job ends, and then exits 0 when it passed and 1 when it failed (printing
a log is otherwise success, whatever the job's outcome: ``ci`` says that).
"""

from __future__ import annotations

import argparse
from typing import Any

from connectors.sdk.capabilities import Pipelines, provides
from connectors.sdk.ci import Job, RunStatus
from connectors.sdk.errors import CapabilityError, TielineError
from server.exit_codes import EXIT_OK, EXIT_PROBLEM
from server.hub.ci import logs
from server.hub.ci.ids import log_uri

from . import pipelines
from .base import Context


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "job", metavar="JOB", help="a job's name on this branch, PIPELINE/JOB, or its id"
    )
    p.add_argument("--follow", "-f", action="store_true", help="keep reading a running job's log")
    p.add_argument(
        "--ansi", action="store_true", help="keep the log's colours (on a terminal only)"
    )


async def run(ctx: Context, args: argparse.Namespace) -> int:
    ci = await pipelines.read(ctx)
    found = pipelines.find_job(ci, args.job)
    session, job = found.session, found.job
    if not provides(session.connector, Pipelines):
        raise CapabilityError(f"{session.manifest.name} has no CI logs")
    if ctx.json:
        return await _json(ctx, session.connector, job)
    if args.ansi and ctx.tty:
        return await _raw(ctx, session.connector, job)
    if job.status is not RunStatus.COMPLETED and not args.follow:
        raw = await logs.read_raw(session.connector, job.ref)
        _write(ctx, logs.Parser().feed(raw, final=True))
        ctx.say("tieline: the job is running; tieline log --follow keeps reading")
        return EXIT_OK
    doc = logs.LogDoc(
        uri=log_uri(job.ref, job.name),
        ref=job.ref,
        connector=session.connector,
        job=job,
        pipeline=found.pipeline.ref,
        attempt=found.pipeline.attempt,
        follow=ctx.hub.config.ci.log_follow_interval,
        page_size=1 << 62,  # one page: the terminal takes it all
    )
    doc.start()
    printed = 0
    try:
        while not doc.complete:
            await doc.ready(printed + 1)  # more text of a running job, or the end
            if not doc.complete and len(doc.text) > printed:
                _write(ctx, doc.text[printed:])
                printed = len(doc.text)
        if not printed:
            _write(ctx, doc.text)
        elif doc.failing is not None:  # laid out anew at the end: point at the failing step
            _write(ctx, "\n" + doc.text.partition(logs.FULL_LOG)[0])
        else:
            _write(ctx, doc.text[printed:])
    finally:
        doc.stop()
    if doc.error:
        raise TielineError(f"the log could not be read to its end: {doc.error}")
    ended: Job | None = doc.job
    if printed and ended is not None and ended.failed:  # followed to a failure
        return EXIT_PROBLEM
    return EXIT_OK


def _write(ctx: Context, text: str) -> None:
    ctx.out.write(text)
    ctx.out.flush()


async def _raw(ctx: Context, connector: Any, job: Job) -> int:
    """The log as the service wrote it, colours and all (a terminal asked for them), with
    the failing step first as in the stripped layout."""
    raw = await logs.read_raw(connector, job.ref)
    parser = logs.Parser()
    parser.feed(raw, final=True)
    failing = parser.failing(failed=job.failed)
    lines = raw.split("\n")
    if failing is not None:
        start = max(failing.start, failing.end - logs.EXCERPT)
        _write(ctx, logs.failing_header(failing, start))
        _write(ctx, "\n".join(lines[start : failing.end]) + "\x1b[0m\n")
        _write(ctx, logs.full_header(parser.lines))
    _write(ctx, raw if raw.endswith("\n") else raw + "\n")
    return EXIT_OK


async def _json(ctx: Context, connector: Any, job: Job) -> int:
    """``{"job": ..., "failing": {...} | null, "text": ...}``: the stripped log, whole, and
    where its failing step is (line numbers from 1, of ``text``)."""
    raw = await logs.read_raw(connector, job.ref)
    parser = logs.Parser()
    text = parser.feed(raw, final=True)
    failing = parser.failing(failed=job.failed)
    ctx.emit(
        {
            "job": pipelines.job_json(job),
            "complete": job.status is RunStatus.COMPLETED,
            "failing": None
            if failing is None
            else {"name": failing.name, "start": failing.start + 1, "end": failing.end},
            "lines": parser.lines,
            "text": text,
        }
    )
    return EXIT_OK


__all__ = ["arguments", "run"]
