"""Who does a token belong to? Asked once at sign-in, to name the account in the vault.

Per-connector because each service answers differently. It lives here until connectors grow
a ``whoami`` of their own; the GitHub one is a single ``GET /user``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

from connectors.sdk.errors import AuthError, ConfigError, ReauthRequired, TransportError

from .oauth import parse_scopes
from .service import ServiceAuth


@dataclass(frozen=True)
class Identity:
    login: str
    #: Scopes the service says the token carries (GitHub: ``X-OAuth-Scopes``), if it says.
    scopes: tuple[str, ...] | None = None


Whoami = Callable[[httpx.AsyncClient, ServiceAuth, str], Awaitable[Identity]]


async def github_whoami(http: httpx.AsyncClient, service: ServiceAuth, token: str) -> Identity:
    try:
        resp = await http.get(
            f"{service.api_url}/user",
            headers={
                "Authorization": f"Bearer {token}",
                "Accept": "application/vnd.github+json",
                "X-GitHub-Api-Version": "2022-11-28",
            },
        )
    except httpx.TransportError as exc:
        raise TransportError(
            f"cannot reach {service.name} at {service.api_url}: {type(exc).__name__}"
        ) from None
    if resp.status_code == 401:
        raise ReauthRequired(
            f"{service.name} ({service.host}) rejected the token: it is wrong, expired or"
            f" revoked. {service.token_help}".strip()
        )
    if resp.status_code != 200:
        raise AuthError(
            f"{service.name} answered HTTP {resp.status_code} when checking the token at"
            f" {service.api_url}/user"
        )
    try:
        login = resp.json()["login"]
    except (ValueError, KeyError, TypeError):
        raise AuthError(f"{service.name} did not say whose token this is") from None
    header = resp.headers.get("x-oauth-scopes")
    return Identity(str(login), parse_scopes(header) if header is not None else None)


WHOAMI: dict[str, Whoami] = {"github": github_whoami}


def whoami_for(connector: str) -> Whoami:
    try:
        return WHOAMI[connector]
    except KeyError:
        raise ConfigError(f"signing in to {connector} is not supported yet") from None
