"""The chat suites' subjects: every connector declaring Messaging, Mentions, Presence or
Focus, on its contract-checked stand-in, seeded with the same story -- channels named
``general`` (or the service's nearest) and ``deploys`` among others, a colleague with a
known address, and the signed-in person's status as a test sets it.

A builder answers the suite's questions in its service's terms: which channel ids to use,
what a reader sees of the messages that arrived where (:mod:`.reading`), how the person's
status was before focus (``prior``) and how they change it in the service's own app during
focus (``person_sets``). The tests (``test_messaging.py``, ``test_mentions.py``,
``test_presence.py``, ``test_focus.py``) name no service.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.standin.kit import StandIn, serving
from tests.standin.kit.fixtures import require_contract

from .conftest import declaring
from .reading import html_text, slack_text, undefused

#: How the person's status stands before focus: nothing set at all; a status line of their
#: own with an expiry; notifications already held (a snooze, do not disturb) with a line;
#: set away (by hand) with a line.
PRIORS = ("empty", "status", "dnd", "away")


@dataclass
class ChatSubject:
    """One chat connector as the suites drive it."""

    name: str
    connector: Any
    standin: StandIn
    #: Another instance of the connector on its own HTTP client (a restarted hub).
    fresh: Callable[[], Any]
    # -- Messaging
    #: A channel the person posts in, names ``channels()`` lists, and a prefix with exactly
    #: the names it selects.
    channel: str = ""
    listed: set[str] = field(default_factory=set)
    prefix: str = ""
    prefixed: set[str] = field(default_factory=set)
    #: A channel id shaped as the service's that names no channel.
    unknown_channel: str = ""
    #: What a reader sees of each message that arrived in ``channel`` (top level with
    #: ``thread`` None, else the replies in that thread), oldest first.
    arrived: Callable[[str, str | None], list[str]] = lambda channel, thread: []
    #: A message someone else posted in ``channel``: (channel, the thread id to reply with).
    open_thread: Callable[[], tuple[str, str]] | None = None
    # -- Mentions: someone names the person at a time; answers the message's text.
    mention: Callable[[datetime], str] | None = None
    # -- Presence
    known_email: str = ""
    unknown_email: str = "nobody@example.invalid"
    #: The service keeps an emoji with the status line, and says until when DND lasts.
    emoji: bool = False
    reads_dnd_until: bool = False
    # -- Focus
    prior: Callable[[str], None] | None = None
    person_sets: Callable[[str], None] | None = None


Builder = Callable[[contextlib.AsyncExitStack], ChatSubject]


def _later(minutes: int) -> datetime:
    """A whole second ``minutes`` from now (services keep expiries to the second)."""
    return datetime.fromtimestamp(int(time.time()) + 60 * minutes, tz=UTC)


def _slack(stack: contextlib.AsyncExitStack) -> ChatSubject:
    from tests.slack.helpers import connect, seed
    from tests.standin.slack import SlackStandIn

    require_contract(SlackStandIn)
    standin = stack.enter_context(serving(SlackStandIn()))
    w = seed(standin)
    st, ada, bob = w.state, w.ada, w.bob
    deploys = st.add_channel("deploys", [ada, bob])

    def fresh() -> Any:
        c, http = connect(standin.url)
        stack.push_async_callback(http.aclose)
        return c

    def arrived(channel: str, thread: str | None) -> list[str]:
        out = []
        for m in st.messages.get(channel, []):
            parent = m.get("thread_ts")
            top = parent in (None, m["ts"])
            if (thread is None and top) or (thread is not None and parent == thread and not top):
                out.append(slack_text(m["text"]))
        return out

    def open_thread() -> tuple[str, str]:
        return deploys["id"], st.post(deploys, bob, "How do I ship?")["ts"]

    def mention(at: datetime) -> str:
        text = f"<@{ada['id']}> have a look ({at:%H:%M:%S})"
        return str(st.post(w.dev, bob, text, ts=f"{at.timestamp():.6f}")["text"])

    def profile(text: str, emoji: str, expiry: datetime | None) -> None:
        ada["profile"].update(
            status_text=text,
            status_emoji=emoji,
            status_expiration=int(expiry.timestamp()) if expiry else 0,
        )

    def prior(kind: str) -> None:
        if kind == "status":
            profile("Working remotely", ":house:", _later(120))
        elif kind == "dnd":
            profile("Out walking", ":walking:", _later(300))
            st.snoozes[ada["id"]] = int(_later(180).timestamp())
        elif kind == "away":
            profile("Lunch", ":sandwich:", None)
            st.presence[ada["id"]] = "away"

    connector = fresh()
    return ChatSubject(
        "slack",
        connector,
        standin,
        fresh,
        channel=deploys["id"],
        listed={"#dev", "#deploys", "#secret-plans", "bob"},
        prefix="dep",
        prefixed={"#deploys"},
        unknown_channel="C0NOSUCH99",
        arrived=arrived,
        open_thread=open_thread,
        mention=mention,
        known_email="bob@example.com",
        unknown_email="nobody@example.com",
        emoji=True,
        reads_dnd_until=True,
        prior=prior,
        person_sets=lambda text: profile(text, ":phone:", None),
    )


def _microsoft(stack: contextlib.AsyncExitStack) -> ChatSubject:
    """Teams. A team's channel is ``teamId/channelId``; a thread's parent is seeded as a
    message Graph holds in that channel. Graph shows no status emoji and no end of a
    preferred presence, so those are not compared."""
    from tests.microsoft.helpers import connect, seed
    from tests.standin.microsoft import MicrosoftStandIn, stamp

    require_contract(MicrosoftStandIn)
    standin = stack.enter_context(serving(MicrosoftStandIn()))
    w = seed(standin)
    st = w.state
    st.add_chat(w.ada, None, [w.ada, w.bob])
    team = st.add_team([w.ada, w.bob], "Platform", ["General", "Deploys"])
    deploys = f"{team['id']}/{st.channels[team['id']][1]['id']}"
    presence = st.presence[w.ada["id"]]

    def fresh() -> Any:
        c, http = connect(standin.url)
        stack.push_async_callback(http.aclose)
        return c

    def arrived(channel: str, thread: str | None) -> list[str]:
        return [
            html_text(m["body"]["content"])
            for m in st.posted
            if m["_where"] == channel and m["replyToId"] == thread
        ]

    def open_thread() -> tuple[str, str]:
        mid = str(next(st._ids) + 1_700_000_000_000)
        st.posted.append(
            {
                "id": mid,
                "replyToId": None,
                "messageType": "message",
                "createdDateTime": stamp(datetime.now(UTC)),
                "body": {"contentType": "text", "content": "How do I ship?"},
                "_where": deploys,
            }
        )
        return deploys, mid

    def message(text: str, expiry: datetime | None) -> None:
        presence.status = {
            "message": {"content": text, "contentType": "text"},
            "expiryDateTime": (
                {"dateTime": expiry.strftime("%Y-%m-%dT%H:%M:%S.0000000"), "timeZone": "UTC"}
                if expiry
                else None
            ),
            "publishedDateTime": stamp(datetime.now(UTC)),
        }

    def in_teams() -> None:
        presence.sessions["teams"] = (
            "Available",
            "Available",
            datetime.now(UTC) + timedelta(hours=8),
        )

    def prior(kind: str) -> None:
        """``empty``: no Teams client signed in (Offline) and nothing chosen."""
        if kind == "status":
            in_teams()
            message("Back at 2", _later(180))
        elif kind == "dnd":
            in_teams()
            presence.preferred = ("DoNotDisturb", "DoNotDisturb", None)
            message("Heads down", None)
        elif kind == "away":
            in_teams()
            presence.preferred = ("Away", "Away", None)
            message("Lunch", None)

    connector = fresh()
    return ChatSubject(
        "microsoft",
        connector,
        standin,
        fresh,
        channel=deploys,
        listed={"Bob Builder", "General", "Deploys"},
        prefix="dep",
        prefixed={"Deploys"},
        unknown_channel="19:nochat@thread.v2",
        arrived=arrived,
        open_thread=open_thread,
        known_email="bob@contoso.com",
        unknown_email="nobody@contoso.com",
        prior=prior,
        person_sets=lambda text: message(text, None),
    )


def _discord(stack: contextlib.AsyncExitStack) -> ChatSubject:
    """A bot in one server with the channel webhook configured; a thread is a channel of its
    own that ``send_message`` is given as ``thread``."""
    from tests.discord.helpers import connect, seed
    from tests.standin.discord import DiscordStandIn

    require_contract(DiscordStandIn)
    standin = stack.enter_context(serving(DiscordStandIn()))
    w = seed(standin)
    st = w.state
    deploys = st.add_channel(w.guild, "deploys", position=4)

    def fresh() -> Any:
        c, http = connect(standin.url, settings={"webhook_url": w.webhook_url})
        stack.push_async_callback(http.aclose)
        return c

    def arrived(channel: str, thread: str | None) -> list[str]:
        return [undefused(m["content"]) for m in st.messages.get(thread or channel, [])]

    def open_thread() -> tuple[str, str]:
        return deploys["id"], st.add_channel(w.guild, "How do I ship?", type=11)["id"]

    connector = fresh()
    return ChatSubject(
        "discord",
        connector,
        standin,
        fresh,
        channel=deploys["id"],
        listed={"general", "dev", "deploys", "releases"},
        prefix="dep",
        prefixed={"deploys"},
        unknown_channel="1299999999999999999",
        arrived=arrived,
        open_thread=open_thread,
    )


#: connector id -> the builder serving the story from its stand-in.
BUILDERS: dict[str, Builder] = {"slack": _slack, "microsoft": _microsoft, "discord": _discord}


@contextlib.asynccontextmanager
async def built(name: str, capability: str) -> AsyncIterator[ChatSubject]:
    builder = BUILDERS.get(name)
    if builder is None:
        pytest.fail(f"{name} declares {capability} but the suite has no builder for it")
    async with contextlib.AsyncExitStack() as stack:
        yield builder(stack)


def chat_fixture(capability: str) -> Any:
    """A fixture parametrised over every connector declaring ``capability``."""

    @pytest.fixture(params=declaring(capability))
    async def _fixture(request: pytest.FixtureRequest) -> AsyncIterator[ChatSubject]:
        async with built(request.param, capability) as s:
            yield s

    return _fixture
