"""Code actions: create an issue from a TODO comment; act on the reference under the cursor."""

from __future__ import annotations

import re

from lsprotocol import types

from server.hub.refs import IssueTarget, reference_at, split_lines

from ..guard import guarded
from ..server import TielineServer

TODO = re.compile(r"\b(?P<tag>TODO|FIXME)(?P<ref>\(#\d+\))?\s*:?\s*(?P<text>.*?)\s*(?:\*/|-->)?$")


def todo_on(line: str) -> re.Match[str] | None:
    """A TODO/FIXME that has no issue yet, with enough text to be an issue title."""
    m = TODO.search(line)
    if m is None or m.group("ref") or len(m.group("text").strip()) < 3:
        return None
    return m


def setup(server: TielineServer) -> None:
    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(
            code_action_kinds=[types.CodeActionKind.QuickFix, types.CodeActionKind.Empty]
        ),
    )
    @guarded("textDocument/codeAction")
    async def code_actions(
        ls: TielineServer, params: types.CodeActionParams
    ) -> list[types.CodeAction] | None:
        doc = ls.document(params.text_document.uri)
        hub = await ls.wait_hub()
        if doc is None or hub is None:
            return None
        lines = split_lines(doc.source)
        out: list[types.CodeAction] = []
        first = max(0, params.range.start.line)
        last = min(len(lines) - 1, params.range.end.line, first + 50)
        for n in range(first, last + 1):
            m = todo_on(lines[n])
            if m is None or not hub.scanner.in_prose(
                doc.source, n, len(lines[n]), language_id=doc.language_id, uri=doc.uri
            ):
                continue
            out.append(
                types.CodeAction(
                    title="Create GitHub issue from this TODO",
                    kind=types.CodeActionKind.QuickFix,
                    command=types.Command(
                        title="Create GitHub issue from this TODO",
                        command="tieline.createIssueFromTodo",
                        arguments=[doc.uri, n],
                    ),
                )
            )
        pos = params.range.start
        ref = reference_at(ls.references(doc), pos.line, pos.character)
        if ref is not None and isinstance(ref.target, IssueTarget):
            n = ref.target.number
            item = hub.cached(ref.target.repo, n)
            is_pr = item is not None and item.is_pull_request
            if ref.url:
                out.append(
                    _cmd(f"Open {ref.text} in the browser", "tieline.openInBrowser", [ref.url])
                )
            if is_pr:
                out.append(_cmd(f"Check out PR #{n}", "tieline.checkoutPullRequest", [n]))
            else:
                out.append(_cmd(f"Start work on #{n}", "tieline.startWork", [n]))
        return out


def _cmd(title: str, command: str, args: list[object]) -> types.CodeAction:
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.Empty,
        command=types.Command(title=title, command=command, arguments=args),
    )
