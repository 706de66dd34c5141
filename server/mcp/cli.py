"""``tieline mcp``: serve MCP (stdio, or ``--http [--port N]``), and manage what agents may
do: ``grant TOOL`` / ``revoke TOOL`` / ``grants``, and ``token [--rotate]`` for HTTP.

Exit codes as every command's: 0 success, 2 usage (an unknown tool), 3 the vault refused,
4 configuration.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from connectors.sdk.errors import TielineError
from connectors.sdk.redact import redact
from server.exit_codes import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE


def arguments(p: argparse.ArgumentParser) -> None:
    from .http import DEFAULT_PORT

    p.add_argument(
        "--http", action="store_true", help="serve streamable HTTP on 127.0.0.1 (else stdio)"
    )
    p.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"with --http: the port (default {DEFAULT_PORT}; 0: any free one)",
    )
    p.add_argument(
        "--root",
        type=Path,
        metavar="DIR",
        help="the workspace (a checkout) to serve; default: the current directory's",
    )
    sub = p.add_subparsers(dest="mcp_command", metavar="[ACTION]")
    g = sub.add_parser("grant", help="let agents call a tool that changes something")
    g.add_argument("tool", metavar="TOOL")
    r = sub.add_parser("revoke", help="withdraw a tool's grant")
    r.add_argument("tool", metavar="TOOL")
    sub.add_parser("grants", help="the tools that need a grant, and which have one")
    t = sub.add_parser("token", help="print the bearer token --http requires")
    t.add_argument("--rotate", action="store_true", help="replace it with a new one")


def run(args: argparse.Namespace) -> int:
    from .errors import UnknownTool

    try:
        if args.mcp_command in ("grant", "revoke", "grants"):
            return asyncio.run(_grants(args))
        if args.mcp_command == "token":
            from server.hub.vault import open_vault

            from .http import token

            print(token(open_vault(), rotate=args.rotate))
            return EXIT_OK
        if not 0 <= args.port <= 65535:
            print("tieline: --port must be 0-65535", file=sys.stderr)
            return EXIT_USAGE
        from . import app

        root: Path | None = args.root
        if root is not None and not root.expanduser().is_dir():
            print(f"tieline: --root {root}: no such directory", file=sys.stderr)
            return EXIT_USAGE
        cwd = root.expanduser().resolve() if root is not None else None
        if args.http:
            from server.hub.vault import open_vault

            from .http import token

            asyncio.run(app.run_http(args.port, token(open_vault()), cwd))
        else:
            asyncio.run(app.run_stdio(cwd))
        return EXIT_OK
    except KeyboardInterrupt:
        return 130
    except UnknownTool as exc:
        print(f"tieline: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    except TielineError as exc:
        print(f"tieline: {redact(exc.message)}", file=sys.stderr)
        return EXIT_PROBLEM
    except OSError as exc:  # the port is taken, or the data directory cannot be written
        where = f"127.0.0.1:{args.port}: " if args.http else ""
        print(f"tieline: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_PROBLEM


async def _grants(args: argparse.Namespace) -> int:
    from server.hub.store import Store

    from . import grants

    async with Store.open() as store:
        if args.mcp_command == "grant":
            await grants.grant(store, args.tool)
            print(f"agents may now call {args.tool}", file=sys.stderr)
            if not _writes_allowed():
                print(
                    "tieline: writes are off, so no agent sees it yet: set [mcp] allow_writes ="
                    " true (config.toml)",
                    file=sys.stderr,
                )
        elif args.mcp_command == "revoke":
            had = await grants.revoke(store, args.tool)
            print(
                f"{args.tool}: grant withdrawn" if had else f"{args.tool} had no grant",
                file=sys.stderr,
            )
        else:
            have = set(await grants.granted_tools(store))
            for name, what in grants.WRITE_TOOLS.items():
                mark = "granted" if name in have else "-"
                print(f"{name:<18} {mark:<8} {what}")
    return EXIT_OK


def _writes_allowed() -> bool:
    from server.cli_common import load_config

    return load_config().config.mcp.allow_writes


__all__ = ["arguments", "run"]
