"""``python -m tests.standin.gitlab_serve --port N --project PATH --branch B --sha SHA``: the
GitLab stand-in (contract-checked) as a process, for the VS Code end-to-end test, which shows
a CI that is not GitHub: on ``PATH`` and branch ``B`` at commit ``SHA``, a passed pipeline
``build`` whose jobs ``lint`` (stage check) and ``unit`` (stage test) have traces, the token
``tok-a``. Prints ``GitLab stand-in listening on URL``; serves until interrupted, then prints
the contract violations it saw.

With ``--story`` (the JetBrains client's CI tests; ``--sha`` is then not needed) it serves the
capability suite's CI story instead (:func:`tests.standin.gitlab_ci.seed_ci_story`: a failed
``build``, a running ``deploy`` whose job writes more, a ``.gitlab-ci.yml`` with a required
input) plus a failed ``nightly`` whose job ``soak`` logged :data:`SOAK_LINES` lines in
GitLab's sections (a log of several pages) and a manual job ``publish``. It then reads
commands on stdin, one a line: ``finish`` ends the running job (answered ``finished``); the
end of stdin stops it."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
import time
from collections.abc import Callable

from tests.standin import gitlab_ci  # registers the CI routes; seeds the CI story
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


#: Lines the ``soak`` job printed in its script section (about 60 KB in all).
SOAK_LINES = 1500


def soak_trace() -> str:
    """A failed job's trace as GitLab's runner writes it: collapsible sections (their
    markers behind ``\\x1b[0K``), colours, and the script's output last."""

    def section(edge: str, name: str) -> str:
        return f"\x1b[0Ksection_{edge}:1700000000:{name}\r\x1b[0K"

    return (
        section("start", "prepare_executor")
        + "\x1b[36;1mPreparing the docker executor\x1b[0;m\n"
        + section("end", "prepare_executor")
        + section("start", "step_script")
        + "\x1b[32;1m$ ./soak --hours 8\x1b[0;m\n"
        + "".join(
            f"soak {n:05d}: still standing, a line of a long build\n" for n in range(SOAK_LINES)
        )
        + "soak: out of time\n"
        + section("end", "step_script")
        + "\x1b[31;1mERROR: Job failed: exit code 1\n\x1b[0;m\n"
    )


def seed_story(state: State, project: str, branch: str) -> Callable[[], None]:
    """The CI story, the ``nightly`` pipeline; returns what ends the running job."""
    story = gitlab_ci.seed_ci_story(state, project, branch)
    p = state.project(project)
    nightly = state.add_pipeline(project, ref=branch, sha="d" * 40, status="failed", name="nightly")
    state.add_job(project, nightly["id"], "soak", "test", "failed", trace=soak_trace())
    state.add_job(project, nightly["id"], "publish", "release", "manual", trace="")
    state.refresh(p, nightly["id"])
    finish: Callable[[], None] = story["finish_running"]
    return finish


def _commands(finish: Callable[[], None]) -> None:
    """Stdin, one command a line, until it ends; then the process ends (as SIGTERM would)."""
    for line in sys.stdin:
        if line.strip() == "finish":
            finish()
            print("finished", flush=True)
    os.kill(os.getpid(), signal.SIGTERM)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--project", required=True)
    ap.add_argument("--branch", required=True)
    ap.add_argument("--sha")
    ap.add_argument("--story", action="store_true", help="the CI story; commands on stdin")
    args = ap.parse_args(argv)
    state = State()
    finish = None
    if args.story:
        finish = seed_story(state, args.project, args.branch)
    elif args.sha:
        seed(state, args.project, args.branch, args.sha)
    else:
        ap.error("--sha is required without --story")
    server = GitLabStandIn(state, port=args.port).start()
    print(f"GitLab stand-in listening on {server.url}", flush=True)
    # Stopped with SIGTERM by the tests: still report what the contract refused.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if finish is not None:
        threading.Thread(target=_commands, args=(finish,), daemon=True).start()
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
