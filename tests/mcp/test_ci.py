"""``ci_status`` and ``job_log`` against the GitHub Actions stand-in seeded with the CI story
(``tests/standin/github_actions.py``): on branch ``feature`` a failed ``build`` whose job
``unit`` logged a pytest failure, and a running ``deploy``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.cli.conftest import base_env, clone
from tests.mcp.conftest import error_text, stdio, structured
from tests.standin.github import GitHubStandIn
from tests.standin.github_actions import seed_ci_story


@pytest.fixture
def story(github: GitHubStandIn) -> Iterator[dict[str, Any]]:
    github.state.login = "octocat"
    github.state.tokens["tok-ci"] = "octocat"
    yield seed_ci_story(github.state, "octo/app")
    assert not github.violations, "\n".join(github.violations)


async def test_ci_status_and_the_failing_jobs_log(
    story: dict[str, Any], github: GitHubStandIn, tmp_path: Path, tieline_home: Path
) -> None:
    root = clone(tmp_path / "app", "https://github.com/octo/app.git",
                 files={".github/workflows/build.yml": "on: push\n"})  # fmt: skip
    env = base_env(
        tieline_home, TIELINE_GITHUB_TOKEN="tok-ci", TIELINE_CONNECTORS__GITHUB__API_URL=github.url
    )
    async with stdio(root, env) as s:
        ci = structured(await s.call_tool("ci_status", {}))
        log = structured(await s.call_tool("job_log", {"job": story["failed_job"]}))
        short = structured(await s.call_tool("job_log", {"job": "unit", "max_lines": 2}))
        nope = error_text(await s.call_tool("job_log", {"job": "no-such-job"}))
    assert ci["state"] == "failure"
    (branch,) = ci["branches"]
    assert branch["repo"] == "octo/app" and branch["branch"] == "feature"
    names = {p["name"]: p for p in branch["pipelines"]}
    assert names[story["failed_pipeline"]]["state"] == "failure"
    assert log["job"]["name"] == "unit" and log["job"]["state"] == "failure"
    assert story["log_line"] in log["text"] and log["failing"] is not None
    assert log["truncated"] is False
    assert short["truncated"] is True and len(short["text"].split("\n")) == 2
    assert "[not_found]" in nope and "unit" in nope
