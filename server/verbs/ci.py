"""``tieline ci [--watch]``: the CI of this checkout's branch from every CI it reports to
(GitHub Actions, GitLab CI, Bitbucket Pipelines, Jenkins, CircleCI...), pipelines with their
jobs, failing ones first.

Exit code: 0 everything passed, 1 something failed (even while others still run), 6 still
running, 5 no CI reports on the branch. ``--watch`` asks again every ``--interval`` seconds
until every pipeline has finished, redrawing in place on a terminal (printing each change
elsewhere, one JSON document a line with ``--json``), and exits as the run ended;
``--timeout`` gives up (6).
"""

from __future__ import annotations

import argparse
import asyncio
import shutil

from server.exit_codes import EXIT_NOT_FOUND, EXIT_OK, EXIT_PENDING, EXIT_PROBLEM

from . import pipelines
from .base import Context, problems_json
from .items import service_name
from .pipelines import CI, colour, word
from .render import Cell, age, clean, table


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--watch", action="store_true", help="redraw until every pipeline has finished")
    p.add_argument(
        "--interval",
        type=float,
        default=5.0,
        metavar="SECONDS",
        help="seconds between two looks while watching (default 5)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="while watching, give up after this long (exit 6); 0: wait as long as it runs",
    )


def exit_code(ci: CI) -> int:
    state = ci.state
    if state == "failure":
        return EXIT_PROBLEM
    if state == "pending":
        return EXIT_PENDING
    if state == "none":
        return EXIT_NOT_FOUND
    return EXIT_OK


def render(ctx: Context, ci: CI) -> list[str]:
    st = ctx.style
    lines: list[str] = []
    if not ci.branches:
        return [f"No CI reports on {', '.join(ci.repo_keys)} yet."]
    for b in ci.branches:
        state = pipelines.state_of(b)
        lines.append(
            f"{st(clean(b.scope), 'bold')} @ {clean(b.branch)}  {st(state, colour(state))}"
        )
        for r in b.runs:
            service = service_name(ctx.hub, r.session.connector_id)
            pipes = sorted(r.pipelines, key=lambda p: (not p.failed, p.finished))
            named: set[str] = set()
            for p in pipes:
                pw = word(p.status.value, p.conclusion.value)
                number = f" #{p.number}" if p.number is not None else ""
                when = age(p.finished_at or p.started_at or p.created_at)
                head = f"  {st(clean(p.name), 'bold')}{number}  {st(pw, colour(pw))}"
                lines.append(f"{head}  {st(service, 'dim')}  {st(when, 'dim')}".rstrip())
                jobs = sorted(p.jobs, key=lambda j: (not j.failed, j.status.value == "completed"))
                rows: list[list[Cell | str]] = []
                for j in jobs:
                    named.add(j.name)
                    jw = word(j.status.value, j.conclusion.value)
                    if j.allow_failure and j.conclusion.value == "failure":
                        jw = "failure (allowed)"
                    rows.append([clean(j.name), clean(j.stage or ""), Cell(jw, colour(jw)),
                                 Cell(age(j.finished_at or j.started_at), "dim")])  # fmt: skip
                if rows:
                    lines += table(["JOB", "STAGE", "STATE", "WHEN"], rows, width=ctx.width,
                                   flex=0, style=st, indent="    ")  # fmt: skip
                if p.url:
                    lines.append("    " + st(p.url, "blue"))
            checks = [c for c in (r.checks.runs if r.checks else ()) if c.name not in named]
            if checks:
                lines.append(f"  {st('checks', 'bold')}  {st(service, 'dim')}")
                crows: list[list[Cell | str]] = []
                for c in checks:
                    cw = "pending" if c.conclusion.value == "pending" else c.conclusion.value
                    crows.append([clean(c.name), Cell(cw, colour(cw))])
                lines += table(["CHECK", "STATE"], crows, width=ctx.width, flex=0, style=st,
                               indent="    ")  # fmt: skip
    return lines


async def run(ctx: Context, args: argparse.Namespace) -> int:
    if args.interval <= 0:
        from .base import UsageError

        raise UsageError("--interval must be a number of seconds above 0")
    ci = await pipelines.read(ctx)
    if not args.watch:
        _show(ctx, ci)
        problems = ctx.report(ci.gathered.problems)
        return problems if ci.state == "success" and problems else exit_code(ci)
    drawn = 0
    last: object = None
    loop = asyncio.get_running_loop()
    deadline = loop.time() + args.timeout if args.timeout > 0 else None
    while True:
        doc = _doc(ctx, ci)
        if doc != last:
            if ctx.json:
                ctx.emit(doc)
            else:
                lines = render(ctx, ci)
                if drawn and ctx.tty:
                    rows = shutil.get_terminal_size((100, 24)).lines
                    # Back over the last drawing, or clear the screen when it scrolled off.
                    ctx.out.write(f"\x1b[{drawn}F\x1b[J" if drawn < rows else "\x1b[H\x1b[2J")
                elif drawn:
                    ctx.line()
                for line in lines:
                    ctx.line(line)
                ctx.out.flush()
                drawn = len(lines)
            last = doc
        if not ci.running:
            break
        if deadline is not None and loop.time() + args.interval > deadline:
            ctx.say("tieline: still running when --timeout ran out")
            return EXIT_PENDING
        await asyncio.sleep(args.interval)
        ci = await pipelines.read(ctx, force=True)
    ctx.report(ci.gathered.problems)
    return exit_code(ci)


def _doc(ctx: Context, ci: CI) -> dict[str, object]:
    return {**pipelines.ci_json(ctx, ci), "problems": problems_json(ci.gathered.problems)}


def _show(ctx: Context, ci: CI) -> None:
    if ctx.json:
        ctx.emit(_doc(ctx, ci))
        return
    for line in render(ctx, ci):
        ctx.line(line)
