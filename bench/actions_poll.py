"""Actions poll cost: requests and rate-limit points one watched branch spends an hour.

The GitHub stand-in (no contract checks: that is the tests' job) holds a branch whose last
run passed; then a new run is in progress, its jobs finishing one by one
(:mod:`bench.ci_poll` says how the hour is simulated and counted). A poll lists the
branch's newest runs and, while one runs, its jobs, each revalidated with GitHub
(``If-None-Match``): an unchanged answer is a 304, which GitHub does not count against the
primary rate limit.

    python -m bench.actions_poll [--interval SECONDS] [--jobs 4]
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Sequence

from bench import ci_poll
from connectors.github.connector import GitHubConnector
from connectors.sdk.models import RepoRef
from tests.standin.github import GitHubStandIn
from tests.standin.harness import Token

REPO = "o/r"
BRANCH = "feature"


def setup(stack: contextlib.ExitStack) -> ci_poll.Setup:
    gh = stack.enter_context(GitHubStandIn(validate=False))
    acts = gh.state.actions
    acts.add_run(REPO, branch=BRANCH, jobs=[{"name": "build"}])

    def start(jobs: int) -> Sequence[ci_poll.Finish]:
        run = acts.add_run(REPO, branch=BRANCH, status="in_progress", conclusion=None)
        ids = [
            acts.add_job(run["id"], f"job {k}", status="in_progress", conclusion=None)["id"]
            for k in range(jobs)
        ]
        return [functools.partial(acts.finish_job, jid, "success", "ok\n") for jid in ids]

    connector, http, recorder = ci_poll.connect(
        GitHubConnector,
        gh.url,
        token="tok-bench",
        web_url="https://github.com",
        auth=Token("tok-bench"),
    )
    return ci_poll.Setup(
        "GitHub Actions",
        gh,
        connector,
        http,
        recorder,
        RepoRef.from_path("github.com", REPO),
        BRANCH,
        start,
        budget="5,000 an hour; a 304 is free",
    )


def main(argv: list[str] | None = None) -> None:
    ci_poll.main(setup, __doc__ or "", argv)


if __name__ == "__main__":
    main()
