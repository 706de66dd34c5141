"""Signing in and out from the editor, for any connector and any method it offers.

The LSP layer hands over what the person chose (connector, host, method, and a pasted secret
for token / API key / basic); this module runs the flow -- consent first, then the device
code, the browser (PKCE with a loopback redirect) or the pasted secret -- names the account
with the connector's own ``check()``, stores it in the vault and records the grant. Flows
that need the person elsewhere (a code to type, a browser page) answer at once with what to
show, and finish in the background; :attr:`Pending.done` completes when they do.

Sign-out forgets the account and, for tokens Tieline obtained through OAuth, ends them at
the service: RFC 7009 where the manifest names a revocation endpoint, else the connector's
own ``revoke()``. Personal tokens and API keys the person pasted are theirs: they stay valid
and the message says where to revoke them.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import httpx

from connectors.sdk.connector import Connector, OAuthApp
from connectors.sdk.errors import AuthError, ConfigError, ConsentRequired, TielineError
from connectors.sdk.redact import redact

from ..grants import StoreGrants
from ..vault import AccountRef, Credentials, Vault
from .consent import ConsentPrompter
from .device import DeviceCode
from .identity import Whoami, connector_whoami
from .login import login_device, login_web, login_with_token
from .oauth import revoke_request
from .service import ServiceAuth, resolve_service

if TYPE_CHECKING:
    from ..hub import Hub

log = logging.getLogger("tieline.auth")
State = Literal["signedIn", "pending", "failed", "cancelled"]
METHOD_LABELS = {
    "pkce": "Sign in with the browser",
    "device": "Sign in with a one-time code",
    "token": "Paste a personal access token",
    "api_key": "Paste an API key",
    "basic": "Paste an API token (with your account's email)",
}


def method_label(method: str, username_label: str = "email") -> str:
    """How a sign-in method is offered; ``basic`` names what the manifest calls the user
    part (Jira's email, Jenkins' user id, Trello's API key)."""
    if method == "basic":
        return f"Paste an API token (with your {username_label})"
    return METHOD_LABELS[method]


@dataclass
class Pending:
    """What the editor shows now; ``done`` completes when a background flow finishes."""

    state: State
    service: str
    account: str | None = None
    message: str | None = None
    device_code: DeviceCode | None = None
    browser_url: str | None = None
    done: asyncio.Future[Credentials] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SignedOut:
    signed_out: bool
    revoked: bool = False
    message: str = ""


def _message(exc: BaseException) -> str:
    return redact(exc.message) if isinstance(exc, TielineError) else type(exc).__name__


class SignIns:
    """Sign-in and sign-out for one hub (its registry, configuration, vault and store)."""

    def __init__(self, hub: Hub, *, http_factory: Callable[[], httpx.AsyncClient] | None = None):
        self.hub = hub
        self._http = http_factory or (lambda: httpx.AsyncClient(timeout=30))
        self._tasks: set[asyncio.Future[Credentials]] = set()

    def vault(self) -> Vault:
        creds = self.hub.credentials
        vault: Vault | None = getattr(creds, "vault", None)
        if vault is None:
            error = getattr(creds, "error", None)
            raise ConfigError(f"signing in needs the vault, which is unavailable: {error}")
        return vault

    def service(
        self,
        connector: str,
        host: str | None = None,
        *,
        capabilities: Sequence[str] = (),
        granted: Collection[str] = (),
    ) -> ServiceAuth:
        manifest = self.hub.registry.manifest(connector)
        return resolve_service(
            manifest,
            host=host,
            settings=self.hub.settings(connector),
            env=self.hub.environ,
            capabilities=capabilities,
            granted=granted,
        )

    def methods(self, connector: str) -> list[str]:
        """The methods the editor can offer for ``connector`` (OAuth ones need a client id)."""
        service = self.service(connector)
        has_client = service.oauth is not None and bool(service.oauth.client_id)
        return [m for m in service.methods if m not in ("pkce", "device") or has_client]

    async def start(
        self,
        connector: str,
        host: str | None,
        method: str | None,
        *,
        prompter: ConsentPrompter | None,
        token: str | None = None,
        username: str | None = None,
        capabilities: Sequence[str] = (),
        account: str | None = None,
    ) -> Pending:
        """Start a sign-in. ``capabilities`` and ``account`` (a login) make it an incremental
        one: the account signed in already, and a feature of it needs scopes it was not
        granted; the sign-in asks for those beside the ones granted before, and the consent
        prompt shows only the new ones."""
        label = None
        granted: Collection[str] = ()
        if account is not None:
            host = host or self.service(connector).host
            label = f"{account}@{host}"
            granted = await StoreGrants(self.hub.store).get_grant(connector, label) or ()
        service = self.service(connector, host, capabilities=capabilities, granted=granted)
        offered = self.methods(connector)
        interactive = [m for m in service.methods if m in ("device", "pkce")]
        if method is None:  # "sign in": the first interactive flow the manifest lists
            usable = [m for m in interactive if m in offered]
            chosen = usable[0] if usable else (interactive[0] if interactive else None)
            if chosen is None:
                names = ", ".join(service.methods)
                return Pending(
                    "failed", service.name, message=f"{service.name}: choose a method ({names})"
                )
        else:
            chosen = method
        if chosen not in service.methods:
            return Pending("failed", service.name, message=f"{service.name} has no such sign-in")
        if chosen not in offered:
            return Pending(
                "failed",
                service.name,
                message=f"No OAuth client id is configured for {service.name}: set "
                f"connectors.{connector}.clientId, or sign in with a token "
                f"(`tieline auth login {connector} --with-token`).",
            )
        vault = self.vault()
        grants = StoreGrants(self.hub.store)
        whoami = connector_whoami(self.hub.registry)
        if chosen in ("token", "api_key", "basic"):
            if not token:
                return Pending("failed", service.name, message="no token was given")
            try:
                async with self._http() as http:
                    creds = await login_with_token(
                        service,
                        token,
                        http=http,
                        vault=vault,
                        grants=grants,
                        whoami=whoami,
                        method=chosen,  # type: ignore[arg-type]
                        username=username,
                    )
            except TielineError as exc:
                return Pending("failed", service.name, message=_message(exc))
            return Pending("signedIn", service.name, account=creds.login, done=_done(creds))
        return await self._interactive(service, chosen, vault, grants, whoami, prompter, label)

    async def _interactive(
        self,
        service: ServiceAuth,
        method: str,
        vault: Vault,
        grants: StoreGrants,
        whoami: Whoami,
        prompter: ConsentPrompter | None,
        account: str | None = None,
    ) -> Pending:
        loop = asyncio.get_running_loop()
        shown: asyncio.Future[DeviceCode | str] = loop.create_future()

        def show(value: DeviceCode | str) -> None:
            if not shown.done():
                shown.set_result(value)

        async def run() -> Credentials:
            async with self._http() as http:
                if method == "device":
                    return await login_device(
                        service,
                        http=http,
                        vault=vault,
                        grants=grants,
                        prompter=prompter,
                        show=show,
                        whoami=whoami,
                        account=account,
                    )
                return await login_web(
                    service,
                    http=http,
                    vault=vault,
                    grants=grants,
                    prompter=prompter,
                    open_browser=show,
                    whoami=whoami,
                    account=account,
                )

        task: asyncio.Future[Credentials] = asyncio.ensure_future(run())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        waiting: set[asyncio.Future[object]] = {shown, task}  # type: ignore[arg-type]
        await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        if task.done() and not shown.done():
            exc = task.exception()
            if isinstance(exc, ConsentRequired):
                return Pending("cancelled", service.name, message=exc.message)
            if exc is not None:
                return Pending("failed", service.name, message=_message(exc))
            return Pending("signedIn", service.name, account=task.result().login, done=task)
        value = shown.result()
        if isinstance(value, DeviceCode):
            return Pending("pending", service.name, device_code=value, done=task)
        return Pending("pending", service.name, browser_url=value, done=task)

    async def sign_out(self, connector: str, host: str | None, account: str | None) -> SignedOut:
        service = self.service(connector, host)
        vault = self.vault()
        accounts = [
            a for a in vault.accounts(connector, service.host) if account in (None, a.login)
        ]
        if len(accounts) > 1 and account is None:
            raise AuthError(f"several accounts are signed in on {service.host}; name one")
        if not accounts:
            return SignedOut(False, message=f"no {service.name} account is signed in there")
        a = accounts[0]
        ref = AccountRef(a.connector, a.host, a.login)
        creds = vault.load(ref)
        revoked, note = await self._revoke(service, creds) if creds else (False, "")
        done = vault.forget(ref)
        await self.hub.drop_sessions(connector, a.host, a.login)
        await self.hub.store.audit("user", "sign_out", f"{connector}:{a.login}@{a.host}", {})
        return SignedOut(done, revoked, note)

    async def _revoke(self, service: ServiceAuth, creds: Credentials) -> tuple[bool, str]:
        def probe() -> Connector:
            from .headers import SecretAuth, header_for

            manifest = self.hub.registry.manifest(service.connector)
            auth = SecretAuth(
                creds.access_token.get_secret_value(),
                header=header_for(manifest, creds.method),
                username=creds.username,
            )
            # The method too: a connector's revoke() may depend on it (Linear ends only
            # OAuth tokens; a personal key is the user's to delete).
            connector: Connector = self.hub.build_connector(
                service.connector, service.host, creds.login, auth, method=creds.method
            )
            return connector

        async with self._http() as http:
            return await revoke(service, creds, http=http, probe=probe)


async def revoke(
    service: ServiceAuth,
    creds: Credentials,
    *,
    http: httpx.AsyncClient,
    probe: Callable[[], Connector],
) -> tuple[bool, str]:
    """End an OAuth token at the service (RFC 7009, else the connector's ``revoke()``);
    say what happened, and what happens to a pasted secret (it stays valid)."""
    if creds.method not in ("device", "pkce"):
        kind = {"api_key": "API key", "basic": "API token"}.get(creds.method, "token")
        return False, (
            f"The {kind} you gave stays valid at {service.name} until you revoke it there."
        )
    oauth = service.oauth
    token = creds.access_token.get_secret_value()
    try:
        if oauth is not None and oauth.revocation_url:
            refresh = creds.refresh_token.get_secret_value() if creds.refresh_token else None
            done = False
            # The refresh token first: revoking it ends the whole grant on most servers.
            for value, hint in ((refresh, "refresh_token"), (token, "access_token")):
                if value:
                    form = {**oauth.client_auth(), "token": value, "token_type_hint": hint}
                    ok = await revoke_request(
                        http,
                        oauth.revocation_url,
                        form,
                        service=service.name,
                        headers=oauth.client_headers(),
                    )
                    done = ok or done
            if done:
                return True, f"The token was revoked at {service.name}."
            return False, f"{service.name} cannot revoke this kind of token."
        connector = probe()
        try:
            app = OAuthApp(oauth.client_id, oauth.client_secret) if oauth else None
            ok = await connector.revoke(token, app)
        finally:
            await connector.ctx.http.aclose()
        if ok:
            return True, f"The token was revoked at {service.name}."
    except TielineError as exc:
        log.warning("revoking the %s token failed: %s", service.name, exc.message)
        return False, f"{service.name} could not revoke the token: {redact(exc.message)}"
    return False, service.revoke_help or f"{service.name} offers no way to end the token from here."


def _done(creds: Credentials) -> asyncio.Future[Credentials]:
    f: asyncio.Future[Credentials] = asyncio.get_running_loop().create_future()
    f.set_result(creds)
    return f
