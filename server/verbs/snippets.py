"""``tieline snippets search|add|show``: the snippet library the editor saves into, from a
shell.

``add`` runs the same secret check as saving a selection in the editor (every installed
service's token shapes, private keys, literal passwords) and refuses a body that looks like
it holds one unless ``--allow-secret`` -- a script cannot answer "Save Anyway?", so it says so
up front. The body comes from stdin or ``--file PATH[:START-END]`` and is saved as the editor
saves a selection: dedented, and escaped so that it inserts exactly as written (``--template``
keeps VS Code's snippet syntax, ``${1:name}``, as fields).
"""

from __future__ import annotations

import argparse
import re
import sys
import textwrap
from pathlib import Path
from typing import Any

from connectors.sdk.errors import NoSuchRecord, SecretFound
from connectors.sdk.models import Snippet, SnippetSource
from server.hub import snippets as library
from server.hub.snippets.formats.folder import LANGUAGES

from .base import Context, Missing, UsageError
from .render import Cell, clean, iso, table

#: ``PATH:12-20`` or ``PATH:12``: lines of a file, from 1, both ends included.
_RANGE = re.compile(r"^(\d+)(?:-(\d+))?$")
#: Controls a body line may not print (tabs stay: they are the code's indentation).
_CONTROL = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|[\x00-\x08\x0a-\x1f\x7f-\x9f]"
)


def _own(p: argparse.ArgumentParser) -> None:
    """``--json`` after the action (``snippets search x --json``) as well as before it; the
    default is left out so that one given before the action is not reset."""
    p.add_argument("--json", action="store_true", default=argparse.SUPPRESS, help="print JSON")


def arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    s = sub.add_parser("search", help="snippets matching words (none: the newest)")
    s.add_argument("text", nargs="*", metavar="WORD", help="words a snippet holds (as prefixes)")
    s.add_argument("--language", help="only those usable in this language id (python, go...)")
    s.add_argument("--tag", help="only those with this tag")
    s.add_argument("--limit", type=int, default=20, help="at most this many (default 20)")
    _own(s)

    a = sub.add_parser("add", help="save a snippet from stdin or --file PATH[:START-END]")
    a.add_argument("--title", required=True, help="the snippet's title")
    a.add_argument("--file", metavar="PATH[:START-END]", help="read the body from these lines")
    a.add_argument("--tag", action="append", default=[], help="a tag (repeat for more)")
    a.add_argument("--language", help="its language id (default: from the file's extension)")
    a.add_argument("--description", default="", help="a line saying what it is for")
    a.add_argument("--prefix", default="", help="the completion prefix that inserts it")
    a.add_argument(
        "--template",
        action="store_true",
        help="the body is in VS Code's snippet syntax (${1:name} are fields), not plain code",
    )
    a.add_argument(
        "--allow-secret", action="store_true", help="save it even if it looks like a secret"
    )
    _own(a)

    w = sub.add_parser("show", help="one snippet by its id")
    w.add_argument("id", metavar="ID", help="the snippet's id (search prints it)")
    w.add_argument("--body", action="store_true", help="print the body alone, as saved")
    _own(w)


async def run(ctx: Context, args: argparse.Namespace) -> int:
    if args.action == "search":
        return await _search(ctx, args)
    if args.action == "add":
        return await _add(ctx, args)
    return await _show(ctx, args)


# -- search ------------------------------------------------------------------------------------


async def _search(ctx: Context, args: argparse.Namespace) -> int:
    if args.limit < 1:
        raise UsageError("--limit must be at least 1")
    text = " ".join(args.text)
    hits = await library.search(
        ctx.hub.store, text, language=args.language, tag=args.tag, limit=args.limit
    )
    if ctx.json:
        ctx.emit(
            {
                "snippets": [
                    {
                        "id": h.id,
                        "title": h.title,
                        "description": h.description,
                        "language": h.language,
                        "prefix": h.prefix,
                        "tags": list(h.tags),
                        "body": h.body,
                        "score": h.score,
                    }
                    for h in hits
                ]
            }
        )
    elif hits:
        rows: list[list[Cell | str]] = [
            [
                Cell(h.id, "dim"),
                Cell(clean(h.title), "bold"),
                clean(h.language) or "any",
                clean(" ".join(f"#{t}" for t in h.tags)),
            ]
            for h in hits
        ]
        headers = ["ID", "TITLE", "LANGUAGE", "TAGS"]
        for line in table(headers, rows, width=ctx.width, flex=1, style=ctx.style):
            ctx.line(line)
    if not hits:
        ctx.say(f"tieline: no snippet matches {text!r}" if text else "tieline: no snippets yet")
        from server.exit_codes import EXIT_NOT_FOUND

        return EXIT_NOT_FOUND
    return 0


# -- add ---------------------------------------------------------------------------------------


def _read_file(spec: str, cwd: Path) -> tuple[str, Path, int, int]:
    """The text of ``PATH[:START-END]``, the file, and the lines taken (from 1, both ends)."""
    name, sep, tail = spec.rpartition(":")
    m = _RANGE.match(tail) if sep and name else None
    path = Path(name if m else spec).expanduser()
    path = path if path.is_absolute() else cwd / path
    try:
        lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    except FileNotFoundError as exc:
        raise Missing(f"{path}: no such file") from exc
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text") from exc
    except OSError as exc:
        raise UsageError(f"{path}: {exc.strerror}") from exc
    start, end = 1, len(lines)
    if m:
        start = int(m.group(1))
        end = int(m.group(2)) if m.group(2) else start
        if start < 1 or end < start or end > len(lines):
            raise UsageError(
                f"{path.name}:{tail}: the file has lines 1-{len(lines)}; give START-END within them"
            )
    return "".join(lines[start - 1 : end]), path, start, end


def _language(path: Path | None) -> str:
    if path is None:
        return ""
    return LANGUAGES.get(path.suffix.lstrip(".").lower(), "")


async def _add(ctx: Context, args: argparse.Namespace) -> int:
    from server.hub.snippets.variables import escape

    if not args.title.strip():
        raise UsageError("--title must not be empty")
    path: Path | None = None
    source: SnippetSource | None = None
    if args.file:
        text, path, start, end = _read_file(args.file, ctx.cwd)
        source = SnippetSource(uri=path.resolve().as_uri(), start_line=start - 1, end_line=end)
    elif sys.stdin is None or sys.stdin.isatty():
        raise UsageError("give the body on stdin (tieline snippets add --title T < FILE) or --file")
    else:
        text = sys.stdin.read()
    text = textwrap.dedent(text).strip("\n")
    if not text.strip():
        raise UsageError("the body holds only white space")
    language = args.language if args.language is not None else _language(path)
    scanner = library.SecretScanner.from_manifests(ctx.hub.registry.manifests())
    try:
        snippet = await library.add(
            ctx.hub.store,
            title=args.title,
            body=text if args.template else escape(text),
            language=language,
            description=args.description,
            prefix=args.prefix,
            tags=args.tag,
            source=source,
            allow_secrets=args.allow_secret,
            scanner=scanner,
        )
    except SecretFound as exc:
        raise SecretFound(
            f"not saved: {exc.message}; take it out, or add --allow-secret to save it anyway",
            findings=exc.findings,
        ) from None
    if ctx.json:
        ctx.emit({"snippet": snippet_json(snippet)})
    else:
        ctx.line(snippet.id)  # what a script keeps: id=$(tieline snippets add ...)
        ctx.say(f"tieline: saved “{clean(snippet.title)}” as {snippet.id}")
    return 0


# -- show --------------------------------------------------------------------------------------


async def _show(ctx: Context, args: argparse.Namespace) -> int:
    try:
        s = await library.show(ctx.hub.store, args.id)
    except NoSuchRecord as exc:
        raise Missing(f"no snippet {args.id!r} (tieline snippets search lists them)") from exc
    if ctx.json:
        ctx.emit({"snippet": snippet_json(s)})
        return 0
    if args.body:
        ctx.out.write(s.body if s.body.endswith("\n") else s.body + "\n")
        return 0
    st = ctx.style
    ctx.line(f"{st(clean(s.title), 'bold')}  {st(s.id, 'dim')}")
    facts = [clean(s.language) or "any language"]
    if s.prefix:
        facts.append(f"prefix {clean(s.prefix)}")
    facts += [f"#{clean(t)}" for t in s.tags]
    ctx.line("  " + " · ".join(facts))
    if s.source:
        where = f"{s.source.uri}"
        if s.source.end_line > s.source.start_line:
            where += f" lines {s.source.start_line + 1}-{s.source.end_line}"
        ctx.line("  " + st(clean(where), "blue"))
    if s.description:
        ctx.line("  " + clean(s.description))
    ctx.line()
    for line in s.body.splitlines():
        ctx.line(_CONTROL.sub("", line))
    return 0


def snippet_json(s: Snippet) -> dict[str, Any]:
    """A snippet as ``--json`` prints it (the README lists the keys)."""
    return {
        "id": s.id,
        "title": s.title,
        "description": s.description,
        "language": s.language,
        "prefix": s.prefix,
        "tags": list(s.tags),
        "body": s.body,
        "source": {
            "uri": s.source.uri,
            "start_line": s.source.start_line,
            "end_line": s.source.end_line,
        }
        if s.source
        else None,
        "created_at": iso(s.created_at),
        "updated_at": iso(s.updated_at),
    }
