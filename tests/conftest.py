"""Shared test fixtures. Every test runs with its own ``TIELINE_HOME`` so nothing touches the
developer's real config, vault or database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from tests.standin.github import GitHubStandIn


@pytest.fixture(autouse=True)
def tieline_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("tieline-home")
    monkeypatch.setenv("TIELINE_HOME", str(home))
    for var in list(os.environ):
        if var.startswith("TIELINE_") and var != "TIELINE_HOME":
            monkeypatch.delenv(var)
    yield home


@pytest.fixture(scope="session")
def github_spec_ready() -> bool:
    """Build GitHub's OpenAPI validator once per session (skips when the Node peers are absent)."""
    from tests.standin import spec

    if not spec.available():
        pytest.skip("GitHub OpenAPI description not installed (run scripts/test-peers.sh)")
    spec.validator()
    return True


@pytest.fixture
def github(github_spec_ready: bool) -> Iterator[GitHubStandIn]:
    """A fresh, contract-checking GitHub stand-in on 127.0.0.1; fails the test on any request
    GitHub's description does not allow."""
    from tests.standin.github import GitHubStandIn

    with GitHubStandIn() as gh:
        yield gh
        assert not gh.violations, "requests GitHub's OpenAPI description rejects:\n" + "\n".join(
            gh.violations
        )
