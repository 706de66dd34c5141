"""Completion of open issue numbers after ``#`` and of people after ``@``, in prose only.

"Prose" is Markdown, plain text and commit messages anywhere, and comments and strings in
source code: completing ``#`` in a C preprocessor line or ``@`` on a Python decorator would
be noise. Issues come from the index; people are fetched once per session and cached.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lsprotocol import types

from server.hub.refs import index_of, split_lines

from ..guard import guarded
from ..server import TielineServer

if TYPE_CHECKING:
    from connectors.sdk.models import User

_HASH = re.compile(r"(?:^|[\s(\[{,;:])#(\d*)$")
_AT = re.compile(r"(?:^|[\s(\[{,;:])@([A-Za-z0-9-]*)$")
MAX_ITEMS = 200


def setup(server: TielineServer) -> None:
    users_cache: dict[str, list[User]] = {}

    async def people(ls: TielineServer) -> list[User]:
        hub = ls.hub
        if hub is None or hub.primary is None or hub.workspace is None:
            return []
        key = hub.primary.key
        if key not in users_cache:
            from connectors.sdk.capabilities import IssueTracker

            tracker: IssueTracker = hub.primary.connector.capability(IssueTracker)
            users_cache[key] = list(await tracker.search_users(hub.workspace.repo, ""))
        return users_cache[key]

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        types.CompletionOptions(trigger_characters=["#", "@"]),
    )
    @guarded("textDocument/completion")
    async def complete(
        ls: TielineServer, params: types.CompletionParams
    ) -> types.CompletionList | None:
        from ..cards import issue_completion, user_completion

        doc = ls.document(params.text_document.uri)
        hub = await ls.wait_hub()
        if doc is None or hub is None or hub.primary is None:
            return None
        lines = split_lines(doc.source)
        pos = params.position
        if not 0 <= pos.line < len(lines):
            return None
        line = lines[pos.line]
        cut = index_of(line, pos.character)
        before = line[:cut]
        if not hub.scanner.in_prose(
            doc.source, pos.line, pos.character, language_id=doc.language_id, uri=doc.uri
        ):
            return None
        items: list[types.CompletionItem] = []
        if m := _HASH.search(before):
            start = pos.character - (len(m.group(1)) + 1)
            edit_range = types.Range(start=types.Position(pos.line, start), end=pos)
            index = hub.primary.coordinator.index
            for issue in index.list("issues.repo_open")[:MAX_ITEMS]:
                item = issue_completion(issue)
                item.text_edit = types.TextEdit(range=edit_range, new_text=f"#{issue.number}")
                items.append(item)
        elif m := _AT.search(before):
            start = pos.character - (len(m.group(1)) + 1)
            edit_range = types.Range(start=types.Position(pos.line, start), end=pos)
            for user in (await people(ls))[:MAX_ITEMS]:
                item = user_completion(user)
                item.text_edit = types.TextEdit(range=edit_range, new_text=f"@{user.login}")
                items.append(item)
        else:
            return None
        return types.CompletionList(is_incomplete=False, items=items)
