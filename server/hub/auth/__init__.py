"""Signing in to services and keeping tokens valid.

Flows: device authorization grant (:mod:`.device`), authorization code + PKCE with a
loopback redirect (:mod:`.pkce`), personal and environment tokens (:mod:`.login`,
:func:`.service.env_credentials`). :class:`RefreshingAuth` is the ``httpx.Auth`` the HTTP
stack attaches per account. Consent and grants are protocols (:mod:`.consent`).
"""

from __future__ import annotations

from .consent import (
    ConsentPrompter,
    ConsentRequest,
    GrantRecorder,
    MemoryGrants,
    obtain_consent,
    require_grant,
)
from .device import DeviceCode, DeviceFlow
from .headers import SecretAuth, header_for
from .identity import Identity, Secret, Whoami, connector_whoami
from .login import consent_request, login_device, login_web, login_with_token
from .oauth import OAuthClientConfig, TokenError, TokenSet, require_client_id, token_request
from .pkce import LoopbackReceiver, pkce_login
from .refresh import OAuthRefresher, RefreshingAuth, TokenRefresher, merge_tokens
from .service import (
    ServiceAuth,
    connector_settings,
    default_host,
    env_credentials,
    resolve_service,
    select_account,
)

__all__ = [
    "ConsentPrompter",
    "ConsentRequest",
    "DeviceCode",
    "DeviceFlow",
    "GrantRecorder",
    "Identity",
    "LoopbackReceiver",
    "MemoryGrants",
    "OAuthClientConfig",
    "OAuthRefresher",
    "RefreshingAuth",
    "Secret",
    "SecretAuth",
    "ServiceAuth",
    "TokenError",
    "TokenRefresher",
    "TokenSet",
    "Whoami",
    "connector_settings",
    "connector_whoami",
    "consent_request",
    "default_host",
    "env_credentials",
    "header_for",
    "login_device",
    "login_web",
    "login_with_token",
    "merge_tokens",
    "obtain_consent",
    "pkce_login",
    "require_client_id",
    "require_grant",
    "resolve_service",
    "select_account",
    "token_request",
]
