"""The ``tieline`` command line: ``serve``, ``doctor``, ``auth ...``, ``connectors list``,
``api ...`` (:mod:`server.cli_api`), ``hub ...`` (:mod:`server.teamhub.cli`),
``teamhub ...`` (:mod:`server.cli_teamhub`), and
the verbs of :mod:`server.verbs` (``prs``, ``issues``, ``issue``, ``ci``, ``log``,
``snippets``, ``docs``).

Exit codes (documented in the README): 0 success, 1 the command ran and found a problem
(e.g. ``doctor`` with a failing connector), 2 usage error, 3 authentication failed or was
refused, 4 configuration error, 5 not found, 6 still running, 7 refused as holding a secret.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from server import __version__
from server.exit_codes import EXIT_OK, EXIT_PROBLEM, EXIT_USAGE
from server.verbs import VERBS, Verb, verb


def _parse_hostport(value: str) -> tuple[str, int]:
    host, sep, port = value.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise argparse.ArgumentTypeError(f"expected HOST:PORT, got {value!r}")
    return host, int(port)


def _first_word(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs: its first word that is not an option or an option's value."""
    skip = False
    for a in argv:
        if skip:
            skip = False
        elif a == "--log-level":
            skip = True
        elif not a.startswith("-"):
            return a
    return None


def _chosen(argv: Sequence[str]) -> Verb | None:
    """The verb ``argv`` runs (its first word that is not an option or an option's value)."""
    skip = False
    for a in argv:
        if skip:
            skip = False
        elif a == "--log-level":
            skip = True
        elif not a.startswith("-"):
            return verb(a)
    return None


def build_parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The parser; a verb's own options are added only for the verb ``argv`` runs, so the
    parser imports no verb module for any other command."""
    p = argparse.ArgumentParser(
        prog="tieline", description="Tieline: your services inside your editor, over LSP."
    )
    p.add_argument("--version", action="version", version=f"tieline {__version__}")
    p.add_argument("--log-level", default=None, help="debug, info, warning or error")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    s = sub.add_parser("serve", help="run the language server (stdio unless --tcp)")
    s.add_argument("--tcp", type=_parse_hostport, metavar="HOST:PORT", help="listen on TCP")
    s.add_argument("--stdio", action="store_true", help="use stdio (the default)")

    sub.add_parser("doctor", help="show configuration, vault, database and connector health")

    a = sub.add_parser("auth", help="sign in to and out of services")
    asub = a.add_subparsers(dest="auth_command", metavar="ACTION")
    login = asub.add_parser("login", help="sign in (device flow unless told otherwise)")
    login.add_argument("service", help="connector id, e.g. github")
    login.add_argument("--host", help="service host, e.g. github.example.com (default: public)")
    login.add_argument(
        "--with-token", action="store_true", help="read a token (or API key) from stdin"
    )
    login.add_argument(
        "--method",
        choices=["device", "pkce", "token", "api_key", "basic"],
        help="sign-in method (default: device, or --web / --with-token)",
    )
    login.add_argument("--user", help="for basic sign-in: the user part, e.g. your email")
    login.add_argument("--web", action="store_true", help="browser sign-in (PKCE loopback)")
    login.add_argument("--yes", action="store_true", help="accept the requested scopes")
    login.add_argument(
        "--for",
        dest="capabilities",
        action="append",
        metavar="CAPABILITY",
        help="also ask now for the scopes a capability needs (e.g. Mail, Drive), which are"
        " otherwise asked when a feature first uses it; repeatable",
    )
    login.add_argument(
        "--account",
        help="add the scopes to this signed-in account (its login): the grant it has is kept",
    )
    st = asub.add_parser("status", help="list signed-in accounts")
    st.add_argument("service", nargs="?")
    lo = asub.add_parser("logout", help="forget an account's credentials")
    lo.add_argument("service")
    lo.add_argument("--host")
    lo.add_argument("--account", help="which account, when several are signed in")

    c = sub.add_parser("connectors", help="installed connectors")
    csub = c.add_subparsers(dest="connectors_command", metavar="ACTION")
    csub.add_parser("list", help="list installed connectors and their capabilities")

    w = sub.add_parser("web", help="the local web face: serve, its token, webhook secrets")
    if _first_word(sys.argv[1:] if argv is None else argv) == "web":
        from server.web.cli import arguments as web_arguments

        web_arguments(w)
    api = sub.add_parser("api", help="Tieline's own API: clients, consent requests, grants")
    if _first_word(sys.argv[1:] if argv is None else argv) == "api":
        from server.cli_api import arguments as api_arguments

        api_arguments(api)

    h = sub.add_parser("hub", help="the shared team hub: serve it, show its configuration")
    if _first_word(sys.argv[1:] if argv is None else argv) == "hub":
        from server.teamhub.cli import arguments as hub_arguments

        hub_arguments(h)

    th = sub.add_parser("teamhub", help="the team hub this Tieline follows: its token, status")
    if _first_word(sys.argv[1:] if argv is None else argv) == "teamhub":
        from server.cli_teamhub import arguments as teamhub_arguments

        teamhub_arguments(th)

    mcp_help = "serve Tieline's tools to AI agents (MCP, stdio)"
    m = sub.add_parser("mcp", help=mcp_help, description=mcp_help)
    if _first_word(sys.argv[1:] if argv is None else argv) == "mcp":
        from server.mcp.cli import arguments as mcp_arguments

        mcp_arguments(m)

    chosen = _chosen(sys.argv[1:] if argv is None else argv)
    for v in VERBS:
        vp = sub.add_parser(v.name, help=v.help, description=v.help)
        if v is chosen:
            import importlib

            from server.verbs.base import add_common

            add_common(vp)
            importlib.import_module(v.module).arguments(vp)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    from server.hub.logging import setup_logging

    if args.command is None:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    level = args.log_level or os.environ.get("TIELINE_LOG_LEVEL") or "info"
    # The server logs JSON to stderr (the editor's output channel) and to its file. A
    # command at a terminal prints its own plain words: only errors reach the terminal, as
    # one line of text, and it leaves the file (and its rotation) to the server.
    if args.command == "serve" or (args.command == "mcp" and not args.mcp_command):
        setup_logging(level, to_file=True)
    elif args.command == "hub" and getattr(args, "hub_command", None) == "serve":
        # A service: JSON lines on stderr for its supervisor's journal, no file of its own.
        setup_logging(level, to_file=False)  # then the hub's log_level, unless --log-level
    else:
        setup_logging(level, to_file=False, terminal="plain")

    if args.command == "serve":
        from server.lsp.server import build_server

        server = build_server()
        if args.tcp:
            server.start_tcp(*args.tcp)
        else:
            server.start_io()
        return EXIT_OK
    if args.command == "doctor":
        from server.cli_doctor import run_doctor

        return run_doctor()
    if args.command == "connectors":
        return _connectors(args)
    if args.command == "mcp":
        from server.mcp.cli import run as run_mcp

        return run_mcp(args)
    if args.command == "auth":
        from server.cli_auth import run_auth

        return run_auth(args)
    if args.command == "web":
        from server.web.cli import run as run_web

        return run_web(args)
    if args.command == "hub":
        from server.teamhub.cli import run as run_hub

        return run_hub(args)
    if args.command == "api":
        from server.cli_api import run_api

        return run_api(args)
    if args.command == "teamhub":
        from server.cli_teamhub import run as run_teamhub

        return run_teamhub(args)
    chosen = verb(args.command)
    if chosen is not None:
        from server.verbs.base import run_verb

        return run_verb(chosen, args)
    parser.print_help(sys.stderr)
    return EXIT_USAGE


def _connectors(args: argparse.Namespace) -> int:
    from connectors.sdk import default_registry

    reg = default_registry()
    for m in reg:
        methods = ", ".join(m.auth.methods)
        print(
            f"{m.id:<12} {m.name:<16} {m.attach.kind:<8} {', '.join(m.capabilities)}"
            f"  (sign in: {methods})"
        )
    for b in reg.broken:
        print(f"{b.name:<12} BROKEN: {b.error}")
    return EXIT_PROBLEM if reg.broken else EXIT_OK
