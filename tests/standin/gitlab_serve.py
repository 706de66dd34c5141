"""``python -m tests.standin.gitlab_serve --port N --project PATH --branch B --sha SHA``: the
GitLab stand-in (contract-checked) as a process, for the VS Code end-to-end test, which shows
a CI that is not GitHub: on ``PATH`` and branch ``B`` at commit ``SHA``, a passed pipeline
``build`` whose jobs ``lint`` (stage check) and ``unit`` (stage test) have traces, the token
``tok-a``. Prints ``GitLab stand-in listening on URL``; serves until interrupted, then prints
the contract violations it saw."""

from __future__ import annotations

import argparse
import signal
import sys
import time

from tests.standin import gitlab_ci  # noqa: F401  (registers the CI routes)
from tests.standin.gitlab import GitLabStandIn, State

UNIT_TRACE = (
    "\x1b[0KRunning with gitlab-runner 17.4.0\n"
    "$ python -m pytest -q\n"
    "\x1b[32m........\x1b[0m\n"
    "8 passed in 0.42s\n"
    "Job succeeded\n"
)


def seed(state: State, project: str, branch: str, sha: str) -> None:
    p = state.project(project)
    pl = state.add_pipeline(project, ref=branch, sha=sha, status="success", name="build")
    state.add_job(
        project, pl["id"], "lint", "check", "success", trace="$ ruff check .\nAll checks passed!\n"
    )
    state.add_job(project, pl["id"], "unit", "test", "success", trace=UNIT_TRACE)
    state.refresh(p, pl["id"])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--project", required=True)
    ap.add_argument("--branch", required=True)
    ap.add_argument("--sha", required=True)
    args = ap.parse_args(argv)
    state = State()
    seed(state, args.project, args.branch, args.sha)
    server = GitLabStandIn(state, port=args.port).start()
    print(f"GitLab stand-in listening on {server.url}", flush=True)
    # Stopped with SIGTERM by the tests: still report what the contract refused.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        while True:
            time.sleep(3600)
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        server.stop()
        for v in server.violations:
            print("contract violation:", v, flush=True)


if __name__ == "__main__":
    main()
