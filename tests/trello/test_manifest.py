"""Trello's manifest, and the two generic pieces it needed of the sdk and hub: a header
template naming ``{username}`` (a two-part credential sent side by side) and the ``ms``
reset format (a window length in milliseconds)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from connectors.sdk import ConfigError, IssueTracker, Workflow, provides
from connectors.sdk.manifest import Manifest
from connectors.sdk.redact import redact
from connectors.sdk.registry import Registry, manifest_path
from connectors.sdk.settings import settings_model
from server.hub.auth.headers import SecretAuth, render
from server.hub.http.errors import reset_time

from .helpers import CANARY, KEY, MANIFEST


def test_a_template_may_name_the_user_part_as_it_is() -> None:
    assert render("X-Pair: {username}/{token}", "tok", "user") == "X-Pair: user/tok"
    with pytest.raises(ConfigError, match="user name"):
        render('OAuth oauth_consumer_key="{username}", oauth_token="{token}"', "tok")
    auth = SecretAuth(CANARY, header=MANIFEST.auth.header_for("basic"), username=KEY)
    assert CANARY not in repr(auth)
    value = f'OAuth oauth_consumer_key="{KEY}", oauth_token="{CANARY}"'
    assert CANARY not in redact(f"sent {value}")


def test_a_template_naming_no_secret_is_refused() -> None:
    data = tomllib.loads(MANIFEST_FILE.read_text())
    data["auth"]["headers"]["basic"] = "Authorization: OAuth {username}"
    with pytest.raises(Exception, match="names neither"):
        Manifest.parse(data)


def test_ms_resets_are_milliseconds_from_now() -> None:
    assert reset_time("10000", "ms", now=1000.0) == pytest.approx(1010.0)
    assert reset_time("250", "ms", now=0.0) == pytest.approx(0.25)


def test_token_shapes_are_masked() -> None:
    assert CANARY not in redact(f"token {CANARY} leaked")
    old = "a1" * 32
    assert old not in redact(f"old token {old}")
    digest = "sha256:" + "b2" * 32
    assert digest in redact(f"image {digest}")


@pytest.mark.parametrize(
    ("path", "key", "number"),
    [
        ("/c/aB3dE9fG", "aB3dE9fG", None),
        ("/c/aB3dE9fG/", "aB3dE9fG", None),
        ("/c/aB3dE9fG/12-fix-the-login", "aB3dE9fG", "12"),
        ("/c/aB3dE9fG/fix", "aB3dE9fG", None),
        ("/c/aB3dE9fG/12-fix#comment-5f0e1d2c3b4a596877665544", "aB3dE9fG", "12"),
        ("/c/aB3dE9fG?filter=me", "aB3dE9fG", None),
        ("/c/aB3dE9fG/12-fix/extra", None, None),
        ("/b/aB3dE9fG/web", None, None),
        ("/c/short", None, None),
    ],
)
def test_card_urls(path: str, key: str | None, number: str | None) -> None:
    (url,) = MANIFEST.urls
    m = re.search(url.path, path)
    assert (m.group("key") if m else None) == key
    if m:
        assert m.group("number") == number and m.group("scope") == ""


def test_the_entry_point_loads_a_connector_that_implements_what_it_declares() -> None:
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    target = project["project"]["entry-points"]["tieline.connectors"]["trello"]
    path = manifest_path(target)
    assert path is not None and path.name == "manifest.toml"
    registry = Registry()
    registry.add_manifest(MANIFEST, target)
    cls = registry.get("trello")
    assert provides(cls, IssueTracker) and provides(cls, Workflow)
    settings = settings_model(MANIFEST)()
    assert settings.api_url == "https://api.trello.com/1"
    assert settings.web_url == "https://trello.com"
    assert MANIFEST.attach.kind == "account"
    assert MANIFEST.web_urls.issue == "{web}/c/{key}"


MANIFEST_FILE = Path(__file__).parents[2] / "connectors" / "trello" / "manifest.toml"
