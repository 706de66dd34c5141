"""Actions poll benchmark: what does watching one branch's GitHub Actions cost per hour?

The GitHub stand-in (no contract checks: that is the tests' job) holds a branch whose newest
run is in progress; its jobs finish one by one during the hour. Each poll, the way a CI panel
follows a branch: the branch's newest runs (``list_pipelines``), revalidated with GitHub
(``If-None-Match``), and while the newest run is unfinished its jobs (``get_pipeline``), also
revalidated. An unchanged answer is a 304, which GitHub does not count against the primary
rate limit. Polls are simulated back to back (no sleeping): the figures are per hour at the
given interval. Prints requests, 304s and rate-limit points; no assertions.

    python -m bench.actions_poll [--interval 60] [--jobs 4]
"""

from __future__ import annotations

import argparse
import asyncio
import time

from connectors.github.connector import GitHubConnector
from server.hub.http import revalidate
from tests.standin.github import GitHubStandIn
from tests.standin.harness import wire

REPO = "o/r"
BRANCH = "feature"


async def run(interval: float, jobs: int) -> None:
    polls = max(1, int(3600 / interval))
    with GitHubStandIn(validate=False) as gh:
        acts = gh.state.actions
        pipeline = acts.add_run(REPO, branch=BRANCH, status="in_progress", conclusion=None)
        job_ids = [
            acts.add_job(pipeline["id"], f"job {k}", status="in_progress", conclusion=None)["id"]
            for k in range(jobs)
        ]
        # The jobs finish spread over the first half hour; the run with the last of them.
        finish_at = {int(polls / 2 * (k + 1) / jobs): jid for k, jid in enumerate(job_ids)}
        connector, http = wire(GitHubConnector, gh.url, token="tok-bench")
        seen_changes = 0
        last: object = None
        t0 = time.perf_counter()
        async with http:
            for poll in range(polls):
                if poll in finish_at:
                    acts.finish_job(finish_at[poll], "success", "ok\n")
                with revalidate():
                    runs = await connector.list_pipelines(REPO, branch=BRANCH, limit=5)
                    newest = runs[0]
                    shown: object = newest
                    if not newest.finished:
                        shown = await connector.get_pipeline(newest.ref)
                if shown != last:
                    seen_changes += 1
                    last = shown
        elapsed = time.perf_counter() - t0
        statuses = [e.status for e in gh.log]
        print(
            f"one branch, {polls} polls at {interval:g} s ({jobs} jobs finishing in the first"
            f" half hour): {len(gh.log)} requests/hour, {statuses.count(304)} of them 304,"
            f" {gh.spent()} rate-limit points/hour (of 5,000), {seen_changes} changes seen,"
            f" each within one poll interval; simulated in {elapsed:.2f} s"
        )


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--interval", type=float, default=60.0, help="seconds between polls")
    ap.add_argument("--jobs", type=int, default=4)
    args = ap.parse_args(argv)
    asyncio.run(run(args.interval, args.jobs))


if __name__ == "__main__":
    main()
