"""The Confluence manifest: what the hub reads before importing any of the connector's code."""

from __future__ import annotations

import pytest

from connectors.confluence.connector import ConfluenceConnector
from connectors.sdk.capabilities import Pages
from connectors.sdk.redact import redact
from connectors.sdk.registry import Registry
from connectors.sdk.settings import settings_model

from .wiring import CANARY

M = ConfluenceConnector.manifest()


def test_it_registers_with_pages_implemented() -> None:
    registry = Registry()
    registry.add(ConfluenceConnector)  # verifies every declared capability is implemented
    assert registry.manifest("confluence").capabilities == ("Pages",)
    assert ConfluenceConnector.provides(ConfluenceConnector, Pages)  # type: ignore[arg-type]


def test_site_settings_with_deployment_and_gateway() -> None:
    assert M.attach.kind == "site"
    settings = settings_model(M)(site="https://acme.atlassian.net/")
    assert settings.deployment == "cloud"  # type: ignore[attr-defined]
    assert settings.gateway_url == "https://api.atlassian.com"  # type: ignore[attr-defined]
    dc = settings_model(M)(site="https://wiki.corp.example/confluence", deployment="datacenter")
    assert dc.deployment == "datacenter"  # type: ignore[attr-defined]
    with pytest.raises(ValueError):
        settings_model(M)(deployment="server")


def test_auth_methods_and_scopes() -> None:
    auth = M.auth
    assert auth.methods == ("pkce", "basic", "token")
    assert auth.header_for("basic") == ("Authorization", "Basic {basic}")
    assert auth.header_for("token") == ("Authorization", "Bearer {token}")
    assert auth.oauth2 is not None and auth.oauth2.pkce
    names = {s.name for s in auth.oauth2.scopes}
    assert {"read:page:confluence", "write:page:confluence", "offline_access"} <= names
    assert M.rate_limit.reset_format == "iso8601"


def test_api_tokens_are_masked() -> None:
    Registry().add(ConfluenceConnector)  # registers the manifest's token patterns
    assert CANARY not in redact(f"token={CANARY}")
