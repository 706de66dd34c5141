"""``tieline doctor``: everything a person needs to see to trust (or fix) their setup.

It reads the same layers, vault and database the server uses, checks each signed-in account
against its service (one cheap call each), and prints local metrics the server recorded.
Nothing is sent anywhere but to the services being checked. Exit code 1 when something is
failing, so scripts can use it.
"""

from __future__ import annotations

import asyncio
import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

import httpx

from connectors.sdk.errors import TielineError
from server import __version__
from server.cli_common import workspace_root
from server.exit_codes import EXIT_OK, EXIT_PROBLEM
from server.hub import endpoints, paths
from server.hub.credentials import VaultCredentials, env_auth
from server.hub.hub import Hub
from server.hub.store.migrate import current_version
from server.hub.vault import Vault

CHECK_WAIT = 15.0


def run_doctor(*, cwd: Path | None = None, out: TextIO | None = None) -> int:
    return asyncio.run(_doctor(cwd or Path.cwd(), out or sys.stdout))


async def _doctor(cwd: Path, out: TextIO) -> int:
    problems = 0

    def say(text: str = "") -> None:
        print(text, file=out)

    say(f"Tieline {__version__} on Python {platform.python_version()} ({sys.platform})")
    hub = await Hub.open(root=workspace_root(cwd))
    try:
        say("\nConfiguration")
        for source in hub.state.sources or ["built-in defaults only"]:
            say(f"  layer: {source}")
        say(f"  user file: {paths.user_config_file()}")
        for p in hub.state.problems:
            say(f"  problem: {p}")
        problems += len(hub.state.problems)

        say("\nVault")
        creds = hub.credentials
        vault = creds.vault if isinstance(creds, VaultCredentials) else None
        if vault is not None:
            say(f"  {vault.describe()}")
        else:
            error = creds.error if isinstance(creds, VaultCredentials) else None
            say(f"  unavailable: {error or 'no vault configured'}")

        say("\nDatabase")
        db = paths.database_file()
        size = db.stat().st_size if db.exists() else 0
        say(f"  {db} (schema {await current_version(hub.store)}, {size // 1024} KiB, WAL)")
        say(f"  log file: {paths.log_dir() / 'tieline.log'}")

        say("\nTeam hub")
        from server.hub.teamlink.link import stored_status

        for line in await stored_status(hub.store, hub.config.team_hub):
            say(f"  {line}")

        say("\nWorkspace")
        for folder in hub.folders:
            if not folder.remotes:
                say(f"  {folder.path}: not a clone of a repository on a configured host")
            for ws in folder.remotes:
                name = hub.registry.manifest(ws.connector).name if ws.connector else "?"
                say(
                    f"  {ws.root}: {ws.repo} via {ws.remote}, branch {ws.branch or '(detached)'}"
                    f" ({name})"
                )

        say("\nConnectors")
        reg = hub.registry
        for b in reg.broken:
            say(f"  {b.name}: BROKEN: {b.error}")
            problems += 1
        for m in reg:
            settings = hub.settings(m.id)
            host = endpoints.public_host(m, settings)
            note = ""
            if not settings.enabled:
                note = " -- disabled in configuration"
            elif host is None:
                note = f" -- set connectors.{m.id}.site to use it"
            say(f"  {m.name} ({m.id}): {', '.join(m.capabilities)}{note}")
            if settings.enabled and host is not None:
                problems += await _check_accounts(hub, m.id, vault, say)
        metrics = await hub.store.all_metrics()
        if metrics:
            say("\nLocal metrics (recorded by the server, never sent anywhere)")
            for row in metrics:
                latency = f"{row.mean_latency * 1000:.0f} ms" if row.mean_latency else "-"
                hits = row.cache_hits / row.requests if row.requests else 0.0
                say(
                    f"  {row.connector} {row.account}: {row.requests} requests, "
                    f"{row.error_rate:.0%} errors, {hits:.0%} from cache, mean {latency}, "
                    f"rate limit left {_or_dash(row.rate_limit_remaining)}"
                )
                if row.last_error:
                    say(f"    last error: {row.last_error}")
    finally:
        await hub.close()
    say("\n" + ("Everything looks fine." if not problems else f"{problems} problem(s) found."))
    return EXIT_OK if not problems else EXIT_PROBLEM


async def _check_accounts(
    hub: Hub, connector: str, vault: Vault | None, say: Callable[[str], None]
) -> int:
    problems = 0
    manifest = hub.registry.manifest(connector)
    settings = hub.settings(connector)
    public = endpoints.public_host(manifest, settings)
    targets: list[tuple[str, str, httpx.Auth, str]] = []
    if vault is not None:
        for a in vault.accounts(connector):
            found = hub.credentials.auth_for(
                manifest, a.host, preferred=a.login, public_host=public
            )
            if found is not None:
                targets.append((a.host, a.login, found.auth, found.method))
    token_env = manifest.auth.token_env
    if token_env and os.environ.get(token_env) and public:
        env = env_auth(manifest, os.environ, public, public)
        if env is not None:
            targets.append((public, f"(${token_env})", env.auth, env.method))
    if not targets:
        say(f"    no account signed in: tieline auth login {connector}")
        return 0
    for host, login, auth, method in targets:
        try:
            probe = hub.build_connector(connector, host, login, auth, method=method)
        except TielineError as exc:
            say(f"    {login}@{host}: FAILING: {exc.message}")
            problems += 1
            continue
        try:
            result = await asyncio.wait_for(probe.check(), CHECK_WAIT)
        except (TielineError, TimeoutError) as exc:
            msg = exc.message if isinstance(exc, TielineError) else "no answer in time"
            say(f"    {login}@{host}: FAILING: {msg}")
            problems += 1
            continue
        finally:
            await probe.ctx.http.aclose()
        if not result.ok:
            say(f"    {login}@{host}: FAILING: {result.detail or 'the check failed'}")
            problems += 1
            continue
        left = (
            f"{result.rate_limit_remaining}/{result.rate_limit_limit}"
            if result.rate_limit_remaining is not None
            else "unknown"
        )
        say(
            f"    {result.account or login}@{host}: healthy, rate limit left {left}"
            + (f", scopes {', '.join(result.scopes)}" if result.scopes else "")
        )
    return problems


def _or_dash(value: object) -> str:
    return "-" if value is None else str(value)
