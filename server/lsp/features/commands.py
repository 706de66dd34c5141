"""``workspace/executeCommand``: refresh, open in browser, start work, check out a pull or
merge request, create an issue from a TODO. Every editor gets these; the shells also put
them in menus.

Arguments arrive as raw JSON from the editor, so each command checks its own and answers a
wrong one with ``-32602`` saying what it expected. Items are named by their id
(``github:github.com:octo/app#7``, ``jira:acme.atlassian.net:PROJ-7``); a bare number still
means an issue of the first folder's repository.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from connectors.sdk.errors import TielineError
from server.hub.refs import split_lines

from ..common import arg, hub_or_fail, info, item_arg
from ..guard import INVALID_PARAMS, FeatureError, guarded
from ..server import TielineServer, path_of
from .actions import todo_on

if TYPE_CHECKING:
    from server.hub.hub import Hub
    from server.hub.work import Destination


def _session(hub: Hub, ref: Any) -> Any:
    s = hub.session_for(ref.connector, ref.host, ref.scope)
    if s is None:
        name = (
            hub.registry.manifest(ref.connector).name
            if ref.connector in hub.registry
            else ref.connector
        )
        raise TielineError(f"sign in to {name} ({ref.host}) first")
    return s


async def _choose(ls: TielineServer, dests: list[Destination], what: str) -> Destination | None:
    """One destination, asked for when there are several (``window/showMessageRequest``)."""
    if len(dests) <= 1:
        return dests[0] if dests else None
    labels = {d.label: d for d in dests}
    choice = await ls.window_show_message_request_async(
        types.ShowMessageRequestParams(
            type=types.MessageType.Info,
            message=f"Where should the issue for {what!r} go?",
            actions=[types.MessageActionItem(title=t) for t in labels],
        )
    )
    return labels.get(choice.title) if choice is not None else None


def setup(server: TielineServer) -> None:
    in_flight: set[tuple[str, int]] = set()

    @server.command("tieline.refresh")
    @guarded("tieline.refresh")
    async def refresh(ls: TielineServer, *args: Any) -> None:
        hub = await hub_or_fail(ls)
        from .lifecycle import connect_and_sync

        await connect_and_sync(ls)  # opens what a sign-in elsewhere made possible
        await hub.refresh()

    @server.command("tieline.openInBrowser")
    @guarded("tieline.openInBrowser")
    async def open_in_browser(ls: TielineServer, *args: Any) -> bool:
        url = arg(list(args), 0, str, "url")
        if not url.startswith(("https://", "http://")):
            raise FeatureError(code=INVALID_PARAMS, message="only http(s) URLs can be opened")
        result = await ls.window_show_document_async(
            types.ShowDocumentParams(uri=url, external=True)
        )
        return bool(result and result.success)

    @server.command("tieline.startWork")
    @guarded("tieline.startWork")
    async def start_work(ls: TielineServer, *args: Any) -> dict[str, str]:
        from server.hub import work

        hub = await hub_or_fail(ls)
        ref = item_arg(hub, list(args))
        session = _session(hub, ref)
        folder = _folder_of(hub, ref)
        started = await work.start_work(hub, session, ref, folder)
        said = [f"branch {started.branch}"] if started.branch else []
        if started.status:
            said.append(f"moved to {started.status}")
        info(ls, f"Started work on {ref.label}: " + ", ".join(said))
        await hub.refresh()  # the CI panel follows the new branch
        out = {"branch": started.branch or ""}
        if started.status:
            out["status"] = started.status
        return out

    @server.command("tieline.checkoutPullRequest")
    @guarded("tieline.checkoutPullRequest")
    async def checkout_pr(ls: TielineServer, *args: Any) -> dict[str, str]:
        from connectors.sdk.models import PullRequest
        from server.hub import gitops

        hub = await hub_or_fail(ls)
        ref = item_arg(hub, list(args))
        session = _session(hub, ref)
        item = await session.coordinator.lookup(ref)
        if not isinstance(item, PullRequest):
            raise TielineError(f"{ref.label} is an issue, not a pull or merge request")
        folder = _folder_of(hub, ref)
        remotes = folder.remotes if folder else ()
        remote = next((r for r in remotes if r.repo.full_name == ref.scope), None)
        review_ref = session.manifest.attach.review_ref
        if folder is None or folder.root is None or remote is None or not review_ref:
            raise TielineError(f"open a clone of {ref.scope} to check out {ref.label}")
        branch = await asyncio.to_thread(
            gitops.checkout_pull_request,
            folder.root,
            remote.remote,
            item.number or 0,
            item.head_ref,
            review_ref,
        )
        info(ls, f"Checked out {ref.label} as {branch}")
        await hub.refresh()
        return {"branch": branch}

    @server.command("tieline.createIssueFromTodo")
    @guarded("tieline.createIssueFromTodo")
    async def create_from_todo(ls: TielineServer, *args: Any) -> dict[str, Any]:
        from server.hub import work

        uri = arg(list(args), 0, str, "document uri")
        line_no = arg(list(args), 1, int, "line")
        doc = ls.document(uri)
        lines = split_lines(doc.source) if doc else []
        if doc is None or not 0 <= line_no < len(lines):
            raise FeatureError(code=INVALID_PARAMS, message="no such open document or line")
        m = todo_on(lines[line_no])
        if m is None:
            raise TielineError("that line has no TODO without an issue")
        if (uri, line_no) in in_flight:
            raise TielineError("an issue for this TODO is already being created")
        hub = await hub_or_fail(ls)
        title = m.group("text").strip()
        dests = work.destinations(hub, hub.folder_for(path_of(uri)))
        wanted = args[2] if len(args) > 2 and isinstance(args[2], str) else None
        if wanted is not None:
            dests = [d for d in dests if d.id == wanted or d.label == wanted]
        if not dests:
            raise TielineError("sign in to a tracker this folder is attached to first")
        dest = await _choose(ls, dests, title)
        if dest is None:
            return {"cancelled": True}
        in_flight.add((uri, line_no))
        try:
            body = f"Created from a TODO in `{uri.rsplit('/', 1)[-1]}` (line {line_no + 1})."
            issue = await work.create_issue(hub, dest, title, body)
        finally:
            in_flight.discard((uri, line_no))
        named = issue.ref.key if issue.ref.relative else issue.ref.label
        start = m.start("tag") + len(m.group("tag"))
        col = len(lines[line_no][:start].encode("utf-16-le")) // 2
        edit = types.WorkspaceEdit(
            changes={
                uri: [
                    types.TextEdit(
                        range=types.Range(
                            start=types.Position(line_no, col), end=types.Position(line_no, col)
                        ),
                        new_text=f"({named})",
                    )
                ]
            }
        )
        await ls.workspace_apply_edit_async(
            types.ApplyWorkspaceEditParams(edit=edit, label=f"Link TODO to {named}")
        )
        info(ls, f"Created {issue.ref.label}: {title}")
        return {"number": issue.number, "key": issue.ref.key, "id": issue.key, "url": issue.url}


def _folder_of(hub: Hub, ref: Any) -> Any:
    for f in hub.folders:
        if any(r.repo.full_name == ref.scope and r.repo.host == ref.host for r in f.remotes):
            return f
    return hub.folders[0] if hub.folders else None
