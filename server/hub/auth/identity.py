"""Who does a secret belong to? Asked once at sign-in, to name the account in the vault.

Identity is each connector's own ``check()``: :func:`connector_whoami` builds the connector
on the real HTTP stack with the new secret (sent as the manifest says for its method) and
asks. The flows take any :data:`Whoami`, so tests can stand in a server's userinfo endpoint.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpx

from connectors.sdk.errors import AuthError, ReauthRequired, TielineError

from .service import ServiceAuth

if TYPE_CHECKING:
    from connectors.sdk.registry import Registry


@dataclass(frozen=True)
class Identity:
    login: str
    #: Scopes the service says the token carries (GitHub: ``X-OAuth-Scopes``), if it says.
    scopes: tuple[str, ...] | None = None
    name: str | None = None


@dataclass(frozen=True)
class Secret:
    """A new secret and how it is to be sent (``token``, ``api_key``, ``basic`` with a user,
    or an OAuth access token from ``device``/``pkce``)."""

    token: str = field(repr=False)
    method: str = "token"
    username: str | None = None


Whoami = Callable[[httpx.AsyncClient, ServiceAuth, Secret], Awaitable[Identity]]


def connector_whoami(registry: Registry, **client_options: object) -> Whoami:
    """A :data:`Whoami` that asks the connector's ``check()`` through the hub's HTTP stack.

    ``client_options`` go to :func:`server.hub.http.build_client` (network settings, a test
    transport); the client is used once, uncached, and closed.
    """

    async def whoami(http: httpx.AsyncClient, service: ServiceAuth, secret: Secret) -> Identity:
        from connectors.sdk.connector import ConnectorContext

        from ..http import build_client
        from .headers import SecretAuth, header_for

        cls = registry.get(service.connector)
        manifest = cls.manifest()
        auth = SecretAuth(
            secret.token, header=header_for(manifest, secret.method), username=secret.username
        )
        client = build_client(
            manifest,
            base_url=service.api_url,
            auth=auth,
            cache_dir=None,
            body_error=cls.body_error,
            **client_options,  # type: ignore[arg-type]
        )
        ctx = ConnectorContext(
            http=client,
            account="",
            api_url=service.api_url,
            web_url=service.web_url,
            host=service.host,
            settings=service.settings.model_dump() if service.settings else {},
            method=secret.method,
        )
        try:
            result = await cls(ctx).check()
        except TielineError as exc:
            result_error: TielineError | None = exc
        else:
            result_error = None
        finally:
            await client.aclose()
        if result_error is None and not result.ok and not isinstance(result.error, ReauthRequired):
            # The service could not answer (down, rate-limiting, unreachable): the token may
            # be fine, so say what happened rather than "rejected the token".
            result_error = result.error
        if result_error is not None:
            raise result_error
        if not result.ok or not result.account:
            detail = result.detail or "it did not say whose the credentials are"
            raise ReauthRequired(
                f"{service.name} ({service.host}) rejected the token: {detail}. "
                f"{service.token_help}".strip()
            )
        return Identity(result.account, result.scopes, result.name)

    return whoami


def require(whoami: Whoami | None) -> Whoami:
    if whoami is None:
        raise AuthError("signing in needs a way to ask the service whose the credentials are")
    return whoami
