"""Which account serves a remote, and the ``httpx.Auth`` that signs its requests.

The hub asks one question -- "for connector C on host H (repository owner O), which account
and which auth?" -- and this module answers it from, in order: the workspace's explicit
``account`` setting, the signed-in accounts on that host (one whose login or configured rule
matches the owner first), and last a token from the environment (``TIELINE_GITHUB_TOKEN``,
for CI), which serves the service's default host only.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Generator, Mapping
from typing import Protocol

import httpx

from connectors.sdk.errors import TielineError
from connectors.sdk.redact import register_secret

from .auth.refresh import RefreshingAuth, TokenRefresher
from .vault import AccountSummary, Vault, open_vault

log = logging.getLogger("tieline.credentials")

DEFAULT_HOSTS = {"github": "github.com"}
TOKEN_ENV = {"github": "TIELINE_GITHUB_TOKEN"}


class CredentialProvider(Protocol):
    def auth_for(
        self, connector: str, host: str, *, owner: str | None = None, preferred: str | None = None
    ) -> tuple[str, httpx.Auth] | None:
        """``(login, auth)`` for the account to use, or ``None`` when nobody is signed in.

        ``login`` may be empty when it is not known yet (an environment token); the hub then
        asks the service whose token it is.
        """


class BearerToken(httpx.Auth):
    """A personal or environment token that never expires on our side."""

    def __init__(self, token: str) -> None:
        register_secret(token)
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request

    def __repr__(self) -> str:  # never show the token, even in a debugger
        return "BearerToken(***)"


class EnvCredentials:
    """Tokens from the environment only (CI, containers, tests)."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = environ

    def auth_for(
        self, connector: str, host: str, *, owner: str | None = None, preferred: str | None = None
    ) -> tuple[str, httpx.Auth] | None:
        name = TOKEN_ENV.get(connector)
        token = self._environ.get(name, "") if name else ""
        if not token or host != DEFAULT_HOSTS.get(connector):
            return None
        return "", BearerToken(token.strip())


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
        self._env = EnvCredentials(environ)
        self.error: str | None = None

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
        for wanted in (preferred, owner):
            for a in accounts:
                if wanted and a.login.lower() == wanted.lower():
                    return a
        if preferred:
            log.warning(
                "account %s is not signed in on %s; using %s", preferred, host, accounts[0].login
            )
        return accounts[0]

    def auth_for(
        self, connector: str, host: str, *, owner: str | None = None, preferred: str | None = None
    ) -> tuple[str, httpx.Auth] | None:
        chosen = self.choose(connector, host, owner=owner, preferred=preferred)
        vault = self.vault
        if chosen is None or vault is None:
            return self._env.auth_for(connector, host, owner=owner, preferred=preferred)
        creds = vault.load(chosen.account)
        if creds is None:
            return self._env.auth_for(connector, host, owner=owner, preferred=preferred)
        refresher = self._refresher(connector, host) if self._refresher else None
        return chosen.login, RefreshingAuth(vault, chosen.account, refresher, credentials=creds)


RefresherFactory = Callable[[str, str], "TokenRefresher | None"]


def default_credentials(environ: Mapping[str, str]) -> VaultCredentials:
    return VaultCredentials(environ, refresher=oauth_refresher)


def oauth_refresher(connector: str, host: str) -> TokenRefresher | None:
    """A refresher on its own HTTP client, for accounts signed in with OAuth."""
    from connectors.sdk import default_registry

    from .auth import OAuthRefresher, resolve_service

    manifest = default_registry().get(connector).manifest()
    service = resolve_service(manifest, host=host)
    if service.oauth is None or not service.oauth.client_id:
        return None
    return OAuthRefresher(service.oauth, httpx.AsyncClient(timeout=30), service=service.name)
