"""Resolve what signing in to one connector on one host needs: API and OAuth URLs, the
configured client_id, the scopes with their reasons -- and pick among signed-in accounts.

Settings come from the layered configuration (``[connectors.<id>]``; see
:mod:`server.hub.config`), passed in by the caller so every command reads the same layers.
An OAuth client secret, for the few apps that need one, is a secret: it comes from
``TIELINE_<ID>_CLIENT_SECRET``, never from a configuration file.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

from pydantic import SecretStr

from connectors.sdk.errors import AuthError
from connectors.sdk.manifest import SETTING_PLACEHOLDER, Manifest, OAuth2, Scope
from connectors.sdk.redact import register_secret
from connectors.sdk.settings import ConnectorSettings, settings_model
from server.hub import config, endpoints
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
    web_url: str = ""
    scopes: tuple[Scope, ...] = ()
    oauth: OAuthClientConfig | None = None
    token_env: str | None = None
    token_help: str = ""
    username_label: str = "user name"
    revoke_help: str = ""
    settings: ConnectorSettings | None = None


def default_host(manifest: Manifest) -> str:
    return manifest.default_host


def connector_settings(manifest: Manifest, loaded: config.Loaded) -> ConnectorSettings:
    """``connectors.<id>`` from the same configuration layers every command reads."""
    return loaded.config.connectors.get(manifest.id) or settings_model(manifest)()


def _with_host(url: str | None, host: str) -> str | None:
    if url is None:
        return None
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))


def _fill_settings(url: str | None, settings: ConnectorSettings) -> str | None:
    """``{name}`` in a manifest's OAuth URL -> the connector setting of that name.

    The manifest checked that every name is a setting; a value is URL-quoted, so a tenant or
    region can only ever fill its one path segment.
    """
    if url is None:
        return None

    def value(m: re.Match[str]) -> str:
        v = getattr(settings, m.group(1), "")
        return quote(str(v if v is not None else ""), safe="")

    return SETTING_PLACEHOLDER.sub(value, url)


def resolve_service(
    manifest: Manifest,
    *,
    host: str | None = None,
    settings: ConnectorSettings | None = None,
    env: Mapping[str, str] | None = None,
    capabilities: Collection[str] = (),
    granted: Collection[str] = (),
) -> ServiceAuth:
    """Endpoints for ``host`` (default: the connector's public host).

    ``settings`` must come from the caller's configuration (the hub's, or the CLI's loaded
    for its working directory), so a workspace's ``.tieline.toml`` counts for sign-in as it
    does for everything else. For another host of a code host (GitHub Enterprise Server, a
    self-managed GitLab) the OAuth URLs move to that host and the API follows
    :func:`server.hub.endpoints.resolve`.

    The scopes asked are the manifest's sign-in scopes, those ``capabilities`` need (a
    feature used for the first time: incremental consent), and any the account was
    ``granted`` before -- asked again so that a service issuing tokens for exactly the scopes
    requested (Microsoft's identity platform) does not drop them from the new token.
    """
    env = os.environ if env is None else env
    settings = settings if settings is not None else settings_model(manifest)()
    public = endpoints.public_host(manifest, settings) or manifest.default_host
    ends = endpoints.resolve(manifest, settings, host)
    oauth = None
    scopes: tuple[Scope, ...] = ()
    o = manifest.auth.oauth2
    if o is not None:
        scopes = asked_scopes(o, capabilities, granted)
        moved = manifest.attach.kind == "remote" and ends.host != public
        client_secret = env.get(f"TIELINE_{manifest.id.upper()}_CLIENT_SECRET") or None
        register_secret(client_secret)

        def at_host(url: str | None) -> str | None:
            url = _fill_settings(url, settings)
            return _with_host(url, ends.host) if moved else url

        oauth = OAuthClientConfig(
            client_id=str(settings.client_id or o.client_id or ""),
            token_url=at_host(o.token_url) or o.token_url,
            authorize_url=at_host(o.authorize_url),
            device_authorization_url=at_host(o.device_authorization_url),
            revocation_url=at_host(o.revocation_url),
            scopes=tuple(s.name for s in scopes),
            client_secret=client_secret,
            authorize_params=dict(o.authorize_params),
            error_help=tuple((h.match, h.help) for h in manifest.auth.error_help),
            scope_param=o.scope_param,
            token_field=o.token_field,
            token_auth=o.token_auth,
        )
    return ServiceAuth(
        connector=manifest.id,
        name=manifest.name,
        host=ends.host,
        api_url=ends.api_url,
        web_url=ends.web_url,
        methods=tuple(manifest.auth.methods),
        scopes=scopes,
        oauth=oauth,
        token_env=manifest.auth.token_env,
        token_help=manifest.auth.token_help,
        username_label=manifest.auth.username_label,
        revoke_help=manifest.auth.revoke_help,
        settings=settings,
    )


def same_scope(a: str, b: str) -> bool:
    """Whether two spellings name one scope: scope names are compared without case
    (Microsoft's are case-insensitive), and a resource's full name matches its short one
    (``https://graph.microsoft.com/Mail.Read`` is the ``Mail.Read`` that was asked)."""
    a, b = a.casefold(), b.casefold()
    return a == b or a.endswith("/" + b) or b.endswith("/" + a)


def holds(granted: Collection[str], scope: str) -> bool:
    return any(same_scope(g, scope) for g in granted)


def asked_scopes(
    oauth: OAuth2, capabilities: Collection[str] = (), granted: Collection[str] = ()
) -> tuple[Scope, ...]:
    """The manifest's scopes a sign-in asks for, in the manifest's order (see
    :func:`resolve_service`)."""
    wanted = {s.name for s in oauth.sign_in_scopes}
    wanted |= {s.name for s in oauth.scopes_for(capabilities)}
    wanted |= {s.name for s in oauth.scopes if holds(granted, s.name)}
    return tuple(s for s in oauth.scopes if s.name in wanted)


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
