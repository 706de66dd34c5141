"""CircleCI poll cost: requests and rate-limit points one watched branch spends.

Seeds the CircleCI stand-in with a branch whose latest pipeline has two workflows (one
failed), then polls the way a CI panel would -- ``list_pipelines(branch)`` for the newest
workflows and ``get_pipeline`` of the newest, revalidating -- and reports what one poll costs
and what that is an hour at a 60 s poll interval, against CircleCI's documented budget.
CircleCI documents no ETag, so an unchanged poll costs as much as a changed one. Also times
reading a failed job's log through the stand-in's storage host. Prints figures; no assertions.

    python -m bench.circleci_poll
"""

from __future__ import annotations

import asyncio
import time

from server.hub.http import revalidate
from tests.standin.circleci import CircleCIStandIn, OutputHost, State
from tests.standin.harness import wire

SLUG = "gh/octo/app"
POLL_SECONDS = 60.0
BUDGET_PER_HOUR = 5000  # the stand-in's budget, as CircleCI's docs tooling quotes it


def seed(state: State, *, log_lines: int) -> None:
    state.project(SLUG)
    for n in range(5):
        pl = state.add_pipeline(SLUG, branch="main")
        wf = state.add_workflow(pl, "build", "success" if n < 4 else "failed")
        state.add_job(wf, "lint", "success")
        text = "".join(f"line {i}: tests/test_x.py:{i}: AssertionError\n" for i in range(log_lines))
        state.add_job(wf, "test", "success" if n < 4 else "failed", steps=[("Run", "failed", text)])
        state.add_workflow(pl, "deploy", "on_hold")


async def main() -> None:
    from connectors.circleci.connector import CircleCIConnector

    state = State()
    with OutputHost(state) as output, CircleCIStandIn(state, validate=False) as server:
        state.output_base = f"{output.url}/output"  # before seeding: output_url points here
        seed(state, log_lines=20_000)
        cc, http = wire(CircleCIConnector, f"{server.url}/api/v2", token="tok-ada")
        async with http:
            server.reset_log()
            spent = server.spent()
            with revalidate():
                listed = await cc.list_pipelines(SLUG, branch="main", limit=5)
                newest = next(p for p in listed if p.name == "build")
                full = await cc.get_pipeline(newest.ref)
            requests, points = len(server.log), server.spent() - spent
            per_hour = requests * 3600 / POLL_SECONDS
            print(
                f"one poll (5 newest workflows + the newest build with jobs): {requests} requests, "
                f"{points} points; at {POLL_SECONDS:.0f} s: {per_hour:.0f} requests/hour "
                f"({100 * per_hour / BUDGET_PER_HOUR:.0f}% of {BUDGET_PER_HOUR}/hour)"
            )
            failed = next(j for j in full.jobs if j.failed)
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


if __name__ == "__main__":
    asyncio.run(main())
