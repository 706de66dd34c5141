"""Signing in from the editor: ``tieline/auth/*`` for the shells, ``tieline.signIn`` and
``tieline.signOut`` commands for every other editor.

Sign-in is the device flow: the editor gets the user code at once (``pending``), the server
polls in the background, and when the account is stored the workspace reconnects and the
panels refresh. Before any code is requested the user sees which scopes are asked for and
why (``window/showMessageRequest``); the answer is recorded as a grant.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import httpx
from lsprotocol import types

from connectors.sdk.errors import ConsentRequired, TielineError
from server.hub.auth import ConsentRequest, DeviceCode, login_device, resolve_service
from server.hub.credentials import VaultCredentials
from server.hub.grants import StoreGrants
from server.hub.vault import AccountRef

from .. import tieline_protocol as proto
from ..guard import guarded
from ..server import TielineServer
from . import notify
from .panels import _plain

log = logging.getLogger("tieline.lsp")
ALLOW = "Allow"


class EditorConsent:
    """Asks in the editor, with the same text the CLI prints."""

    def __init__(self, ls: TielineServer) -> None:
        self.ls = ls

    async def ask(self, request: ConsentRequest) -> bool:
        choice = await self.ls.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=types.MessageType.Info,
                message=request.text(),
                actions=[
                    types.MessageActionItem(title=ALLOW),
                    types.MessageActionItem(title="Cancel"),
                ],
            )
        )
        return choice is not None and choice.title == ALLOW


def _vault_credentials(ls: TielineServer) -> VaultCredentials:
    hub = ls.hub
    if hub is None or not isinstance(hub.credentials, VaultCredentials):
        raise TielineError("signing in needs the vault, which is not available")
    if hub.credentials.vault is None:
        raise TielineError(f"the vault is unavailable: {hub.credentials.error}")
    return hub.credentials


async def sign_in(ls: TielineServer, connector: str, host: str | None) -> proto.SignInResult:
    hub = await ls.wait_hub()
    if hub is None:
        return proto.SignInResult(state="failed", message="Tieline is still starting")
    creds = _vault_credentials(ls)
    manifest = hub.registry.get(connector).manifest()
    settings = getattr(hub.config.connectors, connector).model_dump()
    service = resolve_service(manifest, host=host, settings=settings, env=hub.environ)
    if service.oauth is None or not service.oauth.client_id:
        return proto.SignInResult(
            state="failed",
            message=f"No OAuth client id is configured for {service.name}: set "
            f"connectors.{connector}.clientId, or run `tieline auth login {connector} "
            "--with-token` in a terminal.",
        )
    loop = asyncio.get_running_loop()
    shown: asyncio.Future[DeviceCode] = loop.create_future()
    http = httpx.AsyncClient(timeout=30)
    assert creds.vault is not None
    task = asyncio.create_task(
        login_device(
            service,
            http=http,
            vault=creds.vault,
            grants=StoreGrants(hub.store),
            prompter=EditorConsent(ls),
            show=lambda code: None if shown.done() else shown.set_result(code),
        )
    )
    waiting: set[asyncio.Future[Any]] = {shown, task}
    await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        await http.aclose()
        exc = task.exception()
        if isinstance(exc, ConsentRequired):
            return proto.SignInResult(state="cancelled", message=exc.message)
        if exc is not None:
            msg = exc.message if isinstance(exc, TielineError) else type(exc).__name__
            return proto.SignInResult(state="failed", message=msg)
        return proto.SignInResult(state="signedIn", account=task.result().login)

    async def finish() -> None:
        try:
            account = await task
        except Exception as exc:
            msg = exc.message if isinstance(exc, TielineError) else type(exc).__name__
            ls.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Error, message=f"{service.name} sign-in failed: {msg}"
                )
            )
            return
        finally:
            await http.aclose()
        ls.window_show_message(
            types.ShowMessageParams(
                type=types.MessageType.Info,
                message=f"Signed in to {service.name} as {account.login}",
            )
        )
        from .lifecycle import connect_and_sync

        await hub.reconnect()
        await connect_and_sync(ls)

    background = asyncio.ensure_future(finish())
    ls.background.add(background)
    background.add_done_callback(ls.background.discard)
    code = shown.result()
    return proto.SignInResult(
        state="pending",
        device_code=proto.DeviceCode(
            user_code=code.user_code,
            verification_uri=code.verification_uri,
            verification_uri_complete=code.verification_uri_complete,
            expires_in=int(code.expires_in),
            interval=int(code.interval),
        ),
    )


async def sign_in_interactive(
    ls: TielineServer, connector: str, host: str | None
) -> proto.SignInResult:
    """For editors without a shell: sign in, show the code, offer to open the browser."""
    result = await sign_in(ls, connector, host)
    code = result.device_code
    if code is not None:
        open_action = types.MessageActionItem(title="Open browser")
        choice = await ls.window_show_message_request_async(
            types.ShowMessageRequestParams(
                type=types.MessageType.Info,
                message=f"Enter the code {code.user_code} at {code.verification_uri}",
                actions=[open_action],
            )
        )
        if choice is not None:
            await ls.window_show_document_async(
                types.ShowDocumentParams(
                    uri=code.verification_uri_complete or code.verification_uri, external=True
                )
            )
    elif result.message:
        ls.window_show_message(
            types.ShowMessageParams(type=types.MessageType.Warning, message=result.message)
        )
    return result


async def auth_status(ls: TielineServer, connector: str | None) -> proto.AuthStatusResult:
    hub = await ls.wait_hub()
    out: list[proto.AccountStatus] = []
    if hub is not None and isinstance(hub.credentials, VaultCredentials):
        vault = hub.credentials.vault
        for a in vault.accounts(connector) if vault else []:
            out.append(
                proto.AccountStatus(
                    connector=a.connector,
                    host=a.host,
                    account=a.login,
                    signed_in=True,
                    method="token" if a.method == "env" else a.method,
                    scopes=list(a.scopes),
                    expires_at=None,
                )
            )
    if hub is not None:
        known = {(a.connector, a.host, a.account) for a in out}
        for s in hub.sessions.values():
            if (s.connector_id, s.host, s.login) not in known:  # an environment token
                out.append(
                    proto.AccountStatus(
                        connector=s.connector_id,
                        host=s.host,
                        account=s.login,
                        signed_in=True,
                        method="token",
                    )
                )
    return proto.AuthStatusResult(accounts=out)


async def sign_out(ls: TielineServer, p: proto.SignOutParams) -> proto.SignOutResult:
    hub = await ls.wait_hub()
    if hub is None:
        return proto.SignOutResult(signed_out=False)
    creds = _vault_credentials(ls)
    manifest = hub.registry.get(p.connector).manifest()
    host = p.host or resolve_service(manifest, env=hub.environ).host
    assert creds.vault is not None
    accounts = [a for a in creds.vault.accounts(p.connector, host) if p.account in (None, a.login)]
    if len(accounts) > 1 and p.account is None:
        raise TielineError(f"several accounts are signed in on {host}; name one to sign out")
    done = any(creds.vault.forget(AccountRef(a.connector, a.host, a.login)) for a in accounts)
    for a in accounts:
        await hub.drop_sessions(a.connector, a.host, a.login)
    notify.panels_changed(ls)
    return proto.SignOutResult(signed_out=done)


def setup(server: TielineServer) -> None:
    @server.feature(proto.AUTH_SIGN_IN)
    @guarded(proto.AUTH_SIGN_IN)
    async def sign_in_request(ls: TielineServer, params: Any) -> dict[str, Any]:
        p = proto.AuthParams.model_validate(_plain(params))
        return (await sign_in(ls, p.connector, p.host)).wire()

    @server.feature(proto.AUTH_STATUS)
    @guarded(proto.AUTH_STATUS)
    async def status_request(ls: TielineServer, params: Any = None) -> dict[str, Any]:
        p = proto.AuthStatusParams.model_validate(_plain(params) or {})
        return (await auth_status(ls, p.connector)).wire()

    @server.feature(proto.AUTH_SIGN_OUT)
    @guarded(proto.AUTH_SIGN_OUT)
    async def sign_out_request(ls: TielineServer, params: Any) -> dict[str, Any]:
        p = proto.SignOutParams.model_validate(_plain(params))
        return (await sign_out(ls, p)).wire()

    @server.command("tieline.signIn")
    @guarded("tieline.signIn")
    async def sign_in_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        connector = args[0] if args and isinstance(args[0], str) else "github"
        host = args[1] if len(args) > 1 and isinstance(args[1], str) else None
        return (await sign_in_interactive(ls, connector, host)).wire()

    @server.command("tieline.signOut")
    @guarded("tieline.signOut")
    async def sign_out_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        connector = args[0] if args and isinstance(args[0], str) else "github"
        host = args[1] if len(args) > 1 and isinstance(args[1], str) else None
        account = args[2] if len(args) > 2 and isinstance(args[2], str) else None
        p = proto.SignOutParams(connector=connector, host=host, account=account)
        return (await sign_out(ls, p)).wire()
