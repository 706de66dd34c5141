"""Jenkins poll cost: requests one watched branch spends an hour.

The Jenkins stand-in (no contract checks: that is the tests' job) holds a Pipeline job
``app`` building the repository, whose last build of the branch passed; then a new build
runs, its stages finishing one by one (:mod:`bench.ci_poll` says how the hour is simulated
and counted). A poll reads the job with its newest builds (one ``tree=`` request) and, while
a build runs, that build and its stages (``wfapi/describe``). Jenkins sends no ETag and no
rate-limit headers and documents no limit: every poll is full answers, and the figure to
watch is requests.

    python -m bench.jenkins_poll [--interval SECONDS] [--jobs 4]
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

from bench import ci_poll
from connectors.jenkins.connector import JenkinsConnector
from connectors.sdk.models import RepoRef
from tests.standin.jenkins import JenkinsStandIn
from tests.standin.jenkins.state import Stage

JOB = "app"
BRANCH = "feature"
USER, TOKEN = "mia", "11c0ffee5eed5ca1ab1e0ddba11facade0"


def setup(stack: contextlib.ExitStack) -> ci_poll.Setup:
    jenkins = stack.enter_context(JenkinsStandIn(validate=False))
    st = jenkins.state
    st.add_user(USER, "Mia Krystof", TOKEN)
    st.add_job(JOB, "pipeline")
    st.add_build(JOB, stages=[Stage("6", "build")], sha="a" * 40, branch=f"origin/{BRANCH}")

    def start(jobs: int) -> Sequence[ci_poll.Finish]:
        stages = [Stage(str(10 + k), f"stage {k}", "IN_PROGRESS") for k in range(jobs)]
        build = st.add_build(
            JOB, result=None, stages=stages, sha="b" * 40, branch=f"origin/{BRANCH}"
        )

        def finisher(stage: Stage) -> ci_poll.Finish:
            def finish() -> None:
                stage.status, stage.duration = "SUCCESS", 1000
                if stage is stages[-1]:
                    st.finish(JOB, build.number, "SUCCESS")

            return finish

        return [finisher(s) for s in stages]

    site = jenkins.url
    connector, http, recorder = ci_poll.connect(
        JenkinsConnector,
        site,
        token=TOKEN,
        method="basic",
        username=USER,
        web_url=site,
        host="127.0.0.1",
        account=USER,
        settings={"site": site},
    )
    return ci_poll.Setup(
        "Jenkins",
        jenkins,
        connector,
        http,
        recorder,
        RepoRef(host="github.com", owner="octo", name=JOB),
        BRANCH,
        start,
        budget="no rate limit documented, no rate-limit headers",
        no_etags="Jenkins sends no ETag",
        limited=False,
    )


def main(argv: list[str] | None = None) -> None:
    ci_poll.main(setup, __doc__ or "", argv)


if __name__ == "__main__":
    main()
