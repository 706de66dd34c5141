"""Resolve what signing in to one connector on one host needs: API and OAuth URLs, the
configured client_id, the scopes with their reasons -- and pick among signed-in accounts.

Settings come from the layered configuration (``[connectors.<id>]``; see
:mod:`server.hub.config`) over the manifest's ``config`` defaults. An OAuth client secret, for
the few apps that need one, is a secret: it comes from ``TIELINE_<ID>_CLIENT_SECRET``, never
from a configuration file.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import SecretStr

from connectors.sdk.errors import AuthError
from connectors.sdk.manifest import Manifest, Scope
from connectors.sdk.redact import register_secret
from server.hub import config
from server.hub.vault import AccountSummary, Credentials, Vault

from .oauth import OAuthClientConfig


@dataclass(frozen=True)
class ServiceAuth:
    """Everything needed to sign in to one connector on one host."""

    connector: str
    name: str
    host: str
    api_url: str
    methods: tuple[str, ...]
    scopes: tuple[Scope, ...] = ()
    oauth: OAuthClientConfig | None = None
    token_env: str | None = None
    token_help: str = ""
    settings: Mapping[str, Any] = field(default_factory=dict)


def default_host(manifest: Manifest) -> str:
    return urlsplit(manifest.web_url or manifest.api_url).hostname or manifest.id


def connector_settings(
    connector: str, manifest: Manifest | None = None, *, workspace: Path | None = None
) -> dict[str, Any]:
    """``connectors.<id>`` from the layered configuration over the manifest's defaults."""
    out: dict[str, Any] = {}
    if manifest is not None:
        out.update({f.name: f.default for f in manifest.config})
    section = getattr(config.load(workspace=workspace).config.connectors, connector, None)
    if section is not None:
        out.update(section.model_dump())
    return out


def _with_host(url: str | None, host: str) -> str | None:
    if url is None:
        return None
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def resolve_service(
    manifest: Manifest,
    *,
    host: str | None = None,
    settings: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
) -> ServiceAuth:
    """Endpoints for ``host`` (default: the manifest's public host).

    For another host (GitHub Enterprise Server) the OAuth URLs move to that host and the API
    is ``https://HOST/api/v3`` for github, or the manifest's path on that host otherwise.
    """
    env = os.environ if env is None else env
    settings = connector_settings(manifest.id, manifest) if settings is None else settings
    public = default_host(manifest)
    host = (host or public).lower()
    if host == public:
        api_url = str(settings.get("api_url") or manifest.api_url)
    elif manifest.id == "github":
        api_url = f"https://{host}/api/v3"
    else:
        api_url = _with_host(manifest.api_url, host) or manifest.api_url
    oauth = None
    scopes: tuple[Scope, ...] = ()
    o = manifest.auth.oauth2
    if o is not None:
        scopes = o.scopes
        moved = host != public
        client_secret = env.get(f"TIELINE_{manifest.id.upper()}_CLIENT_SECRET") or None
        register_secret(client_secret)
        oauth = OAuthClientConfig(
            client_id=str(settings.get("client_id") or o.client_id or ""),
            token_url=(_with_host(o.token_url, host) if moved else o.token_url) or o.token_url,
            authorize_url=_with_host(o.authorize_url, host) if moved else o.authorize_url,
            device_authorization_url=(
                _with_host(o.device_authorization_url, host)
                if moved
                else o.device_authorization_url
            ),
            scopes=tuple(s.name for s in o.scopes),
            client_secret=client_secret,
        )
    return ServiceAuth(
        connector=manifest.id,
        name=manifest.name,
        host=host,
        api_url=api_url.rstrip("/"),
        methods=tuple(manifest.auth.methods),
        scopes=scopes,
        oauth=oauth,
        token_env=manifest.auth.token_env,
        token_help=manifest.auth.token_help,
        settings=dict(settings),
    )


def env_credentials(
    service: ServiceAuth, env: Mapping[str, str] | None = None
) -> Credentials | None:
    """A token from the manifest's ``token_env`` variable (CI), registered with the redactor.

    The login is unknown until the token is used, so it is reported as ``(environment)``.
    """
    env = os.environ if env is None else env
    if not service.token_env:
        return None
    token = env.get(service.token_env, "").strip()
    if not token:
        return None
    register_secret(token)
    return Credentials(
        connector=service.connector,
        host=service.host,
        login="(environment)",
        access_token=SecretStr(token),
        method="env",
    )


def select_account(
    vault: Vault, connector: str, *, host: str | None = None, login: str | None = None
) -> AccountSummary:
    """The one signed-in account matching the filters, or an error saying how to choose."""
    found = [a for a in vault.accounts(connector, host) if login is None or a.login == login]
    if len(found) == 1:
        return found[0]
    where = f" on {host}" if host else ""
    if not found:
        who = f" as {login}" if login else ""
        raise AuthError(
            f"not signed in to {connector}{where}{who}: tieline auth login {connector}"
            + (f" --host {host}" if host else "")
        )
    names = ", ".join(a.account.label for a in found)
    raise AuthError(
        f"several {connector} accounts are signed in{where} ({names}); choose one with"
        " --host and/or --account"
    )
