"""Shared test fixtures. Every test runs with its own ``TIELINE_HOME`` so nothing touches the
developer's real config, vault or database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.standin.github import GitHubStandIn
from tests.standin.kit import standin_fixture


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


github = standin_fixture(GitHubStandIn, name="github")
"""A fresh, contract-checking GitHub stand-in on 127.0.0.1; fails the test on any request
GitHub's description does not allow (skips when the Node peers are not installed)."""
