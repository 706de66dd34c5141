"""The CI poll benchmarks (``bench.*_poll``) run once on a tiny setting -- six polls, two
jobs -- so that none of them rots unnoticed, and their counts mean what they print: the
idle hour sees no change, the running one each finish, every answer is a 200 or a 304, and
the points follow each service's rule. No timings are asserted."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from bench import actions_poll, bitbucket_poll, ci_poll, circleci_poll, gitlab_poll, jenkins_poll
from connectors.sdk.manifest import Budget
from tests.standin.github import GitHubStandIn
from tests.standin.kit.fixtures import require_contract

SETUPS: dict[str, Callable[..., ci_poll.Setup]] = {
    "github": actions_poll.setup,
    "circleci": circleci_poll.setup,
    "gitlab": gitlab_poll.setup,
    "jenkins": jenkins_poll.setup,
    "bitbucket": bitbucket_poll.setup,
}


@pytest.mark.parametrize("name", sorted(SETUPS))
async def test_one_tiny_hour(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    if name == "github":
        require_contract(GitHubStandIn)  # its Actions bodies start from the description's examples
    idle, running = await ci_poll.run(SETUPS[name], interval=600, jobs=2)
    assert (idle.polls, running.polls) == (6, 6)
    assert idle.changes == 0
    assert running.changes == 3  # the new pipeline, then each of its two jobs finishing
    for h in (idle, running):
        assert h.requests >= h.polls and h.ok + h.not_modified == h.requests
    if name in ("github", "gitlab", "bitbucket"):  # ETags: nothing changed, nothing resent
        assert idle.ok == 0 and idle.not_modified == idle.requests
    else:
        assert idle.not_modified == running.not_modified == 0
    if name == "github":  # a 304 is free on GitHub
        assert idle.points == 0 and running.points == running.ok
    elif name != "jenkins":  # every request counts, 304s too
        assert idle.points == idle.requests and running.points == running.requests
    assert running.requests > idle.requests  # a running pipeline's jobs are read too
    out = capsys.readouterr().out
    assert "idle (nothing changes):" in out and "a pipeline runs (2 jobs):" in out


def test_header_points_count_drops_and_new_windows() -> None:
    """Drops of the remaining count are points; a new window spends from a full one; a
    reset in seconds-from-now names no window (it moves with every answer)."""
    epoch = Budget(
        remaining_header="RateLimit-Remaining",
        limit_header="RateLimit-Limit",
        reset_header="RateLimit-Reset",
    )
    seen = [
        httpx.Headers(
            {"ratelimit-remaining": "98", "ratelimit-limit": "100", "ratelimit-reset": "7"}
        ),
        httpx.Headers(
            {"ratelimit-remaining": "98", "ratelimit-limit": "100", "ratelimit-reset": "7"}
        ),
        httpx.Headers(
            {"ratelimit-remaining": "99", "ratelimit-limit": "100", "ratelimit-reset": "8"}
        ),
        httpx.Headers({"other": "x"}),
        httpx.Headers(
            {"ratelimit-remaining": "97", "ratelimit-limit": "100", "ratelimit-reset": "8"}
        ),
    ]
    before = httpx.Headers({"ratelimit-remaining": "99", "ratelimit-reset": "7"})
    assert ci_poll.header_points(seen, before, epoch) == 1 + 0 + 1 + 2
    relative = epoch.model_copy(update={"reset_format": "seconds"})
    moving = [
        httpx.Headers({"ratelimit-remaining": str(90 - n), "ratelimit-reset": str(60 - n)})
        for n in range(3)
    ]
    assert ci_poll.header_points(moving, None, relative) == 2
    assert ci_poll.header_points([httpx.Headers({"x": "1"})], None, epoch) is None
