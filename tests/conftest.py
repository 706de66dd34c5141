"""Shared test fixtures. Every test runs with its own ``TIELINE_HOME`` so nothing touches the
developer's real config, vault or database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import settings

from tests.standin.github import GitHubStandIn
from tests.standin.kit import standin_fixture

# Hypothesis profiles. A property test that draws new random input on every run fails, now and
# then, on a fresh clone for no change of anyone's: it did, in tests/text/test_sanitize.py. So
# by default, and so always in CI (`make test`), every run draws the same examples:
# `derandomize` seeds each test from its own source, and with no example database nothing a
# run does depends on earlier runs, so a green checkout stays green and a red one is red again
# on rerun. The deadline is off for the same reason (timing is the machine's, not the code's).
# Looking for new failures is done on purpose, by hand: `HYPOTHESIS_PROFILE=thorough make
# pytest` (or `pytest --hypothesis-profile=thorough tests/text`) draws fresh random input,
# far more of it (see `examples`), and keeps what fails in .hypothesis/ to replay. Whatever it
# finds is fixed and pinned with `@example`, so the repeatable runs check it from then on.
settings.register_profile(
    "repeatable", derandomize=True, database=None, deadline=None, print_blob=True
)
settings.register_profile("thorough", max_examples=5_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def examples(n: int) -> int:
    """A test's own example budget, raised to the active profile's when that is larger (a
    ``@settings(max_examples=...)`` on a test would otherwise win over any profile)."""
    return max(n, settings.default.max_examples)


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
