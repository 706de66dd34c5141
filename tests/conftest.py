"""Shared test fixtures. Every test runs with its own ``TIELINE_HOME`` so nothing touches the
developer's real config, vault or database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest


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
