"""``tieline api ...``: manage Tieline's own API from a terminal -- register clients, approve
or deny what they ask for, list and revoke grants.

- ``api clients add NAME --redirect URI [--redirect URI...] [--scope S...] [--confidential]``
  prints the client id, and for a confidential client its secret, once: it is stored hashed.
- ``api clients list`` / ``api clients remove CLIENT_ID``
- ``api pending`` lists the consent requests waiting; ``api approve ID`` / ``api deny ID``
  answer one (the id the browser page or the device shows).
- ``api grants list`` / ``api grants revoke CLIENT_ID``

``--hub-config FILE`` (before the action) manages a team hub's provider instead of this
machine's: the database the hub's TOML file (and its ``TIELINE_HUB_*`` variables) names,
an SQLite file or the PostgreSQL database its nodes share -- the operator registers the
editors' clients and approves their device codes there.

Listings go to stdout; messages to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from server.exit_codes import EXIT_CONFIG, EXIT_NOT_FOUND, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE

if TYPE_CHECKING:
    from server.hub.oauth_provider.admin import ApiAdmin


def arguments(p: argparse.ArgumentParser) -> None:
    """The ``api`` command's sub-commands (added by :mod:`server.cli`)."""
    p.add_argument(
        "--hub-config",
        type=Path,
        default=None,
        metavar="FILE",
        help="manage the team hub configured by FILE (its database_url, with TIELINE_HUB_*"
        " overrides) instead of this machine's Tieline",
    )
    sub = p.add_subparsers(dest="api_command", metavar="ACTION")
    c = sub.add_parser("clients", help="register, list and remove API clients")
    csub = c.add_subparsers(dest="clients_command", metavar="ACTION")
    add = csub.add_parser("add", help="register a client")
    add.add_argument("name", help="shown to you whenever the client asks for access")
    add.add_argument(
        "--redirect",
        action="append",
        default=[],
        metavar="URI",
        help="a redirect URI: http://127.0.0.1/path (any port), http://[::1]/path, a private"
        " scheme such as com.example.app:/cb, or https (confidential clients); repeatable",
    )
    add.add_argument(
        "--scope",
        action="append",
        default=[],
        metavar="SCOPE",
        help="a scope the client may ask for (default: all); repeatable",
    )
    add.add_argument(
        "--confidential",
        action="store_true",
        help="a client that can keep a secret (a server); default: public (a native app, CLI)",
    )
    csub.add_parser("list", help="list registered clients")
    rm = csub.add_parser("remove", help="remove a client; its tokens stop working")
    rm.add_argument("client_id")

    sub.add_parser("pending", help="list the consent requests waiting for you")
    ap = sub.add_parser("approve", help="allow a waiting request")
    ap.add_argument("request_id", help="the id shown by the browser page or the device")
    dn = sub.add_parser("deny", help="refuse a waiting request")
    dn.add_argument("request_id")

    g = sub.add_parser("grants", help="what you allowed each client")
    gsub = g.add_subparsers(dest="grants_command", metavar="ACTION")
    gsub.add_parser("list", help="list grants")
    rv = gsub.add_parser("revoke", help="withdraw a grant; the client's tokens stop working")
    rv.add_argument("client_id")


def run_api(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    from connectors.sdk.errors import ConfigError, StoreError
    from server.hub.oauth_provider.errors import (
        InvalidClientConfig,
        OAuthProviderError,
        UnknownClient,
        UnknownConsentRequest,
        UnknownGrant,
    )

    try:
        return asyncio.run(_run(args, out, err))
    except ConfigError as exc:
        print(f"tieline api: {exc.message}", file=err)
        return EXIT_CONFIG
    except StoreError as exc:
        print(f"tieline api: {exc.message}", file=err)
        return EXIT_PROBLEM
    except InvalidClientConfig as exc:
        print(f"tieline api: {exc}", file=err)
        return EXIT_CONFIG
    except (UnknownClient, UnknownConsentRequest, UnknownGrant) as exc:
        print(f"tieline api: {exc}", file=err)
        return EXIT_NOT_FOUND
    except OAuthProviderError as exc:
        print(f"tieline api: {exc}", file=err)
        return EXIT_PROBLEM


async def _run(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from server.hub import paths
    from server.hub.oauth_provider.admin import ApiAdmin

    target: Path | str = paths.database_file()
    if getattr(args, "hub_config", None) is not None:
        from server.teamhub.config import load
        from server.teamhub.service import database_target

        target = database_target(load(args.hub_config).database_url)
    admin = await ApiAdmin(target).ready()
    try:
        return await _act(admin, args, out, err)
    finally:
        admin.storage.close()


async def _act(admin: ApiAdmin, args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from server.hub.oauth_provider import scopes
    from server.hub.oauth_provider.consent import consent_text

    cmd = args.api_command
    if cmd == "clients" and args.clients_command == "add":
        reg = await admin.add_client(
            args.name,
            kind="confidential" if args.confidential else "public",
            redirect_uris=args.redirect,
            scopes=args.scope,
        )
        c = reg.client
        print(f"client_id: {c.client_id}", file=out)
        if reg.secret is not None:
            print(f"client_secret: {reg.secret}", file=out)
            print("This secret is shown once and cannot be read back; keep it now.", file=err)
        print(f"scopes: {' '.join(c.scopes)}", file=err)
        return EXIT_OK
    if cmd == "clients" and args.clients_command == "list":
        for c in await admin.list_clients():
            uris = ", ".join(c.redirect_uris) or "(device only)"
            print(f"{c.client_id}  {c.kind:<12} {c.name}  [{' '.join(c.scopes)}]  {uris}", file=out)
        return EXIT_OK
    if cmd == "clients" and args.clients_command == "remove":
        gone = await admin.remove_client(args.client_id)
        print(f"removed {gone.name} ({gone.client_id}); its tokens no longer work", file=err)
        return EXIT_OK
    if cmd == "pending":
        for r in await admin.pending():
            print(consent_text(r), file=out)
            print(file=out)
        return EXIT_OK
    if cmd in ("approve", "deny"):
        request = await admin.request(args.request_id)
        print(consent_text(request), file=err)
        decided = await admin.decide(request.id, approve=cmd == "approve", by="cli")
        print(f"{decided.id}: {decided.status}", file=out)
        return EXIT_OK
    if cmd == "grants" and args.grants_command == "list":
        for g in await admin.list_grants():
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(g.granted_at))
            print(
                f"{g.client_id}  {g.client_name}  [{scopes.to_string(g.scopes)}]"
                f"  granted {when}, {g.live_tokens} live token(s)",
                file=out,
            )
        return EXIT_OK
    if cmd == "grants" and args.grants_command == "revoke":
        n = await admin.revoke_grant(args.client_id)
        print(f"revoked; {n} token(s) no longer work", file=err)
        return EXIT_OK
    print("tieline api: say what to do: clients, pending, approve, deny or grants", file=err)
    return EXIT_USAGE
