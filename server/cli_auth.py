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
from collections.abc import Callable
from typing import TextIO

import httpx

from connectors.sdk.errors import AuthError, ConfigError, TielineError, TransportError
from connectors.sdk.manifest import Manifest
from connectors.sdk.redact import redact
from server.cli import EXIT_AUTH, EXIT_CONFIG, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE
from server.hub.auth import (
    ConsentRequest,
    DeviceCode,
    GrantRecorder,
    ServiceAuth,
    consent_request,
    env_credentials,
    login_device,
    login_web,
    login_with_token,
    resolve_service,
    select_account,
)
from server.hub.grants import StoreGrants
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


def _manifest(service: str) -> Manifest:
    """The connector's manifest, straight from its entry point.

    Not through the registry: signing in needs only the manifest, and must work even while
    a connector fails the registry's capability check.
    """
    from importlib.metadata import entry_points

    eps = {ep.name: ep for ep in entry_points(group="tieline.connectors")}
    if service not in eps:
        known = ", ".join(sorted(eps)) or "none"
        raise TielineError(f"unknown service {service!r} (installed: {known})")
    cls = eps[service].load()
    manifest = cls.manifest()
    if not isinstance(manifest, Manifest):
        raise TielineError(f"connector {service!r} has no manifest")
    return manifest


def run_auth(
    args: argparse.Namespace,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    vault: Vault | None = None,
    grants: GrantRecorder | None = None,
    open_browser: Callable[[str], object] | None = None,
) -> int:
    """Entry point from :func:`server.cli.main` for ``tieline auth ...``."""
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    try:
        if args.auth_command is None:
            print("usage: tieline auth {login,status,logout} ...", file=err)
            return EXIT_USAGE
        manifest = _manifest(args.service) if getattr(args, "service", None) else None
        vault = vault or open_vault()
        grants = grants or StoreGrants()
        if args.auth_command == "login":
            assert manifest is not None
            return _login(args, manifest, vault, grants, stdin or sys.stdin, err, open_browser)
        if args.auth_command == "status":
            return _status(manifest, vault, out, err)
        if args.auth_command == "logout":
            assert manifest is not None
            return _logout(args, manifest, vault, err)
        print(f"unknown auth action {args.auth_command!r}", file=err)
        return EXIT_USAGE
    except ConfigError as exc:
        print(f"tieline: {redact(exc.message)}", file=err)
        return EXIT_CONFIG
    except AuthError as exc:
        print(f"tieline: {redact(exc.message)}", file=err)
        return EXIT_AUTH
    except TransportError as exc:
        print(f"tieline: {redact(exc.message)}", file=err)
        return EXIT_PROBLEM
    except TielineError as exc:  # e.g. an unknown connector id
        print(f"tieline: {redact(exc.message)}", file=err)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("tieline: sign-in interrupted; nothing was stored", file=err)
        return EXIT_AUTH


def _login(
    args: argparse.Namespace,
    manifest: Manifest,
    vault: Vault,
    grants: GrantRecorder,
    stdin: TextIO,
    err: TextIO,
    open_browser: Callable[[str], object] | None,
) -> int:
    service = resolve_service(manifest, host=args.host)
    if args.with_token:
        if "token" not in service.methods:
            raise ConfigError(f"{service.name} does not take personal tokens")
        token = stdin.read()

        async def with_token() -> Credentials:
            async with httpx.AsyncClient(timeout=30) as http:
                return await login_with_token(service, token, http=http, vault=vault, grants=grants)

        creds = asyncio.run(with_token())
        print(consent_request(service, creds.account.label).text(), file=err)
    else:
        prompter = TerminalConsentPrompter(err, interactive=sys.stdin.isatty())
        if args.web:
            opener = open_browser or _open_browser(err)

            async def web() -> Credentials:
                async with httpx.AsyncClient(timeout=30) as http:
                    return await login_web(
                        service, http=http, vault=vault, grants=grants, prompter=prompter,
                        open_browser=opener, assume_yes=args.yes,
                    )  # fmt: skip

            creds = asyncio.run(web())
        else:

            async def device() -> Credentials:
                async with httpx.AsyncClient(timeout=30) as http:
                    return await login_device(
                        service, http=http, vault=vault, grants=grants, prompter=prompter,
                        show=lambda code: _show_code(code, service, err), assume_yes=args.yes,
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


def _describe(a: AccountSummary, now: float) -> str:
    parts: list[str] = [a.method]
    if a.scopes:
        parts.append("scopes: " + ", ".join(a.scopes))
    if a.expires_at is not None:
        left = a.expires_at - now
        when = f"expires in {int(left // 60)} min" if left > 0 else "access token expired"
        parts.append(when + ("; renews itself" if a.has_refresh_token else ""))
    return f"{a.connector:<10} {a.host:<24} {a.login:<20} ({'; '.join(parts)})"


def _status(manifest: Manifest | None, vault: Vault, out: TextIO, err: TextIO) -> int:
    accounts = vault.accounts(manifest.id if manifest else None)
    now = time.time()
    for a in accounts:
        print(_describe(a, now), file=out)
    env_tokens = []
    if manifest is not None:
        svc = resolve_service(manifest)
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


def _logout(args: argparse.Namespace, manifest: Manifest, vault: Vault, err: TextIO) -> int:
    host = args.host.lower() if args.host else None
    account = select_account(vault, manifest.id, host=host, login=args.account).account
    vault.forget(account)
    print(
        f"Signed out {account.label} from {manifest.name}; its credentials were removed from"
        f" the {vault.describe()}. The token itself stays valid at {manifest.name} until you"
        " revoke it there.",
        file=err,
    )
    return EXIT_OK
