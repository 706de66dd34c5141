"""OAuth 2.0 client pieces shared by the flows: the client configuration, token sets, and one
token-endpoint call that understands both RFC 6749 servers and GitHub.

Hand-written rather than authlib's ``AsyncOAuth2Client`` because GitHub answers token-endpoint
errors (``authorization_pending``, ``slow_down``, ``bad_verification_code``) with HTTP 200 and
an ``error`` field, and returns comma-separated scopes; one small function handles both
dialects, and every flow maps errors the same way. authlib supplies the PKCE and random-token
helpers.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn
from urllib.parse import quote_plus

import httpx

from connectors.sdk.errors import AuthError, ConfigError, ReauthRequired, TransportError
from connectors.sdk.redact import redact, register_secret


@dataclass(frozen=True)
class OAuthClientConfig:
    """One OAuth client (app registration) on one service host."""

    client_id: str
    token_url: str
    authorize_url: str | None = None
    device_authorization_url: str | None = None
    #: RFC 7009 revocation endpoint (sign-out ends the token at the service).
    revocation_url: str | None = None
    scopes: tuple[str, ...] = ()
    #: Only for confidential apps (GitHub OAuth apps need it for the browser flow).
    client_secret: str | None = field(default=None, repr=False)
    #: Extra parameters the service wants on the authorize request (Atlassian's audience).
    authorize_params: Mapping[str, str] = field(default_factory=dict)
    #: ``(regex, what to do)`` for errors this service is known to give (manifest error_help).
    error_help: tuple[tuple[str, str], ...] = ()
    #: The authorize parameter the scopes go in (manifest ``scope_param``; RFC 6749: scope).
    scope_param: str = "scope"
    #: The object of a token answer that holds the token set (manifest ``token_field``).
    token_field: str = ""
    #: How a confidential client proves itself (manifest ``token_auth``, RFC 8414's names):
    #: ``client_secret_post`` in the form, ``client_secret_basic`` in an HTTP Basic header.
    token_auth: str = "client_secret_post"  # noqa: S105 -- a method's name, not a secret

    @property
    def _basic(self) -> bool:
        return self.token_auth == "client_secret_basic" and bool(self.client_secret)  # noqa: S105

    def client_auth(self) -> dict[str, str]:
        """Client authentication in the form body (public clients send only ``client_id``;
        a client that authenticates with HTTP Basic sends nothing here: RFC 6749 2.3 allows
        one method per request, and servers such as Notion refuse two)."""
        if self._basic:
            return {}
        form = {"client_id": self.client_id}
        if self.client_secret:
            register_secret(self.client_secret)
            form["client_secret"] = self.client_secret
        return form

    def client_headers(self) -> dict[str, str]:
        """The ``Authorization`` header of ``client_secret_basic`` (RFC 6749 2.3.1: id and
        secret form-encoded, joined by ``:``, base64), else none."""
        if not self._basic:
            return {}
        assert self.client_secret is not None
        register_secret(self.client_secret)
        pair = f"{quote_plus(self.client_id)}:{quote_plus(self.client_secret)}"
        basic = base64.b64encode(pair.encode()).decode()
        register_secret(basic)
        return {"Authorization": f"Basic {basic}"}


@dataclass(frozen=True)
class TokenSet:
    """A token endpoint's successful answer, with ``expires_in`` turned into a timestamp."""

    access_token: str = field(repr=False)
    token_type: str = "bearer"  # noqa: S105 -- the OAuth token_type, not a secret
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: float | None = None
    scopes: tuple[str, ...] = ()


@dataclass(frozen=True)
class TokenError:
    """A token endpoint's error answer (RFC 6749 5.2), with the server's extra fields."""

    error: str
    description: str = ""
    status: int = 400
    extra: Mapping[str, Any] = field(default_factory=dict)


def parse_scopes(value: object) -> tuple[str, ...]:
    """RFC 6749 says space-separated; GitHub sends commas. Accept both (and lists)."""
    if isinstance(value, list | tuple):
        return tuple(str(s) for s in value if s)
    if not isinstance(value, str):
        return ()
    return tuple(s for s in value.replace(",", " ").split() if s)


async def revoke_request(
    http: httpx.AsyncClient,
    url: str,
    form: Mapping[str, str],
    *,
    service: str,
    headers: Mapping[str, str] | None = None,
) -> bool:
    """RFC 7009 token revocation: 200 (any body, usually none) means done -- including for a
    token the server no longer knows; ``unsupported_token_type`` means it cannot."""
    try:
        resp = await http.post(
            url, data=dict(form), headers={"Accept": "application/json", **(headers or {})}
        )
    except httpx.TransportError as exc:
        raise TransportError(f"cannot reach {service} at {url}: {type(exc).__name__}") from None
    if resp.status_code == 200:
        return True
    try:
        body = resp.json()
    except ValueError:
        body = {}
    error = str(body.get("error", "")) if isinstance(body, dict) else ""
    if error == "unsupported_token_type":
        return False
    raise AuthError(
        f"{service} refused to revoke the token (HTTP {resp.status_code}"
        + (f", {redact(error)})" if error else ")")
    )


async def post_form(
    http: httpx.AsyncClient,
    url: str,
    form: Mapping[str, str],
    *,
    service: str,
    what: str,
    headers: Mapping[str, str] | None = None,
) -> tuple[httpx.Response, dict[str, Any]]:
    """POST an OAuth form and read the JSON object answer (token and device endpoints alike).

    Raises :class:`TransportError` when the server cannot be reached and :class:`AuthError`
    when the answer is not a JSON object; OAuth ``error`` bodies are left to the caller.
    """
    try:
        resp = await http.post(
            url,
            data=dict(form),
            # GitHub answers form-encoded without Accept; ``headers``: the client's Basic auth.
            headers={"Accept": "application/json", **(headers or {})},
        )
    except httpx.TransportError as exc:
        raise TransportError(f"cannot reach {service} at {url}: {type(exc).__name__}") from None
    try:
        body = resp.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise AuthError(
            f"{service} answered {what} with HTTP {resp.status_code} and no JSON"
            f" ({redact(resp.text[:200])!r})"
        )
    return resp, body


async def token_request(
    http: httpx.AsyncClient,
    url: str,
    form: Mapping[str, str],
    *,
    requested_scopes: tuple[str, ...] = (),
    service: str = "the service",
    now: float | None = None,
    token_field: str = "",
    headers: Mapping[str, str] | None = None,
) -> TokenSet | TokenError:
    """POST a form to a token endpoint; return the tokens or the error the server sent.

    ``token_field`` names the object the token set is nested in, for servers that answer
    more than one token (Slack's ``authed_user``); without that object the top is read.
    """
    resp, body = await post_form(
        http, url, form, service=service, what="the token request", headers=headers
    )
    if "error" in body:
        return TokenError(
            error=str(body["error"]),
            description=redact(str(body.get("error_description") or "")),
            status=resp.status_code,
            extra={k: v for k, v in body.items() if k in ("interval", "error_uri")},
        )
    nested = body.get(token_field) if token_field else None
    if isinstance(nested, dict) and nested.get("access_token"):
        body = nested
    token = body.get("access_token")
    if resp.status_code != 200 or not isinstance(token, str) or not token:
        raise AuthError(f"{service} answered the token request with HTTP {resp.status_code}")
    register_secret(token)
    refresh = body.get("refresh_token")
    refresh = refresh if isinstance(refresh, str) and refresh else None
    register_secret(refresh)
    expires_in = body.get("expires_in")
    issued = time.time() if now is None else now
    scopes = parse_scopes(body["scope"]) if "scope" in body else requested_scopes
    return TokenSet(
        access_token=token,
        token_type=str(body.get("token_type") or "bearer").lower(),
        refresh_token=refresh,
        expires_at=issued + float(expires_in) if isinstance(expires_in, int | float) else None,
        scopes=scopes,
    )


def known_error_help(err: TokenError, help: Sequence[tuple[str, str]]) -> str:
    """The manifest's advice for this error (first matching ``error_help``), or ``""``."""
    text = f"{err.error}: {err.description}"
    for pattern, advice in help:
        if re.search(pattern, text):
            return advice
    return ""


def raise_for_token_error(
    err: TokenError, *, service: str, doing: str, help: Sequence[tuple[str, str]] = ()
) -> NoReturn:
    """Turn a token endpoint's final error into the exception a person can act on.

    ``help`` is the service's known errors (:attr:`OAuthClientConfig.error_help`): a match
    replaces the generic message's advice with the service's own (Microsoft's AADSTS65001,
    an administrator must consent; Google's unverified-app block).
    """
    advice = known_error_help(err, help)
    try:
        _raise_for(err, service=service, doing=doing)
    except (AuthError, ConfigError) as exc:
        if not advice:
            raise
        # Same class (a refresh that needs a new sign-in stays ReauthRequired), better words.
        raise type(exc)(f"{exc}. {advice}") from None


def _raise_for(err: TokenError, *, service: str, doing: str) -> NoReturn:
    detail = f" ({err.description})" if err.description else ""
    match err.error:
        case "invalid_grant" | "bad_refresh_token" | "bad_verification_code":
            raise ReauthRequired(
                f"{service} no longer accepts this sign-in while {doing}{detail}; sign in again"
            )
        case "access_denied":
            raise AuthError(f"sign-in to {service} was declined{detail}")
        case "expired_token":
            raise AuthError(
                f"the sign-in code for {service} expired before it was confirmed; run the login"
                " again and confirm the code sooner"
            )
        case "invalid_client" | "incorrect_client_credentials" | "unauthorized_client":
            raise ConfigError(
                f"{service} does not accept the configured OAuth client_id{detail}; check the"
                " client_id setting, or sign in with --with-token"
            )
        case "device_flow_disabled":
            raise ConfigError(
                f"device sign-in is disabled for this OAuth app on {service}; enable it in the"
                " app's settings, use --web, or sign in with --with-token"
            )
        case "unsupported_grant_type":
            raise ConfigError(f"{service} does not support this sign-in method{detail}")
        case _:
            raise AuthError(
                f"{service} refused the token request while {doing}: {err.error}{detail}"
            )


def require_client_id(client: OAuthClientConfig | None, *, connector: str, service: str) -> None:
    """Device and browser sign-in need an OAuth app; say how to configure one, or avoid it."""
    if client is None or not client.client_id:
        raise ConfigError(
            f"no OAuth client_id is configured for {service}: set client_id under"
            f" [connectors.{connector}] in your Tieline config file, or sign in with a personal"
            f" token: tieline auth login {connector} --with-token"
        )
