"""The Inbox's timer: it polls only the views the shell showed lately, costs nothing while a
view is fresh, and tells the shell of a view only when its rows changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from connectors.sdk.capabilities import Mail
from server.hub import mail as hub_mail
from server.hub.config import MailSettings
from server.hub.mail import Inbox
from server.lsp.features import mail as feature
from tests.mail.conftest import Clock, FakeSession, session
from tests.mail.fake import connector as fake


@dataclass
class _Protocol:
    sent: list[tuple[str, Any]] = field(default_factory=list)

    def notify(self, method: str, params: Any) -> None:
        self.sent.append((method, params))


class _Server:
    def __init__(self) -> None:
        self.protocol = _Protocol()

    def panel_shown(self) -> None:
        pass


@dataclass
class _Config:
    mail: MailSettings = field(default_factory=MailSettings)


class _Hub:
    def __init__(self, sessions: list[FakeSession]) -> None:
        self.sessions = sessions
        self.config = _Config()

    def sessions_with(self, cap: type) -> list[FakeSession]:
        assert cap is Mail
        return self.sessions

    def __hash__(self) -> int:
        return id(self)


async def test_only_shown_views_are_polled_and_only_changes_are_told(world: fake.World) -> None:
    world.add("ada", 1)
    hub = _Hub([session("ada")])
    clock = Clock()
    hub_mail._INBOXES[hub] = Inbox(  # type: ignore[index]
        lambda: hub.sessions, lambda: hub.config.mail, clock=clock
    )
    ls = _Server()
    assert await feature.poll(ls, hub) == []  # type: ignore[arg-type]
    assert world.calls == []  # nothing shown: nothing asked

    rows = await feature.panel_items(ls, hub, "inbox/inbox")  # type: ignore[arg-type]
    assert [r.label for r in rows] == ["Message 1"]
    asked = len(world.calls)
    assert await feature.poll(ls, hub) == []  # type: ignore[arg-type]
    assert len(world.calls) == asked  # fresh: not asked again

    clock.now += hub.config.mail.refresh_interval + 1
    assert await feature.poll(ls, hub) == []  # type: ignore[arg-type]
    assert len(world.calls) == asked + 1 and ls.protocol.sent == []  # unchanged: quiet

    world.add("ada", 2)
    clock.now += hub.config.mail.refresh_interval + 1
    assert await feature.poll(ls, hub) == ["inbox"]  # type: ignore[arg-type]
    ((method, params),) = ls.protocol.sent
    assert method == "tieline/panel/changed"
    assert params == {"panelId": "inbox", "itemId": "inbox/inbox"}

    feature.state(ls).shown["inbox"] = -1e9  # type: ignore[arg-type]  # the panel was closed
    clock.now += hub.config.mail.refresh_interval + 1
    before = len(world.calls)
    assert await feature.poll(ls, hub) == []  # type: ignore[arg-type]
    assert len(world.calls) == before and "inbox" not in feature.state(ls).shown  # type: ignore[arg-type]


async def test_the_top_level_counts_only_what_was_read_and_asks_to_sign_in(
    world: fake.World,
) -> None:
    for n in range(1, 6):
        world.add("ada", n, unread=n > 3)
    hub = _Hub([])
    ls = _Server()
    (none,) = await feature.panel_items(ls, hub, None)  # type: ignore[arg-type]
    assert none.label == feature.NO_MAIL

    hub.sessions = [session("ada")]
    groups = await feature.panel_items(ls, hub, None)  # type: ignore[arg-type]
    assert [(g.id, g.description) for g in groups] == [
        ("inbox/unread", None), ("inbox/flagged", None), ("inbox/inbox", None)
    ]  # fmt: skip
    assert world.calls == []  # the top level never waits on a mailbox
    assert [a.command.command for a in groups[0].actions] == ["tieline.mail.refresh"]
    await feature.panel_items(ls, hub, "inbox/unread")  # type: ignore[arg-type]
    groups = await feature.panel_items(ls, hub, None)  # type: ignore[arg-type]
    assert [g.description for g in groups] == ["2", None, None]
