"""A verb of :mod:`server.verbs` run for an agent: its ``--json`` document, in-process.

A tool does not restate what a verb does. It runs the verb's own ``run`` on the hub the MCP
server holds open, with a :class:`~server.verbs.base.Context` whose stdout is a buffer and
``json`` on, and hands the agent the document the verb printed -- the keys the README
documents for ``tieline VERB --json``, so a script and an agent see one shape. The verb's
words for a person (stderr) are dropped, its exit code is ignored (a listing with a failing
service still carries its ``problems``), and what it raises propagates to the caller as the
hub's own errors.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
from pathlib import Path
from typing import Any

from connectors.sdk.errors import TielineError
from server.verbs import verb
from server.verbs.base import Context, VerbModule
from server.verbs.render import Style


def context(hub: Any, *, fresh: bool = False, out: io.StringIO | None = None) -> Context:
    """A JSON context on ``hub`` writing into ``out`` (a new buffer unless given)."""
    return Context(
        hub=hub,
        out=io.StringIO() if out is None else out,
        err=io.StringIO(),
        json=True,
        tty=False,
        style=Style(False),
        width=10_000,
        cwd=hub.root or Path.cwd(),
        max_age=hub.config.sync.poll_interval,
        fresh=fresh,
    )


async def run_json(hub: Any, name: str, *, fresh: bool = False, **args: Any) -> dict[str, Any]:
    """``tieline NAME --json`` with ``args`` as its parsed options: the document it printed."""
    spec = verb(name)
    if spec is None:  # a programming error: the tools name verbs that exist
        raise TielineError(f"no verb {name!r}")
    module: VerbModule = importlib.import_module(spec.module)
    out = io.StringIO()
    await module.run(
        context(hub, fresh=fresh, out=out), argparse.Namespace(json=True, fresh=fresh, **args)
    )
    lines = [line for line in out.getvalue().splitlines() if line.strip()]
    if not lines:
        raise TielineError(f"{name} gave no answer")
    doc = json.loads(lines[-1])
    if not isinstance(doc, dict):
        raise TielineError(f"{name} gave no JSON object")
    return doc


__all__ = ["context", "run_json"]
