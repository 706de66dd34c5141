"""Wire the Bitbucket connector to its stand-in through the hub's real HTTP stack, signed in
each way Bitbucket allows: HTTP Basic with an Atlassian email and API token (or a username
and app password), and Bearer for repository/workspace access tokens and OAuth."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from connectors.bitbucket.connector import BitbucketConnector
from connectors.sdk import RepoRef
from server.hub.http import HubClient
from tests.standin.bitbucket import BitbucketStandIn
from tests.standin.harness import wire
from tests.standin.kit import serving
from tests.standin.kit.fixtures import require_contract

#: Shaped like real secrets, so the redaction of token_patterns is exercised too.
API_TOKEN = "ATATT3xFfGF0" + "q" * 40 + "=CANARY01"
APP_PASSWORD = "ATBB" + "p" * 28 + "CANARY02"
ACCESS_TOKEN = "ATCTT3xFfGN0" + "r" * 40 + "=CANARY03"
EMAIL = "ada@example.com"


@pytest.fixture
def bitbucket() -> Iterator[BitbucketStandIn]:
    """A fresh, contract-checking Bitbucket stand-in with Ada's three kinds of secret."""
    require_contract(BitbucketStandIn)
    with serving(BitbucketStandIn()) as standin:
        standin.add_token(API_TOKEN, "ada", "basic")
        standin.add_token(APP_PASSWORD, "ada", "basic")
        standin.add_token(ACCESS_TOKEN, "ada", "bearer")
        yield standin


def connect(
    standin: BitbucketStandIn,
    *,
    method: str = "basic",
    token: str | None = None,
    username: str | None = EMAIL,
    cache_dir: Path | None = None,
    max_rate_wait: float = 10.0,
    settings: dict[str, Any] | None = None,
) -> tuple[BitbucketConnector, HubClient]:
    secret = token or (API_TOKEN if method == "basic" else ACCESS_TOKEN)
    return wire(
        BitbucketConnector,
        f"{standin.url}/2.0",
        token=secret,
        method=method,
        username=username if method == "basic" else None,
        web_url="https://bitbucket.org",
        host="bitbucket.org",
        cache_dir=cache_dir,
        max_rate_wait=max_rate_wait,
        account="ada",
        settings=settings,
    )


CI_CONFIG = """\
pipelines:
  custom:
    release:
      - variables:
          - name: VERSION
            description: the version to release
      - step:
          name: Release
          script: [make release]
"""


def seed_ci(standin: BitbucketStandIn, repo: str = "acme/app") -> dict[str, Any]:
    """The CI story of the capability suite's Pipelines contract (``CIStory`` fields): on
    branch ``feature`` a failed ``feature`` pipeline whose ``unit`` step failed, a running
    ``default`` one whose ``ship`` step ``finish_running()`` completes, and a custom
    ``release`` pipeline asking for ``VERSION``."""
    st = standin.state
    r = st.repo(repo)
    for ref in ("main", "feature"):
        r.files[(ref, "bitbucket-pipelines.yml")] = CI_CONFIG
    failed = st.add_pipeline(
        repo,
        branch="feature",
        result="FAILED",
        selector={"type": "branches", "pattern": "feature"},
        steps=(("lint", "COMPLETED", "SUCCESSFUL"), ("unit", "COMPLETED", "FAILED")),
    )
    unit = r.steps[failed["uuid"]][1]
    st.write_log(repo, unit["uuid"], "setting up\nFAILED tests/test_app.py::test_it - 1 == 2\n")
    running = st.add_pipeline(
        repo,
        branch="feature",
        state="IN_PROGRESS",
        result="RUNNING",
        selector={"type": "default"},
        steps=(("ship", "IN_PROGRESS", "RUNNING"),),
    )
    ship = r.steps[running["uuid"]][0]
    st.write_log(repo, ship["uuid"], "shipping...\n")

    def finish_running() -> None:
        st.write_log(repo, ship["uuid"], "shipped\n")
        st.finish_step(repo, running["uuid"], ship["uuid"], "SUCCESSFUL")

    owner, name = repo.split("/")
    return {
        "repo": RepoRef(host="bitbucket.org", owner=owner, name=name),
        "branch": "feature",
        "failed_pipeline": "feature",
        "failed_job": "unit",
        "log_line": "FAILED tests/test_app.py::test_it",
        "running_pipeline": "default",
        "finish_running": finish_running,
        "more_log": "shipped",
        "trigger": "release",
        "trigger_input": "VERSION",
    }
