"""Code actions: create an issue from a TODO comment (on any tracker the folder is attached
to); create the note a broken wikilink names; act on the reference under the cursor (open
it, start work, check out a request); save the selection as a snippet, or share it to chat."""

from __future__ import annotations

import re

from lsprotocol import types

from server.hub.refs import split_lines

from ..guard import guarded
from ..server import TielineServer, path_of

#: A TODO/FIXME, unless it already names an item: ``TODO(#12)``, ``TODO(!3)``,
#: ``TODO(group/app#12)``, ``TODO(PROJ-7)``.
TODO = re.compile(
    r"\b(?P<tag>TODO|FIXME)(?P<ref>\((?:[\w./-]*[#!]\d+|[A-Z][A-Z0-9_]*-\d+)\))?"
    r"\s*:?\s*(?P<text>.*?)\s*(?:\*/|-->)?$"
)
CREATE = "Create issue from this TODO"


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
        from connectors.sdk.models import PullRequest
        from server.hub import work
        from server.hub.refs import ItemTarget, reference_at

        from . import diagrams

        doc = ls.document(params.text_document.uri)
        if doc is None:
            return None
        from connectors.sdk.capabilities import Assistant

        from .ai import code_actions as ai_actions
        from .chat import code_actions as chat_actions
        from .citations import code_actions as citation_actions
        from .doccomments import code_actions as comment_actions
        from .mail import code_actions as mail_actions
        from .papers import code_actions as paper_actions
        from .snippets import code_actions as snippet_actions
        from .wikilinks import code_actions as note_actions

        drawn = [
            *diagrams.feature(ls).actions(doc, params.range),
            *note_actions(ls, doc.uri, params.context),
        ]
        hub = await ls.wait_hub()
        if hub is None:
            return drawn or None
        lines = split_lines(doc.source)
        out: list[types.CodeAction] = [
            *drawn,
            *snippet_actions(doc.uri, params.range),
            *chat_actions(hub, doc.uri, params.range),
            *mail_actions(ls, doc.uri, params.range),
            *comment_actions(ls, doc.uri, params.range),
            *paper_actions(ls, doc, params.range),
            *citation_actions(ls, doc.uri, params.range),
        ]
        first = max(0, params.range.start.line)
        last = min(len(lines) - 1, params.range.end.line, first + 50)
        if hub.sessions_with(Assistant, ask=False):
            out += ai_actions(doc.uri, lines, first, last)
        dests = work.destinations(hub, hub.folder_for(path_of(doc.uri)))
        title = (
            f"Create {dests[0].session.manifest.name} issue from this TODO"
            if len({d.session.connector_id for d in dests}) == 1
            else CREATE + ("…" if len(dests) > 1 else "")
        )
        for n in range(first, last + 1) if dests else ():
            m = todo_on(lines[n])
            if m is None or not hub.scanner.in_prose(
                doc.source, n, len(lines[n]), language_id=doc.language_id, uri=doc.uri
            ):
                continue
            out.append(
                types.CodeAction(
                    title=title,
                    kind=types.CodeActionKind.QuickFix,
                    command=types.Command(
                        title=title, command="tieline.createIssueFromTodo", arguments=[doc.uri, n]
                    ),
                )
            )
        pos = params.range.start
        ref = reference_at(ls.references(doc), pos.line, pos.character)
        if ref is not None and isinstance(ref.target, ItemTarget) and ref.target.ref is not None:
            item_id = ref.target.ref.id
            item = hub.cached(ref.target)
            if ref.url or (item and item.url):
                url = ref.url or (item.url if item else "")
                out.append(_cmd(f"Open {ref.text} in the browser", "tieline.openInBrowser", [url]))
            if isinstance(item, PullRequest):
                word = "MR" if item.ref.key.startswith("!") else "PR"
                out.append(
                    _cmd(
                        f"Check out {word} {item.ref.key}", "tieline.checkoutPullRequest", [item_id]
                    )
                )
            elif not (item and item.is_pull_request):
                out.append(
                    _cmd(f"Start work on {ref.target.label}", "tieline.startWork", [item_id])
                )
        return out


def _cmd(title: str, command: str, args: list[object]) -> types.CodeAction:
    return types.CodeAction(
        title=title,
        kind=types.CodeActionKind.Empty,
        command=types.Command(title=title, command=command, arguments=args),
    )
