"""The CircleCI connector on the hub's real HTTP stack against the CircleCI stand-in and its
step-output storage host (``tests/standin/circleci.py`` says where each shape comes from)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from connectors.circleci.connector import CircleCIConnector
from server.hub.http import HubClient
from tests.standin.circleci import CircleCIStandIn, OutputHost, State
from tests.standin.harness import wire
from tests.standin.kit import serving
from tests.standin.kit.fixtures import require_contract

SLUG = "gh/octo/app"
TOKEN = "tok-ada"


@pytest.fixture
def state() -> State:
    s = State()
    s.project(SLUG)
    return s


@pytest.fixture
def output(state: State) -> Iterator[OutputHost]:
    with serving(OutputHost(state)) as host:
        state.output_base = f"{host.url}/output"
        yield host


@pytest.fixture
def circleci(state: State, output: OutputHost) -> Iterator[CircleCIStandIn]:
    """A fresh, contract-checking CircleCI stand-in; fails the test on any request CircleCI's
    description (or the documented v1.1 supplement) does not allow."""
    require_contract(CircleCIStandIn)
    with serving(CircleCIStandIn(state)) as standin:
        yield standin


def connect(
    standin: CircleCIStandIn, *, token: str = TOKEN, **kw: Any
) -> tuple[CircleCIConnector, HubClient]:
    return wire(
        CircleCIConnector,
        f"{standin.url}/api/v2",
        token=token,
        web_url="https://app.circleci.com",
        host="circleci.com",
        **kw,
    )
