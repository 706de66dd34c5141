"""GitLab CI poll cost: requests and rate-limit points one watched branch spends an hour.

The GitLab stand-in (no contract checks: that is the tests' job) holds a project whose
branch's last pipeline passed; then a new one runs, its jobs finishing one by one
(:mod:`bench.ci_poll` says how the hour is simulated and counted). A poll lists the
branch's pipelines and its open merge request (there is none, so no merge request
pipelines), then reads the newest pipeline with its jobs and bridges -- even a finished one:
GitLab's pipeline list has no ``finished_at``, so the syncer cannot tell it unchanged. Every
answer carries an ETag, so an unchanged one is a 304, which GitLab still counts
(Rack::Attack counts every request).

    python -m bench.gitlab_poll [--interval SECONDS] [--jobs 4]
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from bench import ci_poll
from connectors.gitlab.connector import GitLabConnector
from connectors.sdk.models import RepoRef
from tests.standin.gitlab import GitLabStandIn

PATH = "group/app"
BRANCH = "feature"


def setup(stack: contextlib.ExitStack) -> ci_poll.Setup:
    gl = stack.enter_context(GitLabStandIn(validate=False))
    st = gl.state
    project = st.project(PATH)
    st.add_pipeline(
        PATH,
        ref=BRANCH,
        sha="a" * 40,
        status="success",
        jobs=[("build", "build", "success", False)],
    )

    def start(jobs: int) -> Sequence[ci_poll.Finish]:
        pl = st.add_pipeline(PATH, ref=BRANCH, sha="b" * 40, status="running")
        running = [st.add_job(PATH, pl["id"], f"job {k}", "test", "running") for k in range(jobs)]
        st.refresh(project, pl["id"])

        def finisher(job: dict[str, object]) -> ci_poll.Finish:
            def finish() -> None:
                job.update(status="success", finished_at=st.tick())
                st.refresh(project, pl["id"])

            return finish

        return [finisher(j) for j in running]

    connector, http, recorder = ci_poll.connect(
        GitLabConnector,
        f"{gl.url}/api/v4",
        token="tok-a",
        web_url="https://gitlab.com",
        host="gitlab.com",
    )
    return ci_poll.Setup(
        "GitLab CI",
        gl,
        connector,
        http,
        recorder,
        RepoRef.from_path("gitlab.com", PATH),
        BRANCH,
        start,
        budget="2,000 a minute",
    )


def main(argv: list[str] | None = None) -> None:
    ci_poll.main(setup, __doc__ or "", argv)


if __name__ == "__main__":
    main()
