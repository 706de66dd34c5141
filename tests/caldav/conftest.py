"""One real Radicale per test session (see :mod:`tests.caldav.radicale`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.caldav.radicale import Account, Radicale, start


@pytest.fixture(scope="session")
def radicale(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Radicale]:
    server = start(tmp_path_factory.mktemp("radicale"))
    yield server
    server.stop()


@pytest.fixture
def account(radicale: Radicale) -> Account:
    return radicale.user()
