"""``tieline auth login|status|logout``: sign in to services from a terminal.

Everything a person reads goes to stderr except the ``status`` listing (stdout, so it can be
piped). Errors are one line saying what to do next; exit codes come from :mod:`server.cli`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
import webbrowser
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any, TextIO

import httpx

from connectors.sdk.errors import (
    AuthError,
    ConfigError,
    ServiceError,
    TielineError,
    TransportError,
)
from connectors.sdk.manifest import Manifest
from connectors.sdk.redact import redact
from connectors.sdk.settings import ConnectorSettings
from server.cli_common import load_config, manifest_of
from server.exit_codes import EXIT_AUTH, EXIT_CONFIG, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE
from server.hub.auth import (
    ConsentRequest,
    DeviceCode,
    GrantRecorder,
    ServiceAuth,
    Whoami,
    connector_whoami,
    consent_request,
    env_credentials,
    login_device,
    login_web,
    login_with_token,
    resolve_service,
    select_account,
)
from server.hub.auth.service import holds
from server.hub.grants import StoreGrants
from server.hub.http import NetworkSettings
from server.hub.vault import AccountSummary, Credentials, Vault, open_vault


class TerminalConsentPrompter:
    """Asks on the terminal. Without one (piped input, CI), it refuses and says to use --yes."""

    def __init__(
        self, out: TextIO, ask: Callable[[str], str] | None = None, interactive: bool = True
    ) -> None:
        self.out = out
        self._ask = ask or input
        self.interactive = interactive

    async def ask(self, request: ConsentRequest) -> bool:
        print(request.text(), file=self.out)
        if not self.interactive:
            print("No terminal to ask on; pass --yes to agree to these permissions.", file=self.out)
            return False
        answer = await asyncio.to_thread(self._ask, "Grant these permissions? [y/N] ")
        return answer.strip().lower() in ("y", "yes")


def run_auth(
    args: argparse.Namespace,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    vault: Vault | None = None,
    grants: GrantRecorder | None = None,
    open_browser: Callable[[str], object] | None = None,
    whoami: Whoami | None = None,
) -> int:
    """Entry point from :func:`server.cli.main` for ``tieline auth ...``.

    Every command reads the configuration a server opened in this directory would
    (``.tieline.toml`` included), so sign-in goes to the API the workspace names.
    """
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        if args.auth_command is None:
            print("usage: tieline auth {login,status,logout} ...", file=err)
            return EXIT_USAGE
        manifest = manifest_of(args.service) if getattr(args, "service", None) else None
        loaded = load_config()
        vault = vault or open_vault()
        grants = grants or StoreGrants()
        if args.auth_command == "login":
            assert manifest is not None
            settings = loaded.config.connectors.get(manifest.id)
            caps = tuple(getattr(args, "capabilities", None) or ())
            unknown = [c for c in caps if c not in manifest.capabilities]
            if unknown:
                raise ConfigError(
                    f"{manifest.name} has no capability {', '.join(unknown)}"
                    f" (it has {', '.join(manifest.capabilities)})"
                )
            account: str | None = None
            granted: Collection[str] = ()
            if getattr(args, "account", None):
                host = resolve_service(manifest, host=args.host, settings=settings).host
                account = f"{args.account}@{host}"
                found = asyncio.run(grants.get_grant(manifest.id, account))
                granted = found or ()
            service = resolve_service(
                manifest,
                host=args.host,
                settings=settings,
                capabilities=caps,
                granted=granted,
            )
            if whoami is None:
                from connectors.sdk import default_registry

                net = loaded.config.network
                whoami = connector_whoami(
                    default_registry(),
                    network=NetworkSettings(
                        ca_bundle=Path(net.ca_bundle) if net.ca_bundle else None,
                        timeout=net.timeout,
                    ),
                )
            return _login(
                args, service, vault, grants, stdin or sys.stdin, err, open_browser, whoami,
                account,
            )  # fmt: skip
        if args.auth_command == "status":
            settings = loaded.config.connectors.get(manifest.id) if manifest else None
            return _status(manifest, settings, vault, out, err)
        if args.auth_command == "logout":
            assert manifest is not None
            service = resolve_service(
                manifest, host=args.host, settings=loaded.config.connectors.get(manifest.id)
            )
            return _logout(args, manifest, service, vault, err)
        print(f"unknown auth action {args.auth_command!r}", file=err)
        return EXIT_USAGE
    except ConfigError as exc:
        print(f"tieline: {redact(exc.message)}", file=err)
        return EXIT_CONFIG
    except AuthError as exc:
        print(f"tieline: {redact(exc.message)}", file=err)
        return EXIT_AUTH
    except (TransportError, ServiceError) as exc:  # unreachable, down, rate-limiting
        print(f"tieline: {redact(exc.message)}", file=err)
        return EXIT_PROBLEM
    except TielineError as exc:  # e.g. an unknown connector id
        print(f"tieline: {redact(exc.message)}", file=err)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("tieline: sign-in interrupted; nothing was stored", file=err)
        return EXIT_AUTH


def _secret_method(args: argparse.Namespace, service: ServiceAuth) -> str | None:
    """The pasted-secret method asked for: ``--method``, else what ``--with-token`` means
    for this service (its token, API key or basic method, in that order)."""
    if args.method in ("token", "api_key", "basic"):
        return str(args.method)
    if not args.with_token:
        return None
    for m in ("token", "api_key", "basic"):
        if m in service.methods:
            return m
    raise ConfigError(f"{service.name} does not take personal tokens or API keys")


def _login(
    args: argparse.Namespace,
    service: ServiceAuth,
    vault: Vault,
    grants: GrantRecorder,
    stdin: TextIO,
    err: TextIO,
    open_browser: Callable[[str], object] | None,
    whoami: Whoami,
    account: str | None = None,
) -> int:
    method = _secret_method(args, service)
    if method is not None:
        if method not in service.methods:
            raise ConfigError(f"{service.name} does not take sign-in by {method}")
        token = stdin.read()
        user = args.user
        if method == "basic" and not user:
            raise ConfigError(f"{service.name} needs --user ({service.username_label})")

        async def with_token() -> Credentials:
            async with httpx.AsyncClient(timeout=30) as http:
                return await login_with_token(
                    service, token, http=http, vault=vault, grants=grants, whoami=whoami,
                    method=method, username=user,  # type: ignore[arg-type]
                )  # fmt: skip

        creds = asyncio.run(with_token())
        print(consent_request(service, creds.account.label).text(), file=err)
    else:
        prompter = TerminalConsentPrompter(err, interactive=sys.stdin.isatty())
        if args.web or args.method == "pkce":
            opener = open_browser or _open_browser(err)

            async def web() -> Credentials:
                async with httpx.AsyncClient(timeout=30) as http:
                    return await login_web(
                        service, http=http, vault=vault, grants=grants, prompter=prompter,
                        open_browser=opener, assume_yes=args.yes, whoami=whoami,
                        account=account,
                    )  # fmt: skip

            creds = asyncio.run(web())
        else:

            async def device() -> Credentials:
                async with httpx.AsyncClient(timeout=30) as http:
                    return await login_device(
                        service, http=http, vault=vault, grants=grants, prompter=prompter,
                        show=lambda code: _show_code(code, service, err), assume_yes=args.yes,
                        whoami=whoami, account=account,
                    )  # fmt: skip

            creds = asyncio.run(device())
    print(
        f"Signed in to {service.name} ({service.host}) as {creds.login}."
        f" Credentials are kept in the {vault.describe()}.",
        file=err,
    )
    return EXIT_OK


def _open_browser(err: TextIO) -> Callable[[str], object]:
    def opener(url: str) -> object:
        print(f"Opening your browser to sign in. If it does not open, visit:\n  {url}", file=err)
        return webbrowser.open(url)

    return opener


def _show_code(code: DeviceCode, service: ServiceAuth, err: TextIO) -> None:
    print(
        f"To sign in to {service.name}, open {code.verification_uri} and enter the code:\n"
        f"    {code.user_code}\nWaiting for you to confirm (Ctrl-C to cancel)...",
        file=err,
    )


def _waiting(a: AccountSummary) -> list[str]:
    """The capabilities whose scopes this OAuth account was not granted: asked the first
    time a feature uses them (or now, with ``auth login --for CAPABILITY --account``)."""
    if a.method not in ("pkce", "device"):
        return []
    try:
        oauth = manifest_of(a.connector).auth.oauth2
    except TielineError:
        return []
    if oauth is None:
        return []
    caps = dict.fromkeys(c for s in oauth.scopes for c in s.capabilities)
    return [c for c in caps if any(not holds(a.scopes, s.name) for s in oauth.scopes_for([c]))]


def _describe(a: AccountSummary, now: float) -> str:
    parts: list[str] = [a.method]
    if a.scopes:
        parts.append("scopes: " + ", ".join(a.scopes))
    if waiting := _waiting(a):
        parts.append("not yet allowed: " + ", ".join(waiting))
    if a.expires_at is not None:
        left = a.expires_at - now
        when = f"expires in {int(left // 60)} min" if left > 0 else "access token expired"
        parts.append(when + ("; renews itself" if a.has_refresh_token else ""))
    return f"{a.connector:<10} {a.host:<24} {a.login:<20} ({'; '.join(parts)})"


def _status(
    manifest: Manifest | None,
    settings: ConnectorSettings | None,
    vault: Vault,
    out: TextIO,
    err: TextIO,
) -> int:
    accounts = vault.accounts(manifest.id if manifest else None)
    now = time.time()
    for a in accounts:
        print(_describe(a, now), file=out)
    env_tokens = []
    if manifest is not None:
        svc = resolve_service(manifest, settings=settings)
        if env_credentials(svc, os.environ) is not None:
            env_tokens.append(f"{svc.connector}: a token is set in {svc.token_env}")
    for line in env_tokens:
        print(line, file=out)
    print(f"Vault: {vault.describe()}", file=err)
    if not accounts and not env_tokens:
        which = manifest.id if manifest else "SERVICE"
        print(f"Not signed in. Run: tieline auth login {which}", file=err)
        return EXIT_PROBLEM
    return EXIT_OK


def _logout(
    args: argparse.Namespace, manifest: Manifest, service: ServiceAuth, vault: Vault, err: TextIO
) -> int:
    """Forget the account and, for a token Tieline obtained through OAuth, end it at the
    service too."""
    host = args.host.lower() if args.host else None
    account = select_account(vault, manifest.id, host=host, login=args.account).account
    creds = vault.load(account)
    note = ""
    if creds is not None:
        note = asyncio.run(_revoke(service, creds))
    vault.forget(account)
    print(
        f"Signed out {account.label} from {manifest.name}; its credentials were removed from"
        f" the {vault.describe()}. {note}".rstrip(),
        file=err,
    )
    return EXIT_OK


async def _revoke(service: ServiceAuth, creds: Credentials) -> str:
    from connectors.sdk import default_registry
    from server.hub.auth import SecretAuth, header_for
    from server.hub.auth.orchestrator import revoke
    from server.hub.sessions import build_connector

    def probe() -> Any:
        registry = default_registry()
        manifest = registry.manifest(service.connector)
        auth = SecretAuth(
            creds.access_token.get_secret_value(),
            header=header_for(manifest, creds.method),
            username=creds.username,
        )
        assert service.settings is not None
        return build_connector(
            registry, service.connector, service.settings, service.host, creds.login, auth
        )

    async with httpx.AsyncClient(timeout=30) as http:
        _, note = await revoke(service, creds, http=http, probe=probe)
    return note
