"""Mail sessions without a hub: the fake connector (:mod:`tests.mail.fake`) per account,
behind the few session fields :class:`server.hub.mail.Inbox` reads."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from connectors.sdk.connector import Connector, ConnectorContext
from server.hub.config import MailSettings
from server.hub.mail import Inbox
from tests.mail.fake import connector as fake


@dataclass
class FakeSession:
    connector: Connector
    connector_id: str = "fakemail"
    host: str = fake.HOST

    @property
    def key(self) -> str:
        return f"fakemail:{self.host}:{self.connector.ctx.account}"


def session(account: str) -> FakeSession:
    ctx = ConnectorContext(http=httpx.AsyncClient(), account=account, api_url="https://x.test")
    return FakeSession(fake.FakeMailConnector(ctx))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def world() -> Iterator[fake.World]:
    """A fresh fake service for each test."""
    saved = fake.WORLD
    fake.WORLD = fake.World()
    yield fake.WORLD
    fake.WORLD = saved


@dataclass
class Setup:
    inbox: Inbox
    sessions: list[FakeSession]
    settings: MailSettings
    clock: Clock


@pytest.fixture
def setup(world: fake.World) -> Setup:
    sessions = [session("ada"), session("bob")]
    settings = MailSettings(team_query="@team.test")
    clock = Clock()
    s = Setup(Inbox(lambda: s.sessions, lambda: s.settings, clock=clock), sessions, settings, clock)
    return s
