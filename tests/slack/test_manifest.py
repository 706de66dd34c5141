"""Slack's manifest: capabilities, a user-token sign-in (PKCE with Slack's user_scope and
authed_user, or a pasted token), each scope with its reason, token shapes masked, and the
rate-limit policy that reads no budget headers (Slack sends none)."""

from __future__ import annotations

import tomllib
from pathlib import Path

from connectors.sdk import Focus, Mentions, Messaging, Presence, provides
from connectors.sdk.redact import redact
from connectors.sdk.registry import Registry, manifest_path
from connectors.sdk.settings import settings_model
from server.hub.auth.service import resolve_service

from .helpers import CANARY, MANIFEST

ROOT = Path(__file__).parents[2]


def test_the_entry_point_loads_a_connector_that_implements_what_it_declares() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    target = project["project"]["entry-points"]["tieline.connectors"]["slack"]
    path = manifest_path(target)
    assert path is not None and path.name == "manifest.toml"
    registry = Registry()
    registry.add_manifest(MANIFEST, target)
    cls = registry.get("slack")
    for proto in (Messaging, Mentions, Presence, Focus):
        assert provides(cls, proto), proto
    assert set(MANIFEST.capabilities) == {"Messaging", "Mentions", "Presence", "Focus"}
    settings = settings_model(MANIFEST)()
    assert settings.api_url == "https://slack.com/api"
    assert MANIFEST.attach.kind == "account"


def test_sign_in_asks_for_user_scopes_and_reads_the_user_token() -> None:
    assert MANIFEST.auth.methods == ("pkce", "token")
    oauth = resolve_service(MANIFEST, env={}).oauth
    assert oauth is not None
    assert oauth.authorize_url == "https://slack.com/oauth/v2/authorize"
    assert oauth.token_url == "https://slack.com/api/oauth.v2.access"
    assert (oauth.scope_param, oauth.token_field) == ("user_scope", "authed_user")
    assert oauth.client_secret is None  # a public client: PKCE, no secret
    assert oauth.revocation_url is None  # auth.revoke is a Web API method, not RFC 7009


def test_every_scope_says_why_and_covers_a_method_the_connector_calls() -> None:
    from tests.standin.slack import SCOPES, TYPE_SCOPES

    oauth = MANIFEST.auth.oauth2
    assert oauth is not None
    names = {s.name for s in oauth.scopes}
    for s in oauth.scopes:
        assert len(s.why) > 20, s.name
    needed = {v for v in SCOPES.values() if v} | set(TYPE_SCOPES.values())
    assert names == needed
    assert not any(n.startswith(("bot", "admin")) or n == "users:write" for n in names)


def test_token_shapes_are_masked() -> None:
    for token in (
        CANARY,
        "xoxb-1111111111-2222222222222-AbCdEfGhIjKlMnOpQrStUvWx",
        "xoxe.xoxp-1-Mi0yLTExMTExMTExMTEtMjIyMjIyMjIyMi0zMzMz",
        "xoxe-1-My0xLTExMTExMTExMTEtMjIyMjIyMjIyMi0zMzMzMzMz",
    ):
        masked = redact(f"token {token} leaked")
        assert token not in masked and "xoxe." not in masked, masked
        assert "[REDACTED]" in masked


def test_rate_limits_wait_on_retry_after_only() -> None:
    policy = MANIFEST.rate_limit
    assert not (policy.remaining_header or policy.limit_header or policy.reset_header)
    assert policy.requests_per_second * 60 <= 50  # under Tier 3 over a minute
    text = (ROOT / "connectors" / "slack" / "manifest.toml").read_text()
    assert "api.slack.com/apis/rate-limits" in text
