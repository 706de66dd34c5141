"""``tieline web``: run the web face in the foreground, show or rotate its token, keep a
webhook source's secret.

- ``tieline web serve`` -- listen on 127.0.0.1 (``web.port``, else a free port), print the
  base URL, serve until interrupted. Verified webhooks are published on this process's
  bus and shown on stderr, one line each; an editor's server starts its own web face on
  demand instead.
- ``tieline web token [--rotate]`` -- print the local bearer token (created on first use).
- ``tieline web link ADDRESS`` -- a signed link to one widget (``/widgets/ci/github/o/r@main.svg``)
  that shows it without the token (an ``<img>`` in a README preview); rotating the token
  voids every link.
- ``tieline web manage [--port N]`` -- serve the web face here and print a one-time login
  link to its management pages (webhooks, API clients); with ``--port``, only print a link
  for the web face already listening on that port (the editor's, with ``web.port`` set).
- ``tieline web secret SOURCE [--generate | --delete]`` -- keep SOURCE's signing secret in
  the vault: read from stdin (a prompt at a terminal, so it stays out of shell history), or
  made here with ``--generate`` and printed once, to paste into the sender's settings.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import signal
import sys
from pathlib import Path
from typing import TextIO

from connectors.sdk.errors import ConfigError, TielineError
from connectors.sdk.redact import redact
from server.exit_codes import EXIT_CONFIG, EXIT_OK, EXIT_PROBLEM, EXIT_USAGE
from server.hub.vault import Vault, open_vault

from .hooks.sources import SOURCES
from .secrets import WebSecrets, new_hook_secret


def arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="web_command", metavar="ACTION")
    sub.add_parser("serve", help="serve the web face on 127.0.0.1 until interrupted")
    t = sub.add_parser("token", help="print the local bearer token")
    t.add_argument("--rotate", action="store_true", help="replace it (the old one stops working)")
    ln = sub.add_parser("link", help="print a signed link to one widget (no token needed)")
    ln.add_argument("address", help="the widget's address, e.g. /widgets/pr/github/octo/app/7")
    ln.add_argument("--port", type=int, default=None, help="the port it will be served on")
    m = sub.add_parser("manage", help="a one-time login link to the management pages")
    m.add_argument(
        "--port", type=int, default=None, help="print a link for the web face on this port"
    )
    s = sub.add_parser("secret", help="keep a webhook source's signing secret in the vault")
    s.add_argument("source", choices=sorted(SOURCES), help="the webhook source")
    how = s.add_mutually_exclusive_group()
    how.add_argument("--generate", action="store_true", help="make one, store it, print it once")
    how.add_argument("--delete", action="store_true", help="forget it (deliveries are refused)")


def run(
    args: argparse.Namespace,
    *,
    stdin: TextIO | None = None,
    stdout: TextIO | None = None,
    stderr: TextIO | None = None,
    vault: Vault | None = None,
) -> int:
    out = stdout or sys.stdout
    err = stderr or sys.stderr
    command = getattr(args, "web_command", None)
    if command is None:
        print("usage: tieline web {serve,token,link,manage,secret} ...", file=err)
        return EXIT_USAGE
    try:
        if command == "serve":
            return asyncio.run(_serve(out, err))
        if command == "manage" and not args.port:
            return asyncio.run(_serve(out, err, manage=True))
        secrets = WebSecrets(vault or open_vault())
        if command == "token":
            print(secrets.rotate_token() if args.rotate else secrets.token(), file=out)
            if args.rotate:
                print("tieline: the previous token no longer works", file=err)
            return EXIT_OK
        if command == "secret":
            return _secret(args, secrets, stdin or sys.stdin, out, err)
        if command == "link":
            return _link(args, secrets, out, err)
        if command == "manage":
            from .app import LOOPBACK
            from .manage.sessions import TICKET_TTL, login_link

            print(login_link(f"http://{LOOPBACK}:{args.port}", secrets.token()), file=out)
            print(f"tieline: the link works once, within {TICKET_TTL:.0f} s", file=err)
            return EXIT_OK
    except ConfigError as exc:
        print(f"tieline: {redact(exc.message)}", file=err)
        return EXIT_CONFIG
    except TielineError as exc:
        print(f"tieline: {redact(exc.message)}", file=err)
        return EXIT_PROBLEM
    return EXIT_USAGE


def _secret(
    args: argparse.Namespace, secrets: WebSecrets, stdin: TextIO, out: TextIO, err: TextIO
) -> int:
    source = SOURCES[args.source]
    if args.delete:
        had = secrets.delete_hook_secret(source.name)
        print(
            f"tieline: {source.title} webhooks: secret {'forgotten' if had else 'was not set'}",
            file=err,
        )
        return EXIT_OK
    if args.generate:
        if source.name == "slack":
            print(
                "tieline: Slack issues the signing secret; paste it instead "
                "(tieline web secret slack, then the secret on stdin)",
                file=err,
            )
            return EXIT_USAGE
        value = new_hook_secret(source.name)
        secrets.set_hook_secret(source.name, value)
        print(value, file=out)
        print(f"tieline: stored; set it as the secret in {source.setup}", file=err)
        return EXIT_OK
    prompt = f"{source.title} webhook secret: "
    value = getpass.getpass(prompt) if stdin.isatty() else stdin.read()
    secrets.set_hook_secret(source.name, value)
    print(f"tieline: {source.title} webhook secret stored (/hooks/{source.name})", file=err)
    return EXIT_OK


def _link(args: argparse.Namespace, secrets: WebSecrets, out: TextIO, err: TextIO) -> int:
    from .app import LOOPBACK
    from .widget_links import sign

    try:
        signed = sign(secrets.token(), args.address)
    except ValueError as exc:
        print(f"tieline: {exc}", file=err)
        return EXIT_USAGE
    if args.port:
        signed = f"http://{LOOPBACK}:{args.port}{signed}"
    else:
        print("tieline: prefix the web face's base URL (set web.port to keep it)", file=err)
    print(signed, file=out)
    return EXIT_OK


async def _serve(out: TextIO, err: TextIO, *, manage: bool = False) -> int:
    from server.hub.events import Event
    from server.hub.hub import Hub

    from .face import for_hub

    hub = await Hub.open(root=Path.cwd())
    face = for_hub(hub)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def show(event: Event) -> None:  # what a person testing a tunnel wants to see
        print(f"tieline: {event.connector}: {event.kind} {event.subject}", file=err, flush=True)

    sub = hub.bus.subscribe("*", show)
    try:
        url = await face.start()
        if manage:
            from .manage.sessions import TICKET_TTL, login_link

            hub.start_background()  # so queued webhook deliveries (recover) go out
            print(login_link(url, face.secrets.token()), file=out, flush=True)
            print(
                f"tieline: open the link within {TICKET_TTL:.0f} s (it works once);"
                " serving until Ctrl-C",
                file=err,
                flush=True,
            )
        else:
            print(url, file=out, flush=True)
            print("tieline: serving; the token is `tieline web token`; Ctrl-C stops", file=err)
        await stop.wait()
    finally:
        hub.bus.unsubscribe(sub)
        await face.stop()
        await hub.close()
    return EXIT_OK
