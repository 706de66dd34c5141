"""Google's manifest: the installed-app OAuth flow it describes (loopback + PKCE, offline
access, incremental scopes, the Desktop client's not-secret secret from the environment),
the advice for Google's known sign-in errors, and the shapes of Google's tokens."""

from __future__ import annotations

import asyncio
import tomllib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connectors.google.connector import GoogleConnector
from connectors.sdk import Calendar, Drive, Mail, provides
from connectors.sdk.redact import redact, register_shapes
from connectors.sdk.registry import Registry, manifest_path
from connectors.sdk.settings import settings_model
from server.hub.auth.oauth import TokenError, raise_for_token_error
from server.hub.auth.pkce import pkce_login
from server.hub.auth.service import resolve_service

MANIFEST = GoogleConnector.manifest()
register_shapes(MANIFEST.auth.token_patterns)
SECRET = "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ogs"
ENV = {"TIELINE_GOOGLE_CLIENT_SECRET": SECRET}
SCOPES = "https://www.googleapis.com/auth/"


def test_the_entry_point_loads_a_connector_that_implements_what_it_declares() -> None:
    project = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    target = project["project"]["entry-points"]["tieline.connectors"]["google"]
    path = manifest_path(target)
    assert path is not None and path.parent.name == "google"
    registry = Registry()
    registry.add_manifest(MANIFEST, target)
    cls = registry.get("google")
    assert provides(cls, Calendar) and provides(cls, Mail) and provides(cls, Drive)
    assert MANIFEST.attach.kind == "account"
    assert settings_model(MANIFEST)().api_url == "https://www.googleapis.com"


def test_every_scope_says_why_and_only_drive_writes_more_than_replies() -> None:
    o = MANIFEST.auth.oauth2
    assert o is not None
    names = [s.name for s in o.scopes]
    assert names == [
        "openid",
        "email",
        SCOPES + "calendar.readonly",
        SCOPES + "gmail.readonly",
        SCOPES + "gmail.send",
        SCOPES + "drive",
    ]
    assert all(len(s.why) > 20 for s in o.scopes)
    # The full drive scope, because drive.file never reaches an existing folder: said so.
    assert "drive.file" in o.scopes[-1].why
    assert MANIFEST.auth.methods == ("pkce", "token")


async def test_the_browser_sign_in_is_googles_installed_app_flow() -> None:
    oauth = resolve_service(
        MANIFEST,
        settings=settings_model(MANIFEST)(client_id="123.apps.googleusercontent.com"),
        env=ENV,
    ).oauth
    assert oauth is not None and oauth.client_secret == SECRET
    seen: dict[str, dict[str, str]] = {}

    def open_browser(url: str) -> None:
        assert url.startswith("https://accounts.google.com/o/oauth2/v2/auth?")
        q = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        seen["authorize"] = q

        async def redirect() -> None:
            async with httpx.AsyncClient() as browser:
                await browser.get(
                    q["redirect_uri"], params={"code": "4/0Ab-code", "state": q["state"]}
                )

        asyncio.get_running_loop().create_task(redirect())

    def token(request: httpx.Request) -> httpx.Response:
        assert str(request.url) == "https://oauth2.googleapis.com/token"
        seen["token"] = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
        return httpx.Response(
            200,
            json={
                "access_token": "ya29.a0AfB_byC" + "x" * 40,
                "expires_in": 3599,
                "refresh_token": "1//0gLx" + "y" * 40,
                "scope": " ".join(s.name for s in MANIFEST.auth.oauth2.scopes),  # type: ignore[union-attr]
                "token_type": "Bearer",
            },
        )

    async with httpx.AsyncClient(transport=httpx.MockTransport(token)) as h:
        tokens = await pkce_login(oauth, h, open_browser, service="Google", wait_seconds=10)
    q = seen["authorize"]
    assert q["access_type"] == "offline" and q["include_granted_scopes"] == "true"
    assert q["code_challenge_method"] == "S256" and q["response_type"] == "code"
    assert urlsplit(q["redirect_uri"]).hostname == "127.0.0.1"
    # Sign-in asks for who you are and the calendar; Gmail's and Drive's restricted scopes
    # wait for the first use of mail or folder sync (incremental consent).
    assert q["scope"].split() == [
        "openid",
        "email",
        "https://www.googleapis.com/auth/calendar.readonly",
    ]
    sent = seen["token"]
    assert sent["grant_type"] == "authorization_code" and sent["code_verifier"]
    # A Desktop app client's secret is not secret, but Google wants it at the token endpoint.
    assert sent["client_secret"] == SECRET and sent["client_id"].endswith(".googleusercontent.com")
    assert tokens.refresh_token and tokens.refresh_token.startswith("1//")


@pytest.mark.parametrize(
    ("error", "description", "advice"),
    [
        ("access_denied", "", "add your account as a test user"),
        ("org_internal", "", "limited to one organisation"),
        ("admin_policy_enforced", "", "Workspace administrator"),
        ("invalid_scope", "Some requested scopes were invalid.", "enable the Google Calendar API"),
        ("redirect_uri_mismatch", "Bad Request", "Desktop app"),
        ("invalid_client", "The OAuth client was not found.", "client_id"),
    ],
)
def test_googles_sign_in_errors_are_explained(error: str, description: str, advice: str) -> None:
    help = resolve_service(MANIFEST, env=ENV).oauth.error_help  # type: ignore[union-attr]
    with pytest.raises(Exception, match=advice) as raised:
        raise_for_token_error(
            TokenError(error, description), service="Google", doing="signing in", help=help
        )
    assert SECRET not in str(raised.value)


def test_google_token_shapes_are_masked() -> None:
    access = "ya29.a0AfB_byC" + "Q" * 60
    refresh = "1//0gLxQ-" + "r" * 50
    text = redact(f"token {access} and refresh {refresh} leaked")
    assert access not in text and refresh not in text
    session = "https://www.googleapis.com/upload/drive/v3/files?uploadType=resumable&upload_id="
    upload = "ADPycdvX9kQ_2mZl-8bW3tE"
    assert upload not in redact(f"PUT {session}{upload} failed") and "uploadType" in redact(session)
    assert "2026-12-02" in redact("on 2026-12-02 at 1/2")  # dates and fractions stay


def test_a_feature_asks_only_its_own_scopes_beside_those_granted() -> None:
    """Incremental authorization: mail's first use asks Gmail's scopes, keeps the calendar's
    (include_granted_scopes), and never asks Drive's."""
    granted = ["openid", "email", "https://www.googleapis.com/auth/calendar.readonly"]
    oauth = resolve_service(MANIFEST, env=ENV, capabilities=["Mail"], granted=granted).oauth
    assert oauth is not None and oauth.scopes == (
        *granted,
        "https://www.googleapis.com/auth/gmail.readonly",
        "https://www.googleapis.com/auth/gmail.send",
    )
    drive = resolve_service(MANIFEST, env=ENV, capabilities=["DocComments"]).oauth
    assert drive is not None and drive.scopes[-1] == "https://www.googleapis.com/auth/drive"
