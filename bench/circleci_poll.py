"""CircleCI poll cost: requests and rate-limit points one watched branch spends an hour,
and the time to read a failed job's log.

The CircleCI stand-in (no contract checks: that is the tests' job) holds a project whose
branch's last pipeline passed; then a new one's ``build`` workflow runs, its jobs finishing
one by one (:mod:`bench.ci_poll` says how the hour is simulated and counted). A poll pages
the branch's pipelines and asks each for its workflows, and while a workflow runs, its jobs.
CircleCI documents no ETag, so an unchanged poll costs as much as a changed one. Then a
failed job's 1 MB log is read through the stand-in's storage host. Prints; no assertions.

    python -m bench.circleci_poll [--interval SECONDS] [--jobs 4]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import time
from collections.abc import Sequence

from bench import ci_poll
from connectors.circleci.connector import CircleCIConnector
from connectors.sdk.models import RepoRef
from tests.standin.circleci import CircleCIStandIn, OutputHost, State
from tests.standin.harness import wire

SLUG = "gh/octo/app"
BRANCH = "feature"


def setup(stack: contextlib.ExitStack) -> ci_poll.Setup:
    state = State()
    server = stack.enter_context(CircleCIStandIn(state, validate=False))
    state.project(SLUG)
    passed = state.add_workflow(state.add_pipeline(SLUG, branch=BRANCH), "build", "success")
    state.add_job(passed, "test", "success")

    def start(jobs: int) -> Sequence[ci_poll.Finish]:
        wf = state.add_workflow(state.add_pipeline(SLUG, branch=BRANCH), "build", "running")
        running = [state.add_job(wf, f"job {k}", "running") for k in range(jobs)]

        def finish(k: int) -> None:
            running[k].update(status="success", stopped_at=state.tick())
            if k == jobs - 1:
                wf.update(status="success", stopped_at=state.tick())

        return [functools.partial(finish, k) for k in range(jobs)]

    connector, http, recorder = ci_poll.connect(
        CircleCIConnector,
        f"{server.url}/api/v2",
        token="tok-ada",
        web_url="https://app.circleci.com",
        host="circleci.com",
    )
    return ci_poll.Setup(
        "CircleCI",
        server,
        connector,
        http,
        recorder,
        RepoRef(host="github.com", owner="octo", name="app"),
        BRANCH,
        start,
        budget="5,000 an hour",
        no_etags="CircleCI documents no ETag",
    )


async def log_read(log_lines: int = 20_000) -> None:
    """A failed job's log through the storage host: the first page, then a later one."""
    state = State()
    with OutputHost(state) as output, CircleCIStandIn(state, validate=False) as server:
        state.output_base = f"{output.url}/output"  # before seeding: output_url points here
        wf = state.add_workflow(state.add_pipeline(SLUG, branch="main"), "build", "failed")
        text = "".join(f"line {i}: tests/test_x.py:{i}: AssertionError\n" for i in range(log_lines))
        state.add_job(wf, "test", "failed", steps=[("Run", "failed", text)])
        cc, http = wire(CircleCIConnector, f"{server.url}/api/v2", token="tok-ada")
        async with http:
            (listed,) = await cc.list_pipelines(SLUG, branch="main", limit=1)
            failed = next(j for j in (await cc.get_pipeline(listed.ref)).jobs if j.failed)
            t0 = time.perf_counter()
            chunk = await cc.job_log(failed.ref)
            t1 = time.perf_counter()
            again = await cc.job_log(failed.ref, offset=len(chunk.text) // 2)
            t2 = time.perf_counter()
    print(
        f"failed job's log: {len(chunk.text) / 1e6:.1f} MB in {t1 - t0:.2f} s "
        f"({len(output.log)} storage request(s)); a later page: {t2 - t1:.3f} s, "
        f"{len(again.text) / 1e6:.1f} MB"
    )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--interval", type=float, default=ci_poll.default_interval())
    ap.add_argument("--jobs", type=int, default=4, help="jobs of the running workflow")
    args = ap.parse_args(argv)
    asyncio.run(ci_poll.run(setup, interval=args.interval, jobs=args.jobs))
    asyncio.run(log_read())


if __name__ == "__main__":
    main()
