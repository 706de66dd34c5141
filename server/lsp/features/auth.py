"""Signing in from the editor, for any connector: ``tieline/auth/*`` and ``tieline/connectors``
for the shells, the ``tieline.signIn`` / ``tieline.signOut`` commands for every other editor.

The hub runs the flows (:mod:`server.hub.auth.orchestrator`); this module only speaks LSP.
A shell asks ``tieline/connectors`` for each connector's methods, collects a pasted secret in
an input box that never echoes it, and calls ``tieline/auth/signIn``. An editor without a
shell gets, from the command, a choice of methods (``window/showMessageRequest``), the
browser page opened for it (``window/showDocument``) -- the OAuth page, or a one-time page on
127.0.0.1 to paste a token into -- and the device code in a message. Before any OAuth flow
the person sees which scopes are asked for and why; the answer is recorded as a grant.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from connectors.sdk.errors import TielineError
from connectors.sdk.lazy import lazy_module

from .. import tieline_methods as methods
from ..common import choose, hub_or_fail, info, plain, warn
from ..guard import guarded
from ..server import TielineServer, client_supports_show_document
from . import notify

if TYPE_CHECKING:
    from server.hub.auth.consent import ConsentRequest
    from server.hub.auth.orchestrator import Pending
    from server.hub.hub import Hub

if TYPE_CHECKING:
    from .. import tieline_protocol as proto
else:  # the pydantic models load with the first tieline/* message, after initialize
    proto = lazy_module("server.lsp.tieline_protocol")

log = logging.getLogger("tieline.lsp")
ALLOW = "Allow"
PASTE_WAIT = 600.0


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


def _result(p: Pending) -> proto.SignInResult:
    code = p.device_code
    return proto.SignInResult(
        state=p.state,
        account=p.account,
        message=p.message,
        browser_url=p.browser_url,
        device_code=proto.DeviceCode(
            user_code=code.user_code,
            verification_uri=code.verification_uri,
            verification_uri_complete=code.verification_uri_complete,
            expires_in=int(code.expires_in),
            interval=int(code.interval),
        )
        if code
        else None,
    )


def _finish_in_background(ls: TielineServer, hub: Hub, p: Pending, connector: str) -> None:
    """When the flow completes: say so, open the sessions it makes possible, sync them."""
    done = p.done
    if done is None:
        return

    async def finish() -> None:
        try:
            creds = await done
        except Exception as exc:
            msg = exc.message if isinstance(exc, TielineError) else type(exc).__name__
            ls.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Error, message=f"{p.service} sign-in failed: {msg}"
                )
            )
            return
        info(ls, f"Signed in to {p.service} as {creds.login}")
        from .lifecycle import connect_and_sync

        await hub.reconnect(connector, creds.host)
        await connect_and_sync(ls)

    task = asyncio.ensure_future(finish())
    ls.background.add(task)
    task.add_done_callback(ls.background.discard)


async def sign_in(
    ls: TielineServer,
    p: proto.SignInParams,
    *,
    capabilities: Sequence[str] = (),
    account: str | None = None,
) -> proto.SignInResult:
    """Start a sign-in; ``capabilities`` and ``account`` make it add the scopes those
    capabilities need to a signed-in account (incremental consent)."""
    hub = await ls.wait_hub()
    if hub is None:
        return proto.SignInResult(state="failed", message="Tieline is still starting")
    try:
        pending = await hub.sign_ins.start(
            p.connector,
            p.host,
            p.method,
            prompter=EditorConsent(ls),
            token=p.token,
            username=p.username,
            capabilities=capabilities,
            account=account,
        )
    except TielineError as exc:
        return proto.SignInResult(state="failed", message=exc.message)
    if pending.state in ("pending", "signedIn"):
        _finish_in_background(ls, hub, pending, p.connector)
    return _result(pending)


async def _ask(ls: TielineServer, message: str, options: list[str]) -> str | None:
    if len(options) == 1:
        return options[0]
    return await choose(ls, message, options)


async def sign_in_interactive(
    ls: TielineServer, connector: str | None, host: str | None, method: str | None = None
) -> proto.SignInResult:
    """For editors without a shell: choose the service and the method, then run it with
    what LSP offers (messages, opening URLs)."""
    from server.hub.auth.orchestrator import method_label

    hub = await hub_or_fail(ls)
    sign_ins = hub.sign_ins
    if connector is None:
        names = {c.name: c.id for c in connectors(hub).connectors if c.ready and c.auth}
        picked = await _ask(ls, "Sign in to which service?", list(names))
        if picked is None:
            return proto.SignInResult(state="cancelled")
        connector = names[picked]
    methods = sign_ins.methods(connector)
    if not client_supports_show_document(ls):
        methods = [m for m in methods if m == "device"] or methods
    if method is None:
        user = hub.registry.manifest(connector).auth.username_label
        labels = {method_label(m, user): m for m in methods}
        picked = await _ask(ls, "How do you want to sign in?", list(labels)) if labels else None
        if picked is None:
            return proto.SignInResult(state="cancelled")
        method = labels[picked]
    if method in ("token", "api_key", "basic"):
        return await _paste_in_browser(ls, hub, connector, host, method)
    result = await sign_in(ls, proto.SignInParams(connector=connector, host=host, method=method))
    await present(ls, result)
    return result


async def present(ls: TielineServer, result: proto.SignInResult) -> None:
    """Show what a started sign-in needs from the person, with what LSP offers: the device
    code in a message, the OAuth page opened in the browser, or why it failed."""
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
    elif result.browser_url:
        await ls.window_show_document_async(
            types.ShowDocumentParams(uri=result.browser_url, external=True)
        )
    elif result.message:
        warn(ls, result.message)


async def _paste_in_browser(
    ls: TielineServer, hub: Hub, connector: str, host: str | None, method: str
) -> proto.SignInResult:
    """Open a one-time loopback page to paste the secret into; sign in with what arrives."""
    from server.hub.auth.paste import TokenForm

    service = hub.sign_ins.service(connector, host)
    label = {"api_key": "API key", "basic": "API token"}.get(method, "Personal access token")
    form = TokenForm(
        service.name,
        secret_label=label,
        username_label=service.username_label if method == "basic" else None,
        help_text=service.token_help,
    )
    await form.__aenter__()
    shown = await ls.window_show_document_async(
        types.ShowDocumentParams(uri=form.url, external=True)
    )
    if not (shown and shown.success):
        await form.close()
        msg = f"Run `tieline auth login {connector} --with-token` in a terminal instead."
        warn(ls, msg)
        return proto.SignInResult(state="failed", message=msg)

    async def wait_and_sign_in() -> None:
        try:
            pasted = await form.wait(PASTE_WAIT)
        except TielineError as exc:
            warn(ls, exc.message)
            return
        result = await sign_in(
            ls,
            proto.SignInParams(
                connector=connector,
                host=host,
                method=method,
                token=pasted.token,
                username=pasted.username,
            ),
        )
        if result.state != "signedIn":
            warn(ls, f"{service.name} sign-in failed: {result.message}")

    task = asyncio.ensure_future(wait_and_sign_in())
    ls.background.add(task)
    task.add_done_callback(ls.background.discard)
    return proto.SignInResult(state="pending", browser_url=form.url)


async def auth_status(ls: TielineServer, connector: str | None) -> proto.AuthStatusResult:
    hub = await ls.wait_hub()
    out: list[proto.AccountStatus] = []
    if hub is None:
        return proto.AuthStatusResult(accounts=out)
    vault = getattr(hub.credentials, "vault", None)
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
    known = {(a.connector, a.host, a.account) for a in out}
    for s in hub.sessions.values():
        if connector in (None, s.connector_id) and (s.connector_id, s.host, s.login) not in known:
            out.append(  # an environment token
                proto.AccountStatus(
                    connector=s.connector_id,
                    host=s.host,
                    account=s.login,
                    signed_in=True,
                    method="token",
                )
            )
    return proto.AuthStatusResult(accounts=out)


def connectors(hub: Hub) -> proto.ConnectorsResult:
    """Every installed connector as the shells need to know it."""
    from server.hub import endpoints
    from server.hub.auth.orchestrator import method_label

    from .panels import status

    health = {(c.connector, c.host, c.account): c.state for c in status(hub).connectors}
    sign_ins = hub.sign_ins
    out: list[proto.ConnectorInfo] = []
    for m in hub.registry.manifests():
        settings = hub.config.connectors[m.id]
        try:
            methods = sign_ins.methods(m.id)
        except TielineError:
            methods = []
        options = [
            proto.AuthOption(
                method=meth,
                label=method_label(meth, m.auth.username_label),
                secret_label={"api_key": "API key", "basic": "API token", "token": "Token"}.get(
                    meth
                ),
                username_label=m.auth.username_label if meth == "basic" else None,
                help=m.auth.token_help or None,
            )
            for meth in methods
        ]
        accounts = [
            proto.ConnectorAccount(
                host=s.host,
                account=s.login,
                state=health.get((s.connector_id, s.host, s.login), "healthy"),
            )
            for s in hub.sessions.values()
            if s.connector_id == m.id
        ]
        out.append(
            proto.ConnectorInfo(
                id=m.id,
                name=m.name,
                description=m.description,
                capabilities=list(m.capabilities),
                attach=m.attach.kind,
                hosts=endpoints.hosts(m, settings),
                enabled=settings.enabled,
                ready=endpoints.public_host(m, settings) is not None,
                auth=options,
                accounts=accounts,
            )
        )
    return proto.ConnectorsResult(connectors=out)


async def sign_out(ls: TielineServer, p: proto.SignOutParams) -> proto.SignOutResult:
    hub = await ls.wait_hub()
    if hub is None:
        return proto.SignOutResult(signed_out=False)
    done = await hub.sign_ins.sign_out(p.connector, p.host, p.account)
    if done.message:
        info(ls, done.message)
    notify.panels_changed(ls)
    return proto.SignOutResult(signed_out=done.signed_out, revoked=done.revoked)


def _str(args: tuple[Any, ...], i: int) -> str | None:
    return args[i] if len(args) > i and isinstance(args[i], str) else None


def setup(server: TielineServer) -> None:
    @server.feature(methods.AUTH_SIGN_IN)
    @guarded(methods.AUTH_SIGN_IN)
    async def sign_in_request(ls: TielineServer, params: Any) -> dict[str, Any]:
        p = proto.SignInParams.model_validate(plain(params))
        return (await sign_in(ls, p)).wire()

    @server.feature(methods.AUTH_STATUS)
    @guarded(methods.AUTH_STATUS)
    async def status_request(ls: TielineServer, params: Any = None) -> dict[str, Any]:
        p = proto.AuthStatusParams.model_validate(plain(params) or {})
        return (await auth_status(ls, p.connector)).wire()

    @server.feature(methods.AUTH_SIGN_OUT)
    @guarded(methods.AUTH_SIGN_OUT)
    async def sign_out_request(ls: TielineServer, params: Any) -> dict[str, Any]:
        p = proto.SignOutParams.model_validate(plain(params))
        return (await sign_out(ls, p)).wire()

    @server.feature(methods.CONNECTORS)
    @guarded(methods.CONNECTORS)
    async def connectors_request(ls: TielineServer, params: Any = None) -> dict[str, Any]:
        hub = await hub_or_fail(ls)
        return connectors(hub).wire()

    @server.command("tieline.signIn")
    @guarded("tieline.signIn")
    async def sign_in_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        return (await sign_in_interactive(ls, _str(args, 0), _str(args, 1), _str(args, 2))).wire()

    @server.command("tieline.signOut")
    @guarded("tieline.signOut")
    async def sign_out_command(ls: TielineServer, *args: Any) -> dict[str, Any]:
        hub = await hub_or_fail(ls)
        connector = _str(args, 0)
        if connector is None:
            names = {c.name: c.id for c in connectors(hub).connectors if c.accounts}
            picked = await _ask(ls, "Sign out of which service?", list(names)) if names else None
            if picked is None:
                return proto.SignOutResult(signed_out=False).wire()
            connector = names[picked]
        p = proto.SignOutParams(connector=connector, host=_str(args, 1), account=_str(args, 2))
        return (await sign_out(ls, p)).wire()
