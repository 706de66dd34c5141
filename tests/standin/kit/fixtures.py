"""pytest glue: a stand-in fixture in one line, failing the test on any contract violation.

``github = standin_fixture(GitHubStandIn, name="github")`` in a conftest gives each test a
fresh, started stand-in, skips the test when the service's contract file is not installed,
and fails it when the stand-in saw a request the contract rejects (or broke itself).
Contracts are memoised per process, so only the first test of a session pays for building one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest

from .server import StandIn

S = TypeVar("S", bound=StandIn)


def require_contract(cls: type[StandIn]) -> None:
    """Skip the calling test when ``cls`` validates against a contract that is not installed."""
    contract = cls.contract
    if contract is not None and not contract.available():
        pytest.skip(f"{cls.service}'s contract {contract.path} is not installed")


def fail_on_violations(standin: StandIn) -> None:
    if standin.violations:
        pytest.fail(
            f"the {standin.service} stand-in saw requests its contract rejects "
            "(or failed itself):\n" + "\n".join(standin.violations),
            pytrace=False,
        )


@contextmanager
def serving(standin: S) -> Iterator[S]:
    """Start ``standin``, yield it, stop it, then fail on any violation it recorded."""
    with standin:
        yield standin
    fail_on_violations(standin)


def standin_fixture(make: Callable[[], S], *, name: str, cls: type[StandIn] | None = None) -> Any:
    """A function-scoped pytest fixture called ``name`` that yields ``make()`` started.

    ``make`` is usually the stand-in class itself; pass ``cls`` when it is another callable,
    so the fixture knows which contract to look for before building anything.
    """
    owner = cls or (make if isinstance(make, type) else None)

    @pytest.fixture(name=name)
    def _fixture() -> Iterator[S]:
        if owner is not None:
            require_contract(owner)
        with serving(make()) as standin:
            yield standin

    _fixture.__doc__ = f"A fresh {name} stand-in on 127.0.0.1, failing the test on violations."
    return _fixture
