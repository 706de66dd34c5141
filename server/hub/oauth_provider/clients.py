"""Registered clients, and the redirect URI rules of RFC 8252 (OAuth for native apps).

A *public* client (a native app, a CLI, a script) has no secret and must use PKCE; its
redirect URIs are loopback (``http://127.0.0.1/cb`` or ``http://[::1]/cb``, any port at
request time, RFC 8252 §7.3) or a private-use scheme in reverse-domain form
(``com.example.app:/cb``, §7.1). A *confidential* client also holds a secret, shown once at
registration and stored only as its hash; it may redirect to loopback or to ``https``.
``localhost`` is refused: it can resolve elsewhere (§8.3).
"""

from __future__ import annotations

import hmac
import ipaddress
import re
from dataclasses import dataclass
from typing import Literal
from urllib.parse import urlsplit

from . import scopes as scope_names
from .errors import InvalidClientConfig
from .tokens import hash_secret

ClientKind = Literal["public", "confidential"]
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
GRANT_TYPES: tuple[str, ...] = ("authorization_code", "refresh_token", DEVICE_GRANT)
_PRIVATE_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*\.[a-z0-9+.-]+$")


def _loopback(host: str | None) -> bool:
    if not host:
        return False
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_redirect_uri(uri: str, kind: ClientKind) -> str:
    """The URI if it may be registered for a ``kind`` client, else :class:`InvalidClientConfig`
    saying why."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError as exc:
        raise InvalidClientConfig(f"redirect URI {uri!r} is not a valid URL: {exc}") from None
    del port
    if parts.fragment:
        raise InvalidClientConfig(f"redirect URI {uri!r} must not have a fragment (#...)")
    if parts.scheme == "http":
        if parts.hostname == "localhost":
            raise InvalidClientConfig(
                f"redirect URI {uri!r}: use http://127.0.0.1/... rather than localhost"
                " (RFC 8252 §8.3)"
            )
        if not _loopback(parts.hostname):
            raise InvalidClientConfig(
                f"redirect URI {uri!r}: plain http is only allowed to a loopback address"
                " (127.0.0.1 or [::1])"
            )
        return uri
    if parts.scheme == "https":
        if kind == "public":
            raise InvalidClientConfig(
                f"redirect URI {uri!r}: a public (native) client redirects to a loopback"
                " address or a private-use scheme such as com.example.app:/callback"
            )
        if not parts.hostname:
            raise InvalidClientConfig(f"redirect URI {uri!r} has no host")
        return uri
    if _PRIVATE_SCHEME.match(parts.scheme) and kind == "public":
        return uri
    raise InvalidClientConfig(
        f"redirect URI {uri!r}: use http://127.0.0.1[:port]/path, http://[::1]/path,"
        " a private-use scheme in reverse-domain form (public clients) or https (confidential)"
    )


def redirect_matches(registered: str, requested: str) -> bool:
    """RFC 8252 §7.3: a loopback URI registered without a port matches any port; everything
    else must be identical."""
    if registered == requested:
        return True
    try:
        reg, req = urlsplit(registered), urlsplit(requested)
        reg_port, req_port = reg.port, req.port
    except ValueError:
        return False
    if reg.scheme != "http" or not _loopback(reg.hostname) or reg_port is not None:
        return False
    return (
        req.scheme == "http"
        and req.hostname == reg.hostname
        and req_port is not None
        and (req.path or "/") == (reg.path or "/")
        and req.query == reg.query
        and not req.fragment
    )


@dataclass(frozen=True)
class Client:
    """A registered client, shaped for authlib's ``ClientMixin`` protocol."""

    client_id: str
    name: str
    kind: ClientKind
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    grant_types: tuple[str, ...] = GRANT_TYPES
    secret_hash: str | None = None
    created_at: float = 0.0

    # -- authlib's ClientMixin ----------------------------------------------------------------

    def get_client_id(self) -> str:
        return self.client_id

    def get_default_redirect_uri(self) -> str | None:
        """None: every authorization request names its redirect URI (OAuth 2.1)."""
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        """The scope to grant: all of the client's scopes when none is asked; None (refused)
        when one asked for is not registered for the client."""
        if not scope:
            return scope_names.to_string(self.scopes)
        asked = scope_names.parse(scope)
        if not set(asked) <= set(self.scopes):
            return None
        return scope_names.to_string(asked)

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return any(redirect_matches(r, redirect_uri) for r in self.redirect_uris)

    def check_client_secret(self, client_secret: str) -> bool:
        if self.secret_hash is None:
            return False
        return hmac.compare_digest(self.secret_hash, hash_secret(client_secret))

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if self.kind == "public":
            return method == "none"
        return method in ("client_secret_basic", "client_secret_post")

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code"

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.grant_types
