"""The Jira manifest: what the hub reads before importing any of the connector's code."""

from __future__ import annotations

import re

import pytest

from connectors.jira.connector import JiraConnector
from connectors.sdk import IssueTracker, Workflow
from connectors.sdk.redact import redact
from connectors.sdk.registry import Registry
from connectors.sdk.settings import settings_model

from .wiring import CANARY

M = JiraConnector.manifest()


def test_it_registers_with_both_capabilities_implemented() -> None:
    registry = Registry()
    registry.add(JiraConnector)  # verifies every declared capability is implemented
    assert registry.manifest("jira").capabilities == ("IssueTracker", "Workflow")
    assert JiraConnector.provides(JiraConnector, IssueTracker)  # type: ignore[arg-type]
    assert JiraConnector.provides(JiraConnector, Workflow)  # type: ignore[arg-type]


def test_it_attaches_to_a_site_whose_settings_carry_deployment() -> None:
    assert M.attach.kind == "site"
    settings = settings_model(M)(site="https://acme.atlassian.net/")
    assert settings.site == "https://acme.atlassian.net"  # type: ignore[attr-defined]
    assert settings.deployment == "cloud"  # type: ignore[attr-defined]
    assert settings.gateway_url == "https://api.atlassian.com"  # type: ignore[attr-defined]
    dc = settings_model(M)(site="https://jira.corp.example/jira", deployment="datacenter")
    assert dc.deployment == "datacenter"  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        settings_model(M)(deployment="server")


def test_auth_methods_and_how_each_secret_is_sent() -> None:
    auth = M.auth
    assert auth.methods == ("pkce", "basic", "token")
    assert auth.header_for("basic") == ("Authorization", "Basic {basic}")
    assert auth.header_for("token") == ("Authorization", "Bearer {token}")
    assert auth.header_for("pkce") == ("Authorization", "Bearer {token}")
    assert auth.username_label == "email" and auth.token_env == "TIELINE_JIRA_TOKEN"
    oauth = auth.oauth2
    assert oauth is not None
    assert oauth.authorize_url == "https://auth.atlassian.com/authorize"
    assert oauth.token_url == "https://auth.atlassian.com/oauth/token"
    assert oauth.authorize_params == {"audience": "api.atlassian.com", "prompt": "consent"}
    assert [s.name for s in oauth.scopes] == [
        "read:jira-work",
        "write:jira-work",
        "read:jira-user",
        "offline_access",
    ]
    assert all(s.why for s in oauth.scopes)


def test_atlassian_api_tokens_are_masked_by_shape() -> None:
    Registry().add(JiraConnector)  # registers the manifest's token shapes
    never_loaded = CANARY.replace("canary", "unseen")  # not registered as a secret anywhere
    assert redact(f"failed with {never_loaded} in it") == "failed with [REDACTED] in it"


def test_rate_limit_headers_and_iso_reset() -> None:
    rl = M.rate_limit
    assert (rl.remaining_header, rl.limit_header, rl.reset_header) == (
        "x-ratelimit-remaining",
        "x-ratelimit-limit",
        "x-ratelimit-reset",
    )
    assert rl.reset_format == "iso8601"


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("Fixes PROJ-123 and AB-1.", ["PROJ-123", "AB-1"]),
        ("see (ENG_2-77)", ["ENG_2-77"]),
        ("lower proj-1, X-1, foo_PROJ-2, PROJ-3x", []),
    ],
)
def test_reference_pattern(text: str, keys: list[str]) -> None:
    (pattern,) = M.references
    assert pattern.scope == "site" and pattern.known_scopes  # UTF-8 only if UTF is a project
    assert [m.group("key") for m in re.finditer(pattern.regex, text)] == keys


def test_words_that_look_like_keys_need_a_known_project() -> None:
    (pattern,) = M.references
    found = [m.group("scope") for m in re.finditer(pattern.regex, "UTF-8 SHA-256 ISO-8601")]
    assert found == ["UTF", "SHA", "ISO"]  # the regex matches; known_scopes() rules them out


@pytest.mark.parametrize("path", ["/browse/PROJ-42", "/jira/browse/PROJ-42", "/a/b/browse/PROJ-42"])
def test_issue_urls_with_or_without_a_context_path(path: str) -> None:
    (url,) = M.urls
    m = re.search(url.path, path)
    assert m is not None and m.group("key") == "PROJ-42" and m.group("scope") == "PROJ"


def test_web_url_template() -> None:
    template = M.web_urls.for_kind("issue")
    assert template == "{web}/browse/{key}"
