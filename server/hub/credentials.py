"""Which account serves a remote, and the ``httpx.Auth`` that signs its requests.

The hub asks one question -- "for connector C on host H (repository owner O), which account
and which auth?" -- and this module answers it from, in order: the workspace's explicit
``account`` setting, the signed-in accounts on that host (one whose login or configured rule
matches the owner first), and last a token from the environment (``TIELINE_GITHUB_TOKEN``,
for CI), which serves the service's default host only.
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import Protocol

import httpx

from connectors.sdk.redact import register_secret

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


def default_credentials(environ: Mapping[str, str]) -> CredentialProvider:
    return EnvCredentials(environ)
