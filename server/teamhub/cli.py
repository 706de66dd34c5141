"""``tieline hub``: run the shared team hub, or show the configuration it would run with.

- ``tieline hub serve [--config FILE]`` -- serve until SIGTERM (logs: one JSON object per
  line on stderr; the first line on stdout is ``listening on <url>``).
- ``tieline hub config [--config FILE]`` -- the effective settings as JSON (file, then
  ``TIELINE_HUB_*``), each team's sources marked ``set`` or ``missing`` by the variable that
  should hold its secret; never a secret itself.
- ``tieline hub secret SOURCE`` -- a fresh signing secret in the form SOURCE expects,
  printed once, for the sender's settings and ``TIELINE_HUB_SECRET_<TEAM>_<SOURCE>``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path
from typing import TextIO

from connectors.sdk.errors import ConfigError, TielineError
from server.exit_codes import EXIT_CONFIG, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE


def arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="hub_command", metavar="ACTION")
    s = sub.add_parser("serve", help="serve the team hub until SIGTERM")
    s.add_argument("--config", type=Path, default=None, help="the hub's TOML file")
    c = sub.add_parser("config", help="print the effective configuration (no secret)")
    c.add_argument("--config", type=Path, default=None, help="the hub's TOML file")
    from server.web.hooks.sources import SOURCES

    k = sub.add_parser("secret", help="make a webhook signing secret and print it once")
    k.add_argument("source", choices=sorted(SOURCES))


def run(args: argparse.Namespace, *, stdout: TextIO | None = None) -> int:
    out = stdout or sys.stdout
    command = getattr(args, "hub_command", None)
    if command is None:
        print("usage: tieline hub {serve,config,secret} ...", file=sys.stderr)
        return EXIT_USAGE
    if command == "secret":
        from server.web.secrets import new_hook_secret

        print(new_hook_secret(args.source), file=out)
        return EXIT_OK
    from .config import HubSecrets, load, public_view

    try:
        settings = load(args.config)
        if command == "config":
            print(json.dumps(public_view(settings, HubSecrets()), indent=2), file=out)
            return EXIT_OK
        if not getattr(args, "log_level", None):  # --log-level wins over the settings
            import logging

            logging.getLogger("tieline").setLevel(settings.log_level.upper())
        from .service import serve

        return asyncio.run(serve(settings, out=out))
    except ConfigError as exc:
        print(f"tieline hub: {exc.message}", file=sys.stderr)
        return EXIT_CONFIG
    except TielineError as exc:
        print(f"tieline hub: {exc.message}", file=sys.stderr)
        return EXIT_PROBLEM


__all__ = ["arguments", "run"]
