"""Signed widget links: a URL that shows one widget without the bearer token.

An ``<img>`` in a README preview or a card in a dashboard cannot send an
``Authorization`` header, yet every route of the web face is authenticated. A signed link
carries its credential in the URL instead: ``sig`` is an HMAC-SHA256, keyed from the local
token, over the method-free canonical form of that one address (path and the other query
parameters, sorted). It vouches for that exact address, read-only (GET and HEAD), and for
widget paths only; rotating the token (``tieline web token --rotate``) voids every link.

The key is derived from the token (HMAC of a fixed label), never the token itself, so a
leaked link gives nothing that reaches another route.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
from urllib.parse import parse_qsl, urlencode, urlsplit

from starlette.requests import HTTPConnection

from .auth import TOKEN_MAX_AGE, Principal
from .secrets import WebSecrets

#: Where signed links are honoured: the widget routes, nothing else.
PREFIX = "/widgets/"
#: The scope a signed link's principal holds; it can do nothing but read that widget.
SCOPE = "widgets:read"
_LABEL = b"tieline widget link v1"


def _canonical(path: str, query: list[tuple[str, str]]) -> bytes:
    rest = sorted((k, v) for k, v in query if k != "sig")
    return (path + ("?" + urlencode(rest) if rest else "")).encode("utf-8")


def _key(token: str) -> bytes:
    return hmac.new(token.encode("utf-8"), _LABEL, hashlib.sha256).digest()


def signature(token: str, path: str, query: list[tuple[str, str]]) -> str:
    """The ``sig`` of an address, URL-safe base64 without padding."""
    mac = hmac.new(_key(token), _canonical(path, query), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode("ascii")


def sign(token: str, address: str) -> str:
    """``address`` (``/widgets/...`` with any query) with its ``sig`` added.

    Raises ``ValueError`` for an address that is not a widget's, since a link to anything
    else would never be honoured.
    """
    parts = urlsplit(address)
    if parts.scheme or parts.netloc or not parts.path.startswith(PREFIX):
        raise ValueError(f"{address!r} is not a widget address (it starts with {PREFIX})")
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "sig"]
    sig = signature(token, parts.path, query)
    return parts.path + "?" + urlencode([*query, ("sig", sig)])


class SignedLinks:
    """An :class:`~server.web.auth.Authenticator` for signed widget links."""

    name = "signed-link"

    def __init__(self, secrets: WebSecrets) -> None:
        self.secrets = secrets

    async def authenticate(self, conn: HTTPConnection) -> Principal | None:
        given = conn.query_params.get("sig")
        path = conn.url.path
        if not given or conn.scope.get("method") not in ("GET", "HEAD"):
            return None
        if not path.startswith(PREFIX):
            return None
        token = await asyncio.to_thread(self.secrets.token, max_age=TOKEN_MAX_AGE)
        query = parse_qsl(conn.url.query, keep_blank_values=True)
        expected = signature(token, path, query)
        if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
            return None
        return Principal("link", frozenset({SCOPE}), via=self.name)
