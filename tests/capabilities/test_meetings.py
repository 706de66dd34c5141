"""The OnlineMeetings capability suite, run on every connector that declares OnlineMeetings:
an instant meeting answers a JoinLink to the provider's own join URL (the one the service
made for this meeting, never a host's start link), named as that provider."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from connectors.sdk.calendar import Provider
from connectors.sdk.capabilities import OnlineMeetings
from tests.standin.kit import serving
from tests.standin.kit.fixtures import require_contract

from .conftest import declaring


@dataclass
class Meetings:
    connector: Any
    provider: Provider
    #: The join URL the service made for the newest meeting, and that meeting's topic.
    made: Callable[[], tuple[str, str]]


def _microsoft(stack: contextlib.AsyncExitStack) -> Meetings:
    from tests.microsoft.helpers import connect, seed
    from tests.standin.microsoft import MicrosoftStandIn

    require_contract(MicrosoftStandIn)
    standin = stack.enter_context(serving(MicrosoftStandIn()))
    st = seed(standin).state
    c, http = connect(standin.url)
    stack.push_async_callback(http.aclose)

    def made() -> tuple[str, str]:
        return st.meetings[-1]["joinWebUrl"], st.meetings[-1]["subject"]

    return Meetings(c, Provider.TEAMS, made)


def _zoom(stack: contextlib.AsyncExitStack) -> Meetings:
    from tests.standin.zoom import ZoomStandIn
    from tests.zoom.helpers import TOKEN, connect

    require_contract(ZoomStandIn)
    standin = stack.enter_context(serving(ZoomStandIn()))
    standin.add_user("ada@acme.test", "Ada", "Lovelace", TOKEN)
    c, http = connect(standin.url)
    stack.push_async_callback(http.aclose)

    def made() -> tuple[str, str]:
        return standin.meetings[-1]["join_url"], standin.meetings[-1]["topic"]

    return Meetings(c, Provider.ZOOM, made)


BUILDERS: dict[str, Callable[[contextlib.AsyncExitStack], Meetings]] = {
    "microsoft": _microsoft,
    "zoom": _zoom,
}


@pytest.fixture(params=declaring("OnlineMeetings"))
async def meetings(request: pytest.FixtureRequest) -> AsyncIterator[Meetings]:
    builder = BUILDERS.get(request.param)
    if builder is None:
        pytest.fail(f"{request.param} declares OnlineMeetings but the suite has no builder")
    async with contextlib.AsyncExitStack() as stack:
        yield builder(stack)


def test_every_meetings_connector_is_in_the_suite() -> None:
    declared = set(declaring("OnlineMeetings"))
    assert declared and declared <= set(BUILDERS), declared - set(BUILDERS)


async def test_an_instant_meeting_answers_the_providers_join_link(meetings: Meetings) -> None:
    c: OnlineMeetings = meetings.connector
    link = await c.start_meeting("Pairing on #42", minutes=45)
    url, topic = meetings.made()
    assert link.url == url and url.startswith("https://")
    assert topic == "Pairing on #42"
    assert link.provider is meetings.provider
