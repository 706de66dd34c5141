"""``python -m bench`` (``make bench``): run every benchmark in turn, each printing its figures."""

from __future__ import annotations

import asyncio
import time

from . import (
    actions_poll,
    ci_failures,
    ci_log,
    circleci_poll,
    jobs,
    lenses,
    lsp,
    repoll,
    startup,
    tasks_output,
)


def _section(title: str) -> None:
    print(f"\n== {title} ==", flush=True)


def main() -> None:
    t0 = time.perf_counter()
    _section("jobs: durable queue")
    jobs.main([])
    _section("lenses: reference scanner, in process")
    lenses.main()
    _section("repoll: unchanged re-poll of a 5,000-issue mirror")
    asyncio.run(repoll.main())
    _section("startup: the connectors installed today vs 40 more")
    startup.main([])
    _section("lsp: what the editor sees, beside a bare pygls server, one at a time")
    lsp.main([])
    _section("ci_log: a 10 MB job log opened while hovering")
    ci_log.main([])
    _section("ci_failures: path:line errors read out of a 10 MB job log")
    ci_failures.main()
    _section("tasks_output: a workspace task printing 10 MB, streamed while hovering")
    tasks_output.main([])
    _section("actions_poll: what watching one branch costs on GitHub Actions, per hour")
    actions_poll.main([])
    _section("circleci_poll: what watching one branch costs on CircleCI, per hour")
    asyncio.run(circleci_poll.main())
    print(f"\nall benchmarks: {time.perf_counter() - t0:.0f} s")


if __name__ == "__main__":
    main()
