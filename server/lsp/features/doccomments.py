"""Comments of a hosted document (a Google Doc) beside its Markdown export.

When a Markdown file the folder sync exported from a service document is opened, its open
comment threads (:mod:`server.hub.doccomments`) become Information diagnostics on the lines
they are about: source ``Google Docs`` (the service's name), message
``author: text (n replies)``, code the thread's id. On those lines the code actions are
*Reply to comment…* and *Resolve comment* per thread, and *Refresh comments* once.

``tieline.docComments.reply`` takes ``[uri, comment_id, text?]``. LSP has no text input, so
a shell asks for the words itself and passes them (VS Code shows an input box); without
them the server offers a few canned replies in a ``showMessageRequest`` to clients that
declare one, and otherwise says the words are needed. ``tieline.docComments.resolve`` takes
``[uri, comment_id]`` and ``tieline.docComments.refresh`` ``[uri]`` (none: every open
export); each reads the threads again and republishes the file's list.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from ..common import arg, hub_or_fail
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..server import TielineServer, path_of

if TYPE_CHECKING:
    from server.hub.doccomments import DocCommentsHub, Placed
    from server.hub.hub import Hub

log = logging.getLogger("tieline.lsp")

REPLY = "tieline.docComments.reply"
RESOLVE = "tieline.docComments.resolve"
REFRESH = "tieline.docComments.refresh"
OWNER = "doccomments"  # this feature's part of each file's list
#: What a plain editor (no input box) may answer with.
CANNED = ("Done.", "Thanks, will fix.", "Agreed.")
NEEDS_TEXT = "reply needs its words: the editor's shell passes them as the third argument"

#: Per server: the threads shown in each open file, by uri.
_SHOWN: weakref.WeakKeyDictionary[TielineServer, dict[str, list[Placed]]] = (
    weakref.WeakKeyDictionary()
)


#: Per server: the reading still running for each file.
_RUNNING: weakref.WeakKeyDictionary[TielineServer, dict[str, asyncio.Future[None]]] = (
    weakref.WeakKeyDictionary()
)


def _running(ls: TielineServer) -> dict[str, asyncio.Future[None]]:
    got = _RUNNING.get(ls)
    if got is None:
        got = _RUNNING[ls] = {}
    return got


def shown(ls: TielineServer) -> dict[str, list[Placed]]:
    got = _SHOWN.get(ls)
    if got is None:
        got = _SHOWN[ls] = {}
    return got


def hub_part(hub: Hub) -> DocCommentsHub:
    from server.hub.doccomments import DocCommentsHub

    return DocCommentsHub.of(hub)


def message(p: Placed) -> str:
    c = p.comment
    who = (c.author.name or c.author.login) if c.author else "someone"
    n = len(c.replies)
    return f"{who}: {c.body} ({n} {'reply' if n == 1 else 'replies'})"


def diagnostic(p: Placed, source: str, uri: str, caps: Any) -> types.Diagnostic:
    """A thread on its line; ``data`` (uri and id) only to clients that declare it."""
    line = types.Range(start=types.Position(p.line, 0), end=types.Position(p.line + 1, 0))
    d = types.Diagnostic(
        range=line,
        message=message(p),
        severity=types.DiagnosticSeverity.Information,
        source=source,
        code=p.comment.id,
    )
    if caps is not None and caps.data_support:
        d.data = {"uri": uri, "comment": p.comment.id}
    return d


async def show(ls: TielineServer, uri: str, *, refresh: bool = False) -> list[Placed]:
    """Read (or reuse) the threads of ``uri`` and publish them; nothing for other files."""
    from .ci_diagnostics import caps_of

    doc = ls.document(uri)
    path = path_of(uri)
    hub = await ls.wait_hub()
    if doc is None or path is None or hub is None or path.suffix.lower() != ".md":
        return []
    part = hub_part(hub)
    src = await part.source(path)
    if src is None:
        return []
    placed = await part.placed(path, doc.source, refresh=refresh)
    shown(ls)[uri] = placed
    caps = caps_of(ls)
    ls.diagnostics.set(OWNER, uri, [diagnostic(p, src.service, uri, caps) for p in placed])
    return placed


def opened(ls: TielineServer, uri: str) -> None:
    """A document opened: show its comments in the background (a request to the service).
    A newer call for the same file cancels the one still running, so the last text wins."""
    if not uri.lower().endswith(".md"):
        return

    async def run() -> None:
        try:
            await show(ls, uri)
        except Exception:
            log.warning("document comments of %s could not be read", uri, exc_info=True)

    running = _running(ls)
    old = running.pop(uri, None)
    if old is not None and not old.done():
        old.cancel()
    task = asyncio.ensure_future(run())
    running[uri] = task
    ls.background.add(task)
    task.add_done_callback(ls.background.discard)
    task.add_done_callback(lambda t: running.pop(uri, None) if running.get(uri) is t else None)


def changed(ls: TielineServer, uri: str) -> None:
    """A shown document changed (a sync pulled a new export): place its threads again, from
    what was read (a request only once that is older than the hub's TTL)."""
    if uri in shown(ls):
        opened(ls, uri)


def closed(ls: TielineServer, uri: str) -> None:
    task = _running(ls).pop(uri, None)
    if task is not None and not task.done():
        task.cancel()
    if shown(ls).pop(uri, None) is not None:
        ls.diagnostics.set(OWNER, uri, [])


def code_actions(ls: TielineServer, uri: str, at: types.Range) -> list[types.CodeAction]:
    """Reply and resolve for each thread on the lines of ``at``; refresh once."""
    placed = shown(ls).get(uri)
    if placed is None:
        return []
    out = []
    for p in placed:
        if at.start.line <= p.line <= max(at.end.line, at.start.line):
            who = message(p).split(":", 1)[0]
            out.append(_cmd(f"Reply to comment… ({who})", REPLY, [uri, p.comment.id]))
            out.append(_cmd(f"Resolve comment ({who})", RESOLVE, [uri, p.comment.id]))
    out.append(_cmd("Refresh comments", REFRESH, [uri]))
    return out


def _cmd(title: str, command: str, args: list[object]) -> types.CodeAction:
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.Empty,
        command=types.Command(title=title, command=command, arguments=args),
    )


def _asks(ls: TielineServer) -> bool:
    caps = ls.client_capabilities
    window = caps.window if caps else None
    return bool(window and window.show_message)


async def _canned(ls: TielineServer) -> str | None:
    choice = await ls.window_show_message_request_async(
        types.ShowMessageRequestParams(
            type=types.MessageType.Info,
            message="Reply to the comment with:",
            actions=[types.MessageActionItem(title=t) for t in CANNED],
        )
    )
    return choice.title if choice is not None else None


def setup(server: TielineServer) -> None:
    @server.command(REPLY)
    @guarded(REPLY)
    async def reply(ls: TielineServer, *args: Any) -> dict[str, Any]:
        """``[uri, comment_id, text?]``: answer the thread."""
        hub = await hub_or_fail(ls)
        uri = arg(list(args), 0, str, "uri")
        comment = arg(list(args), 1, str, "comment id")
        text = args[2] if len(args) > 2 and isinstance(args[2], str) else ""
        if not text.strip():
            if not _asks(ls):
                raise FeatureError(code=INVALID_PARAMS, message=NEEDS_TEXT)
            picked = await _canned(ls)
            if picked is None:
                return {"replied": False, "cancelled": True}
            text = picked
        path = _path(uri)
        await hub_part(hub).reply(path, comment, text)
        await show(ls, uri, refresh=True)
        return {"replied": True, "comment": comment}

    @server.command(RESOLVE)
    @guarded(RESOLVE)
    async def resolve(ls: TielineServer, *args: Any) -> dict[str, Any]:
        """``[uri, comment_id]``: close the thread."""
        hub = await hub_or_fail(ls)
        uri = arg(list(args), 0, str, "uri")
        comment = arg(list(args), 1, str, "comment id")
        await hub_part(hub).reply(_path(uri), comment, "", resolve=True)
        await show(ls, uri, refresh=True)
        return {"resolved": True, "comment": comment}

    @server.command(REFRESH)
    @guarded(REFRESH)
    async def refresh(ls: TielineServer, *args: Any) -> dict[str, Any]:
        """``[uri]``: read the threads again; without a uri (the palette), of every open
        export showing comments."""
        await hub_or_fail(ls)
        uris = [arg(list(args), 0, str, "uri")] if args else sorted(shown(ls))
        placed = [(u, p) for u in uris for p in await show(ls, u, refresh=True)]
        return {"comments": [{"uri": u, "id": p.comment.id, "line": p.line} for u, p in placed]}


def _path(uri: str) -> Path:
    path = path_of(uri)
    if path is None:
        raise FeatureError(code=INVALID_PARAMS, message=f"not a local file: {uri}")
    return path
