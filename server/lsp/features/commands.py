"""``workspace/executeCommand``: refresh, open in browser, start work, check out a PR,
create an issue from a TODO. Every editor gets these; the shells also put them in menus.

Arguments arrive as raw JSON from the editor, so each command checks its own and answers a
wrong one with ``-32602`` saying what it expected.
"""

from __future__ import annotations

import asyncio
from typing import Any

from lsprotocol import types

from connectors.sdk.errors import TielineError
from server.hub.refs import split_lines

from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..server import TielineServer
from .actions import todo_on


def _arg(args: Any, i: int, kind: type, name: str) -> Any:
    if not isinstance(args, list) or len(args) <= i or not isinstance(args[i], kind):
        raise FeatureError(
            code=INVALID_PARAMS,
            message=f"expected argument {i + 1} ({name}) of type {kind.__name__}",
        )
    if kind is int and isinstance(args[i], bool):
        raise FeatureError(
            code=INVALID_PARAMS, message=f"argument {i + 1} ({name}) is not a number"
        )
    return args[i]


async def _hub_or_fail(ls: TielineServer) -> Any:
    hub = await ls.wait_hub()
    if hub is None:
        raise TielineError("Tieline is still starting; try again in a moment")
    return hub


async def _item_in_clone(
    ls: TielineServer, args: tuple[Any, ...], what: str, doing: str
) -> tuple[Any, int, Any]:
    """The hub, the number argument and its item, for commands that act on the clone."""
    number = _arg(list(args), 0, int, f"{what} number")
    hub = await _hub_or_fail(ls)
    if hub.workspace is None:
        raise TielineError(f"open a clone of the repository to {doing}")
    return hub, number, await hub.lookup(None, number)


def _info(ls: TielineServer, message: str) -> None:
    ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=message))


def setup(server: TielineServer) -> None:
    in_flight: set[tuple[str, int]] = set()

    @server.command("tieline.refresh")
    @guarded("tieline.refresh")
    async def refresh(ls: TielineServer, *args: Any) -> None:
        hub = await _hub_or_fail(ls)
        if hub.primary is None:
            from .lifecycle import connect_and_sync

            await connect_and_sync(ls)
        else:
            await hub.refresh()

    @server.command("tieline.openInBrowser")
    @guarded("tieline.openInBrowser")
    async def open_in_browser(ls: TielineServer, *args: Any) -> bool:
        url = _arg(list(args), 0, str, "url")
        if not url.startswith(("https://", "http://")):
            raise FeatureError(code=INVALID_PARAMS, message="only http(s) URLs can be opened")
        result = await ls.window_show_document_async(
            types.ShowDocumentParams(uri=url, external=True)
        )
        return bool(result and result.success)

    @server.command("tieline.startWork")
    @guarded("tieline.startWork")
    async def start_work(ls: TielineServer, *args: Any) -> dict[str, str]:
        from server.hub import gitops

        hub, number, issue = await _item_in_clone(ls, args, "issue", "start work on an issue")
        login = hub.primary.login if hub.primary else ""
        name = gitops.branch_name(
            hub.config.branch_template, number=number, title=issue.title, login=login
        )
        await asyncio.to_thread(gitops.start_branch, hub.workspace.root, name)
        _info(ls, f"Switched to branch {name} for #{number}")
        await hub.refresh()  # the CI panel follows the new branch
        return {"branch": name}

    @server.command("tieline.checkoutPullRequest")
    @guarded("tieline.checkoutPullRequest")
    async def checkout_pr(ls: TielineServer, *args: Any) -> dict[str, str]:
        from connectors.sdk.models import PullRequest
        from server.hub import gitops

        hub, number, item = await _item_in_clone(
            ls, args, "pull request", "check out a pull request"
        )
        if not isinstance(item, PullRequest):
            raise TielineError(f"#{number} is an issue, not a pull request")
        ws = hub.workspace
        branch = await asyncio.to_thread(
            gitops.checkout_pull_request, ws.root, ws.remote, number, item.head_ref
        )
        _info(ls, f"Checked out PR #{number} as {branch}")
        await hub.refresh()
        return {"branch": branch}

    @server.command("tieline.createIssueFromTodo")
    @guarded("tieline.createIssueFromTodo")
    async def create_from_todo(ls: TielineServer, *args: Any) -> dict[str, Any]:
        uri = _arg(list(args), 0, str, "document uri")
        line_no = _arg(list(args), 1, int, "line")
        doc = ls.document(uri)
        lines = split_lines(doc.source) if doc else []
        if doc is None or not 0 <= line_no < len(lines):
            raise FeatureError(code=INVALID_PARAMS, message="no such open document or line")
        m = todo_on(lines[line_no])
        if m is None:
            raise TielineError("that line has no TODO without an issue")
        if (uri, line_no) in in_flight:
            raise TielineError("an issue for this TODO is already being created")
        hub = await _hub_or_fail(ls)
        in_flight.add((uri, line_no))
        try:
            title = m.group("text").strip()
            body = f"Created from a TODO in `{uri.rsplit('/', 1)[-1]}` (line {line_no + 1})."
            issue = await hub.create_issue(title, body)
        finally:
            in_flight.discard((uri, line_no))
        start = m.start("tag") + len(m.group("tag"))
        col = len(lines[line_no][:start].encode("utf-16-le")) // 2
        edit = types.WorkspaceEdit(
            changes={
                uri: [
                    types.TextEdit(
                        range=types.Range(
                            start=types.Position(line_no, col), end=types.Position(line_no, col)
                        ),
                        new_text=f"(#{issue.number})",
                    )
                ]
            }
        )
        await ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label=f"Link TODO to #{issue.number}")
        )
        _info(ls, f"Created #{issue.number}: {title}")
        return {"number": issue.number, "url": issue.url}
