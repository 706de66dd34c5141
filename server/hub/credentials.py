"""Which account serves a connector on a host, and the ``httpx.Auth`` that signs its requests.

The hub asks one question -- "for this connector on host H (repository owner O), which account
and which auth?" -- and this module answers it from, in order: the workspace's explicit
``account`` setting, the signed-in accounts on that host (one whose login or configured rule
matches the owner first), and last a token from the environment (the manifest's
``token_env``, for CI), which serves the connector's public host only. The secret is sent as
the manifest says for the account's sign-in method (Bearer, a bare API key, HTTP Basic).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import httpx

from connectors.sdk.errors import TielineError
from connectors.sdk.manifest import Manifest

from .auth.headers import SecretAuth, header_for
from .auth.refresh import RefreshingAuth, TokenRefresher
from .vault import AccountSummary, Vault, open_vault

log = logging.getLogger("tieline.credentials")

#: How the login of an environment token reads before the service says whose it is.
ENV_LOGIN = ""


@dataclass(frozen=True)
class Found:
    """The account chosen for a host: its login (empty for an environment token whose owner
    is not known yet), the auth, and how it signed in. ``fingerprint`` identifies an
    environment secret without holding it (a truncated SHA-256), so the hub can remember
    whose it is across runs."""

    login: str
    auth: httpx.Auth
    method: str
    fingerprint: str | None = None


class CredentialProvider(Protocol):
    def auth_for(
        self,
        manifest: Manifest,
        host: str,
        *,
        owner: str | None = None,
        preferred: str | None = None,
        public_host: str | None = None,
    ) -> Found | None:
        """The account to use on ``host``, or ``None`` when nobody is signed in there.

        ``public_host`` is the connector's default host (where an environment token counts).
        """


def env_auth(
    manifest: Manifest, environ: Mapping[str, str], host: str, public_host: str | None
) -> Found | None:
    """An environment secret (``auth.token_env``), for the public host only.

    It is used as HTTP Basic when the connector takes basic and ``auth.username_env`` is set
    too (Jira Cloud: an API token and the account's email), else as the first of the
    manifest's token / API-key methods (a Jira Data Center PAT, a Linear API key).
    """
    name = manifest.auth.token_env
    token = environ.get(name, "").strip() if name else ""
    if not token or host != (public_host or manifest.default_host):
        return None
    methods = manifest.auth.methods
    username = environ.get(manifest.auth.username_env or "", "").strip() or None
    method: str | None
    if "basic" in methods and username:
        method = "basic"
    else:
        method = next((m for m in methods if m in ("token", "api_key")), None)
    if method is None:
        log.warning("%s is set, but %s takes no token or API key", name, manifest.name)
        return None
    header = header_for(manifest, "env", env_method=method)
    auth = SecretAuth(token, header=header, username=username if method == "basic" else None)
    who = f"{manifest.id}\0{username or ''}\0{token}".encode()
    return Found(ENV_LOGIN, auth, method, hashlib.sha256(who).hexdigest()[:32])


class EnvCredentials:
    """Tokens from the environment only (CI, containers, tests)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def auth_for(
        self,
        manifest: Manifest,
        host: str,
        *,
        owner: str | None = None,
        preferred: str | None = None,
        public_host: str | None = None,
    ) -> Found | None:
        return env_auth(manifest, self._environ, host, public_host)


class VaultCredentials:
    """Signed-in accounts from the vault, each with a refreshing auth; the environment's
    token as the last resort. The vault opens on first use, so a server that never needs a
    credential never touches the keyring."""

    def __init__(
        self,
        environ: Mapping[str, str],
        *,
        vault: Vault | None = None,
        refresher: RefresherFactory | None = None,
    ) -> None:
        self._environ = environ
        self._vault = vault
        self._refresher = refresher
        self.error: str | None = None

    @property
    def environ(self) -> Mapping[str, str]:
        return self._environ

    @property
    def vault(self) -> Vault | None:
        if self._vault is None and self.error is None:
            try:
                self._vault = open_vault(env=self._environ)
            except TielineError as exc:
                self.error = exc.message
                log.warning("vault unavailable: %s", exc.message)
        return self._vault

    def choose(
        self, connector: str, host: str, *, owner: str | None, preferred: str | None
    ) -> AccountSummary | None:
        """The account for a remote: the preferred login, else the only one on the host,
        else the one named like the repository's owner, else the first by name."""
        vault = self.vault
        accounts = sorted(vault.accounts(connector, host), key=lambda a: a.login) if vault else []
        if not accounts:
            return None
        for wanted in (preferred, owner.split("/")[0] if owner else None):
            for a in accounts:
                if wanted and a.login.lower() == wanted.lower():
                    return a
        if preferred:
            log.warning(
                "account %s is not signed in on %s; using %s", preferred, host, accounts[0].login
            )
        return accounts[0]

    def auth_for(
        self,
        manifest: Manifest,
        host: str,
        *,
        owner: str | None = None,
        preferred: str | None = None,
        public_host: str | None = None,
    ) -> Found | None:
        chosen = self.choose(manifest.id, host, owner=owner, preferred=preferred)
        vault = self.vault
        if chosen is None or vault is None:
            return env_auth(manifest, self._environ, host, public_host)
        creds = vault.load(chosen.account)
        if creds is None:
            return env_auth(manifest, self._environ, host, public_host)
        refresher = self._refresher(manifest.id, host) if self._refresher else None
        auth = RefreshingAuth(
            vault,
            chosen.account,
            refresher,
            credentials=creds,
            header=header_for(manifest, creds.method),
        )
        return Found(chosen.login, auth, creds.method)


RefresherFactory = Callable[[str, str], "TokenRefresher | None"]


def default_credentials(environ: Mapping[str, str]) -> VaultCredentials:
    return VaultCredentials(environ, refresher=oauth_refresher)


def oauth_refresher(connector: str, host: str) -> TokenRefresher | None:
    """A refresher on its own HTTP client, for accounts signed in with OAuth."""
    from connectors.sdk import default_registry

    from .auth import OAuthRefresher, resolve_service

    manifest = default_registry().manifest(connector)
    service = resolve_service(manifest, host=host)
    if service.oauth is None or not service.oauth.client_id:
        return None
    return OAuthRefresher(service.oauth, httpx.AsyncClient(timeout=30), service=service.name)
