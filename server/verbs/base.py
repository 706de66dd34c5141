"""What every verb shares: the hub opened for the current directory's checkout, the
terminal it writes to, ``--json``, and errors turned into exit codes.

Exit codes (:mod:`server.exit_codes`, documented in the README): 0 success, 1 a problem
(a service failed, a pipeline failed), 2 usage, 3 credentials missing or refused, 4
configuration, 5 not found, 6 still running, 7 refused as holding a secret. With ``--json``
stdout is always one JSON document (one per line for ``ci --watch``), ``{"error": {...}}``
when the verb failed; people's words go to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import shutil
import sys
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, TextIO

from connectors.sdk.errors import (
    AuthError,
    ConfigError,
    NotFound,
    SecretFound,
    TielineError,
)
from connectors.sdk.redact import redact
from server.exit_codes import (
    EXIT_AUTH,
    EXIT_CONFIG,
    EXIT_NOT_FOUND,
    EXIT_OK,
    EXIT_PROBLEM,
    EXIT_SECRET,
    EXIT_USAGE,
)

from . import Verb
from .render import Style


class UsageError(TielineError):
    """The verb was called wrong: a reference it cannot read, an ambiguous job name."""


class Missing(TielineError):
    """What the verb names does not exist: no such item, job, or CI for the branch."""


class VerbModule(Protocol):
    def arguments(self, parser: argparse.ArgumentParser) -> None: ...

    async def run(self, ctx: Context, args: argparse.Namespace) -> int: ...


@dataclass
class Context:
    """One verb's run: where it writes, how (JSON, colour, width), and the hub."""

    hub: Any  # server.hub.hub.Hub (imported with the verb, not with the parser)
    out: TextIO
    err: TextIO
    json: bool
    tty: bool
    style: Style
    width: int
    cwd: Path
    #: Seconds a mirrored part stays fresh enough to show (the server's poll interval).
    max_age: float
    #: ``--fresh``: read nothing from the mirror.
    fresh: bool = False

    def line(self, text: str = "") -> None:
        print(text, file=self.out)

    def say(self, text: str) -> None:
        """A word for the person (stderr): never mixed into what a script parses."""
        print(text, file=self.err)

    def emit(self, data: Any) -> None:
        """One JSON document on its own line (stable keys, documented in the README)."""
        self.out.write(json.dumps(data, ensure_ascii=False, sort_keys=False) + "\n")
        self.out.flush()

    def report(self, problems: list[Any]) -> int:
        """Say what failed beside the answer; the exit code it makes (0 when nothing)."""
        for p in problems:
            self.say(f"tieline: {p.connector} ({p.account}): {redact(p.message)}")
        if any(p.auth for p in problems):
            return EXIT_AUTH
        return EXIT_PROBLEM if problems else EXIT_OK


def problems_json(problems: list[Any]) -> list[dict[str, Any]]:
    return [
        {
            "service": p.connector,
            "account": p.account,
            "message": redact(p.message),
            "auth": p.auth,
        }
        for p in problems
    ]


def add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--json", action="store_true", help="print JSON (documented in the README) for scripts"
    )
    parser.add_argument(
        "--fresh",
        action="store_true",
        help="ask the services now, even when the server synced a moment ago",
    )


def colour_wanted(out: TextIO, environ: Mapping[str, str]) -> bool:
    """Colour only on a terminal, and never when ``NO_COLOR`` is set (https://no-color.org)."""
    if environ.get("NO_COLOR"):
        return False
    isatty = getattr(out, "isatty", None)
    return bool(isatty and isatty())


def run_verb(
    spec: Verb,
    args: argparse.Namespace,
    *,
    cwd: Path | None = None,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Entry point from :func:`server.cli.main`: the verb's module, run on a hub opened for
    ``cwd``'s checkout, its errors as exit codes."""
    module: VerbModule = importlib.import_module(spec.module)
    try:
        return asyncio.run(
            _run(module.run, args, cwd or Path.cwd(), out or sys.stdout, err or sys.stderr)
        )
    except KeyboardInterrupt:  # Ctrl-C while watching or following: the shell's convention
        return 130


async def _run(
    run: Callable[[Context, argparse.Namespace], Awaitable[int]],
    args: argparse.Namespace,
    cwd: Path,
    out: TextIO,
    err: TextIO,
) -> int:
    from server.cli_common import workspace_root
    from server.hub.hub import Hub

    as_json = bool(getattr(args, "json", False))
    tty = bool(getattr(out, "isatty", None) and out.isatty())
    width = shutil.get_terminal_size((100, 24)).columns if tty else 10_000
    hub = None
    ctx: Context | None = None
    try:
        hub = await Hub.open(root=workspace_root(cwd))
        ctx = Context(
            hub=hub,
            out=out,
            err=err,
            json=as_json,
            tty=tty,
            style=Style(colour_wanted(out, os.environ)),
            width=max(40, width),
            cwd=cwd,
            max_age=hub.config.sync.poll_interval,
            fresh=bool(getattr(args, "fresh", False)),
        )
        return await run(ctx, args)
    except TielineError as exc:
        code = _code(exc)
        message = redact(exc.message)
        print(f"tieline: {message}", file=err)
        if as_json:
            error: dict[str, Any] = {"code": code, "message": message}
            if isinstance(exc, SecretFound):  # what and where, never the value
                error["findings"] = list(exc.findings)
            out.write(json.dumps({"error": error}) + "\n")
        return code
    finally:
        if hub is not None:
            await hub.close()


def _code(exc: TielineError) -> int:
    if isinstance(exc, UsageError):
        return EXIT_USAGE
    if isinstance(exc, Missing | NotFound):
        return EXIT_NOT_FOUND
    if isinstance(exc, AuthError):
        return EXIT_AUTH
    if isinstance(exc, ConfigError):
        return EXIT_CONFIG
    if isinstance(exc, SecretFound):
        return EXIT_SECRET
    return EXIT_PROBLEM


def sign_in_hint(hub: Any, *capabilities: str) -> str:
    """Which services could answer (their manifests declare one of ``capabilities``) and
    how to sign in to one: said when no session had any."""
    names = [
        m.id
        for m in hub.registry.manifests()
        if hub.config.connectors[m.id].enabled and set(capabilities) & set(m.capabilities)
    ]
    which = names[0] if names else "SERVICE"
    return f"sign in first: tieline auth login {which} (services: {', '.join(names) or 'none'})"


__all__ = [
    "Context",
    "Missing",
    "UsageError",
    "add_common",
    "colour_wanted",
    "problems_json",
    "run_verb",
    "sign_in_hint",
]
