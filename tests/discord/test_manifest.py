"""Discord's manifest: Messaging only (Presence and Focus left out, and why), a bot token
sent as ``Bot``, OAuth2 with PKCE, rate-limit headers, secret shapes and the entry point."""

from __future__ import annotations

import tomllib
from pathlib import Path

from connectors.discord.connector import DiscordConnector
from connectors.sdk import Focus, Messaging, Presence, provides
from connectors.sdk.registry import Registry, manifest_path
from connectors.sdk.settings import settings_model
from server.hub.auth.headers import SecretAuth, header_for

from .helpers import BOT_TOKEN, MANIFEST

MANIFEST_FILE = Path(__file__).parents[2] / "connectors" / "discord" / "manifest.toml"


def test_messaging_only_and_the_manifest_says_why_not_presence() -> None:
    assert MANIFEST.capabilities == ("Messaging",)
    assert provides(DiscordConnector, Messaging)
    assert not provides(DiscordConnector, Presence) and not provides(DiscordConnector, Focus)
    text = " ".join(MANIFEST_FILE.read_text().replace("#", " ").split())
    assert "no call that sets a person's custom status" in text and "Gateway" in text


def test_a_bot_token_goes_as_bot_and_oauth_as_bearer() -> None:
    assert MANIFEST.auth.methods == ("token", "pkce")
    assert header_for(MANIFEST, "token") == ("Authorization", "Bot {token}")
    assert header_for(MANIFEST, "env") == ("Authorization", "Bot {token}")
    assert header_for(MANIFEST, "pkce") == ("Authorization", "Bearer {token}")
    auth = SecretAuth(BOT_TOKEN, header=header_for(MANIFEST, "token"))
    assert BOT_TOKEN not in repr(auth)


def test_oauth_is_pkce_with_discords_endpoints_and_scopes() -> None:
    o = MANIFEST.auth.oauth2
    assert o is not None and o.pkce
    assert o.authorize_url == "https://discord.com/oauth2/authorize"
    assert o.token_url == "https://discord.com/api/oauth2/token"
    assert o.revocation_url == "https://discord.com/api/oauth2/token/revoke"
    assert [s.name for s in o.scopes] == ["identify", "guilds"]
    assert "PKCE" in MANIFEST_FILE.read_text() and "Public Client" in MANIFEST_FILE.read_text()


def test_rate_limit_headers_are_discords() -> None:
    r = MANIFEST.rate_limit
    assert (r.remaining_header, r.limit_header) == ("x-ratelimit-remaining", "x-ratelimit-limit")
    assert (r.reset_header, r.reset_format) == ("x-ratelimit-reset-after", "seconds")


def test_the_entry_point_loads_a_connector_that_implements_what_it_declares() -> None:
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    target = project["project"]["entry-points"]["tieline.connectors"]["discord"]
    assert target == "connectors.discord.connector:DiscordConnector"
    path = manifest_path(target)
    assert path is not None and path.name == "manifest.toml"
    registry = Registry()
    registry.add_manifest(MANIFEST, target)
    cls = registry.get("discord")
    assert provides(cls, Messaging)
    settings = settings_model(MANIFEST)()
    assert settings.api_url == "https://discord.com/api/v10"
    assert MANIFEST.attach.kind == "account"
    assert {c.name for c in MANIFEST.config} == {"webhook_url", "servers"}
