from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.standin.kit import serving
from tests.standin.tinytracker import USER, TinyTracker


def seed(tt: TinyTracker, n: int = 25) -> None:
    """``n`` issues: every third assigned to ada, every fifth done, one titled 'crash'."""
    for i in range(1, n + 1):
        tt.add(
            "Crash on start" if i == 7 else f"Issue number {i}",
            status="done" if i % 5 == 0 else "open",
            assignee=USER if i % 3 == 0 else "bob",
            labels=("bug",) if i % 2 else (),
            body=f"Body of {i}",
        )


@pytest.fixture
def tt(request: pytest.FixtureRequest) -> Iterator[TinyTracker]:
    auth = getattr(request, "param", "bearer")
    with serving(TinyTracker(auth=auth)) as standin:
        seed(standin)
        yield standin
