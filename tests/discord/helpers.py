"""Wire the Discord connector through the hub's real HTTP stack to the stand-in, and the
small world the tests share: a bot and a person in one server with three channels and a
channel webhook."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from connectors.discord.connector import DiscordConnector
from connectors.sdk.redact import register_shapes
from server.hub.http import HubClient
from tests.standin.discord import DiscordStandIn
from tests.standin.harness import wire

__all__ = ["BOT_TOKEN", "MANIFEST", "World", "connect", "seed"]
#: Shaped as a bot token is: base64 of the bot's id, a timestamp, an HMAC.
BOT_TOKEN = "MTIwMDAwMDAwMDAwMDAwMDAwMQ.GqX7aB.c0ffee11c0ffee11c0ffee11c0ffee11CAN"
MANIFEST = DiscordConnector.manifest()
# What the registry does when it reads the manifest: mask Discord's secret shapes everywhere.
register_shapes(MANIFEST.auth.token_patterns)


def connect(
    url: str,
    *,
    token: str = BOT_TOKEN,
    method: str = "token",
    settings: dict[str, Any] | None = None,
    max_rate_wait: float = 10.0,
) -> tuple[DiscordConnector, HubClient]:
    """The connector as a session holds it, its API at ``<stand-in>/api/v10``."""
    return wire(
        DiscordConnector,
        f"{url}/api/v10",
        token=token,
        method=method,
        web_url="https://discord.com",
        host="discord.com",
        account="tieline-bot",
        settings=settings,
        max_rate_wait=max_rate_wait,
    )


@dataclass
class World:
    standin: DiscordStandIn
    bot: dict[str, Any]
    ada: dict[str, Any]
    guild: dict[str, Any]
    general: dict[str, Any]
    dev: dict[str, Any]
    news: dict[str, Any]
    voice: dict[str, Any]
    webhook: dict[str, Any]
    webhook_url: str

    @property
    def state(self) -> Any:
        return self.standin.state


def seed(standin: DiscordStandIn) -> World:
    st = standin.state
    bot = st.add_user("tieline-bot", bot=True)
    ada = st.add_user("ada", name="Ada Lovelace")
    guild = st.add_guild("Acme", [bot, ada])
    general = st.add_channel(guild, "general", position=0)
    dev = st.add_channel(guild, "dev", position=1)
    news = st.add_channel(guild, "releases", type=5, position=2)
    voice = st.add_channel(guild, "Lounge", type=2, position=3)
    webhook, url = st.add_webhook(dev, "Tieline")
    standin.add_bot(BOT_TOKEN, bot)
    return World(standin, bot, ada, guild, general, dev, news, voice, webhook, url)
