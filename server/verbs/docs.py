"""``tieline docs QUERY``: look a name up in the documentation sets installed for this
workspace -- the same sets, from the same configuration (``.tieline.toml``'s
``[[docs.sets]]`` included), as hover and the Docs panel in the editor.

A set that cannot be read is said on stderr (and in ``set_errors``) beside what the others
found, as a failing service is beside the others in ``prs``.
"""

from __future__ import annotations

import argparse

from connectors.sdk.errors import ConfigError
from server.exit_codes import EXIT_NOT_FOUND, EXIT_OK, EXIT_PROBLEM

from .base import Context, UsageError
from .render import Cell, clean, table


def arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("query", nargs="+", metavar="QUERY", help="a name: json.loads, Pan.heat, map")
    p.add_argument("--language", help="only the sets serving this language id (python...)")
    p.add_argument(
        "--set", action="append", dest="sets", metavar="ID", help="only this set (repeatable)"
    )
    p.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")


async def run(ctx: Context, args: argparse.Namespace) -> int:
    from server.hub.docs import open_library

    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    query = " ".join(args.query).strip()
    if not query:
        raise UsageError("give a name to look up")
    lib = await open_library(workspace=ctx.hub.root, config=ctx.hub.config)
    try:
        installed = lib.sets()
        if not installed:
            raise ConfigError(
                "no documentation sets installed: add [[docs.sets]] to .tieline.toml, or set "
                "docs.stdlib (see the README's Documentation look-up)"
            )
        ids = {s.id for s in installed}
        unknown = [s for s in args.sets or () if s not in ids]
        if unknown:
            raise UsageError(
                f"no set {', '.join(map(repr, unknown))} (installed: {', '.join(sorted(ids))})"
            )
        results = await lib.search_async(
            query, language=args.language, sets=args.sets, limit=args.limit
        )
    finally:
        await lib.aclose()
    broken = [s for s in installed if s.error and (not args.sets or s.id in args.sets)]
    for s in broken:
        ctx.say(f"tieline: docs set {s.id}: {s.error}")
    if ctx.json:
        ctx.emit(
            {
                "results": [
                    {
                        "name": r.name,
                        "kind": r.kind,
                        "url": r.url,
                        "set_id": r.set_id,
                        "set_title": r.set_title,
                        "summary": r.summary,
                        "local": r.local,
                    }
                    for r in results
                ],
                "set_errors": [{"set": s.id, "message": s.error} for s in broken],
            }
        )
    elif results:
        rows: list[list[Cell | str]] = [
            [Cell(clean(r.name), "bold"), clean(r.kind), Cell(clean(r.set_id), "dim"),
             Cell(clean(r.url), "blue")]
            for r in results
        ]  # fmt: skip
        headers = ["NAME", "KIND", "SET", "URL"]
        for line in table(headers, rows, width=ctx.width, flex=3, style=ctx.style):
            ctx.line(line)
    if not results:
        ctx.say(f"tieline: nothing documented matches {query!r}")
        return EXIT_PROBLEM if broken else EXIT_NOT_FOUND
    return EXIT_PROBLEM if broken else EXIT_OK
