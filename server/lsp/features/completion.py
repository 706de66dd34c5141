"""Completion of open issue numbers after ``#`` and of people after ``@``, in prose only;
of snippets after the snippet prefix anywhere (:mod:`.snippets`); in a note of a Markdown
vault, of notes, headings and tags (:mod:`.wikilinks`).

"Prose" is Markdown, plain text and commit messages anywhere, and comments and strings in
source code: completing ``#`` in a C preprocessor line or ``@`` on a Python decorator would
be noise. Issues are the open ones of the document's repositories (from every code host the
folder has a remote on), read from the index; people are fetched once per session and
repository and cached.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from lsprotocol import types

from server.hub.refs import index_of, split_lines

from ..guard import guarded
from ..server import TielineServer

if TYPE_CHECKING:
    from connectors.sdk.models import Issue, User
    from server.hub.hub import Hub
    from server.hub.sessions import Session
    from server.hub.workspace import Folder

_HASH = re.compile(r"(?:^|[\s(\[{,;:])#(\d*)$")
_AT = re.compile(r"(?:^|[\s(\[{,;:])@([A-Za-z0-9-]*)$")
MAX_ITEMS = 200


def _repo_sessions(hub: Hub, folder: Folder | None) -> list[tuple[Session, str]]:
    """The folder's repositories, each with the session serving it."""
    out: list[tuple[Session, str]] = []
    for r in folder.remotes if folder else ():
        s = hub.session_for(r.connector, r.repo.host, r.repo.full_name)
        if s is not None:
            out.append((s, r.repo.full_name))
    return out


def _open_issues(pairs: list[tuple[Session, str]]) -> list[Issue]:
    out: list[Issue] = []
    for s, scope in pairs:
        out += [i for i in s.coordinator.index.list("issues.open") if i.ref.scope == scope]
    return out


def setup(server: TielineServer) -> None:
    users_cache: dict[str, list[User]] = {}

    async def people(pairs: list[tuple[Session, str]]) -> list[User]:
        from connectors.sdk.capabilities import IssueTracker

        out: list[User] = []
        for s, scope in pairs[:1]:  # the folder's own repository: whose names matter here
            key = f"{s.key}|{scope}"
            if key not in users_cache and s.connector.provides(IssueTracker):
                tracker: IssueTracker = s.connector.capability(IssueTracker)
                users_cache[key] = list(await tracker.search_users(scope, ""))
            out += users_cache.get(key, [])
        return out

    @server.feature(
        types.TEXT_DOCUMENT_COMPLETION,
        # ":" ends the default snippet trigger prefix (``snip:``); "[" opens a wikilink.
        # "{" and "," open and go on with a LaTeX \\cite{a,b} (:mod:`.citations`).
        types.CompletionOptions(
            trigger_characters=["#", "@", ":", "[", "{", ","], resolve_provider=True
        ),
    )
    @guarded("textDocument/completion")
    async def complete(
        ls: TielineServer, params: types.CompletionParams
    ) -> types.CompletionList | None:
        from ..cards import issue_completion, user_completion
        from ..server import path_of
        from .snippets import complete as complete_snippets

        doc = ls.document(params.text_document.uri)
        hub = await ls.wait_hub()
        if doc is None or hub is None:
            return None
        from .wikilinks import complete as complete_notes

        notes = complete_notes(ls, params)
        if notes is not None:
            return notes
        from .citations import complete as complete_citations

        cites = await complete_citations(ls, params)
        if cites is not None:
            return cites
        snippets = await complete_snippets(ls, hub, params)
        if snippets is not None:
            return snippets
        context = params.context
        if not hub.sessions or (context is not None and context.trigger_character == ":"):
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
        pairs = _repo_sessions(hub, hub.folder_for(path_of(doc.uri)))
        items: list[types.CompletionItem] = []
        if m := _HASH.search(before):
            start = pos.character - (len(m.group(1)) + 1)
            edit_range = types.Range(start=types.Position(pos.line, start), end=pos)
            for issue in _open_issues(pairs)[:MAX_ITEMS]:
                item = issue_completion(issue)
                item.text_edit = types.TextEdit(range=edit_range, new_text=f"#{issue.number}")
                items.append(item)
        elif m := _AT.search(before):
            start = pos.character - (len(m.group(1)) + 1)
            edit_range = types.Range(start=types.Position(pos.line, start), end=pos)
            for user in (await people(pairs))[:MAX_ITEMS]:
                item = user_completion(user)
                item.text_edit = types.TextEdit(range=edit_range, new_text=f"@{user.login}")
                items.append(item)
        else:
            return None
        return types.CompletionList(is_incomplete=False, items=items)

    @server.feature(types.COMPLETION_ITEM_RESOLVE)
    @guarded("completionItem/resolve")
    async def resolve(ls: TielineServer, item: types.CompletionItem) -> types.CompletionItem:
        """Only a note's item has more to say (its preview); every other comes back as it
        went."""
        from .wikilinks import resolve_item

        return await resolve_item(ls, item)
