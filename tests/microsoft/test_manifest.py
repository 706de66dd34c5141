"""The manifest: capabilities implemented, the tenant placeholder filled in at sign-in,
known AADSTS errors explained, and Microsoft's token shapes masked."""

from __future__ import annotations

import pytest

from connectors.microsoft.connector import MicrosoftConnector
from connectors.sdk.redact import redact
from connectors.sdk.settings import settings_model
from server.hub.auth.oauth import TokenError, raise_for_token_error
from server.hub.auth.service import resolve_service

from .helpers import CANARY, MANIFEST

LOGIN = "https://login.microsoftonline.com"


def test_every_declared_capability_is_implemented() -> None:
    MicrosoftConnector.verify_capabilities()
    assert set(MANIFEST.capabilities) == {
        "Calendar",
        "Mail",
        "Presence",
        "Focus",
        "Messaging",
        "OnlineMeetings",
        "Drive",
        "Notebooks",
    }
    assert MANIFEST.attach.kind == "account"
    assert MANIFEST.auth.methods == ("pkce", "device", "token")


def test_the_tenant_setting_fills_every_oauth_url() -> None:
    default = resolve_service(MANIFEST, env={}).oauth
    assert default is not None
    assert default.authorize_url == f"{LOGIN}/common/oauth2/v2.0/authorize"
    assert default.token_url == f"{LOGIN}/common/oauth2/v2.0/token"
    assert default.device_authorization_url == f"{LOGIN}/common/oauth2/v2.0/devicecode"
    for tenant in ("organizations", "consumers", "contoso.onmicrosoft.com"):
        settings = settings_model(MANIFEST).model_validate({"tenant": tenant})
        oauth = resolve_service(MANIFEST, settings=settings, env={}).oauth
        assert oauth is not None
        assert oauth.token_url == f"{LOGIN}/{tenant}/oauth2/v2.0/token"
        assert oauth.device_authorization_url == f"{LOGIN}/{tenant}/oauth2/v2.0/devicecode"


def test_every_scope_says_why_and_offline_access_is_asked() -> None:
    oauth = MANIFEST.auth.oauth2
    assert oauth is not None
    names = [s.name for s in oauth.scopes]
    assert "offline_access" in names and "User.Read" in names
    assert {"Calendars.Read", "Mail.Read", "Mail.Send", "Presence.ReadWrite"} <= set(names)
    assert {"Chat.ReadWrite", "ChannelMessage.Send", "OnlineMeetings.ReadWrite"} <= set(names)
    assert {"Files.ReadWrite", "Sites.ReadWrite.All"} <= set(names)
    assert all(len(s.why) > 20 for s in oauth.scopes)


def _explained(code: str, error: str = "invalid_grant") -> str:
    help = resolve_service(MANIFEST, env={}).oauth.error_help  # type: ignore[union-attr]
    err = TokenError(error, f"{code}: Microsoft's own words. Trace ID: 0a1b")
    with pytest.raises(Exception) as e:
        raise_for_token_error(err, service="Microsoft 365", doing="signing in", help=help)
    return str(e.value)


def test_admin_consent_is_explained_with_the_admin_consent_url() -> None:
    for code in ("AADSTS65001", "AADSTS90094"):
        text = _explained(code, "consent_required")
        assert code in text
        assert "administrator" in text
        assert f"{LOGIN}/{{your tenant}}/adminconsent?client_id=" in text
        assert "narrower" in text


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("AADSTS50020", "not in the tenant"),
        ("AADSTS700016", "application or tenant was not found"),
        ("AADSTS70011", "refused a requested scope"),
        ("AADSTS50076", "multi-factor"),
        ("AADSTS50079", "multi-factor"),
        ("AADSTS9002331", "refuses personal Microsoft accounts"),
        ("AADSTS70000121", "refuses personal Microsoft accounts"),
        ("AADSTS50011", "redirect URI http://localhost"),
        ("AADSTS65004", "declined on the consent page"),
        ("AADSTS90072", "not in the tenant"),
        ("AADSTS53003", "Conditional Access"),
        ("AADSTS700082", "expired or was revoked"),
    ],
)
def test_known_sign_in_errors_say_what_to_do(code: str, words: str) -> None:
    assert words in _explained(code)


def test_an_unknown_code_gets_no_borrowed_advice() -> None:
    text = _explained("AADSTS12345")
    assert "administrator" not in text and "tenant" not in text


def test_microsoft_token_shapes_are_masked() -> None:
    refresh_work = "1.AXEAbc" + "d" * 60 + ".AgABAAEAAAD"
    refresh_personal = "M.C520_BAY.0.U.-Cr" + "x" * 40
    personal_access = "EwA" + "B" * 80 + "=="
    for secret in (CANARY, refresh_work, refresh_personal, personal_access):
        assert secret not in redact(f"token was {secret} here"), secret
    assert redact("version 1.2.3 and eyJ alone") == "version 1.2.3 and eyJ alone"
