"""The registration rules (RFC 8252 redirect URIs) and the scope table, without a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.sdk.capabilities import CAPABILITIES
from server.hub.oauth_provider import scopes
from server.hub.oauth_provider.clients import check_redirect_uri, redirect_matches
from server.hub.oauth_provider.errors import InvalidClientConfig
from server.hub.oauth_provider.tokens import normalise_user_code


def test_scopes_are_the_published_list_and_name_real_capabilities() -> None:
    assert scopes.ALL_SCOPES == (
        "issues:read",
        "issues:write",
        "prs:read",
        "prs:write",
        "ci:read",
        "snippets:read",
        "snippets:write",
        "calendar:read",
        "events:read",
    )
    for r in scopes.RESOURCES:
        assert r.capability is None or r.capability in CAPABILITIES, r
    assert scopes.describe("prs:write") == "create and change pull requests on your code hosts"
    assert scopes.to_string(["prs:read", "issues:read", "prs:read"]) == "issues:read prs:read"


@pytest.mark.parametrize(
    ("uri", "kind"),
    [
        ("http://127.0.0.1/callback", "public"),
        ("http://127.0.0.1:8080/cb", "public"),
        ("http://[::1]/cb", "public"),
        ("com.example.app:/oauth2redirect", "public"),
        ("https://service.example/cb", "confidential"),
        ("http://127.0.0.1/cb", "confidential"),
    ],
)
def test_allowed_redirects(uri: str, kind: str) -> None:
    assert check_redirect_uri(uri, kind) == uri  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("uri", "kind", "why"),
    [
        ("http://localhost/cb", "public", "localhost"),
        ("http://example.com/cb", "confidential", "loopback"),
        ("https://service.example/cb", "public", "public"),
        ("http://127.0.0.1/cb#frag", "public", "fragment"),
        ("myapp:/cb", "public", "reverse-domain"),
        ("com.example.app:/cb", "confidential", "https"),
        ("http://127.0.0.1:99999/cb", "public", "not a valid URL"),
    ],
)
def test_refused_redirects(uri: str, kind: str, why: str) -> None:
    with pytest.raises(InvalidClientConfig, match=why):
        check_redirect_uri(uri, kind)  # type: ignore[arg-type]


def test_loopback_port_is_free_only_when_registered_without_one() -> None:
    assert redirect_matches("http://127.0.0.1/cb", "http://127.0.0.1:5000/cb")
    assert redirect_matches("http://[::1]/cb", "http://[::1]:5000/cb")
    assert not redirect_matches("http://127.0.0.1/cb", "http://127.0.0.1:5000/other")
    assert not redirect_matches("http://127.0.0.1/cb", "http://[::1]:5000/cb")
    assert not redirect_matches("http://127.0.0.1:4000/cb", "http://127.0.0.1:5000/cb")
    assert not redirect_matches("https://a.example/cb", "https://a.example:444/cb")
    assert not redirect_matches("http://127.0.0.1/cb", "http://127.0.0.1:5000/cb?x=1")


def test_user_codes_are_typed_loosely() -> None:
    assert normalise_user_code("wdjb mjht") == "WDJB-MJHT"
    assert normalise_user_code("WDJBMJHT") == "WDJB-MJHT"


def test_an_unopenable_database_file_is_a_store_error(tmp_path: Path) -> None:
    """The provider's blocking pool says the database is away (the web face then answers
    503, not 401) when the file cannot be opened; a wrong statement stays an SQLite error."""
    import sqlite3

    from connectors.sdk.errors import StoreError
    from server.hub.store.blocking import open_blocking

    db = open_blocking(tmp_path / "no" / "such" / "dir" / "tieline.db")
    with pytest.raises(StoreError, match="unavailable"), db.connection() as conn:
        conn.execute("SELECT 1")
    ok = open_blocking(tmp_path / "here.db")
    with pytest.raises(sqlite3.OperationalError, match="no such table"), ok.connection() as conn:
        conn.execute("SELECT * FROM nothing_here")
    ok.close()
