"""Bitbucket Pipelines poll cost: requests and rate-limit points one watched branch spends.

The Bitbucket stand-in (no contract checks: that is the tests' job) holds a repository
whose branch's last pipeline passed; then a new one runs, its steps finishing one by one
(:mod:`bench.ci_poll` says how the hour is simulated and counted). A poll lists the
branch's pipelines and, while one runs, reads it and its steps; answers carry weak ETags, so
an unchanged one is a 304, which Bitbucket counts like any request. Its headers say the
budget (``X-RateLimit-Limit``, ``-NearLimit``) but carry no remaining count, so the points
are the stand-in's ledger of that rule: 1,000 requests an hour to ``/2.0/repositories/*``.

    python -m bench.bitbucket_poll [--interval SECONDS] [--jobs 4]
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from bench import ci_poll
from connectors.bitbucket.connector import BitbucketConnector
from connectors.sdk.models import RepoRef
from tests.standin.bitbucket import BitbucketStandIn

REPO = "acme/app"
BRANCH = "feature"
EMAIL, TOKEN = "ada@example.com", "ATATT3xFfGF0" + "q" * 40


def setup(stack: contextlib.ExitStack) -> ci_poll.Setup:
    bb = stack.enter_context(BitbucketStandIn(validate=False))
    bb.add_token(TOKEN, "ada", "basic")
    st = bb.state
    st.add_pipeline(REPO, branch=BRANCH, sha="a" * 40)

    def start(jobs: int) -> Sequence[ci_poll.Finish]:
        steps = tuple((f"step {k}", "IN_PROGRESS", "RUNNING") for k in range(jobs))
        pl = st.add_pipeline(
            REPO, branch=BRANCH, sha="b" * 40, state="IN_PROGRESS", result="RUNNING", steps=steps
        )

        def finisher(k: int) -> ci_poll.Finish:
            def finish() -> None:
                st.finish_step(
                    REPO, pl["uuid"], st.repo(REPO).steps[pl["uuid"]][k]["uuid"], "SUCCESSFUL"
                )
                if k == jobs - 1:
                    st.finish_pipeline(REPO, pl["uuid"], "SUCCESSFUL")

            return finish

        return [finisher(k) for k in range(jobs)]

    connector, http, recorder = ci_poll.connect(
        BitbucketConnector,
        f"{bb.url}/2.0",
        token=TOKEN,
        method="basic",
        username=EMAIL,
        web_url="https://bitbucket.org",
        host="bitbucket.org",
        account="ada",
    )
    owner, name = REPO.split("/")
    return ci_poll.Setup(
        "Bitbucket Pipelines",
        bb,
        connector,
        http,
        recorder,
        RepoRef(host="bitbucket.org", owner=owner, name=name),
        BRANCH,
        start,
        budget="1,000 an hour",
    )


def main(argv: list[str] | None = None) -> None:
    ci_poll.main(setup, __doc__ or "", argv)


if __name__ == "__main__":
    main()
