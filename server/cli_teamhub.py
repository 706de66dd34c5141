"""``tieline teamhub``: the team hub this Tieline follows for pushed changes.

- ``tieline teamhub token [--record ID] [--delete]`` -- keep the hub's access token (from its
  OAuth provider) in the vault, under ``team_hub.token_ref`` (else ``teamhub:<host>``): read
  from stdin, or a prompt at a terminal so it stays out of shell history. A running server
  that was refused tries the new token within half a minute.
- ``tieline teamhub status`` -- the link as the server last left it: its state and since
  when, and the last event id a restart resumes from.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Mapping
from typing import TextIO

from connectors.sdk.errors import ConfigError, TielineError
from connectors.sdk.redact import redact
from server.exit_codes import EXIT_CONFIG, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE
from server.hub import config as config_mod
from server.hub.teamlink.link import SecretWriter, record_for, stored_status


def arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="teamhub_command", metavar="ACTION")
    t = sub.add_parser("token", help="keep the team hub's access token in the vault")
    t.add_argument("--record", default=None, help="the vault record (default: team_hub.token_ref)")
    t.add_argument("--delete", action="store_true", help="forget it (the link stops)")
    sub.add_parser("status", help="the link's state and the last event id it resumes from")


def run(
    args: argparse.Namespace,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    vault: SecretWriter | None = None,
    environ: Mapping[str, str] | None = None,
) -> int:
    out, err = stdout or sys.stdout, stderr or sys.stderr
    env = os.environ if environ is None else environ
    command = getattr(args, "teamhub_command", None)
    if command is None:
        print("usage: tieline teamhub {token,status} ...", file=err)
        return EXIT_USAGE
    settings = config_mod.load(environ=env).config.team_hub
    try:
        if command == "token":
            record = args.record or record_for(settings)
            if record == "teamhub:":
                print("tieline: set team_hub.url first (or pass --record)", file=err)
                return EXIT_CONFIG
            if vault is None:
                from server.hub.vault import open_vault

                vault = open_vault(env=env)
            if args.delete:
                had = vault.delete_secret(record)
                print(f"tieline: team hub token {'forgotten' if had else 'was not set'}", file=err)
                return EXIT_OK
            source = stdin or sys.stdin
            value = getpass.getpass("team hub token: ") if source.isatty() else source.read()
            value = value.strip()
            if not value:
                print("tieline: no token given", file=err)
                return EXIT_USAGE
            vault.set_secret(record, value)
            print(f"tieline: team hub token stored in the vault record {record}", file=err)
            return EXIT_OK
        if command == "status":
            return asyncio.run(_status(settings, out))
    except ConfigError as exc:
        print(f"tieline: {redact(exc.message)}", file=err)
        return EXIT_CONFIG
    except TielineError as exc:
        print(f"tieline: {redact(exc.message)}", file=err)
        return EXIT_PROBLEM
    return EXIT_USAGE


async def _status(settings: config_mod.TeamHubSettings, out: TextIO) -> int:
    from server.hub.store import Store

    async with Store.open() as store:
        lines = await stored_status(store, settings)
    for line in lines:
        print(line, file=out)
    return EXIT_OK
