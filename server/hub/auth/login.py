"""Sign-in orchestration shared by the CLI and the editor: consent, the flow, naming the
account (the connector's own ``check()``, through a :data:`Whoami`), and storing the result.
One function per kind of method; each returns the stored :class:`Credentials`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import httpx
from pydantic import SecretStr

from connectors.sdk.errors import AuthError
from connectors.sdk.redact import register_secret
from server.hub.vault import Credentials, Method, Vault

from .consent import ConsentPrompter, ConsentRequest, GrantRecorder, obtain_consent
from .device import DeviceCode, DeviceFlow
from .identity import Secret, Whoami, require
from .oauth import TokenSet, require_client_id
from .pkce import pkce_login
from .service import ServiceAuth


def consent_request(service: ServiceAuth, account: str | None = None) -> ConsentRequest:
    return ConsentRequest(service.connector, service.name, service.host, service.scopes, account)


async def _store(
    service: ServiceAuth,
    tokens: TokenSet,
    method: Method,
    http: httpx.AsyncClient,
    vault: Vault,
    grants: GrantRecorder,
    whoami: Whoami | None,
    username: str | None = None,
) -> Credentials:
    secret = Secret(tokens.access_token, method, username)
    who = await require(whoami)(http, service, secret)
    scopes = tokens.scopes if who.scopes is None else who.scopes
    creds = Credentials(
        connector=service.connector,
        host=service.host,
        login=who.login,
        username=username,
        access_token=SecretStr(tokens.access_token),
        refresh_token=SecretStr(tokens.refresh_token) if tokens.refresh_token else None,
        expires_at=tokens.expires_at,
        token_type=tokens.token_type,
        scopes=scopes,
        method=method,
    )
    vault.save(creds)
    await grants.record_grant(service.connector, creds.account.label, scopes)
    return creds


async def login_with_token(
    service: ServiceAuth,
    token: str,
    *,
    http: httpx.AsyncClient,
    vault: Vault,
    grants: GrantRecorder,
    whoami: Whoami | None = None,
    method: Method = "token",
    username: str | None = None,
) -> Credentials:
    """Store a personal token, API key or ``user:token`` pair after asking the service
    whose it is.

    No consent prompt: the person created the token and chose its scopes themselves; the
    grant recorded is what the service reports the token carries.
    """
    token = token.strip()
    if not token:
        raise AuthError(f"no token given. {service.token_help}".strip())
    if method not in service.methods:
        raise AuthError(f"{service.name} does not take sign-in by {method}")
    if method == "basic" and not (username or "").strip():
        raise AuthError(f"{service.name} needs your {service.username_label} with the token")
    register_secret(token)
    return await _store(
        service,
        TokenSet(token),
        method,
        http,
        vault,
        grants,
        whoami,
        username.strip() if username else None,
    )


async def login_device(
    service: ServiceAuth,
    *,
    http: httpx.AsyncClient,
    vault: Vault,
    grants: GrantRecorder,
    prompter: ConsentPrompter | None,
    show: Callable[[DeviceCode], object],
    assume_yes: bool = False,
    whoami: Whoami | None = None,
    sleep: Callable[[float], Awaitable[None]] | None = None,
    account: str | None = None,
) -> Credentials:
    """The device code flow. ``account`` (``login@host``): the account this sign-in adds
    scopes to, whose earlier grant the consent prompt leaves out."""
    require_client_id(service.oauth, connector=service.connector, service=service.name)
    assert service.oauth is not None
    request = consent_request(service, account)
    await obtain_consent(request, prompter, grants, assume_yes=assume_yes)
    flow = DeviceFlow(service.oauth, http, service=service.name, sleep=sleep or asyncio.sleep)
    tokens = await flow.run(show)
    return await _store(service, tokens, "device", http, vault, grants, whoami)


async def login_web(
    service: ServiceAuth,
    *,
    http: httpx.AsyncClient,
    vault: Vault,
    grants: GrantRecorder,
    prompter: ConsentPrompter | None,
    open_browser: Callable[[str], object],
    assume_yes: bool = False,
    whoami: Whoami | None = None,
    wait_seconds: float | None = 300.0,
    account: str | None = None,
) -> Credentials:
    """PKCE on a loopback redirect; ``account`` as for :func:`login_device`."""
    require_client_id(service.oauth, connector=service.connector, service=service.name)
    assert service.oauth is not None
    request = consent_request(service, account)
    await obtain_consent(request, prompter, grants, assume_yes=assume_yes)
    tokens = await pkce_login(
        service.oauth, http, open_browser, service=service.name, wait_seconds=wait_seconds
    )
    return await _store(service, tokens, "pkce", http, vault, grants, whoami)
