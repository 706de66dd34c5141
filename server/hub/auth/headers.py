"""How a secret travels: the header each sign-in method's manifest template names.

Services differ: OAuth and most personal tokens are ``Authorization: Bearer <token>``; Linear's
API keys go bare (``Authorization: <key>``); Jira Cloud's API tokens are HTTP Basic with the
account's email (``Authorization: Basic base64(email:token)``); some self-managed servers
want ``PRIVATE-TOKEN: <token>``; Trello wants its API key and a token side by side
(``Authorization: OAuth oauth_consumer_key="<key>", oauth_token="<token>"``: a ``basic``
sign-in whose user part is the key, named ``{username}`` in the template); Ghost's Admin
API wants a short-lived JWT signed with the admin key (``Authorization: Ghost {jwt:/admin/}``,
see :func:`admin_jwt`). The manifest says which (``[auth.headers]``), so the hub never
assumes Bearer. A template whose name starts with ``?`` (``?api_key: {token}``) is a query
parameter rather than a header, for services that take a key only in the URL; the HTTP
cache keeps such a parameter out of its file as it keeps a credential header out.
"""

from __future__ import annotations

import base64
import re
import time
from collections.abc import Generator

import httpx

from connectors.sdk.errors import ConfigError
from connectors.sdk.manifest import Manifest
from connectors.sdk.redact import register_secret


def render(template: str, token: str, username: str | None = None) -> str:
    """The header value: ``{token}`` is the secret, ``{basic}`` base64 of ``user:token``,
    ``{username}`` the user part as it is."""
    if "{username}" in template:
        if not username:
            raise ConfigError("this sign-in method needs a user name beside the token")
        template = template.replace("{username}", username)
    value = template.replace("{token}", token)
    if "{basic}" in value:
        if not username:
            raise ConfigError("this sign-in method needs a user name beside the token")
        pair = base64.b64encode(f"{username}:{token}".encode()).decode("ascii")
        register_secret(pair)
        value = value.replace("{basic}", pair)
    return value


def header_for(
    manifest: Manifest, method: str, *, env_method: str | None = None
) -> tuple[str, str]:
    """``(header name, template)`` for an account signed in with ``method``.

    OAuth flows (``device``, ``pkce``) are sent as their own template says, else Bearer; an
    environment secret (``env``) as the method it stands for (``env_method``, by default the
    manifest's first pasted-secret method: a Linear API key goes bare).
    """
    if method == "env":
        method = env_method or manifest.auth.secret_method or "token"
    return manifest.auth.header_for(method)


#: ``{jwt:<audience>}`` in a header template: a JWT minted from the secret (:func:`admin_jwt`).
_JWT = re.compile(r"\{jwt:([^}]*)\}")
#: How long a minted JWT is valid (Ghost refuses more than 5 minutes) and when a new one is made.
JWT_LIFETIME = 300
JWT_RENEW = 240


def admin_jwt(key: str, audience: str, *, now: float | None = None) -> str:
    """An HS256 JWT valid :data:`JWT_LIFETIME` seconds, from an admin API key
    ``<key id>:<secret as hex>`` (Ghost's Admin API keys): header ``kid`` = the key id,
    claims ``iat``, ``exp`` and ``aud`` = ``audience``, signed with the secret's bytes."""
    from joserfc import jwt
    from joserfc.jwk import OctKey

    kid, sep, secret = key.partition(":")
    try:
        raw = bytes.fromhex(secret)
    except ValueError:
        raw = b""
    if not sep or not kid or not raw:
        raise ConfigError("this key should be '<id>:<secret>', the secret in hex")
    iat = int(time.time() if now is None else now)
    claims = {"iat": iat, "exp": iat + JWT_LIFETIME, "aud": audience}
    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    return jwt.encode(header, claims, OctKey.import_key(raw))


class SecretAuth(httpx.Auth):
    """A secret that never expires on our side, sent the way the manifest says."""

    def __init__(
        self, token: str, *, header: tuple[str, str] | None = None, username: str | None = None
    ) -> None:
        register_secret(token)
        self._token = token
        self._name, self._template = header or ("Authorization", "Bearer {token}")
        jwt = _JWT.search(self._template)
        self._audience = jwt.group(1) if jwt else None
        self._minted = 0.0
        if self._audience is not None:
            # Minted at the first request: a malformed key fails that request (ConfigError),
            # not the building of every session.
            self._value = ""
            self._minted = -float(JWT_RENEW)
        else:
            self._value = render(self._template, token, username)
            register_secret(self._value)

    def _mint(self) -> str:
        """The template with a fresh JWT (one every :data:`JWT_RENEW` seconds)."""
        assert self._audience is not None
        self._minted = time.time()
        token = admin_jwt(self._token, self._audience, now=self._minted)
        register_secret(token)
        return _JWT.sub(lambda _: token, self._template)

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self._audience is not None and time.time() - self._minted >= JWT_RENEW:
            self._value = self._mint()
        if self._name.startswith("?"):
            request.url = request.url.copy_set_param(self._name[1:], self._value)
        else:
            request.headers[self._name] = self._value
        yield request

    def __repr__(self) -> str:  # never show the token, even in a debugger
        return f"SecretAuth({self._name}: ***)"
