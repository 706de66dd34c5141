"""The editor's side of chat without a client process: the channel picker's pages, "Open in
<service>" only for a client that can open a page, mentions as notifications (one each, or
one summary for a burst), send errors shown as an error message, and presence on a pull
request's hover card -- time-boxed, so a slow service costs the card nothing but presence."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, cast

import pytest
from lsprotocol import types

from connectors.sdk.chat import Availability, Channel, PresenceStatus
from connectors.sdk.models import ItemRef, ItemState, Message, PullRequest, RepoRef, User
from server.hub.chat import Batch, Mention, destinations
from server.hub.config import ChatPerson
from server.hub.hub import Hub
from server.lsp.features import chat
from server.lsp.features.hover import hover_text
from server.lsp.server import TielineServer
from tests.chat.fakechat import connector as fakechat


class FakeClient:
    """What the chat feature calls on the server object: messages, requests, showDocument."""

    def __init__(self, hub: Hub, *, show_document: bool = True, answers: list[str] | None = None):
        self.hub = hub
        self.answers = answers or []
        self.asked: list[types.ShowMessageRequestParams] = []
        self.told: list[types.ShowMessageParams] = []
        self.shown: list[types.ShowDocumentParams] = []
        self.background: set[asyncio.Future[Any]] = set()
        window = types.WindowClientCapabilities(
            show_document=types.ShowDocumentClientCapabilities(support=show_document)
        )
        self.client_capabilities = types.ClientCapabilities(window=window)

    async def window_show_message_request_async(
        self, params: types.ShowMessageRequestParams
    ) -> types.MessageActionItem | None:
        self.asked.append(params)
        return next((a for a in params.actions or [] if a.title in self.answers), None)

    def window_show_message(self, params: types.ShowMessageParams) -> None:
        self.told.append(params)

    async def window_show_document_async(
        self, params: types.ShowDocumentParams
    ) -> types.ShowDocumentResult:
        self.shown.append(params)
        return types.ShowDocumentResult(success=True)

    async def wait_connected(self, patience: float) -> None:
        return None

    async def settle(self) -> None:
        while self.background:
            await asyncio.gather(*list(self.background))


def _ls(client: FakeClient) -> TielineServer:
    return cast(TielineServer, client)


async def test_the_picker_pages_through_a_long_list(hub: Hub, world: fakechat.World) -> None:
    world.channels = [Channel(id=f"C{n}", name=f"ch{n}", container="acme") for n in range(5)]
    dests = await destinations(hub)
    client = FakeClient(hub, answers=[chat.MORE, "#ch3 — Fake Chat (acme)"])
    picked = await chat.pick_channel(_ls(client), dests, 2, "src/app.py:1-2")
    assert picked is not None and picked.channel.id == "C3"
    pages = [[a.title for a in q.actions or []] for q in client.asked]
    assert pages[0] == ["#ch0 — Fake Chat (acme)", "#ch1 — Fake Chat (acme)", chat.MORE]
    assert pages[1] == ["#ch2 — Fake Chat (acme)", "#ch3 — Fake Chat (acme)", chat.MORE]
    assert client.asked[0].message == "Share src/app.py:1-2 to?"


async def test_dismissing_the_picker_cancels(hub: Hub) -> None:
    client = FakeClient(hub, answers=[])
    assert await chat.pick_channel(_ls(client), await destinations(hub), 8, "x") is None


def test_lines_are_one_based_and_a_selection_ending_at_a_line_start_leaves_it_out() -> None:
    def rng(a: int, b: int, c: int, d: int) -> types.Range:
        return types.Range(start=types.Position(a, b), end=types.Position(c, d))

    assert chat.lines_of(rng(0, 0, 2, 0)) == (1, 2)
    assert chat.lines_of(rng(4, 2, 4, 9)) == (5, 5)
    assert chat.lines_of(rng(4, 0, 6, 3)) == (5, 7)


async def test_open_in_the_service_only_where_the_client_can(hub: Hub) -> None:
    able = FakeClient(hub, answers=["Open in Fake Chat"])
    await chat.tell_sent(_ls(able), "Shared x", "https://chat.example.test/C2/p1", "Fake Chat")
    assert [a.title for a in able.asked[0].actions or []] == ["Open in Fake Chat"]
    assert able.shown == [
        types.ShowDocumentParams(uri="https://chat.example.test/C2/p1", external=True)
    ]
    plain = FakeClient(hub, show_document=False)
    await chat.tell_sent(_ls(plain), "Shared x", "https://chat.example.test/C2/p1", "Fake Chat")
    assert plain.asked == [] and [t.message for t in plain.told] == ["Shared x"]


def _mention(n: int) -> Mention:
    msg = Message(
        id=f"x{n}",
        channel="C2",
        channel_name="#dev",
        text="@ada could you look at the failing test? " * 5,
        url=f"https://chat.example.test/C2/x{n}",
        author=User(login="bob", name="Bob Ray"),
        sent_at=datetime(2026, 3, 2, 9, n, tzinfo=UTC),
    )
    return Mention(msg, "Fake Chat", "fakechat")


async def test_each_mention_is_a_notification_with_who_where_and_a_preview(hub: Hub) -> None:
    client = FakeClient(hub, answers=["Open in Fake Chat"])
    chat._tell_batch(_ls(client), Batch((_mention(1), _mention(2)), summary=False))
    await client.settle()
    assert len(client.asked) == 2
    text = client.asked[0].message
    assert text.startswith("Bob Ray mentioned you in #dev on Fake Chat: “@ada could you look")
    assert len(text) < 160 and text.endswith("…”")
    assert [s.uri for s in client.shown] == [
        "https://chat.example.test/C2/x1",
        "https://chat.example.test/C2/x2",
    ]


async def test_a_burst_is_one_summary_message(hub: Hub) -> None:
    client = FakeClient(hub)
    chat._tell_batch(_ls(client), Batch(tuple(_mention(n) for n in range(5)), summary=True))
    await client.settle()
    assert client.asked == []
    assert [t.message for t in client.told] == ["5 new mentions: 5 on Fake Chat"]


async def test_the_poller_tells_new_mentions_and_respects_the_switch(
    hub: Hub, world: fakechat.World
) -> None:
    from server.hub.chat import MentionWatch

    watch = MentionWatch(hub)
    client = FakeClient(hub)
    await chat.poll_mentions(_ls(client), hub, watch)  # first poll: remembers only
    world.mentions = [_mention(1).message]
    hub.config.chat.mentions = False
    await chat.poll_mentions(_ls(client), hub, watch)
    assert client.asked == [] and client.told == []
    hub.config.chat.mentions = True
    await chat.poll_mentions(_ls(client), hub, watch)
    await client.settle()
    assert [q.message[:30] for q in client.asked] == ["Bob Ray mentioned you in #dev "]


# -- presence on the hover ---------------------------------------------------------------------

BUSY = PresenceStatus(availability=Availability.BUSY, text="In a meeting")


def _pr(reviewers: tuple[User, ...]) -> PullRequest:
    repo = RepoRef(host="code.example.test", owner="octo", name="app")
    return PullRequest(
        ref=ItemRef.numbered("fakehost", repo, 7),
        title="Faster start",
        state=ItemState.OPEN,
        url="https://code.example.test/octo/app/pull/7",
        repo=repo,
        requested_reviewers=reviewers,
    )


def _hover_ref(pr: PullRequest) -> Any:
    from server.hub.refs import ItemTarget

    target = ItemTarget("fakehost", pr.ref.host, pr.ref.scope, pr.ref.key, pr.ref.number)
    return SimpleNamespace(target=target, text="#7", url=None)


@pytest.fixture
def reviewed(hub: Hub, world: fakechat.World) -> PullRequest:
    hub.config.chat.reviewer_emails = [ChatPerson(login="carol", email="carol@acme.test")]
    world.presence = {"carol@acme.test": BUSY}
    pr = _pr((User(login="carol"), User(login="dave")))
    [session] = [s for s in hub.sessions.values() if s.connector_id == "fakehost"]
    session.coordinator.index.put([pr])
    return pr


async def test_the_card_shows_reviewers_presence(hub: Hub, reviewed: PullRequest) -> None:
    card = await hover_text(_ls(FakeClient(hub)), _hover_ref(reviewed))
    assert card is not None and "Faster start" in card
    assert card.rstrip().endswith("Reviewers: @carol busy · In a meeting")


async def test_a_slow_presence_service_does_not_hold_the_card(
    hub: Hub, reviewed: PullRequest, world: fakechat.World
) -> None:
    hub.config.chat.presence_timeout = 0.05
    world.presence_delay = 1.0
    loop = asyncio.get_running_loop()
    start = loop.time()
    card = await hover_text(_ls(FakeClient(hub)), _hover_ref(reviewed))
    assert loop.time() - start < 0.5
    assert card is not None and "Faster start" in card and "Reviewers:" not in card


async def test_a_card_without_a_presence_service_is_the_plain_card(
    hub: Hub, reviewed: PullRequest, world: fakechat.World
) -> None:
    await hub.drop_sessions("fakechat", "chat.example.test")
    card = await hover_text(_ls(FakeClient(hub)), _hover_ref(reviewed))
    assert card is not None and "Reviewers:" not in card
    assert world.presence_calls == []


# -- sending -----------------------------------------------------------------------------------


async def test_a_sent_post_is_told_and_its_channel_becomes_recent(
    hub: Hub, world: fakechat.World
) -> None:
    from connectors.sdk.chat import Post

    dests = await destinations(hub)
    client = FakeClient(hub, show_document=False)
    got = await chat.deliver(_ls(client), hub, dests[2], Post(text="hi"), "src/app.py:1-2")
    await client.settle()
    assert got["sent"] and got["url"] == "https://chat.example.test/C3/p1"
    assert [t.message for t in client.told] == [
        "Shared src/app.py:1-2 to #random — Fake Chat (acme)"
    ]
    assert chat.recent_of(hub).ids[0] == dests[2].id


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (None, "#dev on Fake Chat does not exist or is hidden from this account"),
        (fakechat.rate_limited(20), "Fake Chat is rate limiting: try #dev on Fake Chat again in"),
    ],
)
async def test_send_errors_are_shown_clearly(
    hub: Hub, world: fakechat.World, error: Any, said: str
) -> None:
    from connectors.sdk.chat import Post

    dev = (await destinations(hub))[1]
    if error is None:
        world.channels.pop(1)  # gone since it was listed
    else:
        world.send_error = error
    client = FakeClient(hub)
    got = await chat.deliver(_ls(client), hub, dev, Post(text="hi"), "x")
    assert got["sent"] is False and said in got["error"]
    [shown] = client.told
    assert shown.type == types.MessageType.Error and said in shown.message
    assert chat.recent_of(hub).ids == []  # a failed send is not a use


async def test_a_single_channel_is_still_asked_for(hub: Hub, world: fakechat.World) -> None:
    world.channels = world.channels[:1]
    client = FakeClient(hub, answers=[])
    assert await chat.pick_channel(_ls(client), await destinations(hub), 8, "x") is None
    assert [a.title for a in client.asked[0].actions or []] == ["#general — Fake Chat (acme)"]


async def test_focus_holds_mentions_until_it_ends(hub: Hub, world: fakechat.World) -> None:
    from datetime import timedelta

    from server.hub.chat import MentionWatch
    from server.hub.focus import FocusKeeper, FocusState, Period

    watch = MentionWatch(hub)
    client = FakeClient(hub)
    await chat.poll_mentions(_ls(client), hub, watch)  # first poll: remembers only
    world.mentions = [_mention(n).message for n in range(1, 5)]
    keeper = FocusKeeper.of(hub)
    until = datetime.now(UTC) + timedelta(minutes=30)
    keeper.current = FocusState(period=Period(until=until.timestamp(), reason="manual"))
    await chat.poll_mentions(_ls(client), hub, watch)
    assert client.asked == [] and client.told == []
    keeper.current = FocusState()
    await chat.poll_mentions(_ls(client), hub, watch)
    assert [t.message for t in client.told] == ["4 new mentions: 4 on Fake Chat"]
